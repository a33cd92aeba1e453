package contain

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/pamctl/pamctl/pkg/api"
	"github.com/pamctl/pamctl/pkg/output"
)

// Verification polling: the first round right after the requests, then
// after api.VerifyBackoffStart, doubling up to api.VerifyBackoffMax (the
// schedules' one home, pkg/api/retry.go), until --wait-timeout.

// eventSkew widens the Events Report window below the earliest completion
// time, for a server clock behind pamctl's.
const eventSkew = 2 * time.Minute

// verify polls until every terminated (or unknown) session reads back
// Completed and its Terminate Session event is in the Events Report, or
// --wait-timeout. Each round costs a fixed number of requests however many
// sessions are pending: one Events Report query (filtered by event and
// time) matched against all of them, and, for a selector, one
// Completed-sessions query per report scope; only sessions named by ID
// are read back one by one. Each session is settled (journaled) the
// moment it is verified, and the rest when the wait ends.
func (e *engine) verify(ctx context.Context, p *plan, start time.Time) {
	var pending []*Result
	from := start.Add(-eventSkew)
	for _, r := range p.results {
		if r.Result != ResultTerminated && r.Result != ResultUnknown {
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
	deadline := e.clock.Now().Add(e.opts.WaitTimeout)
	vctx, cancel := context.WithCancel(ctx)
	defer cancel()
	v := &verifier{e: e, p: p, from: from}
	wait := api.VerifyBackoffStart
	for {
		v.round(vctx, pending)
		still := pending[:0]
		for _, r := range pending {
			if r.readCompleted && r.eventLine != "" {
				// Settled after the check on the ground (execute).
				r.Result, r.Verified, r.Error, r.stillActive = ResultTerminated, true, "", false
				continue
			}
			still = append(still, r)
		}
		pending = still
		left := deadline.Sub(e.clock.Now())
		if len(pending) == 0 || vctx.Err() != nil || left <= 0 {
			break
		}
		select {
		case <-vctx.Done():
		case <-e.clock.After(min(wait, left)):
		}
		if vctx.Err() != nil {
			break
		}
		wait = min(wait*2, api.VerifyBackoffMax)
	}
	v.unverified(ctx, pending, start)
}

// unverified words each session the wait ended with unverified. After
// --wait-timeout: what is missing, and the last error; one that read
// Active by ID to the end is not contained. After an interrupt: when,
// and what had not been read yet (interruptedWhy), one statement.
func (v *verifier) unverified(ctx context.Context, pending []*Result, start time.Time) {
	e := v.e
	if !e.began.IsZero() {
		start = e.began // a hold's reconnect: the run's start, as for the others
	}
	for _, r := range pending {
		if ctx.Err() != nil {
			why := interruptedWhy(r, e.stop.since(start, e.clock.Now()))
			if r.Result == ResultUnknown {
				why = withCheck(r, why)
			}
			r.Error = why
			continue
		}
		if r.Result == ResultTerminated && r.readActive && !r.readCompleted {
			// Read Active by ID to the end: not contained, whatever else
			// the server says.
			e.stillActiveAfterEnd(r, "it still reads back Active by ID after "+e.opts.WaitTimeout.String())
			continue
		}
		var missing []string
		if !r.readCompleted {
			missing = append(missing, "the session does not read back Completed")
		}
		if r.eventLine == "" {
			missing = append(missing, "no Terminate Session event for it")
		}
		detail := strings.Join(missing, " and ")
		if err := v.err(); err != nil {
			detail += " (last error: " + api.Reason(err) + ")"
		}
		if r.Result == ResultUnknown {
			r.Error = withCheck(r, "not verified within "+e.opts.WaitTimeout.String()+": "+detail+checkGet(r.ID))
		} else {
			r.Error = fmt.Sprintf("not verified within %s: %s", e.opts.WaitTimeout, detail)
		}
	}
}

// withCheck adds more, which ends with its own advice, to an unknown
// outcome's reason in place of the advice that ended it (unknown): the
// check is said once, last.
func withCheck(r *Result, more string) string {
	return strings.TrimSuffix(r.Error, checkGet(r.ID)) + "; " + more
}

type verifier struct {
	e    *engine
	p    *plan
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

func (v *verifier) err() error {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.lastErr
}

// round gathers one round of evidence for pending, the read-back and the
// events concurrently.
func (v *verifier) round(ctx context.Context, pending []*Result) {
	var todoRead, todoEvents []*Result
	for _, r := range pending {
		if !r.readCompleted {
			todoRead = append(todoRead, r)
		}
		if r.eventLine == "" {
			todoEvents = append(todoEvents, r)
		}
	}
	var wg sync.WaitGroup
	if len(todoRead) > 0 {
		wg.Go(func() { v.readBack(ctx, todoRead) })
	}
	if len(todoEvents) > 0 {
		wg.Go(func() { v.events(ctx, todoEvents) })
	}
	wg.Wait()
}

func (v *verifier) readBack(ctx context.Context, rs []*Result) {
	conc := v.e.opts.Concurrency
	if v.p.selector != nil {
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
		g := new(errgroup.Group)
		g.SetLimit(conc)
		for _, scope := range v.p.scopes {
			g.Go(func() error {
				q := scope
				q.State = api.StateCompleted
				q.From = since
				list, err := v.e.api.ListSessions(ctx, q)
				if err != nil {
					v.fail(err)
					return nil
				}
				mu.Lock()
				for _, s := range list {
					if s.State == api.StateCompleted {
						done[lower(s.ID)] = true
					}
				}
				mu.Unlock()
				return nil
			})
		}
		_ = g.Wait()
		for _, r := range rs {
			if done[lower(r.ID)] {
				r.readCompleted = true
			}
		}
		return
	}
	g := new(errgroup.Group)
	g.SetLimit(conc)
	for _, r := range rs {
		g.Go(func() error {
			s, err := v.e.api.GetSession(ctx, r.ID)
			if err != nil {
				v.fail(err)
				return nil
			}
			r.readActive = s.State == api.StateActive
			if s.State == api.StateCompleted {
				r.readCompleted, r.readByID = true, true
			}
			return nil
		})
	}
	_ = g.Wait()
}

func (v *verifier) events(ctx context.Context, rs []*Result) {
	if !v.sessionEvents {
		evs, err := v.e.api.ListEvents(ctx, api.ListEventsParams{Event: api.EventTerminateSession, From: v.from})
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
	g := new(errgroup.Group)
	g.SetLimit(v.e.opts.Concurrency)
	for _, r := range rs {
		g.Go(func() error {
			evs, err := v.e.api.SessionEvents(ctx, r.ID)
			if err != nil {
				v.fail(err)
				return nil
			}
			for _, ev := range evs {
				if api.SameName(ev.Type, api.EventTerminateSession) {
					r.Event = ev.Details
					r.eventLine = fmt.Sprintf("Session Events Report: %s %s: %s", output.RFC3339(ev.Start.Time), ev.Type, ev.Details)
					break
				}
			}
			return nil
		})
	}
	_ = g.Wait()
}

func eventLine(ev *api.Event) string {
	return fmt.Sprintf("Events Report: %s %s %s %s by %s: %s", output.RFC3339(ev.Created.Time), ev.Level, ev.Category, ev.Event, ev.User, ev.Message)
}
