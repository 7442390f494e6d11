package main

import (
	"errors"
	"math"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/valyala/fasthttp"
)

// dialer counts the connections the client dials and, while opening them before the attack, holds
// each dial until `opening` dials have begun: so n requests at once get n connections.
type dialer struct {
	dialled atomic.Int64
	mu      sync.Mutex
	opening int64
	opened  chan struct{}
	timeout time.Duration
}

func (d *dialer) dial(address string) (net.Conn, error) {
	count := d.dialled.Add(1)
	d.mu.Lock()
	opening, opened := d.opening, d.opened
	if opening > 0 && count == opening {
		close(opened)
	}
	d.mu.Unlock()
	if opening > 0 {
		select {
		case <-opened:
		case <-time.After(d.timeout):
			return nil, errors.New("the connections opened first: not all requests dialled")
		}
	}
	return net.DialTimeout("tcp", address, d.timeout)
}

// newClient is the attack's HTTP client: fasthttp, whose cost per request on the generator's core
// is about half Go's net/http (vegeta's), so the generator keeps a 4× spike's schedule from one
// core (bench/results/spike-bound.md, section 14). At most maxConnections connections (0: no limit);
// a request that finds them all busy waits for one, and the wait counts as its latency, as in vegeta.
func newClient(maxConnections int, timeout time.Duration, d *dialer) *fasthttp.Client {
	if maxConnections == 0 {
		maxConnections = math.MaxInt32
	}
	return &fasthttp.Client{
		Dial:                     d.dial,
		MaxConnsPerHost:          maxConnections,
		MaxConnWaitTimeout:       timeout,
		MaxIdleConnDuration:      5 * time.Minute,
		ReadTimeout:              timeout,
		WriteTimeout:             timeout,
		NoDefaultUserAgentHeader: true,
		DisablePathNormalizing:   true,
	}
}
