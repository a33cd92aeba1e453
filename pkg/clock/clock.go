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

// BusyHook is c's Busy method when c is a clock that must be told of work
// in flight (an auto Fake), else nil. The API client calls it around each
// request (api.Options.Busy).
func BusyHook(c Clock) func() (done func()) {
	if f, ok := c.(*Fake); ok && f.auto {
		return f.Busy
	}
	return nil
}

// Fake is a clock for tests. Its time moves only when a test calls Advance,
// or, made by NewAuto, by itself the way a discrete-event simulator moves
// it (auto.go): to the earliest pending wait, once nothing in the process
// is still working.
type Fake struct {
	mu      sync.Mutex
	now     time.Time
	waiters []*waiter
	slept   time.Duration

	// Auto mode (auto.go).
	auto     bool
	busy     int           // work in flight, told by Busy
	epoch    uint64        // bumped by every wait, wake and Busy change
	stepping bool          // the stepper goroutine runs
	kick     chan struct{} // wakes the stepper (capacity 1)
}

type waiter struct {
	at time.Time
	ch chan time.Time
	// passive: an Until, which Waiters does not count and an auto clock
	// does not move to.
	passive bool
}

// NewFake returns a Fake clock set to t.
func NewFake(t time.Time) *Fake { return &Fake{now: t} }

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
	ch, _ := f.after(d)
	return ch
}

func (f *Fake) after(d time.Duration) (<-chan time.Time, *waiter) {
	ch := make(chan time.Time, 1)
	f.mu.Lock()
	defer f.mu.Unlock()
	if d < 0 {
		d = 0
	}
	f.slept += d
	if d == 0 {
		ch <- f.now
		return ch, nil
	}
	w := &waiter{at: f.now.Add(d), ch: ch}
	f.waiters = append(f.waiters, w)
	if f.auto {
		f.changedLocked()
	}
	return ch, w
}

// Sleep waits on After(d) or ctx. A wait that ctx ends is withdrawn, so an
// auto clock does not move to its deadline.
func (f *Fake) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	ch, w := f.after(d)
	select {
	case <-ctx.Done():
		f.withdraw(w)
		return ctx.Err()
	case <-ch:
		return nil
	}
}

func (f *Fake) withdraw(w *waiter) {
	if w == nil {
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	for i, x := range f.waiters {
		if x == w {
			f.waiters = append(f.waiters[:i], f.waiters[i+1:]...)
			break
		}
	}
	if f.auto {
		f.changedLocked()
	}
}

// Advance moves the fake time forward by d and wakes the waiters whose time
// has come, in order.
func (f *Fake) Advance(d time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.now = f.now.Add(d)
	f.wakeLocked()
}

// Until delivers the fake time once it has reached t, however it gets
// there (Advance, or an auto clock moved to someone's wait); it moves
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
	f.waiters = append(f.waiters, &waiter{at: t, ch: ch, passive: true})
	return ch
}

// wakeLocked wakes, in deadline order, the waiters whose time has come.
func (f *Fake) wakeLocked() int {
	sort.SliceStable(f.waiters, func(i, j int) bool { return f.waiters[i].at.Before(f.waiters[j].at) })
	kept := f.waiters[:0]
	woke := 0
	for _, w := range f.waiters {
		if !w.at.After(f.now) {
			w.ch <- f.now
			woke++
			continue
		}
		kept = append(kept, w)
	}
	clear(f.waiters[len(kept):])
	f.waiters = kept
	return woke
}

// Waiters is how many After/Sleep calls wait for the time to move (tests
// use it to know a goroutine has reached its wait).
func (f *Fake) Waiters() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.activeLocked()
}

// activeLocked is how many waits are not passive.
func (f *Fake) activeLocked() int {
	n := 0
	for _, w := range f.waiters {
		if !w.passive {
			n++
		}
	}
	return n
}
