// Package list implements `pamctl events list`: the site's Events Report.
package list

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/pamctl/pamctl/pkg/api"
	"github.com/pamctl/pamctl/pkg/clock"
	"github.com/pamctl/pamctl/pkg/cmdutil"
	"github.com/pamctl/pamctl/pkg/iostreams"
	"github.com/pamctl/pamctl/pkg/output"
	"github.com/pamctl/pamctl/pkg/poll"
)

// ListOptions are the inputs of events list.
type ListOptions struct {
	IO        *iostreams.IOStreams
	APIClient func() (*api.Client, error)
	Now       func() time.Time
	Output    func() (output.Options, error)
	Clock     clock.Clock
	Jitter    func(time.Duration) time.Duration

	Event    string
	Category string
	Since    string
	Until    string
	Limit    int
	Follow   bool
	Interval time.Duration
	Count    int

	from, to time.Time
}

// NewCmdList builds the command; runF replaces the run in tests.
func NewCmdList(f *cmdutil.Factory, runF func(*ListOptions) error) *cobra.Command {
	opts := &ListOptions{IO: f.IOStreams, APIClient: f.APIClient, Now: f.Now, Output: f.OutputOptions, Clock: f.Clock}
	cmd := &cobra.Command{
		Use:     "list [--event <name>] [--category <name>] [--since <duration|time>] [--until <time>] [--limit <n>]",
		Aliases: []string{"ls"},
		Short:   "List the Events Report, newest first",
		Long: `List the site's Events Report, newest first: what happened, when, and by
whom. A terminated session records Level Information, Category Operation,
Event "Terminate Session" and the message
"message=Session terminated, channel=<channel>".

--since and --until take a duration before now (30m, 2h, 3d, 1w) or a
time (2026-11-26T09:00:00Z, or 2026-11-26T09:00 and 2026-11-26 in local
time), as in sessions list. Reading the Events
Report needs the Administrator or Auditor site role.

--follow (-f) prints the matching events oldest first, then keeps polling
every --interval (at least 1s) and prints each new event once, as it
arrives, until Ctrl-C or --count new events (exit 0). On a terminal they
are table rows; otherwise (and with -o ndjson or -o json) one JSON object
a line. A server that does not answer is noted once on stderr and asked
again at the next interval; 401 and 403 end it (exit 3).`,
		Example: `  # terminations of the last hour
  $ pamctl events list --event "Terminate Session" --since 1h

  # every Operation event since a date, as JSON
  $ pamctl events list --category Operation --since 2026-11-26 -o json

  # print every termination as it happens, one JSON object a line
  $ pamctl events list --event "Terminate Session" --since 1h --follow -o ndjson`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			now := opts.Now()
			var err error
			if opts.Since != "" {
				if opts.from, err = cmdutil.ParseTimeFlag("since", opts.Since, now); err != nil {
					return err
				}
			}
			if opts.Until != "" {
				if opts.to, err = cmdutil.ParseTimeFlag("until", opts.Until, now); err != nil {
					return err
				}
			}
			if !opts.from.IsZero() && !opts.to.IsZero() && !opts.from.Before(opts.to) {
				return cmdutil.FlagErrorf("--since must be before --until")
			}
			if opts.Limit < 0 {
				return cmdutil.FlagErrorf("--limit %d: want 0 (all) or more", opts.Limit)
			}
			if err := validateFollow(cmd, opts); err != nil {
				return err
			}
			if runF != nil {
				return runF(opts)
			}
			if opts.Follow {
				return followRun(cmd.Context(), opts)
			}
			return listRun(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.Event, "event", "", "only events of this `name` (\"Terminate Session\", ...)")
	fl.StringVar(&opts.Category, "category", "", "only events of this `category` (Operation, ...)")
	fl.StringVar(&opts.Since, "since", "", "only events since a `duration` ago (1h, 7d) or a time")
	fl.StringVar(&opts.Until, "until", "", "only events before this `time`")
	fl.IntVar(&opts.Limit, "limit", 0, "at most `n` events (0: all; with --follow, of the events already there)")
	fl.BoolVarP(&opts.Follow, "follow", "f", false, "keep printing new events as they arrive, until Ctrl-C")
	fl.DurationVar(&opts.Interval, "interval", poll.DefaultInterval, "with --follow, poll every `duration` (at least 1s)")
	fl.IntVar(&opts.Count, "count", 0, "with --follow, stop after `n` new events (0: until Ctrl-C)")
	return cmd
}

func listRun(ctx context.Context, opts *ListOptions) error {
	o, err := opts.Output()
	if err != nil {
		return err
	}
	c, err := opts.APIClient()
	if err != nil {
		return err
	}
	evs, err := c.ListEvents(ctx, api.ListEventsParams{Event: opts.Event, Category: opts.Category, From: opts.from, To: opts.to, Limit: opts.Limit})
	if err != nil {
		if api.IsForbidden(err) {
			return &cmdutil.AuthError{Err: fmt.Errorf("the Events Report needs the Administrator or Auditor site role (HTTP 403)")}
		}
		return err
	}
	if evs == nil {
		evs = []api.Event{}
	}
	return output.PrintList(opts.IO.Out, o, evs, columns())
}

// columns are the Events Report's columns.
func columns() []output.Column[api.Event] {
	return []output.Column[api.Event]{
		{Header: "CREATED", Age: true, Value: func(e api.Event) any { return e.Created }},
		{Header: "LEVEL", Value: func(e api.Event) any { return e.Level }},
		{Header: "CATEGORY", Value: func(e api.Event) any { return e.Category }},
		{Header: "EVENT", Value: func(e api.Event) any { return e.Event }},
		{Header: "USER", Value: func(e api.Event) any { return e.User }},
		{Header: "ASSET", Value: func(e api.Event) any { return e.AssetName }},
		{Header: "MESSAGE", Value: func(e api.Event) any { return e.Message }},
		{Header: "SESSION ID", Wide: true, Value: func(e api.Event) any { return e.SessionID }},
		{Header: "ID", Wide: true, Value: func(e api.Event) any { return e.ID }},
	}
}
