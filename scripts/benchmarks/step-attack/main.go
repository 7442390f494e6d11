// step-attack: an open-model load generator whose rate steps up and back down within one attack,
// for the spike bench (scripts/benchmarks/overload/spike.mts). It reads vegeta's JSON targets and
// writes vegeta's results (gob), read with `vegeta encode` as an attack of the vegeta command's.
//
// One attacker, as a k6 scenario's arrival rate: no second process starts on the generator's core
// in the middle of the measurement (bench/results/spike-bound.md, sections 7 and 9). Its requests
// go out on connections opened before the attack (-open-connections; section 12), through
// fasthttp, which costs the generator's core about half what vegeta's net/http did (section 14).
package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
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
	flag.DurationVar(&o.timeout, "timeout", 30*time.Second, "a request's timeout, a wait for a free connection included")
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

func readTargets(path string) ([]vegeta.Target, error) {
	src, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer src.Close()
	targets, err := vegeta.ReadAllTargets(vegeta.NewJSONTargeter(src, nil, nil))
	if err == nil && len(targets) == 0 {
		err = errors.New("no targets")
	}
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", path, err)
	}
	return targets, nil
}

func writeResults(path string, targets []vegeta.Target, answers []answer) error {
	out, err := os.Create(path)
	if err != nil {
		return err
	}
	defer out.Close()
	buffered := bufio.NewWriterSize(out, 1<<20)
	encode := vegeta.NewEncoder(buffered)
	for seq, a := range answers {
		result := a.result(uint64(seq), targets[a.target])
		if err := encode.Encode(&result); err != nil {
			return err
		}
	}
	if err := buffered.Flush(); err != nil {
		return err
	}
	return out.Close()
}

func run(o options) error {
	targets, err := readTargets(o.targets)
	if err != nil {
		return err
	}
	d := &dialer{timeout: o.timeout}
	client := newClient(o.maxConnections, o.timeout, d)
	if o.openConnections > 0 {
		if err := openConnections(client, d, o.openURL, o.openConnections); err != nil {
			return err
		}
	}
	stop := make(chan struct{})
	signals := make(chan os.Signal, 1)
	signal.Notify(signals, os.Interrupt, syscall.SIGTERM)
	go func() {
		<-signals
		close(stop)
	}()
	pacer := stepPacer{base: o.rate, extra: o.stepRate, from: o.stepFrom, to: o.stepFrom + o.stepOf}
	return writeResults(o.output, targets, attack(client, targets, pacer, o.duration, o.timeout, stop))
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
