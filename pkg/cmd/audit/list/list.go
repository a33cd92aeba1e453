// Package list implements `pamctl audit list`: the local audit journal,
// newest first, read backwards in blocks so memory stays bounded.
package list

import (
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/pamctl/pamctl/pkg/audit"
	"github.com/pamctl/pamctl/pkg/cmd/audit/shared"
	"github.com/pamctl/pamctl/pkg/cmdutil"
	"github.com/pamctl/pamctl/pkg/iostreams"
	"github.com/pamctl/pamctl/pkg/output"
	"github.com/pamctl/pamctl/pkg/text"
)

// page is how many rows go to the output at a time.
const page = 256

// ListOptions are the inputs of audit list.
type ListOptions struct {
	IO        *iostreams.IOStreams
	Output    func() (output.Options, error)
	LookupEnv func(string) (string, bool)
	Now       func() time.Time
	// Dir resolves relative paths (--journal): cmdutil.InDir.
	Dir string
	// ProfileServer is the server of the profile --profile names ("" when
	// --profile is not given).
	ProfileServer func() (string, error)

	Journal                              string
	Since, Until                         string
	Reason, User, Asset, Session, Result string
	Limit                                int
	filter                               shared.Filter
}

// NewCmdList builds the command; runF replaces the run in tests.
func NewCmdList(f *cmdutil.Factory, runF func(*ListOptions) error) *cobra.Command {
	opts := &ListOptions{IO: f.IOStreams, Output: f.OutputOptions, LookupEnv: f.LookupEnv, Dir: f.Dir, Now: f.Now,
		ProfileServer: func() (string, error) { return profileServer(f) }}
	cmd := &cobra.Command{
		Use:     "list [--since <duration|time>] [--until <time>] [--reason <text>] [--user <name>] [--asset <name>] [--session <id>] [--result <result>] [--journal <path>]",
		Aliases: []string{"ls"},
		Short:   "List the audit journal, newest first",
		Long: `List the lines of the local audit journal, newest first: when, who ran
pamctl, against which site, which session (user, asset), what came back,
whether it was verified, and why (--reason).

--since and --until take a duration before now (30m, 2h, 3d, 1w) or a time,
as in sessions list. --reason matches a substring (an incident number);
--user, --asset, --session and --result match whole values, ignoring ASCII
case. --profile NAME keeps the lines about that profile's server. --limit
stops after n lines.

The journal is read backwards from its end, across its rotated files, so
the newest lines come first at any size; json, ndjson and csv stream in
bounded memory (a table must see its rows before printing them: use
--limit on a large journal). Lines that are not whole journal lines (torn
by a crash, or edited by hand) are skipped, and counted on stderr when
they could have matched the filters: audit verify names them all.`,
		Example: `  # what was done for an incident
  $ pamctl audit list --reason INC-4312

  # the last day's terminations of one user, as JSON
  $ pamctl audit list --user bwilliams --since 1d --result terminated -o json

  # a colleague's copy of the journal
  $ pamctl audit list --journal ./alice-audit.jsonl --limit 20`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := opts.complete(); err != nil {
				return err
			}
			if runF != nil {
				return runF(opts)
			}
			return listRun(opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.Since, "since", "", "only lines since a `duration` ago (1h, 7d) or a time")
	fl.StringVar(&opts.Until, "until", "", "only lines before this `time`")
	fl.StringVar(&opts.Reason, "reason", "", "only lines whose reason contains `text`")
	fl.StringVar(&opts.User, "user", "", "only lines about this `user`")
	fl.StringVar(&opts.Asset, "asset", "", "only lines about this `asset`")
	fl.StringVar(&opts.Session, "session", "", "only lines about this session `id`")
	fl.StringVar(&opts.Result, "result", "", "only lines with this `result` (terminated, failed, unknown, ...)")
	fl.IntVar(&opts.Limit, "limit", 0, "at most `n` lines (0: all)")
	shared.AddJournalFlag(cmd, &opts.Journal)
	return cmd
}

// profileServer is the server of the profile the global --profile flag
// names, when it is given.
func profileServer(f *cmdutil.Factory) (string, error) {
	fl := f.Flags()
	if fl.Changed == nil || !fl.Changed("profile") {
		return "", nil
	}
	c, err := f.Config()
	if err != nil {
		return "", err
	}
	p, ok := c.Profile(fl.Profile)
	if !ok || p.Server == "" {
		return "", cmdutil.FlagErrorf("--profile %q: no such profile with a server in %s", fl.Profile, c.Path())
	}
	return p.Server, nil
}

func (opts *ListOptions) complete() error {
	now := opts.Now()
	var err error
	if opts.Since != "" {
		if opts.filter.Since, err = cmdutil.ParseTimeFlag("since", opts.Since, now); err != nil {
			return err
		}
	}
	if opts.Until != "" {
		if opts.filter.Until, err = cmdutil.ParseTimeFlag("until", opts.Until, now); err != nil {
			return err
		}
	}
	if !opts.filter.Since.IsZero() && !opts.filter.Until.IsZero() && !opts.filter.Since.Before(opts.filter.Until) {
		return cmdutil.FlagErrorf("--since must be before --until")
	}
	if opts.Limit < 0 {
		return cmdutil.FlagErrorf("--limit %d: want 0 (all) or more", opts.Limit)
	}
	f := &opts.filter
	f.Reason, f.User, f.Asset, f.Session, f.Result = opts.Reason, opts.User, opts.Asset, opts.Session, opts.Result
	if opts.ProfileServer != nil {
		if f.Server, err = opts.ProfileServer(); err != nil {
			return err
		}
	}
	return nil
}

func listRun(opts *ListOptions) error {
	o, err := opts.Output()
	if err != nil {
		return err
	}
	path, name, err := shared.JournalPath(opts.Dir, opts.Journal, opts.LookupEnv)
	if err != nil {
		return err
	}
	lw := output.NewListWriter(opts.IO.Out, o, shared.Columns())
	rows := make([]shared.Row, 0, page)
	n, skipped := 0, 0
	var buf []byte
	quick := func(raw []byte) bool { return opts.filter.Quick(raw, &buf) }
	err = audit.ScanBackwardWhere(path, quick, func(l *audit.Line) error {
		if !l.OK {
			skipped++
			return nil
		}
		if !opts.filter.Match(&l.Entry) {
			return nil
		}
		rows = append(rows, shared.NewRow(l.Entry))
		n++
		if len(rows) == page {
			if err := lw.Write(rows); err != nil {
				return err
			}
			rows = rows[:0]
		}
		if opts.Limit > 0 && n >= opts.Limit {
			return audit.ErrStop
		}
		return nil
	})
	missing := errors.Is(err, os.ErrNotExist) && opts.Journal == ""
	if err != nil && !missing {
		_ = lw.Close() // JSON stays parseable
		return shared.ReadError(name, err)
	}
	if err := lw.Write(rows); err != nil {
		return err
	}
	if err := lw.Close(); err != nil {
		return err
	}
	switch {
	case missing:
		fmt.Fprintf(opts.IO.ErrOut, "No audit journal at %s yet: pamctl writes it when a terminate run acts on a session.\n", name)
	case skipped > 0:
		fmt.Fprintf(opts.IO.ErrOut, "Skipped %s of %s (not a whole journal line): run pamctl audit verify.\n", text.Plural(skipped, "line"), name)
	case opts.IO.IsStderrTTY():
		fmt.Fprintf(opts.IO.ErrOut, "Journal: %s (%s shown)\n", name, text.Plural(n, "line"))
	}
	return nil
}
