package contain

import (
	"context"
	"fmt"
	"strings"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/pamctl/pamctl/pkg/api"
	query "github.com/pamctl/pamctl/pkg/cmd/sessions/selector"
	"github.com/pamctl/pamctl/pkg/cmdutil"
	"github.com/pamctl/pamctl/pkg/output"
	"github.com/pamctl/pamctl/pkg/text"
)

// plan is what resolution found: every session and, for selectors, the
// report queries that found them (verification and the containment check
// read them back the same way).
type plan struct {
	results  []*Result
	scopes   []api.ListSessionsParams
	selector *query.Selector // nil for IDs: the one session query
	notes    []string        // how the selector was resolved, when it matters
	// partial is set when the selector could only be searched on the
	// assets the token can see: success there is not success "everywhere".
	partial bool
}

// filteredNote is the one warning (selector.Mismatch) for the sessions a
// server returned that do not match the selector: never a target.
// It names only the criteria the selector holds (state Active always).
func filteredNote(sv *api.Sieve, sel *query.Selector) string {
	return query.Mismatch(sv.Dropped, sel.Flags()+" ("+criteria(sel)+")", "left out and will not be terminated", sv)
}

// criteria lists what a session is checked on: "state Active, user".
func criteria(sel *query.Selector) string {
	c := []string{"state Active"}
	for _, f := range []struct {
		set  bool
		name string
	}{{sel.User != "", "user"}, {sel.Asset != "", "asset"}, {sel.Channel != "", "channel"}} {
		if f.set {
			c = append(c, f.name)
		}
	}
	return strings.Join(c, ", ")
}

// planIDs reads every named session. An ID that does not exist stops the
// run before anything is sent (a typo must not terminate the rest).
func (e *engine) planIDs(ctx context.Context) (*plan, error) {
	ids := e.opts.IDs
	p := &plan{results: make([]*Result, len(ids))}
	errs := make([]error, len(ids))
	g := new(errgroup.Group)
	g.SetLimit(e.opts.Concurrency)
	for i, id := range ids {
		if ctx.Err() != nil {
			break
		}
		g.Go(func() error {
			r := &Result{ID: id, named: true}
			p.results[i] = r
			s, err := e.api.GetSession(ctx, id)
			switch {
			case err == nil:
				r.setSession(s)
				r.classify(e.clock.Now())
			case api.IsAuth(err):
				// Never sent: skipped (the preview and the report say the
				// same), and a failure of the run (named, perm).
				r.Result, r.perm, r.stillActive = ResultSkipped, true, true
				r.Error = "not sent: " + permissionWhy(err, "its asset")
			default:
				errs[i] = err
			}
			return nil
		})
	}
	_ = g.Wait()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var missing []string
	for i, err := range errs {
		if err == nil {
			continue
		}
		if api.IsNotFound(err) {
			missing = append(missing, ids[i])
			continue
		}
		return nil, fmt.Errorf("reading session %s: %w; nothing was sent", ids[i], err)
	}
	if len(missing) > 0 {
		return nil, cmdutil.NotFoundf("no session with ID %s; nothing was sent", strings.Join(missing, ", "))
	}
	// Two spellings of one ID must not become two terminate requests: the
	// client checked that each answer carries the ID asked for; keep the
	// server's spelling, once.
	seen := make(map[string]bool, len(p.results))
	kept := p.results[:0]
	for _, r := range p.results {
		if r.sess != nil {
			r.ID = r.sess.ID
		}
		if seen[lower(r.ID)] {
			continue
		}
		seen[lower(r.ID)] = true
		kept = append(kept, r)
	}
	p.results = kept
	return p, nil
}

// planSelector lists the Active sessions the selector matches. Without
// --asset that is the site-wide Sessions Report, which needs the
// Administrator or Auditor site role; an operator without it (an Asset
// Manager) gets the asset-level reports of every asset they can see, and a
// warning that sessions elsewhere were not considered.
func (e *engine) planSelector(ctx context.Context) (*plan, error) {
	o := e.opts
	sel := &query.Selector{Asset: o.Asset, User: o.User, Channel: o.Channel}
	p := &plan{selector: sel}
	if err := sel.Resolve(ctx, e.api); err != nil {
		return nil, err
	}
	base := sel.Params()
	p.scopes = []api.ListSessionsParams{base}
	sessions, err := e.api.ListSessions(ctx, base)
	if err != nil && base.AssetID == "" && api.IsAuth(err) {
		sessions, err = e.perAsset(ctx, p, base, err)
	}
	if err != nil {
		if api.IsAuth(err) {
			return nil, permissionErr(err)
		}
		return nil, err
	}
	sessions, sv := sel.Filter(sessions)
	if sv.Dropped > 0 {
		p.notes = append(p.notes, filteredNote(sv, sel))
	}
	seen := map[string]bool{}
	for i := range sessions {
		s := &sessions[i]
		if seen[lower(s.ID)] {
			continue
		}
		seen[lower(s.ID)] = true
		if err := api.ValidateID("session", s.ID); err != nil {
			// A server-supplied ID that cannot be placed in a URL (or
			// printed raw) is shown escaped and never sent.
			r := &Result{ID: text.Safe(s.ID), Result: ResultSkipped, Error: "the server listed an unusable session ID: " + err.Error(), stillActive: true}
			r.setSession(s)
			p.results = append(p.results, r)
			continue
		}
		r := &Result{ID: s.ID}
		r.setSession(s)
		r.classify(e.clock.Now())
		p.results = append(p.results, r)
	}
	return p, nil
}

// perAsset searches the asset-level reports of every asset the token can
// see, for an operator who cannot read the site-wide report.
func (e *engine) perAsset(ctx context.Context, p *plan, base api.ListSessionsParams, siteErr error) ([]api.Session, error) {
	assets, aerr := e.api.ListAssets(ctx, "", 0)
	if aerr != nil || len(assets) == 0 {
		return nil, permissionErr(siteErr)
	}
	lists := make([][]api.Session, len(assets))
	errs := make([]error, len(assets))
	g := new(errgroup.Group)
	g.SetLimit(e.opts.Concurrency)
	for i := range assets {
		g.Go(func() error {
			q := base
			q.AssetID = assets[i].ID
			lists[i], errs[i] = e.api.ListSessions(ctx, q)
			return nil
		})
	}
	_ = g.Wait()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	p.scopes = p.scopes[:0]
	var sessions []api.Session
	searched := 0
	for i := range assets {
		if api.IsAuth(errs[i]) {
			continue
		}
		if errs[i] != nil {
			return nil, errs[i]
		}
		searched++
		q := base
		q.AssetID = assets[i].ID
		p.scopes = append(p.scopes, q)
		// Each asset's report must only hold that asset's sessions.
		for _, s := range lists[i] {
			if api.SameID(s.AssetID, assets[i].ID) {
				sessions = append(sessions, s)
			}
		}
	}
	if searched == 0 {
		return nil, permissionErr(siteErr)
	}
	p.partial = true
	p.notes = append(p.notes, fmt.Sprintf("warning: your token cannot read the site-wide Sessions Report (it needs the Administrator or Auditor site role); only the %s you can see were searched, and sessions on other assets were NOT considered.", text.Plural(searched, "asset")))
	return sessions, nil
}

// scopeError is exit 5 when the selector could not be searched site-wide:
// a runbook revoking access "everywhere" must not read success when part
// of the site was out of its sight.
func (p *plan) scopeError() error {
	if !p.partial {
		return nil
	}
	return &cmdutil.ExitError{Code: cmdutil.ExitPartial, Message: "not contained: only the assets your token can see were searched; sessions elsewhere were not considered (the site-wide report needs the Administrator or Auditor role)"}
}

// toSend lists the results still to be sent.
func (p *plan) toSend() []*Result {
	var out []*Result
	for _, r := range p.results {
		if r.pending() {
			out = append(out, r)
		}
	}
	return out
}

// permissionErr is a refused listing, worded by cmdutil.Explain, with
// what it means here wrapped around it.
func permissionErr(err error) error {
	return &cmdutil.AuthError{Err: fmt.Errorf("listing the sessions to terminate (nothing was sent; with --asset, the Viewer or Asset Manager permission on the asset is enough): %w", err)}
}

// classify decides from the session as read whether it is sent or skipped.
func (r *Result) classify(now time.Time) {
	s := r.sess
	switch {
	case s.State == api.StateCompleted:
		r.Result = ResultAlreadyCompleted
		r.Error = ""
		if !s.Completed.IsZero() {
			r.eventLine = "completed " + output.RFC3339(s.Completed.Time) + " (" + output.Age(s.Completed.UTC(), now) + ")"
		}
	case s.State != api.StateActive:
		// Neither of the contract's two states: it may well be connected.
		r.Result, r.stillActive = ResultSkipped, true
		r.Error = fmt.Sprintf("state %q is neither Active nor Completed, so pamctl does not act on it; check it with `pamctl sessions get %s`", text.Safe(s.State), r.ID)
	case !api.IsTerminable(s):
		r.Result = ResultSkipped
		r.stillActive = true
		r.Error = fmt.Sprintf("native-only (%s): only web sessions can be terminated; end it on the asset or disable the account", text.Safe(strings.Join(s.Channels, ", ")))
		if len(s.Channels) == 0 {
			r.Error = "no channels: only web sessions can be terminated; end it on the asset or disable the account"
		}
	}
}

// lower is the key of an ID (session or asset): api.IDKey.
func lower(s string) string { return api.IDKey(s) }
