package main

import (
	"testing"
	"time"
)

// The hits each whole second of a 6 s schedule, as vegeta's attack loop asks for them.
func TestStepPacerSendsTheStepsRatesEachSecond(t *testing.T) {
	pacer := stepPacer{base: 100, extra: 300, from: 2 * time.Second, to: 4 * time.Second}
	perSecond := make([]int, 6)
	elapsed, hits := time.Duration(0), uint64(0)
	for elapsed < 6*time.Second {
		wait, stop := pacer.Pace(elapsed, hits)
		if stop {
			t.Fatal("the pacer stopped the attack")
		}
		if wait < 0 {
			t.Fatalf("negative wait %v at %v", wait, elapsed)
		}
		elapsed += wait
		if elapsed >= 6*time.Second {
			break
		}
		perSecond[int(elapsed/time.Second)]++
		hits++
	}
	want := []int{100, 100, 400, 400, 100, 100}
	for second, count := range perSecond {
		if count < want[second]-1 || count > want[second]+1 {
			t.Errorf("second %d: %d hits, want %d", second, count, want[second])
		}
	}
}

func TestStepPacerCatchesUpWhenBehind(t *testing.T) {
	pacer := stepPacer{base: 100, extra: 0, from: time.Second, to: time.Second}
	if wait, _ := pacer.Pace(time.Second, 10); wait != 0 {
		t.Errorf("90 hits behind, it waits %v", wait)
	}
}

func TestStepPacerRate(t *testing.T) {
	pacer := stepPacer{base: 100, extra: 300, from: 2 * time.Second, to: 4 * time.Second}
	for _, c := range []struct {
		at   time.Duration
		want float64
	}{{time.Second, 100}, {2 * time.Second, 400}, {3999 * time.Millisecond, 400}, {4 * time.Second, 100}} {
		if got := pacer.Rate(c.at); got != c.want {
			t.Errorf("rate at %v: %v, want %v", c.at, got, c.want)
		}
	}
}
