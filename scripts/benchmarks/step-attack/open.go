package main

import (
	"fmt"
	"sync"

	"github.com/valyala/fasthttp"
)

// openConnections leaves n connections to url's host open and idle in the client's pool, so that
// the attack's requests go out on them instead of dialling on the generator's core while they are
// being measured (bench/results/spike-bound.md, section 12). n requests of url at once, whose
// dials the dialer holds until all n have begun: none can reuse another's connection. Each must
// answer 200.
func openConnections(client *fasthttp.Client, d *dialer, url string, n int) error {
	before := d.dialled.Load()
	d.mu.Lock()
	d.opening, d.opened = before+int64(n), make(chan struct{})
	d.mu.Unlock()
	defer func() {
		d.mu.Lock()
		d.opening, d.opened = 0, nil
		d.mu.Unlock()
	}()
	failures := make(chan error, n)
	var done sync.WaitGroup
	for range n {
		done.Add(1)
		go func() {
			defer done.Done()
			status, _, err := client.GetTimeout(nil, url, d.timeout)
			if err == nil && status != fasthttp.StatusOK {
				err = fmt.Errorf("answered %d", status)
			}
			failures <- err
		}()
	}
	done.Wait()
	close(failures)
	for err := range failures {
		if err != nil {
			return fmt.Errorf("opening %d connections to %s: %w", n, url, err)
		}
	}
	if opened := d.dialled.Load() - before; opened != int64(n) {
		return fmt.Errorf("opening %d connections to %s dialled %d", n, url, opened)
	}
	return nil
}
