package contain

// The last word on containment is read on the ground, never taken from
// the server's filter or its claim (docs/exit-codes.md, "Verification"):
// every target is read back by its ID after verification; the operator's
// scope is listed without the user and channel filters and matched on the
// client, the run's own targets included; a 404 for a session the list
// just showed Active is checked against the list; a terminate answered
// with another session's body names both.

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/pamctl/pamctl/pkg/api"
	"github.com/pamctl/pamctl/pkg/text"
)

// roleAuditor is the other site role that may read the site-wide
// Sessions Report.
const roleAuditor = "Auditor"

// otherEnded is a terminate answered with another session's body: both
// are read back and named, nothing more is sent for r, and the run exits
// 7 (outcome).
func (e *engine) otherEnded(ctx context.Context, r *Result, got *api.Session) {
	var asked, other *api.Session
	var g errgroup.Group
	g.Go(func() error { asked, _ = e.api.GetSession(ctx, r.ID); return nil })
	g.Go(func() error { other, _ = e.api.GetSession(ctx, got.ID); return nil })
	_ = g.Wait()
	state := func(s *api.Session) string {
		if s == nil {
			return "could not be read back"
		}
		return "reads " + text.Safe(s.State)
	}
	who := func(s *api.Session, fallback *api.Session) string {
		if s == nil {
			s = fallback
		}
		if s == nil {
			return ""
		}
		asset := s.AssetName
		if asset == "" {
			asset = s.AssetID
		}
		return fmt.Sprintf(" (%s on %s)", text.Safe(s.User), text.Safe(asset))
	}
	r.Result, r.other = ResultFailed, true
	r.stillActive = asked == nil || asked.State != api.StateCompleted
	if asked != nil {
		r.readByID = asked.State == api.StateCompleted
		r.readActive = asked.State == api.StateActive
	}
	r.Error = fmt.Sprintf("the server reports it ended %s%s, not %s: %s now %s, %s now %s; nothing more was sent: check both with `pamctl sessions get`",
		text.Safe(got.ID), who(other, got), r.ID, text.Safe(got.ID), state(other), r.ID, state(asked))
}

// goneOrNot settles a selector's session whose terminate and read by ID
// both answered 404: the list tells. Still listed Active is not contained
// (the server does not answer the modeled path); listed Completed is
// already-completed; neither is unknown. A session named by ID was read
// by ID at the plan, so its 404 now means it is gone.
func (e *engine) goneOrNot(ctx context.Context, r *Result) {
	if r.named {
		r.Result, r.Error, r.stillActive = ResultAlreadyCompleted, "", false
		r.eventLine = "gone: the session no longer exists (HTTP 404)"
		return
	}
	const hint = "this server does not answer the modeled path for one session (run `pamctl doctor`; see docs/api-contract.md)"
	for _, state := range []string{api.StateActive, api.StateCompleted} {
		list, err := e.api.ListSessions(ctx, api.ListSessionsParams{State: state, AssetID: r.assetID()})
		if err != nil {
			r.Error = fmt.Sprintf("the server answered HTTP 404 to the terminate request and to reading the session back, and listing it failed (%s): it may still be connected; %s", api.Reason(err), hint)
			return
		}
		i := slices.IndexFunc(list, func(s api.Session) bool { return api.SameID(s.ID, r.key()) })
		if i < 0 || list[i].State != state {
			continue
		}
		if state == api.StateCompleted {
			r.Result, r.Error, r.stillActive = ResultAlreadyCompleted, "", false
			r.eventLine = "listed Completed (the server answers HTTP 404 for it by ID)"
			return
		}
		r.Error = "the server answered HTTP 404 to the terminate request and to reading the session back, yet it still lists the session Active: " + hint
		return
	}
	r.Result, r.stillActive = ResultUnknown, false
	r.Error = "the server answered HTTP 404 to the terminate request and to reading the session back, and no longer lists it: its state is not known; " + hint
}

// earlyReads read a selector's targets back by ID as soon as each
// terminate is answered, in a pool of their own beside the sends and the
// verification (they cost no wall time): a session read Completed by ID
// stays so, and readBackByID then reads only the others.
type earlyReads struct {
	mu        sync.Mutex
	wg        sync.WaitGroup
	sem       chan struct{}
	completed map[string]bool // by IDKey
}

func (er *earlyReads) start(ctx context.Context, e *engine, id string) {
	er.mu.Lock()
	if er.sem == nil {
		er.sem = make(chan struct{}, max(e.opts.Concurrency, 1))
		er.completed = map[string]bool{}
	}
	er.mu.Unlock()
	er.wg.Go(func() {
		er.sem <- struct{}{}
		defer func() { <-er.sem }()
		if s, err := e.api.GetSession(ctx, id); err == nil && s.State == api.StateCompleted {
			er.mu.Lock()
			er.completed[api.IDKey(id)] = true
			er.mu.Unlock()
		}
	})
}

// done waits for the reads started and reports whether id read Completed.
func (er *earlyReads) done(id string) bool {
	er.wg.Wait()
	er.mu.Lock()
	defer er.mu.Unlock()
	return er.completed[api.IDKey(id)]
}

// readBackByID reads back, by ID, every target answered as ended that no
// read by ID has shown Completed yet (a selector's were verified on the
// Completed list). Read Active, it is not contained, whatever the
// Completed list or the Events Report say.
func (e *engine) readBackByID(ctx context.Context, results []*Result) {
	g := new(errgroup.Group)
	g.SetLimit(max(e.opts.Concurrency, 1))
	for _, r := range results {
		if r.Result != ResultTerminated || r.readByID {
			continue
		}
		if e.early.done(r.ID) {
			r.readByID = true
			continue
		}
		g.Go(func() error {
			s, err := e.api.GetSession(ctx, r.ID)
			switch {
			case err != nil:
				r.Verified = false
				r.Error = fmt.Sprintf("reading it back by ID after verification failed (%s): not known to be contained", api.Reason(err))
			case s.State == api.StateCompleted:
				r.readByID = true
			default:
				r.readActive = true
				e.stillActiveAfterEnd(r, "it reads back "+text.Safe(s.State)+" by ID")
			}
			return nil
		})
	}
	_ = g.Wait()
}

// stillActiveAfterEnd marks a session the server claimed ended as still
// connected: not contained (exit 5).
func (e *engine) stillActiveAfterEnd(r *Result, how string) {
	var claims []string
	claims = append(claims, "the terminate was answered as done")
	if r.readCompleted && !r.readByID {
		claims = append(claims, "the Completed list shows it")
	}
	if r.eventLine != "" {
		claims = append(claims, "the Events Report has its Terminate Session event")
	}
	r.Result, r.Verified, r.stillActive = ResultFailed, false, true
	r.Error = fmt.Sprintf("not contained: %s, though %s", how, joinAnd(claims))
}

func joinAnd(parts []string) string {
	switch len(parts) {
	case 0:
		return ""
	case 1:
		return parts[0]
	}
	out := parts[0]
	for _, p := range parts[1 : len(parts)-1] {
		out += ", " + p
	}
	return out + " and " + parts[len(parts)-1]
}

// groundScopes are the lists of the final check: the scope the operator
// may see, without the user and channel filters. The site-wide Active
// sessions for an Administrator or Auditor whose plan read the site-wide
// report; each asset searched otherwise.
func groundScopes(p *plan, uc *api.UserContext) []api.ListSessionsParams {
	siteWide := !p.partial && uc != nil && slices.ContainsFunc(uc.Roles, func(r string) bool {
		return api.SameName(r, roleAdministrator) || api.SameName(r, roleAuditor)
	})
	if siteWide {
		return []api.ListSessionsParams{{State: api.StateActive}}
	}
	out := make([]api.ListSessionsParams, 0, len(p.scopes))
	for _, q := range p.scopes {
		out = append(out, api.ListSessionsParams{State: api.StateActive, AssetID: q.AssetID})
	}
	return out
}

// listGround lists the scopes without the server's filter and keeps, on
// the client, the Active sessions the selector matches; a row the
// selector cannot be judged on is a contract violation (error).
func (e *engine) listGround(ctx context.Context, p *plan, scopes []api.ListSessionsParams) ([]api.Session, error) {
	var all []api.Session
	for _, q := range scopes {
		rows, err := e.api.ListSessions(ctx, q)
		if err != nil {
			return nil, err
		}
		all = append(all, rows...)
	}
	want := p.selector.Params()
	for i := range all {
		s := &all[i]
		if err := (api.ListSessionsParams{User: want.User}).Check(s); err != nil {
			return nil, err
		}
		if want.AssetID != "" && s.AssetID == "" {
			return nil, &api.ContractError{Method: "GET", URL: "the unfiltered Sessions Report", Session: s.ID, Field: "assetId", Want: "the selector names an asset"}
		}
	}
	kept, _ := p.selector.Filter(all)
	return kept, nil
}

// judgeGround counts what the unfiltered list shows: a target answered
// as ended that is listed Active is not contained; a matching session
// that is no target is reported, never terminated (it was not
// confirmed). start is when the run's requests began.
func (e *engine) judgeGround(p *plan, listed []api.Session, start time.Time) []*Result {
	byKey := make(map[string]*Result, len(p.results))
	for _, r := range p.results {
		byKey[r.key()] = r
	}
	var extra []*Result
	for i := range listed {
		s := &listed[i]
		if r, ok := byKey[api.IDKey(s.ID)]; ok {
			if r.Result == ResultTerminated && !e.opts.NoWait {
				e.stillActiveAfterEnd(r, "the Sessions Report, read without its filters, still lists it Active")
			}
			continue
		}
		r := &Result{ID: text.Safe(s.ID), Result: ResultSkipped, stillActive: true, reconnect: true}
		r.setSession(s)
		byKey[api.IDKey(s.ID)] = r
		switch {
		case !api.IsTerminable(s):
			r.Error = "matches " + p.selector.Flags() + " and is Active; native-only: end it on the asset or disable the account"
		case !s.Created.IsZero() && s.Created.Before(start):
			r.Error = "matches " + p.selector.Flags() + " and is Active, but the server's filtered list left it out (its filtering differs from the contract); not confirmed, so not terminated"
		default:
			r.Error = "started after the preview (a reconnect?); not confirmed, so not terminated"
		}
		extra = append(extra, r)
	}
	return extra
}
