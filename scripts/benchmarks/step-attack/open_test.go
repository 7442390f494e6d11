package main

import (
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/valyala/fasthttp"
)

// A server that counts the connections it accepted, answering each request with `status`.
func countingServer(t *testing.T, status int, header http.Header) (*httptest.Server, *atomic.Int64) {
	var accepted atomic.Int64
	server := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		for name, values := range header {
			w.Header()[name] = values
		}
		w.WriteHeader(status)
		_, _ = w.Write([]byte(`{"status":"pass"}`))
	}))
	server.Config.ConnState = func(_ net.Conn, state http.ConnState) {
		if state == http.StateNew {
			accepted.Add(1)
		}
	}
	server.Start()
	t.Cleanup(server.Close)
	return server, &accepted
}

func TestOpenConnectionsLeavesThemAllOpenForTheAttack(t *testing.T) {
	server, accepted := countingServer(t, http.StatusOK, nil)
	d := &dialer{timeout: 5 * time.Second}
	client := newClient(200, 5*time.Second, d)
	if err := openConnections(client, d, server.URL+"/live", 150); err != nil {
		t.Fatal(err)
	}
	if accepted.Load() != 150 {
		t.Fatalf("the server accepted %d connections, not 150", accepted.Load())
	}
	// 150 requests at once after it, on a pool of 150 idle connections: no new dial.
	done := make(chan error, 150)
	for range 150 {
		go func() {
			_, _, err := client.Get(nil, server.URL+"/profile")
			done <- err
		}()
	}
	for range 150 {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
	if d.dialled.Load() != 150 || accepted.Load() != 150 {
		t.Fatalf("the attack's requests dialled %d connections (the server accepted %d), not the 150 opened first", d.dialled.Load(), accepted.Load())
	}
}

func TestOpenConnectionsFailsWhenTheURLDoesNotAnswer200(t *testing.T) {
	server, _ := countingServer(t, http.StatusServiceUnavailable, nil)
	d := &dialer{timeout: 5 * time.Second}
	err := openConnections(newClient(0, 5*time.Second, d), d, server.URL+"/live", 5)
	if err == nil || !strings.Contains(err.Error(), "503") {
		t.Fatalf("want an error naming the 503, got %v", err)
	}
}

func TestOpenConnectionsFailsWhenNothingListens(t *testing.T) {
	server, _ := countingServer(t, http.StatusOK, nil)
	url := server.URL
	server.Close()
	d := &dialer{timeout: 5 * time.Second}
	if err := openConnections(newClient(0, 5*time.Second, d), d, url+"/live", 5); err == nil {
		t.Fatal("want an error when no server listens")
	}
}

// Only a GET or HEAD whose kept-alive connection was closed before any answer is sent again.
func TestRetryStaleRetriesOnlyWhatNetHTTPWould(t *testing.T) {
	request := func(method string) *fasthttp.Request {
		r := &fasthttp.Request{}
		r.Header.SetMethod(method)
		return r
	}
	cases := []struct {
		method string
		err    error
		want   bool
	}{
		{"GET", io.EOF, true},
		{"HEAD", fasthttp.ErrConnectionClosed, true},
		{"POST", io.EOF, false},
		{"PATCH", fasthttp.ErrConnectionClosed, false},
		{"GET", fasthttp.ErrTimeout, false},
		{"GET", errors.New("read: connection reset by peer"), false},
	}
	for _, c := range cases {
		if _, retry := retryStale(request(c.method), 1, c.err); retry != c.want {
			t.Errorf("%s after %v: retry %v, want %v", c.method, c.err, retry, c.want)
		}
	}
}
