package contain

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"sync/atomic"

	"golang.org/x/sync/errgroup"

	"github.com/pamctl/pamctl/pkg/clock"
	"github.com/pamctl/pamctl/pkg/cmdutil"
	"github.com/pamctl/pamctl/pkg/text"
)

// runner is one terminate over a list of sites. One site (no
// --profiles/--all-profiles) is a fan-out of one: the same steps, one
// quit hook, one journal and one journal lock for every site, and the
// exit code one fold over the sites' outcomes (fold).
type runner struct {
	opts   *Config
	h      *Helper
	clk    clock.Clock
	errOut io.Writer // Callbacks.Note, a line at a time
	// fanOut: the sites came from --profiles/--all-profiles; the preview
	// and the report get a section per site, the results a SITE column.
	fanOut  bool
	runs    []*siteRun // every site
	planned []*siteRun // the sites whose plan succeeded

	journal Journal
	jmu     sync.Mutex // orders every site's journal lines and the close
	// halt is set when a journal line could not be written: nothing new
	// is sent on any site; unwritten names the sessions without a line
	// (under jmu) and jerr is the first write error.
	halt      atomic.Bool
	unwritten []string
	jerr      error
	printed   sync.Once // the results are printed once (report or quit)
	// budget counts the sessions sent or about to be, over every site:
	// --max caps it during a hold.
	budget atomic.Int64
	// stop is the moment of the interrupt, for every site.
	stop stopwatch
}

// run returns the results to print (nil when none were printed) and the
// run's error. Its steps, in order, each a method of runner.
func run(ctx context.Context, h *Helper) ([]*Result, error) {
	r := newRunner(h)
	opts := &h.Config
	if err := r.plan(ctx); err != nil {
		return nil, err
	}
	if results, done, err := r.preview(); done {
		return results, err
	}
	if err := r.guard(); err != nil {
		return nil, err
	}
	if h.PlanOut != nil {
		return nil, h.PlanOut(r.plannedSites())
	}
	if opts.DryRun {
		return r.dryRun()
	}
	if err := r.confirm(ctx); err != nil {
		return nil, err
	}
	if err := r.openJournal(); err != nil {
		return nil, err
	}
	defer r.closeJournal()
	if h.OnQuit != nil {
		defer h.OnQuit(r.quit)()
	}
	r.execute(ctx)
	return r.report()
}

// newRunner gives each site its engine, whose settled results go to the
// one journal with that site's server.
func newRunner(h *Helper) *runner {
	r := &runner{opts: &h.Config, h: h, clk: h.Clock, errOut: newNoteWriter(h.Note)}
	r.fanOut = !(len(h.Sites) == 1 && h.Sites[0].Name == "")
	if r.clk == nil {
		r.clk = clock.Real{}
	}
	for _, s := range h.Sites {
		r.runs = append(r.runs, r.newSiteRun(s))
	}
	return r
}

// newSiteRun is one site's engine, sharing the run's journal lock.
func (r *runner) newSiteRun(s Site) *siteRun {
	sr := &siteRun{site: s}
	if s.API == nil {
		return sr // cannot be used: fails at the plan, never run
	}
	sr.e = newEngine(s.API, r.clk, siteConfig(r.opts, s), func(res Result) {
		if r.journal == nil {
			return
		}
		ent := res.entry(r.clk.Now(), sr.operator, s.API, r.opts.Reason)
		ent.Approval = s.Approval
		if err := r.journal.Append(ent); err != nil {
			r.journalFailed(res, err)
		}
		if r.h.Settled != nil {
			r.h.Settled(res)
		}
	})
	sr.e.errOut, sr.e.prompter, sr.e.jmu, sr.e.onSent = r.errOut, r.h.Prompter, &r.jmu, r.h.Sent
	sr.e.halt, sr.e.stop = &r.halt, &r.stop
	return sr
}

// guard refuses (6) more sessions than --max: with a selector, over
// every site; with IDs, only when --max was given.
func (r *runner) guard() error {
	send := r.toSend()
	limit := 0
	if r.fanOut || r.runs[0].p.selector != nil || r.opts.MaxSet {
		limit = r.opts.Max
	}
	if limit == 0 || len(send) <= limit {
		return nil
	}
	if r.fanOut {
		return cmdutil.Refusedf("refusing: %d sessions would be terminated on %s, more than --max %d (which counts every site); nothing was sent (check the list above, then raise --max to at least %d)", len(send), text.Plural(len(r.planned), "site"), limit, len(send))
	}
	return cmdutil.Refusedf("refusing: %d sessions would be terminated, more than --max %d; nothing was sent (check the list above, then raise --max to at least %d)", len(send), limit, len(send))
}

// dryRun marks what would be sent and prints the results; its exit code
// is the real run's if every request succeeded.
func (r *runner) dryRun() ([]*Result, error) {
	send := r.toSend()
	for _, res := range send {
		res.Result = ResultDryRun
	}
	if len(send) > 0 {
		// With none, the preview already said "Nothing to terminate.".
		fmt.Fprintf(r.errOut, "Dry run: %s would be terminated; nothing was sent.\n", text.Plural(len(send), "session"))
	}
	results := r.results()
	if err := r.printResults(results); err != nil {
		return results, err
	}
	// What the real run would leave connected if every request
	// succeeded: native-only, not permitted, unusable IDs (5, or 3).
	err := failedPlans(r.runs)
	if err == nil {
		err = fold(r.errOut, r.opts, r.runs)
	}
	var ee *cmdutil.ExitError
	if errors.As(err, &ee) {
		return results, &cmdutil.ExitError{Code: ee.Code, Message: "dry run: " + ee.Message, Err: ee.Err}
	}
	return results, err
}

// confirm asks one question for every site (the typed count is the
// total), unless --yes.
func (r *runner) confirm(ctx context.Context) error {
	send := r.toSend()
	if r.opts.Hold > 0 {
		fmt.Fprintf(r.errOut, "Hold: also terminate %s.\n", holdWords(r.planned[0].p.selector, r.opts.Hold))
	}
	if (len(send) > 0 || r.opts.Hold > 0) && !r.opts.Yes {
		return r.planned[0].e.confirm(ctx, send)
	}
	return nil
}

// openJournal opens the journal before anything is sent (a run that
// could not be recorded does not start) and journals what is already
// final (skipped, already completed).
func (r *runner) openJournal() error {
	j, err := r.h.OpenJournal()
	if err != nil {
		return fmt.Errorf("%w; nothing was sent", err)
	}
	r.jmu.Lock()
	r.journal = j
	r.jmu.Unlock()
	for _, sr := range r.planned {
		for _, res := range sr.p.results {
			if !res.pending() {
				sr.e.settle(res)
			}
		}
	}
	return nil
}

// closeJournal closes the journal once no line is being written.
func (r *runner) closeJournal() {
	r.jmu.Lock()
	defer r.jmu.Unlock()
	_ = r.journal.Close()
}

// quit is the second Ctrl-C, for every site at once: under the one
// journal lock, what is in flight is journaled as unknown, and the
// results known so far are printed before the process exits.
func (r *runner) quit() {
	r.jmu.Lock()
	defer r.jmu.Unlock()
	var all []*Result
	n := 0
	for _, sr := range r.planned {
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
	r.printed.Do(func() { _ = r.printResults(all) })
	cmdutil.Notef(r.errOut, "quit: %s in flight journaled as unknown", text.Plural(n, "session"))
}

// execute sends, verifies and holds on every site at once; what each
// site says goes out a whole line at a time, its name first.
func (r *runner) execute(ctx context.Context) {
	defer context.AfterFunc(ctx, func() { r.stop.mark(r.clk.Now()) })()
	r.budget.Store(int64(len(r.toSend())))
	g := new(errgroup.Group)
	if r.opts.Hold == 0 {
		g.SetLimit(cmdutil.SiteConcurrency) // a hold runs every site for its whole period
	}
	var lines sync.Mutex
	for _, sr := range r.planned {
		if r.fanOut {
			sr.e.errOut = cmdutil.NewLineWriter(&lines, r.errOut, "site "+sr.site.Name+": ")
		}
		g.Go(func() error {
			sr.run(ctx, r.clk, &r.budget)
			return nil
		})
	}
	_ = g.Wait()
}

// report prints what happened on each site, then the results, and
// returns the exit code folded over the sites.
func (r *runner) report() ([]*Result, error) {
	for _, sr := range r.planned {
		if r.fanOut {
			fmt.Fprintf(r.errOut, "Site %s:\n", sr.site.label())
		}
		printReport(r.errOut, sr.p.results, r.opts.NoWait)
		if sr.held != nil {
			fmt.Fprintln(r.errOut, sr.held.summary(r.opts.Hold))
		}
	}
	results := r.results()
	var perr error
	r.printed.Do(func() { perr = r.printResults(results) })
	if perr != nil {
		return results, perr
	}
	if err := r.journalErr(); err != nil {
		return results, err
	}
	return results, fold(r.errOut, r.opts, r.runs)
}

// journalFailed is a journal line that could not be written (jmu held):
// the run stops sending, said once.
func (r *runner) journalFailed(res Result, err error) {
	if r.jerr == nil {
		r.jerr = err
		cmdutil.Notef(r.errOut, "the audit journal could not be written (%v): sending nothing more", err)
	}
	r.halt.Store(true)
	r.unwritten = append(r.unwritten, res.ID)
}

// journalErr is exit 7 naming every session whose line is missing.
func (r *runner) journalErr() error {
	r.jmu.Lock()
	defer r.jmu.Unlock()
	if r.jerr == nil {
		return nil
	}
	return &cmdutil.ExitError{Code: cmdutil.ExitUnverified, Message: fmt.Sprintf("the audit journal could not be written (%s): nothing more was sent; no journal line for %s: %s (see the results above)",
		cmdutil.Explain(r.jerr), text.Plural(len(r.unwritten), "session"), strings.Join(r.unwritten, ", "))}
}

// toSend is every planned site's sessions to send.
func (r *runner) toSend() []*Result {
	var send []*Result
	for _, sr := range r.planned {
		send = append(send, sr.send...)
	}
	return send
}

// results is every planned site's results, each marked with its site.
func (r *runner) results() []*Result {
	results := []*Result{}
	for _, sr := range r.planned {
		sr.tag()
		results = append(results, sr.p.results...)
	}
	return results
}

// printResults hands the results to Callbacks.Results.
func (r *runner) printResults(results []*Result) error {
	if results == nil {
		results = []*Result{}
	}
	if r.h.Results == nil {
		return nil
	}
	return r.h.Results(results, r.fanOut)
}
