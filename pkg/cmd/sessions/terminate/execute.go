package terminate

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/pamctl/pamctl/pkg/api"
	"github.com/pamctl/pamctl/pkg/output"
	"github.com/pamctl/pamctl/pkg/text"
)

// errNotSent marks a session whose request was never started (Ctrl-C).
const errNotSent = "not sent: cancelled before its turn"

// Verification polling: the first round right after the requests, then
// after backoffStart, doubling up to backoffMax, until --wait-timeout.
const (
	backoffStart = 100 * time.Millisecond
	backoffMax   = 2 * time.Second
	// eventSkew widens the Events Report window below the earliest
	// completion time, for a server clock behind pamctl's.
	eventSkew = 2 * time.Minute
)

// forEach runs fn(0..n-1) with at most conc calls at once; it stops
// starting new calls once ctx is done.
func forEach(ctx context.Context, n, conc int, fn func(i int)) {
	if conc < 1 {
		conc = 1
	}
	sem := make(chan struct{}, conc)
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		if ctx.Err() != nil {
			break
		}
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			break
		}
		wg.Go(func() {
			defer func() { <-sem }()
			fn(i)
		})
	}
	wg.Wait()
}

// terminateAll sends the terminate requests, conc at a time. Ctrl-C
// (ctx done) stops starting new ones; the ones in flight run to their
// answer on a context that Ctrl-C does not cancel (the client's per-request
// timeout still bounds them), so every session's outcome is known and
// reported. It returns whether it was cancelled.
func terminateAll(ctx context.Context, c *api.Client, send []*Result, conc int) bool {
	inflight := context.WithoutCancel(ctx)
	jobs := make(chan *Result)
	var wg sync.WaitGroup
	for range min(conc, len(send)) {
		wg.Go(func() {
			for r := range jobs {
				// The feed's select may hand out a job at the same
				// moment Ctrl-C lands: check again before sending.
				if ctx.Err() != nil {
					continue
				}
				terminateOne(inflight, c, r)
			}
		})
	}
	cancelled := false
feed:
	for _, r := range send {
		if ctx.Err() != nil {
			cancelled = true
			break
		}
		select {
		case jobs <- r:
		case <-ctx.Done():
			cancelled = true
			break feed
		}
	}
	close(jobs)
	wg.Wait()
	if ctx.Err() != nil {
		cancelled = true
	}
	for _, r := range send {
		if r.pending() {
			r.Result, r.Error = ResultSkipped, errNotSent
		}
	}
	return cancelled
}

// terminateOne sends one terminate request and settles the outcome. An
// unknown outcome is resolved by reading the session back: Completed is
// terminated; still Active allows exactly one more request.
func terminateOne(ctx context.Context, c *api.Client, r *Result) {
	r.sent = true
	s, err := c.TerminateSession(ctx, r.ID)
	for retried := false; err != nil && api.IsUnknownOutcome(err); retried = true {
		r.unknown = true
		back, gerr := c.GetSession(ctx, r.ID)
		if gerr != nil {
			r.Result = ResultFailed
			r.Error = fmt.Sprintf("outcome unknown (%s), and reading the session back failed (%s); check with `pamctl sessions get %s`", reason(err), reason(gerr), r.ID)
			return
		}
		if back.State == api.StateCompleted {
			s, err = back, nil
			break
		}
		if retried {
			r.Result = ResultFailed
			r.Error = fmt.Sprintf("outcome unknown twice (%s) and the session still reads %s; not sent again", reason(err), text.Safe(back.State))
			return
		}
		s, err = c.TerminateSession(ctx, r.ID)
	}
	if err == nil {
		r.Result = ResultTerminated
		r.completed = s.Completed.Time
		return
	}
	r.Result = ResultFailed
	var he *api.HTTPError
	switch {
	case api.IsConflict(err):
		// 409 is "not active" or "native-only": the session says which.
		back, gerr := c.GetSession(ctx, r.ID)
		if gerr == nil && back.State == api.StateCompleted {
			r.Result, r.Error = ResultAlreadyCompleted, ""
			return
		}
		r.Error = "the server refused (HTTP 409): " + message(err)
		if gerr == nil && !api.IsTerminable(back) {
			r.Error = fmt.Sprintf("native-only (%s): only web sessions can be terminated (HTTP 409: %s)", text.Safe(strings.Join(back.Channels, ", ")), message(err))
		}
	case api.IsAuth(err):
		r.perm = true
		r.Error = fmt.Sprintf("not permitted (HTTP %s): terminating needs the Asset Manager permission on %s or the Administrator site role: %s", statusOf(err), text.Safe(r.Asset), message(err))
	case api.IsNotFound(err):
		r.Error = "the session no longer exists (HTTP 404)"
		// The terminate path is modeled, not documented: a 404 for a
		// session that reads back fine means the endpoint, not the
		// session, is missing on this server.
		if back, gerr := c.GetSession(ctx, r.ID); gerr == nil {
			if back.State == api.StateCompleted {
				r.Result, r.Error = ResultAlreadyCompleted, ""
				return
			}
			r.Error = fmt.Sprintf("the server answered HTTP 404 to the terminate request although the session exists: this server's terminate endpoint differs from the modeled one (%s); see docs/api-contract.md", message(err))
		}
	case errors.As(err, &he):
		r.Error = fmt.Sprintf("HTTP %d: %s", he.StatusCode, message(err))
	default:
		r.Error = reason(err)
	}
}

func message(err error) string {
	var he *api.HTTPError
	if errors.As(err, &he) && he.Message != "" {
		return text.Safe(he.Message)
	}
	return reason(err)
}

func reason(err error) string {
	var te *api.TransportError
	if errors.As(err, &te) {
		return te.Reason
	}
	return text.Safe(err.Error())
}

// verify polls until every terminated session reads back Completed and
// its Terminate Session event is in the Events Report, or --wait-timeout.
// Each round costs a fixed number of requests however many sessions are
// pending: one Events Report query (filtered by event and time) matched
// against all of them, and, for a selector, one Completed-sessions query
// per report scope; only sessions named by ID are read back one by one.
func verify(ctx context.Context, c *api.Client, p *plan, opts *TerminateOptions, start time.Time) {
	var pending []*Result
	from := start.Add(-eventSkew)
	for _, r := range p.results {
		if r.Result != ResultTerminated {
			continue
		}
		pending = append(pending, r)
		if !r.completed.IsZero() && r.completed.Add(-eventSkew).Before(from) {
			from = r.completed.Add(-eventSkew)
		}
	}
	if len(pending) == 0 {
		return
	}
	deadline := time.Now().Add(opts.WaitTimeout)
	vctx, cancel := context.WithDeadline(ctx, deadline)
	defer cancel()
	v := &verifier{c: c, p: p, opts: opts, from: from}
	wait := backoffStart
	for {
		v.round(vctx, pending)
		still := pending[:0]
		for _, r := range pending {
			if r.readCompleted && r.eventLine != "" {
				r.Verified, r.Error = true, ""
				continue
			}
			still = append(still, r)
		}
		pending = still
		if len(pending) == 0 || vctx.Err() != nil {
			break
		}
		select {
		case <-vctx.Done():
		case <-time.After(min(wait, time.Until(deadline))):
		}
		if vctx.Err() != nil {
			// The deadline passed while waiting: stop.
			break
		}
		wait = min(wait*2, backoffMax)
	}
	for _, r := range pending {
		var missing []string
		if !r.readCompleted {
			missing = append(missing, "the session does not read back Completed")
		}
		if r.eventLine == "" {
			missing = append(missing, "no Terminate Session event for it")
		}
		detail := strings.Join(missing, " and ")
		if v.lastErr != nil {
			detail += " (last error: " + reason(v.lastErr) + ")"
		}
		if ctx.Err() != nil {
			detail += " (cancelled)"
		}
		r.Error = fmt.Sprintf("not verified within %s: %s", opts.WaitTimeout, detail)
	}
}

type verifier struct {
	c    *api.Client
	p    *plan
	opts *TerminateOptions
	from time.Time
	// sessionEvents is set once the Events Report is forbidden: the
	// Session Events Report of each session is read instead.
	sessionEvents bool
	mu            sync.Mutex
	lastErr       error
}

func (v *verifier) fail(err error) {
	v.mu.Lock()
	v.lastErr = err
	v.mu.Unlock()
}

// round gathers one round of evidence for pending, the read-back and the
// events concurrently.
func (v *verifier) round(ctx context.Context, pending []*Result) {
	var wg sync.WaitGroup
	var todoRead, todoEvents []*Result
	for _, r := range pending {
		if !r.readCompleted {
			todoRead = append(todoRead, r)
		}
		if r.eventLine == "" {
			todoEvents = append(todoEvents, r)
		}
	}
	if len(todoRead) > 0 {
		wg.Go(func() { v.readBack(ctx, todoRead) })
	}
	if len(todoEvents) > 0 {
		wg.Go(func() { v.events(ctx, todoEvents) })
	}
	wg.Wait()
}

func (v *verifier) readBack(ctx context.Context, rs []*Result) {
	if v.p.selector {
		// The scopes that found the sessions, asked for Completed ones
		// created since the oldest pending session started.
		var since time.Time
		for _, r := range rs {
			if r.sess != nil && !r.sess.Created.IsZero() && (since.IsZero() || r.sess.Created.Before(since)) {
				since = r.sess.Created.Time
			}
		}
		done := map[string]bool{}
		var mu sync.Mutex
		forEach(ctx, len(v.p.scopes), v.opts.Concurrency, func(i int) {
			q := v.p.scopes[i]
			q.State = api.StateCompleted
			q.From = since
			list, err := v.c.ListSessions(ctx, q)
			if err != nil {
				v.fail(err)
				return
			}
			mu.Lock()
			for _, s := range list {
				if s.State == api.StateCompleted {
					done[s.ID] = true
				}
			}
			mu.Unlock()
		})
		for _, r := range rs {
			if done[r.ID] {
				r.readCompleted = true
			}
		}
		return
	}
	forEach(ctx, len(rs), v.opts.Concurrency, func(i int) {
		s, err := v.c.GetSession(ctx, rs[i].ID)
		if err != nil {
			v.fail(err)
			return
		}
		if s.State == api.StateCompleted {
			rs[i].readCompleted = true
		}
	})
}

func (v *verifier) events(ctx context.Context, rs []*Result) {
	if !v.sessionEvents {
		evs, err := v.c.ListEvents(ctx, api.ListEventsParams{Event: api.EventTerminateSession, From: v.from})
		switch {
		case err == nil:
			for _, r := range rs {
				for i := range evs {
					if api.IsTerminateEvent(&evs[i], r.ID) {
						r.Event = evs[i].Message
						r.eventLine = eventLine(&evs[i])
						break
					}
				}
			}
			return
		case api.IsAuth(err):
			v.sessionEvents = true
		default:
			v.fail(err)
			return
		}
	}
	forEach(ctx, len(rs), v.opts.Concurrency, func(i int) {
		evs, err := v.c.SessionEvents(ctx, rs[i].ID)
		if err != nil {
			v.fail(err)
			return
		}
		for _, e := range evs {
			if strings.EqualFold(e.Type, api.EventTerminateSession) {
				rs[i].Event = e.Details
				rs[i].eventLine = fmt.Sprintf("Session Events Report: %s %s: %s", output.RFC3339(e.Start.Time), e.Type, e.Details)
				break
			}
		}
	})
}

func eventLine(e *api.Event) string {
	return fmt.Sprintf("Events Report: %s %s %s %s by %s: %s", output.RFC3339(e.Created.Time), e.Level, e.Category, e.Event, e.User, e.Message)
}
