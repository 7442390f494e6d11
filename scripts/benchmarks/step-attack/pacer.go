package main

import "time"

// stepPacer paces `base` hits a second for the whole attack, plus `extra` a second from `from`
// until `to`: one attacker, so the step's requests go out on the connections the base rate has
// already opened, and no second process competes for the generator's core.
type stepPacer struct {
	base, extra float64
	from, to    time.Duration
}

// hitsBy is how many hits the schedule has sent by `t` into the attack.
func (p stepPacer) hitsBy(t time.Duration) float64 {
	hits := p.base * t.Seconds()
	if t > p.from {
		hits += p.extra * (min(t, p.to) - p.from).Seconds()
	}
	return hits
}

// timeOf is when the schedule sends its `hits`-th hit.
func (p stepPacer) timeOf(hits float64) time.Duration {
	seconds := func(s float64) time.Duration { return time.Duration(s * float64(time.Second)) }
	atFrom, atTo := p.hitsBy(p.from), p.hitsBy(p.to)
	switch {
	case hits <= atFrom:
		return seconds(hits / p.base)
	case hits <= atTo:
		return p.from + seconds((hits-atFrom)/(p.base+p.extra))
	default:
		return p.to + seconds((hits-atTo)/p.base)
	}
}

// Pace implements vegeta.Pacer: the wait until the next hit is due, none when behind schedule.
func (p stepPacer) Pace(elapsed time.Duration, hits uint64) (time.Duration, bool) {
	next := float64(hits + 1)
	if p.hitsBy(elapsed) >= next {
		return 0, false
	}
	return p.timeOf(next) - elapsed, false
}

// Rate implements vegeta.Pacer: hits a second at `elapsed`.
func (p stepPacer) Rate(elapsed time.Duration) float64 {
	if elapsed >= p.from && elapsed < p.to {
		return p.base + p.extra
	}
	return p.base
}
