package main

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// The step's schedule is kept: 100/s, 400/s for the second second, 100/s again.
func TestAttackSendsOnTheStepsSchedule(t *testing.T) {
	server, _ := countingServer(t, http.StatusOK, nil)
	d := &dialer{timeout: 5 * time.Second}
	targets := []vegeta.Target{{Method: "GET", URL: server.URL + "/a"}, {Method: "GET", URL: server.URL + "/b"}}
	pacer := stepPacer{base: 100, extra: 300, from: time.Second, to: 2 * time.Second}
	answers := attack(newClient(0, 5*time.Second, d), targets, pacer, 3*time.Second, 5*time.Second, make(chan struct{}))
	if len(answers) < 598 || len(answers) > 601 {
		t.Fatalf("sent %d, want 600", len(answers))
	}
	first := answers[0].at
	perSecond := make([]int, 3)
	for i, a := range answers {
		if a.status != http.StatusOK || a.err != "" {
			t.Fatalf("answer %d: %d %q", i, a.status, a.err)
		}
		if a.target != i%2 {
			t.Fatalf("answer %d went to target %d: the targets are taken in turn", i, a.target)
		}
		perSecond[min(2, int(a.at.Sub(first)/time.Second))]++
	}
	for second, want := range []int{100, 400, 100} {
		if got := perSecond[second]; got < want-5 || got > want+5 {
			t.Fatalf("second %d sent %d, want %d (all: %v)", second, got, want, perSecond)
		}
	}
}

// What vegeta's encoder gets: a refusal keeps its Retry-After, a timeout and a connection error
// their error text (report/open-model.mts tells them apart by it), and `vegeta encode` reads it back.
func TestAnswersBecomeVegetasResults(t *testing.T) {
	refusing, _ := countingServer(t, http.StatusServiceUnavailable, http.Header{"Retry-After": {"1"}, "X-Other": {"dropped"}})
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { time.Sleep(500 * time.Millisecond) }))
	t.Cleanup(slow.Close)
	closed, _ := countingServer(t, http.StatusOK, nil)
	closedURL := closed.URL
	closed.Close()

	d := &dialer{timeout: 200 * time.Millisecond}
	client := newClient(0, 200*time.Millisecond, d)
	targets := []vegeta.Target{
		{Method: "GET", URL: refusing.URL + "/r", Header: http.Header{"Authorization": {"Bearer x"}}},
		{Method: "GET", URL: slow.URL + "/s"},
		{Method: "POST", URL: closedURL + "/c", Body: []byte("{}")},
	}
	var encoded bytes.Buffer
	encoder := vegeta.NewEncoder(&encoded)
	for i, target := range targets {
		result := send(client, target, 200*time.Millisecond).result(uint64(i), target)
		if err := encoder.Encode(&result); err != nil {
			t.Fatal(err)
		}
	}
	decode := vegeta.NewDecoder(&encoded)
	var refused, timedOut, refusedConnection vegeta.Result
	for _, r := range []*vegeta.Result{&refused, &timedOut, &refusedConnection} {
		if err := decode.Decode(r); err != nil {
			t.Fatal(err)
		}
	}
	if refused.Code != 503 || refused.Headers.Get("Retry-After") != "1" || refused.Headers.Get("X-Other") != "" || refused.URL != refusing.URL+"/r" {
		t.Fatalf("refusal recorded as %+v", refused)
	}
	if timedOut.Code != 0 || !strings.Contains(strings.ToLower(timedOut.Error), "timeout") || timedOut.Latency < 150*time.Millisecond {
		t.Fatalf("timeout recorded as %+v", timedOut)
	}
	if refusedConnection.Code != 0 || refusedConnection.Error == "" || strings.Contains(strings.ToLower(refusedConnection.Error), "timeout") || refusedConnection.Method != "POST" || refusedConnection.BytesOut != 2 {
		t.Fatalf("connection error recorded as %+v", refusedConnection)
	}
}
