package clock

import (
	"context"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Two goroutines sleep in lock-step loops on one auto clock; the worker
// does "work" between its sleeps (an HTTP request stands in: Busy, then a
// block on a channel the test controls). Each must wake exactly at its own
// deadlines: the sleeper must not move the time while the worker works, and
// the time must reach each deadline, in order, never past one.
func TestAutoConcurrentWaitersKeepTheirDeadlines(t *testing.T) {
	c := NewAuto(t0)
	ctx := context.Background()
	const hold = 30 * time.Second
	work := make(chan time.Time)
	release := make(chan struct{})
	var mu sync.Mutex
	var woke []string
	record := func(who string, at time.Time) {
		mu.Lock()
		woke = append(woke, who+" "+at.Sub(t0).String())
		mu.Unlock()
	}
	var wg sync.WaitGroup
	wg.Go(func() { // the worker: every 5 s, a request the test answers
		defer close(work)
		for c.Now().Before(t0.Add(hold)) {
			assert.NoError(t, c.Sleep(ctx, 5*time.Second))
			record("worker", c.Now())
			done := c.Busy()
			work <- c.Now()
			<-release
			done()
		}
	})
	wg.Go(func() { // the sleeper: every 2 s, no work
		for c.Now().Before(t0.Add(hold)) {
			assert.NoError(t, c.Sleep(ctx, 2*time.Second))
			record("sleeper", c.Now())
		}
	})
	polls := 0
	for at := range work {
		polls++
		assert.Equal(t, t0.Add(time.Duration(polls)*5*time.Second), at, "the worker woke late")
		// The sleeper waits too, and nothing else runs here but this
		// goroutine: the clock must not move while the work is in flight.
		assert.NotEqual(t, moved, c.advanceIfQuiet(&scanner{}, epochOf(c)))
		assert.Equal(t, at, c.Now(), "the time moved during the worker's request")
		release <- struct{}{}
	}
	wg.Wait()
	assert.Equal(t, 6, polls, "the worker's 30 s hold at 5 s")
	assert.Equal(t, t0.Add(hold), c.Now())
	var worker, sleeper []string
	for _, w := range woke {
		if w[0] == 'w' {
			worker = append(worker, w)
		} else {
			sleeper = append(sleeper, w)
		}
	}
	assert.Equal(t, []string{"worker 5s", "worker 10s", "worker 15s", "worker 20s", "worker 25s", "worker 30s"}, worker)
	want := []string{}
	for s := 2; s <= 30; s += 2 {
		want = append(want, "sleeper "+(time.Duration(s)*time.Second).String())
	}
	assert.Equal(t, want, sleeper)
}

func epochOf(c *Fake) uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.epoch
}

// A goroutine that runs (here: spins until told to stop) holds the time
// still even with no Busy: it may be about to wait on a nearer deadline.
func TestAutoWaitsForRunningGoroutines(t *testing.T) {
	c := NewAuto(t0)
	var stop atomic.Bool
	spun := make(chan struct{})
	started := make(chan struct{})
	go func() {
		defer close(spun)
		close(started)
		for !stop.Load() {
			// spin: a goroutine doing work without any Busy
		}
	}()
	<-started
	c.mu.Lock()
	c.waiters = append(c.waiters, &waiter{at: t0.Add(time.Second), ch: make(chan time.Time, 1)})
	c.mu.Unlock()
	assert.Equal(t, notQuiet, c.advanceIfQuiet(&scanner{}, epochOf(c)))
	assert.Equal(t, t0, c.Now())
	stop.Store(true)
	<-spun
	// The spinner may still be on its way out: look until it is gone.
	r := c.advanceIfQuiet(&scanner{}, epochOf(c))
	for r == notQuiet {
		runtime.Gosched()
		r = c.advanceIfQuiet(&scanner{}, epochOf(c))
	}
	assert.Equal(t, moved, r)
	assert.Equal(t, t0.Add(time.Second), c.Now())
}

// A wait that its context ends leaves the queue: the clock does not move
// to a deadline nobody waits for.
func TestAutoWithdrawsCancelledSleep(t *testing.T) {
	c := NewAuto(t0)
	ctx, cancel := context.WithCancel(context.Background())
	done := c.Busy() // hold the time while the sleep is queued
	errc := make(chan error)
	go func() { errc <- c.Sleep(ctx, time.Hour) }()
	for c.Waiters() == 0 {
		runtime.Gosched()
	}
	cancel()
	require.ErrorIs(t, <-errc, context.Canceled)
	done()
	assert.Equal(t, 0, c.Waiters())
	assert.Equal(t, t0, c.Now())
	require.NoError(t, c.Sleep(context.Background(), time.Second))
	assert.Equal(t, t0.Add(time.Second), c.Now())
}

func TestBusyHook(t *testing.T) {
	assert.Nil(t, BusyHook(Real{}))
	assert.Nil(t, BusyHook(NewFake(t0)))
	assert.NotNil(t, BusyHook(NewAuto(t0)))
}

func TestWorkingReadsTheDump(t *testing.T) {
	own := "goroutine 9 [syscall]:\nsyscall.write(...)\n\t/go/src/x.go:1\n" + modulePath + "pkg/api.(*Client).once(0x1)\n\t/x.go:2"
	assert.True(t, working(own), "pamctl's own system call is work")
	assert.False(t, working("goroutine 6 [syscall]:\nos/signal.signal_recv()\n\t/go/src/runtime/sigqueue.go:152"))
	assert.False(t, working("goroutine 7 [syscall, 2 minutes]:\nos.(*Process).pidfdWait(...)\n"+modulePath+"pkg/pamcmd_test.TestScripts(0x1)"))
	assert.True(t, working("goroutine 8 [runnable]:\nmain.main()"))
	assert.False(t, working("goroutine 8 [select]:\n"+modulePath+"pkg/poll.(*Loop).Run()"))
	assert.False(t, working("goroutine 8 [runnable]:\n"+stepperFunc+"0x1)"))
	assert.Equal(t, "github.com/pamctl/pamctl/", modulePath)
}

// Until watches for a time without drawing the clock to it: the auto clock
// moves straight to the sleep's deadline and the watch fires on the way.
func TestAutoUntilIsPassive(t *testing.T) {
	c := NewAuto(t0)
	at := c.Until(t0.Add(3 * time.Second))
	assert.Equal(t, 0, c.Waiters())
	require.NoError(t, c.Sleep(context.Background(), 5*time.Second))
	assert.Equal(t, t0.Add(5*time.Second), <-at)
}
