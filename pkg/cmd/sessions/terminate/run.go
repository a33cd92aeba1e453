package terminate

import (
	"context"
	"fmt"
	"io"
	"strconv"

	"github.com/pamctl/pamctl/pkg/audit"
	"github.com/pamctl/pamctl/pkg/clock"
	"github.com/pamctl/pamctl/pkg/cmdutil"
	"github.com/pamctl/pamctl/pkg/contain"
	"github.com/pamctl/pamctl/pkg/output"
	"github.com/pamctl/pamctl/pkg/prompt"
)

// Result is one session's outcome, the element of -o json's array.
type Result = contain.Result

// emptyResults prints the empty results array of a run that ended before
// any result existed, when the output format is JSON or YAML: with -o json
// stdout always holds a results array.
func emptyResults(opts *TerminateOptions) {
	if oo, err := opts.Output(); err == nil && oo.Format.IsStructured() {
		_ = printResults(opts.IO.Out, oo, nil, false) // "[]", or what --jq makes of it
	}
}

// terminateRun turns the options into the engine's Helper (pkg/contain)
// and its callbacks into output: talk on stderr, the results on stdout in
// the -o format, also when the run was refused or failed before any
// result existed ("[]").
func terminateRun(ctx context.Context, opts *TerminateOptions) error {
	if opts.Plan.Apply != "" {
		return applyRun(ctx, opts)
	}
	h, err := newHelper(opts)
	if err != nil {
		emptyResults(opts)
		return err
	}
	wrote := false
	if opts.Plan.PlanOut != "" {
		planOut(opts, h)
		write := h.PlanOut
		h.PlanOut = func(sites []contain.PlannedSite) error { wrote = true; return write(sites) }
	}
	results, err := h.Run(ctx)
	if results == nil {
		emptyResults(opts)
	}
	if opts.Plan.PlanOut != "" && !wrote && err == nil {
		fmt.Fprintf(opts.IO.ErrOut, "Nothing to plan: no plan was written to %s.\n", opts.Plan.PlanOut)
	}
	return err
}

// newHelper is the engine for these options: the sites (one without
// --profiles/--all-profiles), the configuration, the callbacks.
func newHelper(opts *TerminateOptions) (*contain.Helper, error) {
	out, err := opts.Output()
	if err != nil {
		return nil, err
	}
	var sites []cmdutil.Site
	if opts.Plan.Apply == "" { // an applied plan brings its own sites
		if sites, err = cmdutil.SitesFor(opts.FanOut, opts.APIClient, opts.Sites); err != nil {
			return nil, err
		}
	}
	clk := opts.Clock
	if clk == nil {
		clk = clock.Real{}
	}
	h := &contain.Helper{Config: engineConfig(opts), Clock: clk}
	for _, s := range sites {
		cs := contain.Site{Name: s.Name, Label: s.Label(), Err: s.Err}
		if s.Client != nil {
			cs.API = s.Client
		}
		h.Sites = append(h.Sites, cs)
	}
	errOut := opts.IO.ErrOut
	h.Note = func(line string) { fmt.Fprintln(errOut, line) }
	h.Results = func(rs []*Result, fanOut bool) error { return printResults(opts.IO.Out, out, rs, fanOut) }
	if opts.Prompter != nil {
		h.Prompter = lazyPrompter(opts.Prompter)
	}
	h.OpenJournal = func() (contain.Journal, error) {
		jpath, err := audit.Path(opts.LookupEnv)
		if err != nil {
			return nil, fmt.Errorf("%w; nothing was sent", err)
		}
		j, err := audit.OpenWith(jpath, audit.Options{LookupEnv: opts.LookupEnv})
		if err != nil {
			return nil, fmt.Errorf("%w; nothing was sent", err)
		}
		j.SetRedactor(opts.IO.Redactor())
		return j, nil
	}
	if opts.Interrupts != nil {
		h.OnQuit = opts.Interrupts.OnQuit
	}
	return h, nil
}

// engineConfig is the engine's plain configuration from the options.
func engineConfig(o *TerminateOptions) contain.Config {
	return contain.Config{
		IDs: o.IDs, Asset: o.Asset, User: o.User, Channel: o.Channel,
		Yes: o.Yes, DryRun: o.DryRun, NoWait: o.NoWait, Max: o.Max, MaxSet: o.MaxSet,
		Reason: o.Reason, WaitTimeout: o.WaitTimeout, Concurrency: o.Concurrency,
		Hold: o.Hold, Interval: o.Interval,
	}
}

// lazyPrompter builds the prompter only when a question is asked.
type lazyPrompter func() prompt.Prompter

func (p lazyPrompter) Confirm(message string, def bool) (bool, error) {
	return p().Confirm(message, def)
}

func (p lazyPrompter) Input(message, def string) (string, error) { return p().Input(message, def) }

// printResults writes the per-session results to w in the -o format,
// with a SITE column ("site" in JSON) in a fan-out.
func printResults(w io.Writer, o output.Options, results []*Result, fanOut bool) error {
	if results == nil {
		results = []*Result{}
	}
	if !fanOut {
		return output.PrintList(w, o, results, resultColumns)
	}
	cols := append([]output.Column[*Result]{{Header: "SITE", Value: func(r *Result) any { return r.Site }}}, resultColumns...)
	return output.PrintList(w, o, results, cols)
}

var resultColumns = []output.Column[*Result]{
	{Header: "SESSION ID", Value: func(r *Result) any { return r.ID }},
	{Header: "ASSET", Value: func(r *Result) any { return r.Asset }},
	{Header: "USER", Value: func(r *Result) any { return r.User }},
	{Header: "RESULT", Value: func(r *Result) any { return r.Result }},
	{Header: "VERIFIED", Value: func(r *Result) any { return strconv.FormatBool(r.Verified) }},
	{Header: "DETAIL", Value: func(r *Result) any {
		if r.Error != "" {
			return r.Error
		}
		return r.Event
	}},
}
