package poll

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pamctl/pamctl/pkg/api"
	"github.com/pamctl/pamctl/pkg/clock"
)

var t0 = time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)

func TestValidateInterval(t *testing.T) {
	require.NoError(t, ValidateInterval(time.Second))
	err := ValidateInterval(999 * time.Millisecond)
	var ie *IntervalError
	require.ErrorAs(t, err, &ie)
	assert.Equal(t, "--interval 999ms: want at least 1s, so the server is not polled too often", err.Error())
}

func TestDefaultJitter(t *testing.T) {
	for range 1000 {
		d := DefaultJitter(10 * time.Second)
		assert.LessOrEqual(t, d, 10*time.Second, "never later than one interval")
		assert.GreaterOrEqual(t, d, 9*time.Second)
		assert.Equal(t, time.Second, DefaultJitter(time.Second), "never below the floor")
		assert.GreaterOrEqual(t, DefaultJitter(1100*time.Millisecond), time.Second)
	}
}

func TestRunPollsAtTheInterval(t *testing.T) {
	clk := clock.NewAuto(t0)
	var at []time.Duration
	l := &Loop{Clock: clk, Interval: 5 * time.Second, Jitter: NoJitter}
	err := l.Run(context.Background(), func(context.Context) (bool, error) {
		at = append(at, clk.Now().Sub(t0))
		return len(at) == 4, nil
	})
	require.NoError(t, err)
	assert.Equal(t, []time.Duration{0, 5 * time.Second, 10 * time.Second, 15 * time.Second}, at)
}

func TestRunDeadline(t *testing.T) {
	clk := clock.NewAuto(t0)
	var at []time.Duration
	l := &Loop{Clock: clk, Interval: 4 * time.Second, Jitter: NoJitter, Deadline: t0.Add(10 * time.Second)}
	err := l.Run(context.Background(), func(context.Context) (bool, error) {
		at = append(at, clk.Now().Sub(t0))
		return false, nil
	})
	require.ErrorIs(t, err, ErrDeadline)
	assert.Equal(t, []time.Duration{0, 4 * time.Second, 8 * time.Second, 9 * time.Second}, at, "the last poll starts FinalPollLead before the deadline")
	assert.Equal(t, t0.Add(9*time.Second), clk.Now())

	// The condition holding at the deadline's poll is success.
	clk = clock.NewAuto(t0)
	n := 0
	l = &Loop{Clock: clk, Interval: 4 * time.Second, Jitter: NoJitter, Deadline: t0.Add(10 * time.Second)}
	require.NoError(t, l.Run(context.Background(), func(context.Context) (bool, error) { n++; return n == 4, nil }))
}

func TestRunTransientErrors(t *testing.T) {
	clk := clock.NewAuto(t0)
	var errOut bytes.Buffer
	results := []error{
		&api.TransportError{Method: "GET", URL: "https://pam.example.test/api/session/list", Reason: "connection refused"},
		&api.HTTPError{StatusCode: http.StatusServiceUnavailable, Message: "down"},
		&api.HTTPError{StatusCode: http.StatusTooManyRequests, RetryAfter: 30 * time.Second},
		nil,
		&api.HTTPError{StatusCode: http.StatusBadGateway},
		nil,
	}
	var at []time.Duration
	l := &Loop{Clock: clk, Interval: 5 * time.Second, Jitter: NoJitter, ErrOut: &errOut, What: "the Sessions Report"}
	err := l.Run(context.Background(), func(context.Context) (bool, error) {
		at = append(at, clk.Now().Sub(t0))
		r := results[len(at)-1]
		return len(at) == len(results), r
	})
	require.NoError(t, err)
	assert.Equal(t, []time.Duration{0, 5 * time.Second, 10 * time.Second, 40 * time.Second, 45 * time.Second, 50 * time.Second}, at,
		"Retry-After stretches one wait; otherwise the interval")
	assert.Equal(t, "pamctl: reading the Sessions Report failed: connection refused; retrying every 5s until it answers\n"+
		"pamctl: reading the Sessions Report failed: HTTP 502; retrying every 5s until it answers\n", errOut.String(),
		"one note per outage")
}

func TestRunFatalErrors(t *testing.T) {
	for _, e := range []error{
		&api.HTTPError{StatusCode: http.StatusUnauthorized},
		&api.HTTPError{StatusCode: http.StatusForbidden},
		&api.HTTPError{StatusCode: http.StatusNotFound},
		&api.TransportError{Reason: "no such host", Permanent: true},
		errors.New("bad envelope"),
	} {
		clk := clock.NewAuto(t0)
		n := 0
		l := &Loop{Clock: clk, Interval: 5 * time.Second}
		err := l.Run(context.Background(), func(context.Context) (bool, error) { n++; return false, e })
		assert.Same(t, e, err)
		assert.Equal(t, 1, n, "%v ends the loop at once", e)
	}
}

func TestRunCancel(t *testing.T) {
	clk := clock.NewFake(t0)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	polls := make(chan struct{}, 10)
	go func() {
		done <- (&Loop{Clock: clk, Interval: 5 * time.Second}).Run(ctx, func(context.Context) (bool, error) {
			polls <- struct{}{}
			return false, nil
		})
	}()
	<-polls
	cancel()
	err := <-done
	assert.ErrorIs(t, err, context.Canceled)
	assert.Len(t, polls, 0, "nothing polled after the cancel")
}

func TestEnded(t *testing.T) {
	ctx := context.Background()
	dead := &DeadlineError{}
	assert.NoError(t, Ended(ctx, dead, time.Minute, 0, 3, "change"), "a --timeout without --count just ends")
	assert.NoError(t, Ended(ctx, nil, time.Minute, 2, 2, "change"))
	err := Ended(ctx, dead, time.Minute, 3, 1, "change")
	var ce *CountError
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, "timed out after 1m0s: 1 of the 3 changes asked for with --count came", ce.Error())
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	assert.NoError(t, Ended(cctx, context.Canceled, 0, 0, 0, "change"), "Ctrl-C ends a watch with 0")
	boom := errors.New("boom")
	assert.Same(t, boom, Ended(ctx, boom, 0, 0, 0, "change"))

	// No answer at all: said so, with the last failure when there was
	// one, never an empty "(<nil>)".
	assert.EqualError(t, Ended(ctx, &DeadlineError{NoAnswer: true}, 5*time.Second, 0, 0, "change"),
		"timed out after 5s before the server answered once")
	assert.EqualError(t, Ended(ctx, &DeadlineError{NoAnswer: true, Last: errCut}, 5*time.Second, 0, 0, "change"),
		"timed out after 5s before the server answered once (no answer before the deadline)")
}
