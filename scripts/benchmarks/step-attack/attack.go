package main

import (
	"net/http"
	"sync"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
	"github.com/valyala/fasthttp"
)

// answer is what the attack keeps of one request while it runs; results are encoded after it, so
// no encoding competes with the requests for the generator's core.
type answer struct {
	target     int
	at         time.Time
	latency    time.Duration
	status     int
	retryAfter string
	bytesIn    int
	err        string
}

// attack sends the targets in turn on the pacer's schedule for `duration`, each request in its own
// goroutine (a slow answer never delays the next request), until the schedule ends or `stop`
// closes; the answers in the order the requests left.
func attack(client *fasthttp.Client, targets []vegeta.Target, pacer stepPacer, duration, timeout time.Duration, stop <-chan struct{}) []answer {
	// One slot per scheduled request, each written by its own goroutine only.
	answers := make([]answer, int(pacer.hitsBy(duration))+1)
	var inFlight sync.WaitGroup
	began := time.Now()
	sent := 0
	for ; sent < len(answers); sent++ {
		elapsed := time.Since(began)
		if elapsed >= duration {
			break
		}
		if wait, _ := pacer.Pace(elapsed, uint64(sent)); wait > 0 {
			time.Sleep(wait)
		}
		select {
		case <-stop:
			inFlight.Wait()
			return answers[:sent]
		default:
		}
		inFlight.Add(1)
		go func(slot, target int) {
			defer inFlight.Done()
			answers[slot] = send(client, targets[target], timeout)
			answers[slot].target = target
		}(sent, sent%len(targets))
	}
	inFlight.Wait()
	return answers[:sent]
}

func send(client *fasthttp.Client, target vegeta.Target, timeout time.Duration) answer {
	request, response := fasthttp.AcquireRequest(), fasthttp.AcquireResponse()
	defer fasthttp.ReleaseRequest(request)
	defer fasthttp.ReleaseResponse(response)
	request.SetRequestURI(target.URL)
	request.Header.SetMethod(target.Method)
	for name, values := range target.Header {
		for _, value := range values {
			request.Header.Add(name, value)
		}
	}
	request.SetBody(target.Body)
	a := answer{at: time.Now()}
	err := client.DoTimeout(request, response, timeout)
	a.latency = time.Since(a.at)
	if err != nil {
		a.err = err.Error()
		return a
	}
	a.status = response.StatusCode()
	a.retryAfter = string(response.Header.Peek("Retry-After"))
	a.bytesIn = len(response.Body())
	return a
}

// result is an answer as vegeta records it, so that `vegeta encode` reads the results as its own;
// of the answer's headers only Retry-After, which tells a refusal (report/open-model.mts).
func (a answer) result(seq uint64, target vegeta.Target) vegeta.Result {
	r := vegeta.Result{
		Attack:    "step",
		Seq:       seq,
		Code:      uint16(a.status),
		Timestamp: a.at,
		Latency:   a.latency,
		BytesOut:  uint64(len(target.Body)),
		BytesIn:   uint64(a.bytesIn),
		Error:     a.err,
		Method:    target.Method,
		URL:       target.URL,
		Headers:   http.Header{},
	}
	if a.retryAfter != "" {
		r.Headers.Set("Retry-After", a.retryAfter)
	}
	return r
}
