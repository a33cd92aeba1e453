// Package clock is pamctl's one source of time. Everything that reads the
// time or waits (the API client's retry backoff, terminate's verification
// poll, wait/watch/follow loops) takes a Clock, so tests move a Fake clock
// instead of sleeping for real.
package clock

import (
	"context"
	"sort"
	"sync"
	"time"
)

// Clock tells the time and waits.
type Clock interface {
	// Now is the current time.
	Now() time.Time
	// After delivers the time on the channel once d has passed.
	After(d time.Duration) <-chan time.Time
	// Sleep waits d, or less when ctx ends first (then it returns ctx.Err()).
	Sleep(ctx context.Context, d time.Duration) error
}

// Real is the system clock.
type Real struct{}

// Now is time.Now.
func (Real) Now() time.Time { return time.Now() }

// After is time.After.
func (Real) After(d time.Duration) <-chan time.Time { return time.After(d) }

// Sleep waits d or until ctx is done.
func (Real) Sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// Fake is a clock for tests. Its time moves only when a test calls Advance,
// or, with AutoAdvance, whenever somebody waits: a Sleep or After then
// returns at once and moves the time forward by what it waited, so code
// that polls with backoff runs through its whole schedule in microseconds
// and its arithmetic stays exact.
type Fake struct {
	mu      sync.Mutex
	now     time.Time
	auto    bool
	waiters []waiter
	slept   time.Duration
}

type waiter struct {
	at time.Time
	ch chan time.Time
	// passive: an Until, which Waiters does not count.
	passive bool
}

// NewFake returns a Fake clock set to t.
func NewFake(t time.Time) *Fake { return &Fake{now: t} }

// NewAuto returns a Fake clock set to t that advances whenever something
// waits on it.
func NewAuto(t time.Time) *Fake { return &Fake{now: t, auto: true} }

// Now is the fake time.
func (f *Fake) Now() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.now
}

// Slept is the total time waited through Sleep and After.
func (f *Fake) Slept() time.Duration {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.slept
}

// After delivers the fake time once it has moved d forward.
func (f *Fake) After(d time.Duration) <-chan time.Time {
	ch := make(chan time.Time, 1)
	f.mu.Lock()
	defer f.mu.Unlock()
	if d < 0 {
		d = 0
	}
	f.slept += d
	if f.auto {
		f.now = f.now.Add(d)
		ch <- f.now
		f.wake()
		return ch
	}
	if d == 0 {
		ch <- f.now
		return ch
	}
	f.waiters = append(f.waiters, waiter{at: f.now.Add(d), ch: ch})
	return ch
}

// Sleep waits on After(d) or ctx.
func (f *Fake) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-f.After(d):
		return nil
	}
}

// Advance moves the fake time forward by d and wakes the waiters whose time
// has come, in order.
func (f *Fake) Advance(d time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.now = f.now.Add(d)
	f.wake()
}

// Until delivers the fake time once it has reached t, however it gets
// there (Advance, or an auto clock moved by someone's wait); it moves
// nothing itself and is not counted by Slept. Deadlines use it: an auto
// clock must not jump to a deadline because something watches for it.
func (f *Fake) Until(t time.Time) <-chan time.Time {
	ch := make(chan time.Time, 1)
	f.mu.Lock()
	defer f.mu.Unlock()
	if !t.After(f.now) {
		ch <- f.now
		return ch
	}
	f.waiters = append(f.waiters, waiter{at: t, ch: ch, passive: true})
	return ch
}

// wake delivers to the waiters whose time has come, in order. f.mu is held.
func (f *Fake) wake() {
	sort.SliceStable(f.waiters, func(i, j int) bool { return f.waiters[i].at.Before(f.waiters[j].at) })
	kept := f.waiters[:0]
	for _, w := range f.waiters {
		if !w.at.After(f.now) {
			w.ch <- f.now
			continue
		}
		kept = append(kept, w)
	}
	f.waiters = kept
}

// Waiters is how many After/Sleep calls wait for the time to move (tests
// use it to know a goroutine has reached its wait).
func (f *Fake) Waiters() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, w := range f.waiters {
		if !w.passive {
			n++
		}
	}
	return n
}
