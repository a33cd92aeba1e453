package poll

import (
	"context"
	"io"
	"net/http"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pamctl/pamctl/pkg/api"
	"github.com/pamctl/pamctl/pkg/clock"
	"github.com/pamctl/pamctl/pkg/cmdutil"
)

// A poll in flight at the deadline is cut there: the loop ends at the
// deadline, not when the server finally answers.
func TestRunDeadlineCutsThePollInFlight(t *testing.T) {
	clk := clock.NewFake(t0)
	l := &Loop{Clock: clk, Interval: 2 * time.Second, Jitter: NoJitter, Deadline: t0.Add(5 * time.Second)}
	started := make(chan struct{})
	errc := make(chan error, 1)
	go func() {
		errc <- l.Run(context.Background(), func(ctx context.Context) (bool, error) {
			close(started)
			<-ctx.Done() // a server that never answers
			return false, ctx.Err()
		})
	}()
	<-started
	clk.Advance(5 * time.Second)
	err := <-errc
	var de *DeadlineError
	require.ErrorAs(t, err, &de)
	assert.True(t, de.NoAnswer)
	assert.ErrorIs(t, de.Last, errCut)
	got := Ended(context.Background(), err, 5*time.Second, 0, 0, "changes")
	assert.Equal(t, cmdutil.ExitTimeout, cmdutil.ExitCode(got))
	assert.Contains(t, got.Error(), "timed out after 5s before the server answered once")
}

// dripBody is a body that yields one byte every half second.
type dripBody struct {
	ctx  context.Context
	left int
}

func (d *dripBody) Read(p []byte) (int, error) {
	if d.left == 0 {
		return 0, io.EOF
	}
	select {
	case <-time.After(500 * time.Millisecond):
	case <-d.ctx.Done():
		return 0, d.ctx.Err()
	}
	d.left--
	p[0] = ' '
	return 1, nil
}

func (d *dripBody) Close() error { return nil }

// Against a server answering one byte every half second (a 180-byte body:
// 90 s), a 5 s deadline ends the loop at 5 s, on the real clock inside a
// synctest bubble (no real waiting).
func TestRunDeadlineAgainstADrippingServer(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rt := roundTrip(func(r *http.Request) (*http.Response, error) {
			return &http.Response{StatusCode: 200, Header: http.Header{"Content-Type": {"application/json"}},
				Body: &dripBody{ctx: r.Context(), left: 180}, Request: r}, nil
		})
		c, err := api.New(api.Options{Server: "https://pam.example.com/ztna/t/s", Token: "tok-123456", Transport: rt, Timeout: 2 * time.Minute})
		require.NoError(t, err)
		start := time.Now()
		l := &Loop{Clock: clock.Real{}, Interval: 5 * time.Second, Jitter: NoJitter, Deadline: start.Add(5 * time.Second)}
		err = l.Run(context.Background(), func(ctx context.Context) (bool, error) {
			_, err := c.Raw(ctx, "GET", "/api/session/list", nil)
			return err == nil, err
		})
		require.ErrorIs(t, err, ErrDeadline)
		assert.Equal(t, 5*time.Second, time.Since(start), "the whole loop, its request included, took the deadline")
	})
}

type roundTrip func(*http.Request) (*http.Response, error)

func (f roundTrip) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
