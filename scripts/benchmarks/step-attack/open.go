package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// newTransport is vegeta's own (lib/attack.go, NewAttacker) with the connection limit set before
// the first request (a limit changed afterwards breaks the transport's count of its connections)
// and every connection it dials counted in `dialled`.
func newTransport(maxConnections int, dialled *atomic.Int64) *http.Transport {
	dialer := &net.Dialer{KeepAlive: 30 * time.Second}
	return &http.Transport{
		Proxy:               http.ProxyFromEnvironment,
		MaxIdleConnsPerHost: 10000,
		MaxConnsPerHost:     maxConnections,
		DialContext: func(ctx context.Context, network, address string) (net.Conn, error) {
			dialled.Add(1)
			return dialer.DialContext(ctx, network, address)
		},
	}
}

// openConnections leaves n connections to url's host open and idle in the client's pool, so that
// the attack's requests go out on them instead of dialling on the generator's core while they are
// being measured (bench/results/spike-bound.md, section 12). Each of the n requests keeps its
// connection until all n have their answer (an unread body keeps a connection out of the pool),
// so none can reuse another's connection; `dialled` must then have grown by exactly n.
func openConnections(client *http.Client, dialled *atomic.Int64, url string, n int) error {
	before := dialled.Load()
	var answered, done sync.WaitGroup
	answered.Add(n)
	done.Add(n)
	release := make(chan struct{})
	failures := make(chan error, n)
	for range n {
		go func() {
			defer done.Done()
			response, err := client.Get(url)
			answered.Done()
			if err != nil {
				failures <- err
				return
			}
			defer response.Body.Close()
			<-release
			if response.StatusCode != http.StatusOK {
				failures <- fmt.Errorf("answered %s", response.Status)
			} else if _, err := io.Copy(io.Discard, response.Body); err != nil {
				failures <- err
			}
		}()
	}
	answered.Wait()
	close(release)
	done.Wait()
	close(failures)
	if err := <-failures; err != nil {
		return fmt.Errorf("opening %d connections to %s: %w", n, url, err)
	}
	if opened := dialled.Load() - before; opened != int64(n) {
		return fmt.Errorf("opening %d connections to %s dialled %d", n, url, opened)
	}
	return nil
}
