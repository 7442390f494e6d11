package main

import (
	"errors"
	"io"
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

func (d *dialer) dial(address string, timeout time.Duration) (net.Conn, error) {
	// What remains of the request's time; fasthttp passes 0 where it has none to give.
	if timeout <= 0 {
		timeout = d.timeout
	}
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
		case <-time.After(timeout):
			return nil, errors.New("the connections opened first: not all requests dialled")
		}
	}
	return net.DialTimeout("tcp", address, timeout)
}

// retryStale sends a GET or HEAD once more when its connection had been closed by the server before
// the first byte of an answer: a kept-alive connection closed while idle, which Go's net/http
// (vegeta) retries too. Any other failure is recorded as it happened, not hidden by a retry.
func retryStale(request *fasthttp.Request, _ int, err error) (bool, bool) {
	idempotent := request.Header.IsGet() || request.Header.IsHead()
	return false, idempotent && (errors.Is(err, io.EOF) || errors.Is(err, fasthttp.ErrConnectionClosed))
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
		DialTimeout:               d.dial,
		MaxIdemponentCallAttempts: 2,
		RetryIfErr:                retryStale,
		// The connection used last goes first, as in net/http: the ones a rate needs stay busy and
		// the rest idle. Taken in turn instead, the 1,000 opened first all reach Nginx's 1,000
		// requests per connection at once, and as many dials follow within a moment.
		ConnPoolStrategy:         fasthttp.LIFO,
		MaxConnsPerHost:          maxConnections,
		MaxConnWaitTimeout:       timeout,
		MaxIdleConnDuration:      5 * time.Minute,
		ReadTimeout:              timeout,
		WriteTimeout:             timeout,
		NoDefaultUserAgentHeader: true,
		DisablePathNormalizing:   true,
	}
}
