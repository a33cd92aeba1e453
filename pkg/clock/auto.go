package clock

import (
	"runtime"
	"sync"
	"time"
)

// An auto clock (NewAuto) is a discrete-event simulator's clock. A wait
// does not move the time; it joins a queue. A stepper goroutine moves the
// time to the earliest deadline in the queue (Until's passive watches
// excepted: they fire when the time passes them, never draw it), and wakes
// the waits due then,
// only when the process is quiet: no work told by Busy is in flight (the API
// client marks each request, body included) and no goroutine of the process
// is running, runnable or in a system call made by pamctl's code (quiet.go).
// Then every goroutine has reached its next wait or is blocked on something
// only another goroutine or the network can end; so concurrent waiters all
// see one consistent time, and none can move it past another's deadline
// while that other is between two waits (an HTTP request, the parsing of the
// answer, the printing of a line).
//
// Why not testing/synctest (Go 1.26): its bubble is entered through
// synctest.Test with a *testing.T, so it cannot hold a re-executed pamctl
// (the scripts' pamctl-exec); and the in-process runners talk to pamsim over real
// loopback HTTP, which is not durably blocking in a bubble, so the bubble's
// time would not move while the HTTP transport keeps a connection. The quiet
// test here is the same rule synctest applies (move the time when every
// goroutine is blocked), read from the runtime's goroutine dump, plus the
// in-flight count that stands in for "blocked on the network".
//
// Real time is used in one place: when the process is not quiet, the
// stepper looks again after yielding, then after a short sleep (at most
// maxPause). That only sets how fast the fake time moves, never where to:
// the time moves only at a quiet instant, and only to the earliest deadline.

// maxPause bounds the stepper's real sleep between two looks at a process
// that is not quiet.
const maxPause = 2 * time.Millisecond

// NewAuto returns a Fake clock set to t that moves by itself: to the earliest
// pending wait, once the process is quiet (see above).
func NewAuto(t time.Time) *Fake {
	return &Fake{now: t, auto: true, kick: make(chan struct{}, 1)}
}

// Busy tells an auto clock that work is in flight (an HTTP request): the time
// does not move until the returned done is called (calling it again is a
// no-op). On a manual Fake it does nothing.
func (f *Fake) Busy() (done func()) {
	if !f.auto {
		return func() {}
	}
	f.mu.Lock()
	f.busy++
	f.epoch++
	f.mu.Unlock()
	var once sync.Once
	return func() {
		once.Do(func() {
			f.mu.Lock()
			defer f.mu.Unlock()
			f.busy--
			f.changedLocked()
		})
	}
}

// changedLocked records a change to the queue or the work in flight and
// makes sure the stepper looks at it.
func (f *Fake) changedLocked() {
	f.epoch++
	if f.activeLocked() == 0 {
		return
	}
	if !f.stepping {
		f.stepping = true
		go f.step()
		return
	}
	select {
	case f.kick <- struct{}{}:
	default:
	}
}

// step is the stepper goroutine: it runs while waits are queued.
func (f *Fake) step() {
	var scan scanner
	looks := 0
	for {
		f.mu.Lock()
		if f.activeLocked() == 0 {
			f.stepping = false
			f.mu.Unlock()
			return
		}
		busy, epoch := f.busy, f.epoch
		f.mu.Unlock()
		if busy > 0 {
			<-f.kick // the last done kicks
			continue
		}
		switch f.advanceIfQuiet(&scan, epoch) {
		case moved, changed:
			looks = 0
		case notQuiet:
			looks++
			f.pause(looks)
		}
	}
}

type stepResult int

const (
	moved    stepResult = iota // the time moved and waits woke
	changed                    // the queue or the work in flight changed meanwhile: look again
	notQuiet                   // something still runs
)

// advanceIfQuiet moves the time to the earliest deadline if the process is
// quiet and nothing changed since epoch was read.
func (f *Fake) advanceIfQuiet(scan *scanner, epoch uint64) stepResult {
	if !scan.quiet() {
		return notQuiet
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.epoch != epoch || f.busy > 0 || f.activeLocked() == 0 {
		return changed
	}
	var earliest time.Time
	for _, w := range f.waiters {
		if !w.passive && (earliest.IsZero() || w.at.Before(earliest)) {
			earliest = w.at
		}
	}
	if earliest.After(f.now) {
		f.now = earliest
	}
	f.wakeLocked()
	f.epoch++
	return moved
}

// pause waits before the next look at a process that was not quiet: a
// yield first, then a real sleep doubling up to maxPause, cut short by any
// change to the queue or the work in flight.
func (f *Fake) pause(looks int) {
	if looks <= 3 {
		runtime.Gosched()
		return
	}
	d := min(25*time.Microsecond<<min(looks-4, 7), maxPause)
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-f.kick:
	}
}
