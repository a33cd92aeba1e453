package terminate

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/pamctl/pamctl/pkg/api"
	"github.com/pamctl/pamctl/pkg/audit"
	"github.com/pamctl/pamctl/pkg/clock"
	"github.com/pamctl/pamctl/pkg/cmdutil"
)

// emptyResults prints the empty results array of a run that ended before
// any result existed, when the output format is JSON or YAML: with -o json
// stdout always holds a results array.
func emptyResults(opts *TerminateOptions) {
	if oo, err := opts.Output(); err == nil && oo.Format.IsStructured() {
		_ = printResults(opts.IO.Out, oo, nil) // "[]", or what --jq makes of it
	}
}

// terminateRun is the procedure: plan, preview, confirm, send, verify and
// check containment, report. The structured results are printed from what
// the run returns, also when it was refused or failed before any result
// existed ("[]").
func terminateRun(ctx context.Context, opts *TerminateOptions) error {
	results, err := run(ctx, opts)
	if results == nil {
		emptyResults(opts)
	}
	return err
}

// run returns the results to print (nil when none were printed) and the
// run's error.
func run(ctx context.Context, opts *TerminateOptions) ([]*Result, error) {
	outOpts, err := opts.Output()
	if err != nil {
		return nil, err
	}
	if opts.FanOut.Enabled() {
		return runSites(ctx, opts, outOpts)
	}
	client, err := opts.APIClient()
	if err != nil {
		return nil, err
	}
	clk := opts.Clock
	if clk == nil {
		clk = clock.Real{}
	}
	var journal *audit.Journal
	var operator string
	errOut := opts.IO.ErrOut
	e := newEngine(client, clk, opts, func(r Result) {
		if journal == nil {
			return
		}
		if err := journal.Append(r.entry(clk.Now(), operator, client.Server(), opts.Reason)); err != nil {
			fmt.Fprintf(errOut, "warning: could not write the audit journal: %v\n", err)
		}
	})

	// Who we are (for the preview and the journal) is asked while the
	// targets are resolved: one round trip less before anything happens.
	type ucResult struct {
		uc  *api.UserContext
		err error
	}
	ucCh := make(chan ucResult, 1)
	go func() {
		uc, err := client.UserContext(ctx)
		ucCh <- ucResult{uc, err}
	}()
	var p *plan
	if len(opts.IDs) > 0 {
		p, err = e.planIDs(ctx)
	} else {
		p, err = e.planSelector(ctx)
	}
	ucr := <-ucCh
	if ucr.err != nil {
		if api.IsAuth(ucr.err) {
			return nil, &cmdutil.AuthError{Err: fmt.Errorf("%s refused the token (HTTP %s); nothing was sent: check it with `pamctl auth status`", client.Host(), statusOf(ucr.err))}
		}
		return nil, ucr.err
	}
	if err != nil {
		return nil, err
	}
	uc := ucr.uc
	operator = uc.User.Name
	e.admin = isAdmin(uc)
	send := p.toSend()

	if len(p.results) == 0 && opts.Hold == 0 {
		fmt.Fprintf(errOut, "No active session on %s matches %s; nothing to terminate.\n", siteLabel(client, uc), p.selector)
		for _, n := range p.notes {
			fmt.Fprintln(errOut, n)
		}
		if err := printResults(opts.IO.Out, outOpts, p.results); err != nil {
			return p.results, err
		}
		return []*Result{}, p.scopeError()
	}
	e.printPreview(errOut, uc, p, send)

	limit := 0
	if p.selector != nil || opts.MaxSet {
		limit = opts.Max
	}
	if limit > 0 && len(send) > limit {
		return nil, cmdutil.Refusedf("refusing: %d sessions would be terminated, more than --max %d; nothing was sent (check the list above, then raise --max to at least %d)", len(send), limit, len(send))
	}
	if opts.DryRun {
		for _, r := range send {
			r.Result = ResultDryRun
		}
		fmt.Fprintf(errOut, "Dry run: %s would be terminated; nothing was sent.\n", plural(len(send), "session"))
		return p.results, printResults(opts.IO.Out, outOpts, p.results)
	}
	if opts.Hold > 0 {
		fmt.Fprintf(errOut, "Hold: %s.\n", holdWords(p.selector, opts.Hold))
	}
	if (len(send) > 0 || opts.Hold > 0) && !opts.Yes {
		if err := e.confirm(ctx, send); err != nil {
			return nil, err
		}
	}

	// The journal is opened before anything is sent: a run that could not
	// be recorded does not start.
	jpath, err := audit.Path(opts.LookupEnv)
	if err != nil {
		return nil, fmt.Errorf("%w; nothing was sent", err)
	}
	if journal, err = audit.Open(jpath); err != nil {
		return nil, fmt.Errorf("%w; nothing was sent", err)
	}
	journal.SetRedactor(opts.IO.Redactor())
	defer e.closeJournal(journal.Close)
	for _, r := range p.results {
		if !r.pending() {
			e.settle(r)
		}
	}

	// A second Ctrl-C journals what is in flight as unknown and prints
	// the results known so far before the process exits.
	var printed sync.Once
	removeHook := opts.Interrupts.OnQuit(func() {
		inflight, known := e.quitJournal()
		printed.Do(func() {
			rs := make([]*Result, len(known))
			for i := range known {
				rs[i] = &known[i]
			}
			_ = printResults(opts.IO.Out, outOpts, rs)
		})
		fmt.Fprintf(errOut, "pamctl: quit: %s in flight journaled as unknown\n", plural(len(inflight), "session"))
	})
	defer removeHook()

	start := clk.Now()
	cancelled, containErr := e.execute(ctx, p, uc, send, start)

	var held *holdStats
	if opts.Hold > 0 && !cancelled {
		sent := 0
		for _, r := range p.results {
			if r.sent {
				sent++
			}
		}
		var herr error
		held, herr = e.hold(ctx, p, start.Add(opts.Hold), sent)
		switch {
		case errors.Is(herr, context.Canceled):
			cancelled = true
		case herr != nil:
			containErr = herr
		}
	}

	// Whatever verification did not settle (an interrupted run) is
	// journaled as it stands.
	for _, r := range p.results {
		e.settle(r)
	}
	printReport(errOut, p.results, opts.NoWait)
	if held != nil {
		fmt.Fprintln(errOut, held.summary(opts.Hold))
	}
	var perr error
	printed.Do(func() { perr = printResults(opts.IO.Out, outOpts, p.results) })
	if perr != nil {
		return p.results, perr
	}
	if err := outcome(p.results, cancelled, opts, containErr); err != nil {
		return p.results, err
	}
	return p.results, p.scopeError()
}

// execute is steps 4 and 5 of one site's run: send (in waves), verify,
// and, for a selector, list it again for sessions new since the preview.
// It reports whether the run was cancelled, and the error of that last
// listing (containment then unknown).
func (e *engine) execute(ctx context.Context, p *plan, uc *api.UserContext, send []*Result, start time.Time) (cancelled bool, containErr error) {
	opts, errOut := e.opts, e.errOut
	if len(send) > 0 {
		if len(send) > 1 {
			fmt.Fprintf(errOut, "Terminating %s (%d at a time)...\n", plural(len(send), "session"), min(opts.Concurrency, len(send)))
		}
		for _, wave := range waves(send, e.admin) {
			if cancelled = e.sendAll(ctx, wave); cancelled {
				// What the later waves held is not sent.
				for _, r := range send {
					if r.pending() {
						r.Result, r.Error, r.stillActive = ResultSkipped, errNotSent, true
						e.settle(r)
					}
				}
				break
			}
		}
	}
	// With a selector, list its reports again while verification runs
	// (it costs no wall time): who matches now that was not in the preview?
	type recheck struct {
		extra []*Result
		err   error
	}
	var again chan recheck
	if p.selector != nil && !cancelled && opts.Hold == 0 {
		// (A hold's first poll catches them instead, and terminates them.)
		again = make(chan recheck, 1)
		go func() {
			extra, err := e.stillMatching(ctx, p)
			again <- recheck{extra, err}
		}()
	}
	if !opts.NoWait && !cancelled {
		e.verify(ctx, p, start)
		// Ctrl-C while verifying is still Ctrl-C (130); the report says
		// what was terminated.
		cancelled = ctx.Err() != nil
	}
	if again != nil {
		rc := <-again
		for _, r := range rc.extra {
			p.results = append(p.results, r)
			e.settle(r)
		}
		if rc.err != nil && !cancelled {
			containErr = rc.err
		}
	}

	return cancelled, containErr
}
