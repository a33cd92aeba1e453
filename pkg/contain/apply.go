package contain

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/pamctl/pamctl/pkg/api"
	query "github.com/pamctl/pamctl/pkg/cmd/sessions/selector"
	"github.com/pamctl/pamctl/pkg/cmdutil"
	pamplan "github.com/pamctl/pamctl/pkg/plan"
	"github.com/pamctl/pamctl/pkg/text"
)

// The two-person rule's glue (docs/plans.md): --plan-out stops the one
// procedure after its preview and hands the planned targets to
// Callbacks.PlanOut; --apply reconciles a plan (PrepareApply) and runs the
// same procedure on the reconciled targets, given per site as IDs
// (Site.IDs), each journal line carrying the plan's Approval.

// PlannedSite is one site's targets as --plan-out records them: the
// sessions the preview showed, as read, and who read them.
type PlannedSite struct {
	Name     string // the profile ("" for the one site of a run without --profiles)
	Label    string // the name with the profiles merged into it
	Server   string
	Planner  api.UserRef
	AssetID  string // the selector's --asset resolved on this site
	Sessions []api.Session
}

// plannedSites is every planned site's sessions to send.
func (r *runner) plannedSites() []PlannedSite {
	out := make([]PlannedSite, 0, len(r.planned))
	for _, sr := range r.planned {
		ps := PlannedSite{Name: sr.site.Name, Label: sr.site.Label, Server: sr.e.api.Server(), Sessions: []api.Session{}}
		if sr.uc != nil {
			ps.Planner = sr.uc.User
		}
		if len(sr.p.scopes) > 0 {
			ps.AssetID = sr.p.scopes[0].AssetID
		}
		// Every session the preview showed, those it skips too (native-only,
		// not Active): at --apply the engine judges them again, as read then.
		for _, res := range sr.p.results {
			if res.sess != nil {
				ps.Sessions = append(ps.Sessions, *res.sess)
			}
		}
		out = append(out, ps)
	}
	return out
}

// siteConfig is the configuration of one site's engine: the run's, with
// the site's own targets when it has them (an applied plan).
func siteConfig(opts *Config, s Site) *Config {
	if s.IDs == nil {
		return opts
	}
	c := *opts
	c.IDs = s.IDs
	if s.Hold != nil {
		c.holdKnown = s.Hold.Known
	}
	return &c
}

// HoldScope is what an applied plan's --hold polls on a site: the plan's
// selector, its asset by the ID the plan recorded, and the sessions it
// leaves alone (the drift found when the plan was applied).
type HoldScope struct {
	AssetID string
	User    string
	Channel string
	Known   []string
}

// scope gives a plan read by IDs the selector its hold polls.
func (h *HoldScope) scope(ctx context.Context, c API, p *plan) error {
	sel := &query.Selector{Asset: h.AssetID, User: h.User, Channel: h.Channel}
	if err := sel.Resolve(ctx, c); err != nil {
		return err
	}
	p.selector, p.scopes = sel, []api.ListSessionsParams{sel.Params()}
	return nil
}

// PlanSite is a site of a plan on the applying operator's side: the
// profile found for its server and its client, or why it cannot be used.
type PlanSite struct {
	Name  string
	Label string
	API   API
	Err   error
}

// Applying is what PrepareApply found: the sites to hand to Helper.Sites
// (those with something to send, or failed), and what is left alone.
type Applying struct {
	Sites []Site
	// Drift counts the sessions matching the plan's selector now that are
	// not in it: left alone, still Active (exit 5).
	Drift int
	// Findings are the per-site lines said before the preview.
	Findings []string
}

// PrepareApply checks the two-person rule and reconciles every site of the
// plan (sites[i] is p.Sites[i]), 4 at a time; it sends nothing. A refusal
// (*pamplan.Error) on any site refuses the whole plan. A site that cannot be
// used or read fails on its own: it is handed on with its error, and the
// others go on, as in a fan-out.
func PrepareApply(ctx context.Context, p *pamplan.Plan, sites []PlanSite, localUser, signedBy string) (*Applying, error) {
	type found struct {
		approval pamplan.Approval
		rec      *pamplan.Reconciled
	}
	got := make([]found, len(sites))
	cs := make([]cmdutil.Site, len(sites))
	for i, s := range sites {
		cs[i] = cmdutil.Site{Name: s.Name, Err: s.Err}
	}
	errs := cmdutil.ForEachSite(ctx, cs, func(ctx context.Context, i int, _ cmdutil.Site) error {
		uc, err := sites[i].API.UserContext(ctx)
		if err != nil {
			return fmt.Errorf("asking %s who your token is: %w; nothing was sent there", sites[i].API.Host(), err)
		}
		a, err := pamplan.CheckTwoPerson(p, i, uc.User, localUser)
		if err != nil {
			return err
		}
		a.SignedBy = signedBy
		rec, err := pamplan.Reconcile(ctx, sites[i].API, p, i)
		if err != nil {
			return err
		}
		got[i] = found{a, rec}
		return nil
	})
	if err := ctx.Err(); err != nil {
		return nil, &cmdutil.ExitError{Code: cmdutil.ExitCancelled, Message: "cancelled while reading the plan's sites; nothing was sent", Err: err}
	}
	for _, err := range errs {
		var pe *pamplan.Error
		if errors.As(err, &pe) {
			return nil, &cmdutil.ExitError{Code: cmdutil.ExitRefused, Err: pe}
		}
	}
	ap := &Applying{}
	for i, s := range sites {
		site := Site{Name: s.Name, Label: s.Label, API: s.API}
		if err := errs[i]; err != nil {
			var se *cmdutil.SiteError
			if errors.As(err, &se) {
				err = se.Err // the engine names the site again
			}
			site.Err, site.API = err, nil
			ap.Sites = append(ap.Sites, site)
			continue
		}
		rec := got[i].rec
		ap.Drift += len(rec.Drift)
		where := p.Sites[i].Server
		if s.Name != "" {
			where = "site " + s.Name + " (" + where + ")"
		}
		ap.Findings = append(ap.Findings, findings(where, rec)...)
		for _, s := range rec.Send {
			site.IDs = append(site.IDs, s.ID)
		}
		for _, f := range rec.Reconnects {
			site.IDs = append(site.IDs, f.ID)
		}
		if hold := p.HoldDuration() > 0; hold {
			site.Hold = &HoldScope{AssetID: p.Sites[i].AssetID, User: p.Selector.User, Channel: p.Selector.Channel}
			for _, f := range rec.Drift {
				site.Hold.Known = append(site.Hold.Known, f.ID)
			}
			if site.IDs == nil {
				site.IDs = []string{} // nothing to send now; the hold goes on
			}
		}
		if site.IDs != nil {
			a := got[i].approval
			site.Approval = &a
			ap.Sites = append(ap.Sites, site)
		}
	}
	return ap, nil
}

// findings are the lines that say what reconciling a site found.
func findings(where string, r *pamplan.Reconciled) []string {
	lines := []string{fmt.Sprintf("Plan on %s now: %s.", where, r.Summary())}
	for _, f := range r.Skipped {
		lines = append(lines, fmt.Sprintf("  skipped %s: %s", text.Safe(f.ID), f.Why))
	}
	for _, f := range r.Drift {
		lines = append(lines, fmt.Sprintf("  %s %s", text.Safe(f.ID), f.Why))
	}
	for _, f := range r.Reconnects {
		lines = append(lines, fmt.Sprintf("  %s %s", text.Safe(f.ID), f.Why))
	}
	if r.DriftUnchecked != "" {
		lines = append(lines, "  note: "+r.DriftUnchecked)
	}
	return lines
}

// PrintFindings writes the findings, a line each.
func (a *Applying) PrintFindings(w io.Writer) {
	for _, l := range a.Findings {
		fmt.Fprintln(w, l)
	}
}
