package main

import (
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
)

// A server that counts the connections it accepted, answering each request with `status`.
func countingServer(t *testing.T, status int) (*httptest.Server, *atomic.Int64) {
	var accepted atomic.Int64
	server := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
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
	server, accepted := countingServer(t, http.StatusOK)
	var dialled atomic.Int64
	client := &http.Client{Transport: newTransport(200, &dialled)}
	if err := openConnections(client, &dialled, server.URL+"/live", 150); err != nil {
		t.Fatal(err)
	}
	if accepted.Load() != 150 {
		t.Fatalf("the server accepted %d connections, not 150", accepted.Load())
	}
	// 150 requests at once after it, answered one by one by a pool of 150 idle connections: no new dial.
	done := make(chan error, 150)
	for range 150 {
		go func() {
			response, err := client.Get(server.URL + "/profile")
			if err == nil {
				err = response.Body.Close()
			}
			done <- err
		}()
	}
	for range 150 {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
	if dialled.Load() != 150 || accepted.Load() != 150 {
		t.Fatalf("the attack's requests dialled %d connections (the server accepted %d), not the 150 opened first", dialled.Load(), accepted.Load())
	}
}

func TestOpenConnectionsFailsWhenTheURLDoesNotAnswer200(t *testing.T) {
	server, _ := countingServer(t, http.StatusServiceUnavailable)
	var dialled atomic.Int64
	client := &http.Client{Transport: newTransport(0, &dialled)}
	err := openConnections(client, &dialled, server.URL+"/live", 5)
	if err == nil || !strings.Contains(err.Error(), "503") {
		t.Fatalf("want an error naming the 503, got %v", err)
	}
}

func TestOpenConnectionsFailsWhenNothingListens(t *testing.T) {
	server, _ := countingServer(t, http.StatusOK)
	url := server.URL
	server.Close()
	var dialled atomic.Int64
	client := &http.Client{Transport: newTransport(0, &dialled)}
	if err := openConnections(client, &dialled, url+"/live", 5); err == nil {
		t.Fatal("want an error when no server listens")
	}
}
