package contain

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/pamctl/pamctl/pkg/api"
	"github.com/pamctl/pamctl/pkg/clock"
	"github.com/pamctl/pamctl/pkg/cmdutil"
	"github.com/pamctl/pamctl/pkg/text"
)

// siteRun is one site of a terminate: its client and engine, its plan,
// and how its run ended.
type siteRun struct {
	site     Site
	e        *engine
	uc       *api.UserContext
	p        *plan
	send     []*Result
	operator string
	planErr  error // planning failed: the site is not run

	cancelled  bool
	containErr error
	held       *holdStats
}

// plan plans every site at once (SiteConcurrency at a time). A site
// whose plan failed is named on its own line and the others go on; with
// one site, its error is the run's.
func (r *runner) plan(ctx context.Context) error {
	sites := make([]cmdutil.Site, len(r.runs))
	for i, sr := range r.runs {
		sites[i] = cmdutil.Site{Name: sr.site.Name, Err: sr.site.Err}
	}
	errs := cmdutil.ForEachSite(ctx, sites, func(ctx context.Context, i int, _ cmdutil.Site) error {
		return r.runs[i].plan(ctx, len(r.opts.IDs) > 0 || r.runs[i].site.IDs != nil)
	})
	if !r.fanOut {
		if err := errs[0]; err != nil {
			var se *cmdutil.SiteError
			if errors.As(err, &se) {
				err = se.Err
			}
			return err
		}
	} else if err := ctx.Err(); err != nil {
		return &cmdutil.ExitError{Code: cmdutil.ExitCancelled, Message: "cancelled while finding the sessions; nothing was sent", Err: err}
	}
	for i, sr := range r.runs {
		if sr.planErr = errs[i]; sr.planErr == nil {
			r.planned = append(r.planned, sr)
			sr.tag()
		}
	}
	cmdutil.PrintSiteErrors(r.errOut, errs)
	if r.h.Planned != nil {
		for _, sr := range r.planned {
			targets := make([]Result, len(sr.p.results))
			for i, res := range sr.p.results {
				targets[i] = *res
			}
			r.h.Planned(sr.site.Name, targets)
		}
	}
	if len(r.planned) == 0 {
		return allPlansFailed(errs)
	}
	return nil
}

// plan finds the site's targets (IDs or the selector) while asking who
// we are (for the preview and the journal): one round trip less before
// anything happens.
func (sr *siteRun) plan(ctx context.Context, byID bool) error {
	type ucResult struct {
		uc  *api.UserContext
		err error
	}
	ucCh := make(chan ucResult, 1)
	go func() {
		uc, err := sr.e.api.UserContext(ctx)
		ucCh <- ucResult{uc, err}
	}()
	var p *plan
	var err error
	if byID {
		p, err = sr.e.planIDs(ctx)
	} else {
		p, err = sr.e.planSelector(ctx)
	}
	ucr := <-ucCh
	if ucr.err != nil {
		if !api.IsAuth(ucr.err) {
			return ucr.err
		}
		// The one wording of a refused token (cmdutil.Explain); in a
		// fan-out, SiteError names the profile to check.
		return &cmdutil.AuthError{Err: fmt.Errorf("nothing was sent to %s: %w", sr.e.api.Host(), ucr.err)}
	}
	if err == nil && sr.site.Hold != nil {
		err = sr.site.Hold.scope(ctx, sr.e.api, p)
	}
	if err != nil {
		return err
	}
	sr.uc, sr.p, sr.operator = ucr.uc, p, ucr.uc.User.Name
	sr.e.admin, sr.e.uc = isAdmin(ucr.uc), ucr.uc
	sr.send = p.toSend()
	return nil
}

// preview shows every site's sessions, with a section per site in a
// fan-out. done: nothing matched anywhere and no hold, the run ends here.
func (r *runner) preview() (results []*Result, done bool, err error) {
	nothing := r.opts.Hold == 0
	for _, sr := range r.planned {
		nothing = nothing && len(sr.p.results) == 0
	}
	if !r.fanOut {
		sr := r.planned[0]
		if nothing {
			fmt.Fprintf(r.errOut, "No active session on %s matches %s; nothing to terminate.\n", siteLabel(sr.e.api, sr.uc), sr.p.selector.Flags())
			sr.printNotes(r.errOut)
			if err := r.printResults(sr.p.results); err != nil {
				return sr.p.results, true, err
			}
			return []*Result{}, true, sr.p.scopeError()
		}
		sr.e.printPreview(r.errOut, sr.uc, sr.p, sr.send)
		return nil, false, nil
	}
	for _, sr := range r.planned {
		fmt.Fprintf(r.errOut, "Site %s:\n", sr.site.label())
		if len(sr.p.results) == 0 {
			fmt.Fprintf(r.errOut, "No active session on %s matches %s.\n", siteLabel(sr.e.api, sr.uc), sr.p.selector.Flags())
			sr.printNotes(r.errOut)
			continue
		}
		sr.e.printPreview(r.errOut, sr.uc, sr.p, sr.send)
	}
	fmt.Fprintf(r.errOut, "In total: %s to terminate on %s.\n", text.Plural(len(r.toSend()), "session"), text.Plural(len(r.planned), "site"))
	if !nothing {
		return nil, false, nil
	}
	results = r.results()
	if err := r.printResults(results); err != nil {
		return results, true, err
	}
	return results, true, fold(r.errOut, r.opts, r.runs)
}

// run is steps 4 to 6 on this site: send and verify (execute), then, with
// --hold, the hold (--max counted over every site in budget); whatever
// did not settle (an interrupted run) is journaled as it stands.
func (sr *siteRun) run(ctx context.Context, clk clock.Clock, budget *atomic.Int64) {
	e, opts := sr.e, sr.e.opts
	start := clk.Now()
	e.began = start
	sr.cancelled, sr.containErr = e.execute(ctx, sr.p, sr.uc, sr.send, start)
	var notSent int64
	for _, res := range sr.send {
		if !res.sent {
			notSent++
		}
	}
	budget.Add(-notSent)
	if opts.Hold > 0 && !sr.cancelled {
		// What is known is said now, not when the hold ends.
		printReport(e.errOut, sr.p.results, opts.NoWait)
		var herr error
		sr.held, herr = e.hold(ctx, sr.p, start.Add(opts.Hold), budget)
		switch {
		case errors.Is(herr, context.Canceled):
			sr.cancelled = true
		case herr != nil:
			sr.containErr = herr
		}
	}
	if sr.cancelled {
		// Measured at the interrupt, not when the requests in flight
		// came back.
		interrupted(sr.p.results, e.stop.since(start, clk.Now()), opts.NoWait)
	}
	for _, res := range sr.p.results {
		e.settle(res)
	}
}

// interrupted words a terminated session whose verification Ctrl-C cut
// short: never an empty reason.
func interrupted(results []*Result, after time.Duration, noWait bool) {
	for _, r := range results {
		if r.Result == ResultTerminated && !r.Verified && r.Error == "" && !noWait {
			r.Error = interruptedWhy(r, after)
		}
	}
}

// interruptedWhy is one statement for a session whose verification an
// interrupt cut: when, what had not been read yet (never "no event" for
// a read the interrupt cut), and how to check.
func interruptedWhy(r *Result, after time.Duration) string {
	what, check := "before it was verified", checkGet(r.ID)
	switch {
	case r.readActive && !r.readCompleted:
		what = "while it still read back Active by ID"
	case r.readCompleted && r.eventLine == "":
		what, check = "before its Terminate Session event was read", "; check with `pamctl sessions events "+r.ID+"`"
	case r.eventLine != "" && !r.readCompleted:
		what = "before it read back Completed"
	}
	return fmt.Sprintf("interrupted after %s, %s%s", after.Round(time.Second), what, check)
}

// tag marks every result with the site's name ("" for one site).
func (sr *siteRun) tag() {
	for _, r := range sr.p.results {
		r.Site = sr.site.Name
	}
}

func (sr *siteRun) printNotes(w interface{ Write([]byte) (int, error) }) {
	for _, n := range sr.p.notes {
		fmt.Fprintln(w, n)
	}
}

// execute is steps 4 and 5 of one site's run: send (in waves), verify,
// then the check on the ground (ground.go): every target answered as
// ended is read back by ID, and, for a selector, the operator's scope is
// listed without the server's filter and matched on the client (the
// run's own targets too). It reports whether the run was cancelled, and
// the error of that last listing (containment then unknown).
func (e *engine) execute(ctx context.Context, p *plan, uc *api.UserContext, send []*Result, start time.Time) (cancelled bool, containErr error) {
	if cancelled = e.sendWaves(ctx, send); cancelled {
		return true, nil
	}
	if !e.opts.NoWait {
		e.verify(ctx, p, start)
		// Ctrl-C while verifying is still Ctrl-C (130); the report says
		// what was terminated.
		if cancelled = ctx.Err() != nil; cancelled {
			return true, nil
		}
	}
	var listed []api.Session
	var g errgroup.Group
	if !e.opts.NoWait {
		g.Go(func() error { e.readBackByID(ctx, p.results); return nil })
	}
	// (A hold's first poll lists the ground instead, and terminates what
	// is new.)
	if p.selector != nil && e.opts.Hold == 0 {
		g.Go(func() error {
			listed, containErr = e.listGround(ctx, p, groundScopes(p, uc))
			return nil
		})
	}
	_ = g.Wait()
	if containErr != nil {
		return ctx.Err() != nil, containErr
	}
	p.results = append(p.results, e.judgeGround(p, listed, start)...)
	for _, r := range p.results {
		if !r.pending() {
			e.settle(r)
		}
	}
	return ctx.Err() != nil, nil
}

// sendWaves sends in waves (per asset first, for a non-Administrator);
// cancelled: what the later waves held is not sent.
func (e *engine) sendWaves(ctx context.Context, send []*Result) (cancelled bool) {
	if len(send) == 0 {
		return false
	}
	if len(send) > 1 {
		fmt.Fprintf(e.errOut, "Terminating %s (%d at a time)...\n", text.Plural(len(send), "session"), min(e.opts.Concurrency, len(send)))
	}
	for _, wave := range waves(send, e.admin) {
		if e.sendAll(ctx, wave) {
			for _, r := range send {
				if r.pending() {
					r.Result, r.Error, r.stillActive = ResultSkipped, errNotSent, true
					e.settle(r)
				}
			}
			return true
		}
	}
	return false
}
