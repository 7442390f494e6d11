// step-attack: vegeta's attacker with a rate that steps up and back down within one attack, for
// the spike bench (scripts/benchmarks/overload/spike.mts). Its results are vegeta's own (gob), read
// with `vegeta encode` as an attack of the vegeta command's.
//
// One attacker, as a k6 scenario's arrival rate: no second vegeta process starts on the
// generator's core in the middle of the measurement, and the step's requests go out on the
// connections the base rate opened (bench/results/spike-bound.md, sections 7 and 9), or on those
// opened before the attack (-open-connections; section 12).
package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"os"
	"os/signal"
	"sync/atomic"
	"syscall"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

type options struct {
	targets, output            string
	rate, stepRate             float64
	duration, stepFrom, stepOf time.Duration
	timeout                    time.Duration
	maxConnections             int
	openConnections            int
	openURL                    string
}

func parse() (options, error) {
	var o options
	flag.StringVar(&o.targets, "targets", "", "targets, vegeta's JSON format, cycled through")
	flag.StringVar(&o.output, "output", "", "results file (vegeta's gob encoding)")
	flag.Float64Var(&o.rate, "rate", 0, "base rate, requests per second, for the whole attack")
	flag.DurationVar(&o.duration, "duration", 0, "the whole attack")
	flag.Float64Var(&o.stepRate, "step-rate", 0, "requests per second added during the step")
	flag.DurationVar(&o.stepFrom, "step-from", 0, "when the step begins, from the attack's start")
	flag.DurationVar(&o.stepOf, "step-duration", 0, "how long the step lasts")
	flag.DurationVar(&o.timeout, "timeout", 30*time.Second, "a request's timeout")
	flag.IntVar(&o.maxConnections, "max-connections", 0, "most connections open at once (0: no limit)")
	flag.IntVar(&o.openConnections, "open-connections", 0, "connections opened before the attack, each with a GET of -open-url")
	flag.StringVar(&o.openURL, "open-url", "", "what opens the connections: a URL on the targets' host that answers 200")
	flag.Parse()
	switch {
	case o.targets == "" || o.output == "":
		return o, errors.New("-targets and -output are required")
	case o.rate <= 0 || o.duration <= 0:
		return o, errors.New("-rate and -duration must be above 0")
	case o.stepRate < 0 || o.stepFrom < 0 || o.stepOf < 0 || o.stepFrom+o.stepOf > o.duration:
		return o, errors.New("the step must be a rate of 0 or more within the attack")
	case o.openConnections < 0 || (o.maxConnections > 0 && o.openConnections > o.maxConnections):
		return o, errors.New("-open-connections must be from 0 to -max-connections")
	case (o.openConnections > 0) != (o.openURL != ""):
		return o, errors.New("-open-connections and -open-url go together")
	}
	return o, nil
}

func run(o options) error {
	src, err := os.Open(o.targets)
	if err != nil {
		return err
	}
	defer src.Close()
	targets, err := vegeta.ReadAllTargets(vegeta.NewJSONTargeter(src, nil, nil))
	if err != nil {
		return fmt.Errorf("reading %s: %w", o.targets, err)
	}
	out, err := os.Create(o.output)
	if err != nil {
		return err
	}
	defer out.Close()
	// Buffered: a write per result would cost a system call each on the generator's core.
	buffered := bufio.NewWriterSize(out, 1<<20)
	encode := vegeta.NewEncoder(buffered)

	var dialled atomic.Int64
	client := &http.Client{Transport: newTransport(o.maxConnections, &dialled), Timeout: o.timeout}
	if o.openConnections > 0 {
		if err := openConnections(client, &dialled, o.openURL, o.openConnections); err != nil {
			return err
		}
	}
	attacker := vegeta.NewAttacker(vegeta.Client(client), vegeta.KeepAlive(true), vegeta.MaxBody(0))
	pacer := stepPacer{base: o.rate, extra: o.stepRate, from: o.stepFrom, to: o.stepFrom + o.stepOf}
	results := attacker.Attack(vegeta.NewStaticTargeter(targets...), pacer, o.duration, "step")
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, os.Interrupt, syscall.SIGTERM)
	for {
		select {
		case <-stop:
			attacker.Stop()
		case result, open := <-results:
			if !open {
				return buffered.Flush()
			}
			if err := encode.Encode(result); err != nil {
				return err
			}
		}
	}
}

func main() {
	o, err := parse()
	if err == nil {
		err = run(o)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "step-attack:", err)
		os.Exit(1)
	}
}
