package contain

import (
	"context"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pamctl/pamctl/pkg/api"
	"github.com/pamctl/pamctl/pkg/clock"
	"github.com/pamctl/pamctl/pkg/cmdutil"
)

var tInterrupt = time.Date(2026, 12, 4, 10, 0, 0, 0, time.UTC)

// interruptRun runs a terminate of one ID on the fake clock fc, with
// verification, and returns its talk and error.
func interruptRun(ctx context.Context, t *testing.T, fc *clock.Fake, f *fakeAPI, note func(string)) ([]string, error) {
	t.Helper()
	var mu sync.Mutex
	var lines []string
	h := &Helper{
		Config: Config{IDs: []string{f.id()}, Yes: true, WaitTimeout: 30 * time.Second, Concurrency: 1, Max: 20},
		Sites:  []Site{{API: f}},
		Clock:  fc,
		Callbacks: Callbacks{
			Note: func(line string) {
				mu.Lock()
				lines = append(lines, line)
				mu.Unlock()
				if note != nil {
					note(line)
				}
			},
			OpenJournal: func() (Journal, error) { return &failingJournal{ok: 100}, nil },
		},
	}
	_, err := h.Run(ctx)
	mu.Lock()
	defer mu.Unlock()
	return lines, err
}

const interruptID = "11111111-1111-4111-8111-000000000001"

func (f *fakeAPI) id() string { return interruptID }

func completedOf(id string) *api.Session {
	s := activeOf(id, "a1")
	s.State = api.StateCompleted
	return &s
}

// Ctrl-C 4 s into the verification, while the Events Report is read: one
// statement, when and what was not read yet; not "not verified" twice,
// not "no Terminate Session event" for a read the interrupt cut, not
// "(last error: cancelled)".
func TestInterruptDuringVerification(t *testing.T) {
	fc := clock.NewFake(tInterrupt)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var ended atomic.Bool
	f := &fakeAPI{
		get: func(id string) (*api.Session, error) {
			if ended.Load() {
				return completedOf(id), nil
			}
			s := activeOf(id, "a1")
			return &s, nil
		},
		term: func(id string) (*api.Session, error) { ended.Store(true); return completedOf(id), nil },
		events: func(ctx context.Context) ([]api.Event, error) {
			fc.Advance(4 * time.Second)
			cancel() // Ctrl-C while the Events Report is being read
			return nil, ctx.Err()
		},
	}
	lines, err := interruptRun(ctx, t, fc, f, nil)
	assert.Contains(t, lines, "Terminated "+interruptID+" (bob on a1), NOT verified: interrupted after 4s, before its Terminate Session event was read; check with `pamctl sessions events "+interruptID+"`", strings.Join(lines, "\n"))
	for _, l := range lines {
		assert.NotContains(t, l, "not verified", "said once, as NOT verified")
		assert.NotContains(t, l, "cancelled)")
	}
	assert.Equal(t, cmdutil.ExitCancelled, cmdutil.ExitCode(err))
	require.Error(t, err)
	assert.Equal(t, "cancelled: 1 terminated (listed above)", err.Error())
}

// Ctrl-C 3 s into a terminate POST the server answers at 20 s: the POST
// runs to its answer, and the run says it was interrupted after 3 s, the
// moment of the interrupt on the engine's clock.
func TestInterruptMeasuredAtTheInterrupt(t *testing.T) {
	fc := clock.NewFake(tInterrupt)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	noted := make(chan struct{})
	var once sync.Once
	f := &fakeAPI{
		get: func(id string) (*api.Session, error) { s := activeOf(id, "a1"); return &s, nil },
		term: func(id string) (*api.Session, error) {
			fc.Advance(3 * time.Second)
			cancel()
			<-noted // the run has seen the interrupt ("waiting up to ...")
			fc.Advance(17 * time.Second)
			return completedOf(id), nil
		},
	}
	lines, err := interruptRun(ctx, t, fc, f, func(line string) {
		if strings.HasPrefix(line, "pamctl: interrupted: sending nothing more") {
			once.Do(func() { close(noted) })
		}
	})
	require.Equal(t, []string{interruptID}, f.posts)
	assert.Contains(t, lines, "Terminated "+interruptID+" (bob on a1), NOT verified: interrupted after 3s, before it was verified; check with `pamctl sessions get "+interruptID+"`", strings.Join(lines, "\n"))
	assert.Equal(t, 20*time.Second, fc.Now().Sub(tInterrupt), "the POST ran to its answer")
	assert.Equal(t, "cancelled: 1 terminated (listed above)", err.Error())
}

// After Ctrl-C the last line counts what is not zero; "listed above" only
// when there is something to list.
func TestCancelledLine(t *testing.T) {
	res := func(result, err string) *Result { return &Result{ID: interruptID, Result: result, Error: err} }
	seven := make([]*Result, 7)
	for i := range seven {
		seven[i] = res(ResultTerminated, "")
	}
	for _, tc := range []struct {
		results []*Result
		want    string
	}{
		{seven, "cancelled: 7 terminated (listed above)"},
		{[]*Result{res(ResultTerminated, ""), res(ResultSkipped, errNotSent), res(ResultSkipped, errNotSent)}, "cancelled: 1 terminated, 2 not sent (listed above)"},
		{[]*Result{res(ResultUnknown, "sent; outcome unknown"), res(ResultSkipped, errNotSent)}, "cancelled: 1 outcome unknown, 1 not sent (listed above)"},
		{[]*Result{res(ResultAlreadyCompleted, "")}, "cancelled: nothing was terminated"},
		{nil, "cancelled: nothing was terminated"},
	} {
		err := outcome(tc.results, true, fakeOpts(), nil)
		assert.Equal(t, cmdutil.ExitCancelled, cmdutil.ExitCode(err))
		assert.Equal(t, tc.want, err.Error())
	}
}

// The report says "not verified" once: the reason's own.
func TestReportSaysNotVerifiedOnce(t *testing.T) {
	r := &Result{ID: interruptID, User: "bob", Asset: "a1", Result: ResultTerminated, Error: "not verified within 1s: no Terminate Session event for it"}
	var b strings.Builder
	printReport(&b, []*Result{r}, false)
	assert.Equal(t, "Terminated "+interruptID+" (bob on a1), NOT verified within 1s: no Terminate Session event for it\n", b.String())
}

// An unknown outcome whose verification is interrupted: the advice once,
// last; after a timeout likewise.
func TestUnknownOutcomeInterruptedOrTimedOut(t *testing.T) {
	fc := clock.NewFake(tInterrupt)
	e := newEngine(&fakeAPI{}, fc, &Config{WaitTimeout: 30 * time.Second}, nil)
	v := &verifier{e: e}
	unknown := func() *Result {
		r := &Result{ID: interruptID}
		e.unknown(r, "sent; outcome unknown (HTTP 503)")
		return r
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	fc.Advance(4 * time.Second)
	r := unknown()
	v.unverified(ctx, []*Result{r}, tInterrupt)
	assert.Equal(t, "sent; outcome unknown (HTTP 503); interrupted after 4s, before it was verified; check with `pamctl sessions get "+interruptID+"`", r.Error)
	r = unknown()
	v.unverified(context.Background(), []*Result{r}, tInterrupt)
	assert.Equal(t, "sent; outcome unknown (HTTP 503); not verified within 30s: the session does not read back Completed and no Terminate Session event for it; check with `pamctl sessions get "+interruptID+"`", r.Error)
}
