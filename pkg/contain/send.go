package contain

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pamctl/pamctl/pkg/api"
	"github.com/pamctl/pamctl/pkg/cmdutil"
	"github.com/pamctl/pamctl/pkg/text"
)

// errNotSent marks a session whose request was never started (Ctrl-C).
const errNotSent = "not sent: cancelled before its turn"

// ErrorNotSent is the error of a session not sent because the run was
// cancelled before its turn (Result.Error).
const ErrorNotSent = errNotSent

// waves orders the requests. An Administrator may terminate anywhere: one
// wave. Anyone else may be refused per asset, so the first session of each
// asset goes first, alone for its asset, and the others only after it was
// accepted: after a refusal (401/403) no further request is sent for that
// asset's sessions.
func waves(send []*Result, admin bool) [][]*Result {
	if admin {
		return [][]*Result{send}
	}
	var first, rest []*Result
	seen := map[string]bool{}
	for _, r := range send {
		a := lower(r.assetID())
		if a == "" || !seen[a] {
			seen[a] = true
			first = append(first, r)
			continue
		}
		rest = append(rest, r)
	}
	if len(rest) == 0 {
		return [][]*Result{first}
	}
	return [][]*Result{first, rest}
}

func isAdmin(uc *api.UserContext) bool {
	return slices.ContainsFunc(uc.Roles, func(r string) bool { return api.SameName(r, roleAdministrator) })
}

// roleAdministrator is the site role that may terminate on every asset.
const roleAdministrator = "Administrator"

// sendAll sends the terminate requests, conc at a time. Ctrl-C (ctx done)
// stops starting new ones, and no retry is sent after it; the requests in
// flight run to their answer on a context that Ctrl-C does not cancel (the
// client's per-request timeout bounds them), so every session's outcome is
// known, reported and journaled. It returns whether it was cancelled.
func (e *engine) sendAll(ctx context.Context, send []*Result) bool {
	inflight := context.WithoutCancel(ctx)
	var busy atomic.Int32
	done := make(chan struct{})
	var watch sync.WaitGroup
	defer func() { close(done); watch.Wait() }()
	watch.Go(func() {
		select {
		case <-ctx.Done():
			e.stop.mark(e.clock.Now())
			if n := busy.Load(); n > 0 {
				cmdutil.Notef(e.errOut, "interrupted: sending nothing more; waiting up to %s for the %s in flight; press Ctrl-C again to quit now (%s journaled as unknown)",
					e.api.Timeout(), text.Plural(int(n), "terminate request"), pick(n == 1, "it is", "they are"))
			}
		case <-done:
		}
	})
	jobs := make(chan *Result)
	var wg sync.WaitGroup
	for range min(e.opts.Concurrency, len(send)) {
		wg.Go(func() {
			for r := range jobs {
				// The feed's select may hand out a job at the same
				// moment Ctrl-C lands: check again before sending.
				if ctx.Err() != nil || e.halted() {
					continue
				}
				busy.Add(1)
				e.sendOne(ctx, inflight, r)
				busy.Add(-1)
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
		if e.halted() {
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
			r.Result, r.Error, r.stillActive = ResultSkipped, errNotSent, true
			if e.halted() && !cancelled {
				r.Error = errJournalHalt
			}
			e.settle(r)
		}
	}
	return cancelled
}

// errJournalHalt is the error of a session not sent because a journal
// line could not be written.
const errJournalHalt = "not sent: the audit journal could not be written, so the run stopped sending"

// halted reports that a journal line could not be written: nothing new
// is sent.
func (e *engine) halted() bool { return e.halt != nil && e.halt.Load() }

// unknownOutcome is an answer that does not say whether the terminate
// happened: no answer, an unreadable one, or any 5xx (a 500 may come
// after the session was ended).
func unknownOutcome(err error) bool {
	var he *api.HTTPError
	return api.IsUnknownOutcome(err) || errors.As(err, &he) && he.StatusCode >= 500
}

// sendOne sends one terminate request and settles what can be settled
// now. opCtx is the operator's context (Ctrl-C); reqCtx lets a request
// already started finish.
func (e *engine) sendOne(opCtx, reqCtx context.Context, r *Result) {
	if why, ok := e.deniedFor(r.assetID()); ok {
		r.Result, r.perm, r.stillActive = ResultSkipped, true, true
		r.Error = "not permitted, not sent: " + why
		e.settle(r)
		return
	}
	r.sent, r.requests = true, 1
	e.record(r)
	if e.onSent != nil {
		e.onSent(*r)
	}
	s, err := e.api.TerminateSession(reqCtx, r.ID)
	if err != nil && unknownOutcome(err) {
		s, err = e.resolveUnknown(opCtx, reqCtx, r, err)
	}
	switch {
	case err == nil && s != nil && s.ID != "" && !api.SameID(s.ID, r.ID):
		e.otherEnded(reqCtx, r, s)
	case err == nil && s != nil:
		r.Result = ResultTerminated
		r.completed = s.Completed.Time
		r.Error = ""
		if len(e.opts.IDs) == 0 && !e.opts.NoWait {
			e.early.start(reqCtx, e, r.ID)
		}
	case err == nil:
		// resolveUnknown settled it (unknown, or read back).
	default:
		e.refused(reqCtx, r, err)
	}
	e.record(r)
	if r.Result != ResultTerminated && r.Result != ResultUnknown || e.opts.NoWait {
		e.settle(r)
	}
}

// resolveUnknown is the unknown-outcome rule: read the session back;
// Completed counts as terminated; still Active, wait a grace (or the
// server's Retry-After) and read it back again; still Active then allows
// exactly one more request, unless the operator has interrupted. It
// returns the session when terminated, nil and nil when r was set to
// unknown or read-back results, or the retry's error.
func (e *engine) resolveUnknown(opCtx, reqCtx context.Context, r *Result, first error) (*api.Session, error) {
	back, gerr := e.api.GetSession(reqCtx, r.ID)
	if gerr == nil && back.State == api.StateCompleted {
		return back, nil
	}
	if gerr != nil {
		e.unknown(r, fmt.Sprintf("sent; outcome unknown (%s), and reading the session back failed (%s)", api.Reason(first), api.Reason(gerr)))
		return nil, nil
	}
	wait := max(api.WriteResendGrace, api.RetryAfterOf(first))
	if ra := api.RetryAfterOf(first); ra > api.DefaultMaxRetryAfter {
		e.unknown(r, fmt.Sprintf("sent; outcome unknown (%s); the server asks to retry after %s, longer than pamctl waits; the session still read Active", api.Reason(first), ra.Round(time.Second)))
		return nil, nil
	}
	if wait > api.AnnounceWait {
		cmdutil.Notef(e.errOut, "the terminate request for %s got no clear answer (%s); reading it back again in %s before sending once more", r.ID, api.Reason(first), wait.Round(time.Second))
	}
	if err := e.clock.Sleep(opCtx, wait); err != nil {
		e.unknown(r, fmt.Sprintf("sent; outcome unknown (%s); not sent again: interrupted", api.Reason(first)))
		return nil, nil
	}
	back, gerr = e.api.GetSession(reqCtx, r.ID)
	switch {
	case gerr != nil:
		e.unknown(r, fmt.Sprintf("sent; outcome unknown (%s), and reading the session back failed (%s)", api.Reason(first), api.Reason(gerr)))
		return nil, nil
	case back.State == api.StateCompleted:
		return back, nil
	case opCtx.Err() != nil:
		e.unknown(r, fmt.Sprintf("sent; outcome unknown (%s); not sent again: interrupted", api.Reason(first)))
		return nil, nil
	}
	if e.halted() {
		e.unknown(r, fmt.Sprintf("sent; outcome unknown (%s); not sent again: the audit journal could not be written", api.Reason(first)))
		return nil, nil
	}
	cmdutil.Notef(e.errOut, "sending the terminate request for %s once more: the first got no clear answer (%s) and the session still reads Active", r.ID, api.Reason(first))
	r.requests = 2
	e.record(r)
	s, err := e.api.TerminateSession(reqCtx, r.ID)
	if err == nil || !unknownOutcome(err) {
		return s, err
	}
	back, gerr = e.api.GetSession(reqCtx, r.ID)
	switch {
	case gerr == nil && back.State == api.StateCompleted:
		return back, nil
	case gerr == nil:
		// No clear answer twice and still Active: not known either way;
		// either request may still be applied.
		e.unknown(r, fmt.Sprintf("sent twice; no clear answer either time (%s) and the session still reads %s: the requests may still land; not sent again", api.Reason(err), text.Safe(back.State)))
	default:
		e.unknown(r, fmt.Sprintf("sent twice; outcome unknown (%s), and reading the session back failed (%s)", api.Reason(err), api.Reason(gerr)))
	}
	return nil, nil
}

func (e *engine) unknown(r *Result, why string) {
	r.Result = ResultUnknown
	r.Error = why + checkGet(r.ID)
}

// checkGet is the advice that ends a reason: read the session back.
func checkGet(id string) string { return "; check with `pamctl sessions get " + id + "`" }

// refused settles a terminate the server answered with an error. Each
// reason is the one wording of its kind (api.Reason, cmdutil.Explain) with
// what it means for this session around it.
func (e *engine) refused(ctx context.Context, r *Result, err error) {
	r.Result, r.stillActive = ResultFailed, true
	switch {
	case api.IsConflict(err):
		// 409 is "not active" or "native-only": the session says which.
		back, gerr := e.api.GetSession(ctx, r.ID)
		if gerr == nil && back.State == api.StateCompleted {
			r.Result, r.Error, r.stillActive = ResultAlreadyCompleted, "", false
			return
		}
		r.Error = "the server refused the terminate request (" + api.Reason(err) + ")"
		if gerr == nil && !api.IsTerminable(back) {
			r.Error = fmt.Sprintf("native-only (%s): only web sessions can be terminated; end it on the asset or disable the account (%s)", text.Safe(strings.Join(back.Channels, ", ")), api.Reason(err))
		}
	case api.IsAuth(err):
		r.perm = true
		r.Error = permissionWhy(err, text.Safe(r.Asset))
		e.deny(r.assetID(), fmt.Sprintf("the server refused session %s on the same asset (HTTP %d)", r.ID, api.StatusCode(err)))
	case api.IsNotFound(err):
		// The terminate path is modeled, not documented: only a read-back
		// tells a session that is gone from an endpoint that is missing.
		back, gerr := e.api.GetSession(ctx, r.ID)
		switch {
		case gerr == nil && back.State == api.StateCompleted:
			r.Result, r.Error, r.stillActive = ResultAlreadyCompleted, "", false
		case gerr == nil:
			r.Error = fmt.Sprintf("the terminate request failed although the session exists (%s): this server's terminate endpoint differs from the modeled one; run `pamctl doctor` and see docs/api-contract.md", api.Reason(err))
		case api.IsNotFound(gerr):
			// A 404 is not "gone" for a session just listed Active: the
			// list says what it is (ground.go).
			e.goneOrNot(ctx, r)
		default:
			r.Error = fmt.Sprintf("the server answered HTTP 404 to the terminate request, and reading the session back failed (%s): it may still be connected", api.Reason(gerr))
		}
	default:
		r.Error = api.Reason(err)
	}
}

// permissionWhy is a 401 or 403 in the one wording (cmdutil.Explain), and,
// when the server gave no words of its own, what terminating on asset
// needs: one statement, never an empty field.
func permissionWhy(err error, asset string) string {
	why := cmdutil.Explain(err)
	var he *api.HTTPError
	if api.KindOf(err) == api.KindForbidden && errors.As(err, &he) && he.Message == "" {
		why += "; terminating needs the Asset Manager permission on " + asset + " or the Administrator site role"
	}
	return why
}
