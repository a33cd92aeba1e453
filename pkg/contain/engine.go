package contain

import (
	"context"
	"io"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pamctl/pamctl/pkg/api"
	"github.com/pamctl/pamctl/pkg/clock"
)

// API is the part of the 12Port client the engine uses. Unit tests hand in
// a small fake; the command hands in *api.Client.
type API interface {
	UserContext(ctx context.Context) (*api.UserContext, error)
	GetSession(ctx context.Context, id string) (*api.Session, error)
	ListSessions(ctx context.Context, p api.ListSessionsParams) ([]api.Session, error)
	TerminateSession(ctx context.Context, id string) (*api.Session, error)
	ListEvents(ctx context.Context, p api.ListEventsParams) ([]api.Event, error)
	SessionEvents(ctx context.Context, id string) ([]api.SessionEvent, error)
	GetAsset(ctx context.Context, id string) (*api.Asset, error)
	ListAssets(ctx context.Context, name string, limit int) ([]api.Asset, error)
	Server() string
	Host() string
	Timeout() time.Duration
}

var _ API = (*api.Client)(nil)

// engine runs one terminate: plan (plan.go), confirm (confirm.go), send
// (send.go), verify (verify.go), report (report.go). Results are mutated by
// one goroutine at a time (a sender, then the verifier); every transition
// is also recorded in the ledger under mu, which is what the quit hook of
// a second Ctrl-C reads while the run is still going.
type engine struct {
	api    API
	clock  clock.Clock
	opts   *Config
	errOut io.Writer // talk: Callbacks.Note
	// prompter asks the question (confirm.go).
	prompter Prompter
	// onSettled is told of each session once its outcome is final (the
	// audit journal line is written there, at that moment).
	onSettled func(Result)
	// onSent is told each session as its terminate request goes out.
	onSent func(Result)
	// admin: the user has the Administrator site role, so requests need
	// not go one per asset first (see waves).
	admin bool
	uc    *api.UserContext // who we are (the ground check's scope)

	// jmu orders journal writes: a settle's line, the quit hook's lines,
	// and the journal's close. A run shares one over all its sites.
	jmu *sync.Mutex
	// halt is set once a journal line could not be written: nothing new
	// is sent (shared by every site of a run; nil in unit tests).
	halt *atomic.Bool
	// stop is when the operator interrupted the run (shared by every
	// site of a run): how long it ran is measured there.
	stop *stopwatch
	// began is when this site's run started sending (siteRun.run): an
	// interrupt is said as "after" it.
	began   time.Time
	mu      sync.Mutex
	ledger  map[*Result]Result // last recorded state of each result
	order   []*Result          // the ledger's keys, in the order first seen
	settled map[*Result]bool
	// early reads each selector target back by ID as soon as its
	// terminate is answered, beside the other requests (ground.go).
	early earlyReads
	// denied holds the assets (lower-case ID) whose terminate answered
	// 401/403: no further request is sent for their sessions.
	denied map[string]string
}

func newEngine(c API, clk clock.Clock, opts *Config, onSettled func(Result)) *engine {
	return &engine{
		api: c, clock: clk, opts: opts, errOut: io.Discard, onSettled: onSettled, jmu: new(sync.Mutex), stop: new(stopwatch),
		ledger: map[*Result]Result{}, settled: map[*Result]bool{}, denied: map[string]string{},
	}
}

// record copies r's state into the ledger.
func (e *engine) record(r *Result) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.keep(r)
}

// keep stores r's state; e.mu is held.
func (e *engine) keep(r *Result) {
	if _, ok := e.ledger[r]; !ok {
		e.order = append(e.order, r)
	}
	e.ledger[r] = *r
}

// settle records r as final and tells onSettled, once per result.
func (e *engine) settle(r *Result) {
	// jmu spans marking the result settled and writing its line, so the
	// quit hook (which takes jmu too) never finds a result settled whose
	// line is not written yet.
	e.jmu.Lock()
	defer e.jmu.Unlock()
	e.mu.Lock()
	if e.settled[r] {
		e.mu.Unlock()
		return
	}
	e.settled[r] = true
	e.keep(r)
	snap := *r
	e.mu.Unlock()
	if e.onSettled != nil {
		e.onSettled(snap)
	}
}

// quitJournal is the second Ctrl-C: every result sent and not settled is
// journaled as unknown, under jmu, and what is known so far is returned.
func (e *engine) quitJournal() (inflight, known []Result) {
	e.jmu.Lock()
	defer e.jmu.Unlock()
	inflight, known = e.quit()
	if e.onSettled != nil {
		for i := range inflight {
			e.onSettled(inflight[i])
		}
	}
	return inflight, known
}

// quit returns, for the quit hook, every result sent but not yet
// settled, marked unknown, and settles them; and a snapshot of every result
// recorded so far, in order. It reads only the ledger, which the run keeps
// under mu, so it is safe while the run goes on.
func (e *engine) quit() (inflight []Result, known []Result) {
	e.mu.Lock()
	for _, r := range e.order {
		snap := e.ledger[r]
		if snap.sent && !e.settled[r] {
			if snap.Result == "" || snap.Result == ResultTerminated && !snap.Verified {
				snap.Result = ResultUnknown
				snap.Error = "sent; the run was stopped (second interrupt) before its outcome was known; check with `pamctl sessions get " + r.ID + "`"
			}
			e.settled[r] = true
			inflight = append(inflight, snap)
		}
		known = append(known, snap)
	}
	e.mu.Unlock()
	return inflight, known
}

// deny stops further requests for an asset's sessions after a 401/403.
func (e *engine) deny(assetID, why string) {
	if assetID == "" {
		return
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if _, ok := e.denied[lower(assetID)]; !ok {
		e.denied[lower(assetID)] = why
	}
}

func (e *engine) deniedFor(assetID string) (string, bool) {
	if assetID == "" {
		return "", false
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	why, ok := e.denied[lower(assetID)]
	return why, ok
}

// stopwatch holds the moment the operator interrupted the run (Ctrl-C:
// the context's end). "Interrupted after" is measured there, on the
// engine's clock, not when the requests in flight came back: a slow
// terminate POST runs to its answer after Ctrl-C (sendAll).
type stopwatch struct{ at atomic.Pointer[time.Time] }

// mark records now as the interrupt, unless one is recorded already.
func (s *stopwatch) mark(now time.Time) { s.at.CompareAndSwap(nil, &now) }

// since is how long the run had run from start when it was interrupted;
// now counts as the interrupt when none was recorded yet (the caller saw
// the context end before the watchers did).
func (s *stopwatch) since(start, now time.Time) time.Duration {
	s.mark(now)
	return s.at.Load().Sub(start)
}
