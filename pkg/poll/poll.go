// Package poll is the loop behind every command that watches the server
// (sessions wait, sessions watch, events list --follow): a fixed interval
// with a 1 s floor and a little jitter, Retry-After honoured, and transient
// failures reported once on stderr and retried at the next interval instead
// of ending the watch. All waiting goes through a clock.Clock, so tests run
// the loop on a fake clock.
package poll

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"time"

	"github.com/pamctl/pamctl/pkg/api"
	"github.com/pamctl/pamctl/pkg/clock"
	"github.com/pamctl/pamctl/pkg/text"
)

// MinInterval is the floor of --interval: a watch must not hammer the
// server. The schedules live side by side in pkg/api (retry.go).
const MinInterval = api.PollMinInterval

// DefaultInterval is --interval's default.
const DefaultInterval = api.PollDefaultInterval

// IntervalError is an --interval below MinInterval: a usage error (exit 2).
type IntervalError struct{ Interval time.Duration }

func (e *IntervalError) Error() string {
	return fmt.Sprintf("--interval %s: want at least %s, so the server is not polled too often", e.Interval, MinInterval)
}

// ValidateInterval refuses an --interval below the floor.
func ValidateInterval(d time.Duration) error {
	if d < MinInterval {
		return &IntervalError{Interval: d}
	}
	return nil
}

// CountError is a watch whose --timeout came before the --count of
// changes it asked for (exit 8).
type CountError struct {
	Timeout     time.Duration
	Seen, Count int
	// What is the noun, singular ("change").
	What string
}

func (e *CountError) Error() string {
	return fmt.Sprintf("timed out after %s: %d of the %s asked for with --count came", e.Timeout, e.Seen, text.Plural(e.Count, e.What))
}

// ErrDeadline is returned (wrapped in a *DeadlineError) when the loop
// reached its Deadline without the condition holding.
var ErrDeadline = errors.New("deadline reached")

// DeadlineError is the end of a loop at its Deadline. Last is the transient
// error of the last poll, if it failed (errCut when the deadline cut it);
// NoAnswer, that no poll was ever answered.
type DeadlineError struct {
	Last     error
	NoAnswer bool
}

func (e *DeadlineError) Error() string {
	if e.Last != nil {
		return fmt.Sprintf("%v (the last poll failed: %v)", ErrDeadline, e.Last)
	}
	return ErrDeadline.Error()
}

// Is makes errors.Is(err, ErrDeadline) hold.
func (e *DeadlineError) Is(target error) bool { return target == ErrDeadline }

// Loop polls at Interval.
type Loop struct {
	Clock    clock.Clock
	Interval time.Duration
	// ErrOut receives the one note per outage (nil: no note).
	ErrOut io.Writer
	// What names what is polled, for that note ("the Sessions Report").
	What string
	// Deadline, when set, is when the loop gives up: the last poll is at
	// the deadline, then Run returns a *DeadlineError.
	Deadline time.Time
	// Jitter turns the interval into the wait before the next poll; nil
	// is DefaultJitter. Tests use NoJitter.
	Jitter func(time.Duration) time.Duration
}

// DefaultJitter shortens a wait by up to a tenth, never below MinInterval,
// so watchers started together drift apart and a poll never comes later
// than one interval after the last.
func DefaultJitter(d time.Duration) time.Duration {
	if d <= MinInterval {
		return d
	}
	j := d - rand.N(d/10+1) //nolint:gosec // jitter spreads polls; it guards nothing
	return max(j, MinInterval)
}

// NoJitter waits exactly the interval.
func NoJitter(d time.Duration) time.Duration { return d }

// Tick is one poll: done ends the loop with nil.
type Tick func(ctx context.Context) (done bool, err error)

// FinalPollLead is how long before the Deadline the last poll starts (at
// most half the interval): the Deadline bounds the whole loop, requests in
// flight included, so a poll at the Deadline itself would have no time to
// be answered.
const FinalPollLead = MinInterval

// errCut is DeadlineError.Last when the Deadline cut a poll in flight.
var errCut = errors.New("no answer before the deadline")

// Run polls at once, then after each wait, until tick says done, returns
// an error that is not transient, ctx ends (ctx.Err()), or the Deadline
// passes (*DeadlineError). With a Deadline, every tick's context ends at
// it (by l.Clock), so no request outlives the time left; the last poll
// starts FinalPollLead before it. A transient error (IsTransient) is noted
// once on ErrOut, until a poll succeeds again, and retried at the next
// interval, or later when the server's Retry-After asks for more.
func (l *Loop) Run(ctx context.Context, tick Tick) error {
	if l.Deadline.IsZero() {
		return l.run(ctx, ctx, tick)
	}
	lctx, cancel := WithDeadline(ctx, l.Clock, l.Deadline)
	defer cancel()
	return l.run(ctx, lctx, tick)
}

// WithDeadline is ctx ending when clk reaches deadline, with cause
// ErrDeadline: a real timer for the real clock; for a fake clock, when
// the test (or an auto clock's waits) move it there.
func WithDeadline(ctx context.Context, clk clock.Clock, deadline time.Time) (context.Context, context.CancelFunc) {
	u, ok := clk.(interface {
		Until(time.Time) <-chan time.Time
	})
	if !ok {
		return context.WithDeadlineCause(ctx, deadline, ErrDeadline)
	}
	lctx, cancel := context.WithCancelCause(ctx)
	at := u.Until(deadline)
	go func() {
		select {
		case <-at:
			cancel(ErrDeadline)
		case <-lctx.Done():
		}
	}()
	return lctx, func() { cancel(context.Canceled) }
}

// run is Run's loop; lctx is ctx bounded by the Deadline.
func (l *Loop) run(ctx, lctx context.Context, tick Tick) error {
	jitter := l.Jitter
	if jitter == nil {
		jitter = DefaultJitter
	}
	noted, answered := false, false
	for {
		last := false
		done, err := tick(lctx)
		if cerr := ctx.Err(); cerr != nil {
			return cerr
		}
		if lctx.Err() != nil {
			return &DeadlineError{Last: errCut, NoAnswer: !answered}
		}
		wait := jitter(l.Interval)
		switch {
		case err == nil:
			noted, answered = false, true
			if done {
				return nil
			}
		case IsTransient(err):
			if !noted && l.ErrOut != nil {
				what := l.What
				if what == "" {
					what = "the server"
				}
				fmt.Fprintf(l.ErrOut, "pamctl: reading %s failed: %s; retrying every %s until it answers\n", what, text.Safe(api.Reason(err)), l.Interval)
			}
			noted = true
			var he *api.HTTPError
			if errors.As(err, &he) && he.RetryAfter > wait {
				wait = he.RetryAfter
			}
		default:
			return err
		}
		if !l.Deadline.IsZero() {
			now := l.Clock.Now()
			final := l.Deadline.Add(-min(FinalPollLead, l.Interval/2))
			if !now.Before(final) {
				return &DeadlineError{Last: transient(err), NoAnswer: !answered}
			}
			if now.Add(wait).After(final) {
				wait = final.Sub(now)
				last = true
			}
		}
		if serr := l.Clock.Sleep(lctx, wait); serr != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			// The deadline came during the wait: the last poll's own
			// failure, if it failed, is what to report.
			return &DeadlineError{Last: transient(err), NoAnswer: !answered}
		}
		if last {
			// The last poll, cut at the deadline if it is not answered.
			done, err := tick(lctx)
			if cerr := ctx.Err(); cerr != nil {
				return cerr
			}
			switch {
			case lctx.Err() != nil:
				return &DeadlineError{Last: errCut, NoAnswer: !answered}
			case err == nil && done:
				return nil
			case err == nil, IsTransient(err):
				return &DeadlineError{Last: transient(err), NoAnswer: !answered && err != nil}
			default:
				return err
			}
		}
	}
}

func transient(err error) error {
	if err != nil && IsTransient(err) {
		return err
	}
	return nil
}

// IsTransient reports an error another poll may not see: no answer at all
// (refused, reset, timed out; not an unknown host or a refused
// certificate), a 5xx, or a 429, after the API client's own retries.
// 401 and 403 are not transient: they end the watch (exit 3).
func IsTransient(err error) bool { return api.KindOf(err) == api.KindTransient }

// NoAnswerError is a watch whose --timeout came before the server answered
// once (exit 8).
type NoAnswerError struct {
	Timeout time.Duration
	Last    error
}

func (e *NoAnswerError) Error() string {
	if e.Last == nil {
		return fmt.Sprintf("timed out after %s before the server answered once", e.Timeout)
	}
	return fmt.Sprintf("timed out after %s before the server answered once (%v)", e.Timeout, e.Last)
}

func (e *NoAnswerError) Unwrap() error { return e.Last }

// Ended turns the end of a watch that runs until stopped (sessions watch,
// events list --follow) into its outcome: Ctrl-C and the end of --timeout
// are how it ends (nil), except that a --timeout before the --count asked
// for is exit 8 (a *CountError; what is its noun, singular); other errors
// stand.
func Ended(ctx context.Context, err error, timeout time.Duration, count, seen int, what string) error {
	var de *DeadlineError
	switch {
	case ctx.Err() != nil:
		return nil
	case errors.As(err, &de) && de.NoAnswer:
		return &NoAnswerError{Timeout: timeout, Last: de.Last}
	case errors.Is(err, ErrDeadline) && count > 0 && seen < count:
		return &CountError{Timeout: timeout, Seen: seen, Count: count, What: what}
	case errors.Is(err, ErrDeadline):
		return nil
	}
	return err
}
