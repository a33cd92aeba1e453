// Package list implements `pamctl events list`: the site's Events Report.
package list

import (
	"context"
	"fmt"
	"sort"
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
	// Timeout bounds the whole follow (0: until Ctrl-C); without
	// --follow it is the per-request timeout, as everywhere.
	Timeout time.Duration

	// FanOut is --profiles/--all-profiles; Sites builds their clients.
	FanOut cmdutil.FanOut
	Sites  func(cmdutil.FanOut) ([]cmdutil.Site, error)

	from, to time.Time
}

// NewCmdList builds the command; runF replaces the run in tests.
func NewCmdList(f *cmdutil.Factory, runF func(*ListOptions) error) *cobra.Command {
	opts := &ListOptions{IO: f.IOStreams, APIClient: f.APIClient, Now: f.Now, Output: f.OutputOptions, Clock: f.Clock, Sites: f.Sites}
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
arrives, until Ctrl-C, --count new events (exit 0) or --timeout. On a
terminal they are table rows; otherwise (and with -o ndjson or -o json)
one JSON object a line. A server that does not answer is noted once on
stderr and asked again at the next interval; 401 and 403 end it (exit 3).
With --follow, --timeout bounds the whole follow, requests in flight
included: then exit 0, or 8 when --count events were asked for and fewer
came, or when the server never answered; the per-request timeout comes
from PAMCTL_TIMEOUT or the profile. Without --follow, --timeout is the
per-request timeout, as in every command.

--profiles a,b or --all-profiles reads the Events Report of several sites
(profiles of the config file), up to 4 at a time, merged newest first:
every row gains a SITE column first ("site" in JSON, the profile's name);
--limit bounds the merged list. A site that fails is named on its own
stderr line ("pamctl: site NAME: ...") and the others are still printed;
the exit code is then 1. Not with --follow.`,
		Example: `  # terminations of the last hour
  $ pamctl events list --event "Terminate Session" --since 1h

  # every Operation event since a date, as JSON
  $ pamctl events list --category Operation --since 2026-11-26 -o json

  # print every termination as it happens, one JSON object a line
  $ pamctl events list --event "Terminate Session" --since 1h --follow -o ndjson

  # the next termination within ten minutes, or exit 8
  $ pamctl events list --event "Terminate Session" --follow --count 1 --timeout 10m

  # terminations of the day on every site of the config file
  $ pamctl events list --event "Terminate Session" --since 1d --all-profiles`,
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
			if err := perRequestTimeout(cmd, opts); err != nil {
				return err
			}
			if opts.Follow && opts.FanOut.Enabled() {
				return cmdutil.FlagErrorf("--follow reads one site: drop --profiles/--all-profiles, or run one follow per profile (--profile NAME)")
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
	fl.DurationVar(&opts.Timeout, "timeout", 0, "with --follow, stop after this `duration` (0: until Ctrl-C; exit 8 if fewer than --count came); else the per-request timeout")
	cmdutil.AddFanOutFlags(cmd, &opts.FanOut)
	return cmd
}

func listRun(ctx context.Context, opts *ListOptions) error {
	o, err := opts.Output()
	if err != nil {
		return err
	}
	sites, err := cmdutil.SitesFor(opts.FanOut, opts.APIClient, opts.Sites)
	if err != nil {
		return err
	}
	rows, errs, err := cmdutil.ListSites(ctx, sites, func(ctx context.Context, s cmdutil.Site) ([]api.Event, error) {
		return fetch(ctx, s.Client, opts)
	})
	if err != nil {
		return err
	}
	if !cmdutil.One(sites) {
		// Merged newest first (a tie keeps the profile order), then
		// --limit over them all; one site's come in the server's order.
		sort.SliceStable(rows, func(a, b int) bool { return rows[a].Item.Created.After(rows[b].Item.Created.Time) })
		if opts.Limit > 0 && len(rows) > opts.Limit {
			rows = rows[:opts.Limit]
		}
	}
	cmdutil.PrintSiteErrors(opts.IO.ErrOut, errs)
	if err := cmdutil.PrintSiteList(opts.IO.Out, o, sites, rows, columns()); err != nil {
		return err
	}
	return cmdutil.FailedSites(cmdutil.ExitFailure, errs, "their events are not listed")
}

// fetch reads one site's Events Report as the flags ask.
func fetch(ctx context.Context, c *api.Client, opts *ListOptions) ([]api.Event, error) {
	evs, err := c.ListEvents(ctx, api.ListEventsParams{Event: opts.Event, Category: opts.Category, From: opts.from, To: opts.to, Limit: opts.Limit})
	if err != nil {
		if api.IsForbidden(err) {
			return nil, &cmdutil.AuthError{Err: fmt.Errorf("the Events Report needs the Administrator or Auditor site role (HTTP 403)")}
		}
		return nil, err
	}
	if evs == nil {
		evs = []api.Event{}
	}
	return evs, nil
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
