package plan

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"golang.org/x/sync/errgroup"

	"github.com/pamctl/pamctl/pkg/api"
	"github.com/pamctl/pamctl/pkg/text"
)

// API is the part of the 12Port client Reconcile reads through; the command
// hands in *api.Client, tests a fake.
type API interface {
	GetSession(ctx context.Context, id string) (*api.Session, error)
	ListSessions(ctx context.Context, p api.ListSessionsParams) ([]api.Session, error)
}

var _ API = (*api.Client)(nil)

// readConcurrency bounds the re-reads of a site's targets in flight.
const readConcurrency = 4

// Reconciled is a site of the plan as it is now, sorted for the engine:
// only Send (and, under the plan's hold, Reconnects) may be terminated.
type Reconciled struct {
	// Send are the plan's targets still Active, as read now, in the
	// plan's order.
	Send []api.Session
	// Skipped are the plan's targets gone, no longer Active, or no longer
	// the session that was planned: reported and left alone.
	Skipped []Finding
	// Drift are Active sessions that match the selector now and are not in
	// the plan: reported, never terminated (they need a new plan).
	Drift []Finding
	// Reconnects are matching sessions not in the plan, created after it
	// was made, under a plan with --hold: the hold approves them.
	Reconnects []Finding
	// DriftUnchecked says why drift could not be looked for ("" when it
	// was): the token cannot read the site-wide Sessions Report.
	DriftUnchecked string
}

// Finding is a session that is not sent as planned, and why.
type Finding struct {
	ID string
	// Session is as read now; nil when the server no longer has it.
	Session *api.Session
	// Planned is the plan's record of it (nil for drift and reconnects).
	Planned *Target
	Why     string
}

// Reconcile re-reads every target of the plan's site p.Sites[site] by ID
// and, for a selector, lists the Active sessions matching it (re-checked
// here, on the client, so a server ignoring a filter adds nothing). It
// sends nothing. An error reading the site (other than 404 on a target or
// a refused site-wide list) fails the site: the command reports it and
// goes on with the plan's other sites.
func Reconcile(ctx context.Context, c API, p *Plan, site int) (*Reconciled, error) {
	if site < 0 || site >= len(p.Sites) {
		return nil, fmt.Errorf("plan: no site %d", site)
	}
	s := &p.Sites[site]
	now, err := reread(ctx, c, s)
	if err != nil {
		return nil, err
	}
	r := &Reconciled{}
	for i := range s.Targets {
		t := &s.Targets[i]
		cur := now[i]
		if why := p.skipReason(s, t, cur); why != "" {
			r.Skipped = append(r.Skipped, Finding{ID: t.ID, Session: cur, Planned: t, Why: why})
			continue
		}
		r.Send = append(r.Send, *cur)
	}
	if p.Selector.IsIDs() {
		return r, nil
	}
	if err := p.drift(ctx, c, s, r); err != nil {
		return nil, err
	}
	return r, nil
}

// reread reads each target by ID; a target the server no longer has is
// nil.
func reread(ctx context.Context, c API, s *Site) ([]*api.Session, error) {
	out := make([]*api.Session, len(s.Targets))
	errs := make([]error, len(s.Targets))
	// Every read runs to its end (no group context): the first error in
	// the plan's order is then the one reported, not a cancellation it
	// caused.
	g := new(errgroup.Group)
	g.SetLimit(readConcurrency)
	for i := range s.Targets {
		if ctx.Err() != nil {
			break
		}
		g.Go(func() error {
			sess, err := c.GetSession(ctx, s.Targets[i].ID)
			switch {
			case err == nil:
				out[i] = sess
			case api.IsNotFound(err):
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
	for i, err := range errs {
		if err != nil {
			return nil, fmt.Errorf("re-reading session %s on %s: %w; nothing was sent there", s.Targets[i].ID, s.Server, err)
		}
	}
	return out, nil
}

// skipReason says why a target is not sent ("" to send it).
func (p *Plan) skipReason(s *Site, t *Target, cur *api.Session) string {
	switch {
	case cur == nil:
		return "gone: the server no longer has this session"
	case !api.SameID(cur.ID, t.ID):
		return fmt.Sprintf("the server answered with session %s", text.Safe(cur.ID))
	case cur.State != api.StateActive:
		return fmt.Sprintf("no longer Active (state %s)", text.Safe(cur.State))
	case !asciiEqual(cur.User, t.User) || !api.SameID(cur.AssetID, t.AssetID):
		return fmt.Sprintf("now reads as user %s on asset %s, not %s on %s as planned: left alone",
			text.Safe(cur.User), text.Safe(cur.AssetID), text.Safe(t.User), text.Safe(t.AssetID))
	case !p.Selector.IsIDs() && !matches(p.Selector, s.AssetID, cur):
		return fmt.Sprintf("no longer matches the plan's selector %s", text.Safe(p.Selector.String()))
	}
	return ""
}

// matches is the selector re-checked on the client: Active, the asset by
// ID, the user and channel folding ASCII case only.
func matches(sel Selector, assetID string, s *api.Session) bool {
	switch {
	case s.State != api.StateActive:
		return false
	case assetID != "" && !api.SameID(s.AssetID, assetID):
		return false
	case sel.User != "" && !asciiEqual(s.User, sel.User):
		return false
	case sel.Channel != "" && !slices.ContainsFunc(s.Channels, func(c string) bool { return asciiEqual(c, sel.Channel) }):
		return false
	}
	return true
}

// drift lists the selector's Active sessions now and sorts out those the
// plan does not hold.
func (p *Plan) drift(ctx context.Context, c API, s *Site, r *Reconciled) error {
	q := api.ListSessionsParams{State: api.StateActive, AssetID: s.AssetID, User: p.Selector.User, Channel: p.Selector.Channel}
	list, err := c.ListSessions(ctx, q)
	if err != nil {
		if api.IsAuth(err) && s.AssetID == "" {
			r.DriftUnchecked = fmt.Sprintf("your token cannot read the site-wide Sessions Report of %s (it needs the Administrator or Auditor site role), so new sessions matching %s were not looked for", s.Server, text.Safe(p.Selector.String()))
			return nil
		}
		return fmt.Errorf("listing the sessions matching %s on %s: %w; nothing was sent there", text.Safe(p.Selector.String()), s.Server, err)
	}
	planned := make(map[string]bool, len(s.Targets))
	for i := range s.Targets {
		planned[api.IDKey(s.Targets[i].ID)] = true
	}
	hold := p.HoldDuration()
	seen := map[string]bool{}
	for i := range list {
		sess := list[i]
		key := api.IDKey(sess.ID)
		if planned[key] || seen[key] || !matches(p.Selector, s.AssetID, &sess) {
			continue
		}
		seen[key] = true
		f := Finding{ID: text.Safe(sess.ID), Session: &sess}
		switch {
		case api.ValidateID("session", sess.ID) != nil:
			f.Why = "drift: the server listed an unusable session ID; never sent"
			r.Drift = append(r.Drift, f)
		case hold > 0 && !sess.Created.IsZero() && !sess.Created.Before(p.CreatedAt):
			f.Why = fmt.Sprintf("reconnect: created %s, after the plan was made; approved by the plan's --hold %s", sess.Created.UTC().Format("2006-01-02T15:04:05Z"), hold)
			r.Reconnects = append(r.Reconnects, f)
		default:
			f.Why = "drift: matches " + text.Safe(p.Selector.String()) + " now but is not in the plan; left alone (it needs a new plan)"
			if hold > 0 {
				f.Why = "drift: matches " + text.Safe(p.Selector.String()) + " but was created before the plan was made, and is not in it; left alone (it needs a new plan)"
			}
			r.Drift = append(r.Drift, f)
		}
	}
	return nil
}

// Summary is one line for the operator about a reconciled site.
func (r *Reconciled) Summary() string {
	parts := []string{fmt.Sprintf("%d to send", len(r.Send))}
	if n := len(r.Skipped); n > 0 {
		parts = append(parts, fmt.Sprintf("%d skipped (gone or no longer Active)", n))
	}
	if n := len(r.Drift); n > 0 {
		parts = append(parts, fmt.Sprintf("%d drift (not in the plan, left alone)", n))
	}
	if n := len(r.Reconnects); n > 0 {
		parts = append(parts, text.Plural(n, "reconnect")+" approved by the hold")
	}
	return strings.Join(parts, ", ")
}
