package terminate

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"

	"golang.org/x/sync/errgroup"

	"github.com/pamctl/pamctl/pkg/api"
	"github.com/pamctl/pamctl/pkg/audit"
	"github.com/pamctl/pamctl/pkg/clock"
	"github.com/pamctl/pamctl/pkg/cmdutil"
	"github.com/pamctl/pamctl/pkg/output"
	"github.com/pamctl/pamctl/pkg/text"
)

// siteRun is one site of a fan-out terminate: its own client and engine,
// its plan, and how its run ended.
type siteRun struct {
	site     cmdutil.Site
	e        *engine
	uc       *api.UserContext
	p        *plan
	send     []*Result
	operator string
	planErr  error // planning failed: the site is not run

	cancelled  bool
	containErr error
}

// runSites is terminate over several profiles (--profiles,
// --all-profiles): every site planned (its selector resolved on it, 4
// sites at a time), ONE preview grouped by site, ONE confirmation for the
// total (--max counts the total), then each site sent and verified with
// its own engine, each journal line carrying that site's server. A site
// whose planning failed is named on its own line and the run goes on
// without it: not contained (5). The exit code is the worst of the
// sites' (see combineOutcomes).
func runSites(ctx context.Context, opts *TerminateOptions, outOpts output.Options) ([]*Result, error) {
	sites, err := opts.Sites(opts.FanOut)
	if err != nil {
		return nil, err
	}
	clk := opts.Clock
	if clk == nil {
		clk = clock.Real{}
	}
	errOut := opts.IO.ErrOut
	var journal *audit.Journal
	runs := make([]*siteRun, len(sites))
	for i, s := range sites {
		sr := &siteRun{site: s}
		client := s.Client
		sr.e = newEngine(client, clk, opts, func(r Result) {
			if journal == nil {
				return
			}
			if err := journal.Append(r.entry(clk.Now(), sr.operator, client.Server(), opts.Reason)); err != nil {
				fmt.Fprintf(errOut, "warning: could not write the audit journal: %v\n", err)
			}
		})
		runs[i] = sr
	}

	// Plan every site.
	planErrs := cmdutil.ForEachSite(ctx, sites, func(ctx context.Context, i int, s cmdutil.Site) error {
		sr := runs[i]
		uc, err := s.Client.UserContext(ctx)
		if err != nil {
			if api.IsAuth(err) {
				return &cmdutil.AuthError{Err: fmt.Errorf("%s refused the token (HTTP %s); nothing was sent there: check it with `pamctl auth status --profile %s`", s.Client.Host(), statusOf(err), s.Name)}
			}
			return err
		}
		p, err := sr.e.planSelector(ctx)
		if err != nil {
			return err
		}
		sr.uc, sr.p, sr.operator = uc, p, uc.User.Name
		sr.e.admin = isAdmin(uc)
		sr.send = p.toSend()
		return nil
	})
	if err := ctx.Err(); err != nil {
		return nil, &cmdutil.ExitError{Code: cmdutil.ExitCancelled, Message: "cancelled while finding the sessions; nothing was sent", Err: err}
	}
	var planned []*siteRun
	for i, sr := range runs {
		sr.planErr = planErrs[i]
		if sr.planErr == nil {
			planned = append(planned, sr)
			sr.tag()
		}
	}
	cmdutil.PrintSiteErrors(errOut, planErrs)
	if len(planned) == 0 {
		return nil, allPlansFailed(planErrs)
	}

	// One preview, a section per site.
	var send []*Result
	results := []*Result{}
	for _, sr := range planned {
		send = append(send, sr.send...)
		results = append(results, sr.p.results...)
		fmt.Fprintf(errOut, "Site %s:\n", sr.site.Name)
		if len(sr.p.results) == 0 {
			fmt.Fprintf(errOut, "No active session on %s matches %s.\n", siteLabel(sr.e.api, sr.uc), sr.p.selector)
			for _, n := range sr.p.notes {
				fmt.Fprintln(errOut, n)
			}
			continue
		}
		sr.e.printPreview(errOut, sr.uc, sr.p, sr.send)
	}
	fmt.Fprintf(errOut, "In total: %s to terminate on %s.\n", plural(len(send), "session"), plural(len(planned), "site"))
	if len(send) == 0 {
		return results, finish(opts, outOpts, runs, results)
	}
	if len(send) > opts.Max {
		return nil, cmdutil.Refusedf("refusing: %d sessions would be terminated on %s, more than --max %d (which counts every site); nothing was sent (check the list above, then raise --max to at least %d)", len(send), plural(len(planned), "site"), opts.Max, len(send))
	}
	if opts.DryRun {
		for _, r := range send {
			r.Result = ResultDryRun
		}
		fmt.Fprintf(errOut, "Dry run: %s would be terminated; nothing was sent.\n", plural(len(send), "session"))
		if err := printSiteResults(opts, outOpts, results); err != nil {
			return results, err
		}
		return results, failedPlans(runs)
	}
	if !opts.Yes {
		// One question for every site: the typed count is the total.
		if err := planned[0].e.confirm(ctx, send); err != nil {
			return nil, err
		}
	}

	// The journal is opened before anything is sent.
	jpath, err := audit.Path(opts.LookupEnv)
	if err != nil {
		return nil, fmt.Errorf("%w; nothing was sent", err)
	}
	if journal, err = audit.Open(jpath); err != nil {
		return nil, fmt.Errorf("%w; nothing was sent", err)
	}
	journal.SetRedactor(opts.IO.Redactor())
	defer journal.Close()
	for _, sr := range planned {
		for _, r := range sr.p.results {
			if !r.pending() {
				sr.e.settle(r)
			}
		}
	}

	// A second Ctrl-C journals what is in flight, on every site.
	var printed sync.Once
	removeHook := opts.Interrupts.OnQuit(func() {
		var all []*Result
		n := 0
		for _, sr := range planned {
			inflight, known := sr.e.quit()
			for i := range inflight {
				sr.e.onSettled(inflight[i])
			}
			n += len(inflight)
			for i := range known {
				known[i].Site = sr.site.Name
				all = append(all, &known[i])
			}
		}
		printed.Do(func() { _ = printSiteResults(opts, outOpts, all) })
		fmt.Fprintf(errOut, "pamctl: quit: %s in flight journaled as unknown\n", plural(n, "session"))
	})
	defer removeHook()

	// The sites run at once: what each says while sending and verifying
	// goes out a whole line at a time, starting with its site.
	var lines sync.Mutex
	g := new(errgroup.Group)
	g.SetLimit(cmdutil.SiteConcurrency)
	for _, sr := range planned {
		sr.e.errOut = &siteWriter{mu: &lines, w: errOut, prefix: "site " + sr.site.Name + ": "}
		g.Go(func() error {
			sr.cancelled, sr.containErr = sr.e.execute(ctx, sr.p, sr.uc, sr.send, clk.Now())
			for _, r := range sr.p.results {
				sr.e.settle(r)
			}
			return nil
		})
	}
	_ = g.Wait()

	results = results[:0]
	for _, sr := range planned {
		sr.tag()
		results = append(results, sr.p.results...)
		fmt.Fprintf(errOut, "Site %s:\n", sr.site.Name)
		printReport(errOut, sr.p.results, opts.NoWait)
	}
	var perr error
	printed.Do(func() { perr = printSiteResults(opts, outOpts, results) })
	if perr != nil {
		return results, perr
	}
	return results, combineOutcomes(errOut, opts, runs)
}

// tag marks every result with the site's name.
func (sr *siteRun) tag() {
	for _, r := range sr.p.results {
		r.Site = sr.site.Name
	}
}

// finish ends a fan-out that had nothing to send: the (empty or skipped)
// results, and exit 5 if a site could not be searched.
func finish(opts *TerminateOptions, outOpts output.Options, runs []*siteRun, results []*Result) error {
	if err := printSiteResults(opts, outOpts, results); err != nil {
		return err
	}
	return combineOutcomes(opts.IO.ErrOut, opts, runs)
}

// failedPlans is exit 5 naming the sites that could not be planned, or nil.
func failedPlans(runs []*siteRun) error {
	var names []string
	for _, sr := range runs {
		if sr.planErr != nil {
			names = append(names, sr.site.Name)
		}
	}
	if len(names) == 0 {
		return nil
	}
	return &cmdutil.ExitError{Code: cmdutil.ExitPartial, Message: fmt.Sprintf("not contained: %s could not be searched (%s, see above); nothing was sent there", plural(len(names), "site"), strings.Join(names, ", "))}
}

// allPlansFailed is the error of a fan-out in which no site could be
// planned: nothing was sent anywhere. The sites' common exit code when
// they agree (every token refused: 3), else 5.
func allPlansFailed(errs []error) error {
	code := -1
	for _, err := range errs {
		c := cmdutil.ExitCode(err)
		if code == -1 {
			code = c
		} else if c != code {
			code = cmdutil.ExitPartial
		}
	}
	return &cmdutil.ExitError{Code: code, Message: fmt.Sprintf("no site could be searched (%d, see above); nothing was sent", len(errs))}
}

// combineOutcomes prints, on its own line, each site's outcome that is
// not success, and returns the worst (docs/exit-codes.md): 130 when
// cancelled; 1 or 3 only when every site failed that way (3 when all for
// lack of permission); else 5 when any site is not contained or could not
// be searched; else 7 when any is unverified; else 0.
func combineOutcomes(errOut io.Writer, opts *TerminateOptions, runs []*siteRun) error {
	var cancelled, failedAll, auth bool
	failedAll, auth = true, true
	byCode := map[int][]string{}
	for _, sr := range runs {
		if sr.planErr != nil {
			byCode[cmdutil.ExitPartial] = append(byCode[cmdutil.ExitPartial], sr.site.Name)
			failedAll, auth = false, false
			continue
		}
		err := outcome(sr.p.results, sr.cancelled, opts, sr.containErr)
		if err == nil {
			err = sr.p.scopeError()
		}
		code := cmdutil.ExitCode(err)
		if err != nil {
			fmt.Fprintf(errOut, "pamctl: site %s: %s\n", sr.site.Name, cmdutil.Explain(err))
			byCode[code] = append(byCode[code], sr.site.Name)
		}
		cancelled = cancelled || sr.cancelled
		if code != cmdutil.ExitFailure && code != cmdutil.ExitAuth {
			failedAll = false
		}
		if code != cmdutil.ExitAuth {
			auth = false
		}
	}
	names := func(codes ...int) string {
		var n []string
		for _, c := range codes {
			n = append(n, byCode[c]...)
		}
		sort.Strings(n)
		return strings.Join(n, ", ")
	}
	switch {
	case cancelled:
		return &cmdutil.ExitError{Code: cmdutil.ExitCancelled, Message: "cancelled: nothing new was sent (what was terminated is listed above)"}
	case failedAll && auth:
		return &cmdutil.ExitError{Code: cmdutil.ExitAuth, Message: "not permitted on any site (listed above)"}
	case failedAll:
		return &cmdutil.ExitError{Code: cmdutil.ExitFailure, Message: fmt.Sprintf("no site's sessions were terminated (%s; listed above)", names(cmdutil.ExitFailure, cmdutil.ExitAuth))}
	case len(byCode[cmdutil.ExitPartial]) > 0 || len(byCode[cmdutil.ExitFailure]) > 0 || len(byCode[cmdutil.ExitAuth]) > 0:
		return &cmdutil.ExitError{Code: cmdutil.ExitPartial, Message: fmt.Sprintf("not contained on every site: %s (see above)", text.Safe(names(cmdutil.ExitPartial, cmdutil.ExitFailure, cmdutil.ExitAuth)))}
	case len(byCode[cmdutil.ExitUnverified]) > 0:
		return &cmdutil.ExitError{Code: cmdutil.ExitUnverified, Message: fmt.Sprintf("sent but not verified on %s (see above)", names(cmdutil.ExitUnverified))}
	}
	return nil
}

// printSiteResults writes the per-session results with their site.
func printSiteResults(opts *TerminateOptions, o output.Options, results []*Result) error {
	if results == nil {
		results = []*Result{}
	}
	cols := append([]output.Column[*Result]{{Header: "SITE", Value: func(r *Result) any { return r.Site }}}, resultColumns...)
	return output.PrintList(opts.IO.Out, o, results, cols)
}

// siteWriter writes each line with its site's name first, one site at a
// time (the writers of a run share mu).
type siteWriter struct {
	mu     *sync.Mutex
	w      io.Writer
	prefix string
}

func (s *siteWriter) Write(p []byte) (int, error) {
	var b []byte
	for rest := p; len(rest) > 0; {
		line := rest
		if i := bytes.IndexByte(rest, '\n'); i >= 0 {
			line = rest[:i+1]
		}
		rest = rest[len(line):]
		b = append(append(b, s.prefix...), line...)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, err := s.w.Write(b); err != nil {
		return 0, err
	}
	return len(p), nil
}
