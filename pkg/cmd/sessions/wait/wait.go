// Package wait implements `pamctl sessions wait`: block until the named
// sessions, or every session a selector matches, are no longer Active (or,
// with --for started, until one is), so a runbook can say "contained" only
// once it is true, and stop waiting at --timeout with exit 8.
package wait

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/pamctl/pamctl/pkg/api"
	"github.com/pamctl/pamctl/pkg/clock"
	"github.com/pamctl/pamctl/pkg/cmd/sessions/selector"
	"github.com/pamctl/pamctl/pkg/cmd/sessions/shared"
	"github.com/pamctl/pamctl/pkg/cmdutil"
	"github.com/pamctl/pamctl/pkg/iostreams"
	"github.com/pamctl/pamctl/pkg/output"
	"github.com/pamctl/pamctl/pkg/poll"
)

// Conditions of --for.
const (
	ForEnded   = "ended"
	ForStarted = "started"
)

// DefaultTimeout is --timeout's default.
const DefaultTimeout = 10 * time.Minute

// Client is the part of the API client wait uses.
type Client interface {
	selector.Client
	GetSession(ctx context.Context, id string) (*api.Session, error)
}

// WaitOptions are the inputs of sessions wait.
type WaitOptions struct {
	IO        *iostreams.IOStreams
	APIClient func() (*api.Client, error)
	Output    func() (output.Options, error)
	Clock     clock.Clock
	// Jitter is the poll loop's (nil: poll.DefaultJitter).
	Jitter func(time.Duration) time.Duration

	IDs      []string
	Selector selector.Selector
	For      string
	Timeout  time.Duration
	Interval time.Duration

	// FanOut is --profiles/--all-profiles; Sites builds their clients.
	FanOut cmdutil.FanOut
	Sites  func(cmdutil.FanOut) ([]cmdutil.Site, error)
}

// NewCmdWait builds the command; runF replaces the run in tests.
func NewCmdWait(f *cmdutil.Factory, runF func(*WaitOptions) error) *cobra.Command {
	opts := &WaitOptions{
		IO:        f.IOStreams,
		APIClient: f.APIClient,
		Output:    f.OutputOptions,
		Clock:     f.Clock,
		Sites:     f.Sites,
	}
	cmd := &cobra.Command{
		Use:   "wait [<id>...] [--asset <name|id>] [--user <name>] [--channel <channel>] [--for ended|started] [--timeout <duration>] [--interval <duration>]",
		Short: "Wait until sessions end, or until one starts",
		Long: `Block until the condition holds, polling the server every --interval.

--for ended (the default): until no session the selector flags match is
Active; with session IDs, until each of them is no longer Active (a session
that disappears, 404, counts as ended; an ID that does not exist at the
first read is exit 4). --for started: until at least one session the
selector matches is Active ("tell me when bwilliams connects").

Exit 0 when the condition holds, 8 when --timeout passes first (the last
check is made at the timeout; the message names the sessions the last
answered check saw still active, or says the server never answered), 130
on Ctrl-C. Here --timeout bounds the
whole wait; the per-request timeout comes from PAMCTL_TIMEOUT or the
profile. --interval is at least 1s; polls come a little early at random so
watchers drift apart, never later than one interval.

A server that does not answer (refused, 5xx, 429 after the client's
retries) is noted once on stderr and asked again at the next interval;
401 and 403 end the wait (exit 3).

On a terminal, stderr shows what is awaited, how many sessions remain and
the time elapsed; otherwise the wait is silent. -o json prints the final
state: the matching sessions as a JSON array, [] when none.

--profiles a,b or --all-profiles waits on several sites (profiles of the
config file) with one selector, every site read at each poll (4 at a
time): ended holds when no site has a matching Active session, started
when one site has. The final state gains "site" (a SITE column), and the
sessions still active at a timeout are named with their site. Session IDs
belong to one site and are refused with these flags.`,
		Example: `  # contain an account: terminate its sessions, then make sure they stay gone
  $ pamctl sessions terminate --user bwilliams --yes --reason INC-4312
  $ pamctl sessions wait --user bwilliams --timeout 5m

  # wait for two sessions to end
  $ pamctl sessions wait 0f9c2d4e-1b7a-4c3e-9d2f-6a8b5c4d3e21 6e1f0a9b-2c3d-4e5f-8a7b-9c0d1e2f3a4b

  # tell me when bwilliams connects to db-prod-01
  $ pamctl sessions wait --for started --user bwilliams --asset db-prod-01 --timeout 8h

  # contained on every site of the config file
  $ pamctl sessions wait --user bwilliams --all-profiles --timeout 5m`,
		Args: cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.IDs = args
			if err := validate(cmd, opts); err != nil {
				return err
			}
			if runF != nil {
				return runF(opts)
			}
			return waitRun(cmd.Context(), opts)
		},
	}
	opts.Selector.AddFlags(cmd, f)
	fl := cmd.Flags()
	fl.StringVar(&opts.For, "for", ForEnded, "the condition: `ended` (no matching session Active) or started (one is)")
	fl.DurationVar(&opts.Timeout, "timeout", DefaultTimeout, "give up after this `duration` (exit 8)")
	fl.DurationVar(&opts.Interval, "interval", poll.DefaultInterval, "poll every `duration` (at least 1s)")
	cmdutil.AddFanOutFlags(cmd, &opts.FanOut)
	cmd.ValidArgsFunction = cmdutil.CompleteActiveSessionIDs(f)
	_ = cmd.RegisterFlagCompletionFunc("for", func(*cobra.Command, []string, string) ([]cobra.Completion, cobra.ShellCompDirective) {
		return []cobra.Completion{ForEnded, ForStarted}, cobra.ShellCompDirectiveNoFileComp
	})
	return cmd
}

func validate(cmd *cobra.Command, opts *WaitOptions) error {
	for _, id := range opts.IDs {
		if err := api.ValidateID("session", id); err != nil {
			return &cmdutil.FlagError{Err: err}
		}
	}
	if err := opts.Selector.Validate(cmd); err != nil {
		return err
	}
	opts.For = strings.ToLower(strings.TrimSpace(opts.For))
	switch opts.For {
	case ForEnded, ForStarted:
	default:
		return cmdutil.FlagErrorf("--for %q: want ended or started", opts.For)
	}
	switch {
	case len(opts.IDs) > 0 && opts.FanOut.Enabled():
		return cmdutil.FlagErrorf("session IDs belong to one site: with --profiles or --all-profiles select the sessions with --asset, --user or --channel")
	case len(opts.IDs) == 0 && opts.Selector.Empty():
		return cmdutil.FlagErrorf("name what to wait for: give session IDs, or select sessions with --asset, --user or --channel")
	case len(opts.IDs) > 0 && !opts.Selector.Empty():
		return cmdutil.FlagErrorf("give either session IDs or selector flags (--asset, --user, --channel), not both")
	case len(opts.IDs) > 0 && opts.For == ForStarted:
		return cmdutil.FlagErrorf("--for started waits for a new session, whose ID is not known yet: select it with --asset, --user or --channel")
	}
	if opts.Timeout <= 0 {
		return cmdutil.FlagErrorf("--timeout %s: want a positive duration such as 5m", opts.Timeout)
	}
	return poll.ValidateInterval(opts.Interval)
}

// state is what the last poll saw.
type state struct {
	sessions []api.Session // the final state: matching (selector) or named (IDs) sessions
	active   []string      // IDs still Active
	// rows are the sessions with their site, in a fan-out.
	rows []cmdutil.SiteRow[api.Session]
	// answered: a check was answered, so sessions and active are a state
	// the server gave; done: the last answered check met the condition.
	answered, done bool
}

func waitRun(ctx context.Context, opts *WaitOptions) error {
	out, err := opts.Output()
	if err != nil {
		return err
	}
	sites, err := cmdutil.SitesFor(opts.FanOut, opts.APIClient, opts.Sites)
	if err != nil {
		return err
	}
	clk := opts.Clock
	if clk == nil {
		clk = clock.Real{}
	}
	start := clk.Now()
	warn := func(s string) { fmt.Fprintln(opts.IO.ErrOut, s) }
	prog := &progress{w: opts.IO.ErrOut, on: opts.IO.IsStderrTTY()}

	var st state
	tick := bySites(sites, opts, &st, warn)
	if len(opts.IDs) > 0 {
		tick = byIDs(sites[0].Client, opts, &st) // IDs belong to one site (validate)
	}
	what := describe(opts)
	// A note from the loop starts on a line of its own.
	note := writerFunc(func(b []byte) (int, error) { prog.clear(); return opts.IO.ErrOut.Write(b) })
	loop := &poll.Loop{Clock: clk, Interval: opts.Interval, ErrOut: note, What: "the sessions",
		Deadline: start.Add(opts.Timeout), Jitter: opts.Jitter}
	err = loop.Run(ctx, func(ctx context.Context) (bool, error) {
		done, err := tick(ctx)
		if err == nil {
			st.answered, st.done = true, done
			prog.show(fmt.Sprintf("Waiting for %s: %s, %s elapsed (timeout %s)", what, remain(opts, &st), round(clk.Now().Sub(start)), opts.Timeout))
		}
		return done, err
	})
	prog.clear()
	elapsed := round(clk.Now().Sub(start))
	if errors.Is(err, poll.ErrDeadline) && st.done {
		// The check the deadline cut had answered: the condition holds.
		err = nil
	}
	switch {
	case err == nil:
		if perr := printFinal(opts, out, sites, &st); perr != nil {
			return perr
		}
		if opts.IO.IsStderrTTY() {
			fmt.Fprintf(opts.IO.ErrOut, "%s (after %s)\n", doneLine(opts, &st), elapsed)
		}
		return nil
	case errors.Is(err, poll.ErrDeadline):
		if perr := printFinal(opts, out, sites, &st); perr != nil {
			return perr
		}
		return timedOut(opts, &st, err)
	case ctx.Err() != nil:
		return &cmdutil.ExitError{Code: cmdutil.ExitCancelled, Err: err,
			Message: fmt.Sprintf("interrupted after %s: stopped waiting for %s", elapsed, what)}
	}
	return err
}

func printFinal(opts *WaitOptions, out output.Options, sites []cmdutil.Site, st *state) error {
	switch out.Format {
	case output.Table, output.Wide, "":
		return nil
	}
	rows := st.rows
	if rows == nil {
		rows = []cmdutil.SiteRow[api.Session]{}
		for _, s := range st.sessions {
			rows = append(rows, cmdutil.SiteRow[api.Session]{Item: s})
		}
	}
	return cmdutil.PrintSiteList(opts.IO.Out, out, sites, rows, shared.SessionColumns())
}
