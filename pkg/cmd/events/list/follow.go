package list

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/spf13/cobra"

	"github.com/pamctl/pamctl/pkg/api"
	"github.com/pamctl/pamctl/pkg/clock"
	"github.com/pamctl/pamctl/pkg/cmdutil"
	"github.com/pamctl/pamctl/pkg/output"
	"github.com/pamctl/pamctl/pkg/poll"
)

// maxRemembered bounds the event IDs --follow keeps to print each event
// once: only those created in the newest second seen are needed (the next
// poll asks from that second on), so this is a guard, not a window.
const maxRemembered = 10_000

func validateFollow(cmd *cobra.Command, opts *ListOptions) error {
	if !opts.Follow {
		for _, name := range []string{"interval", "count"} {
			if cmd.Flags().Changed(name) {
				return cmdutil.FlagErrorf("--%s needs --follow", name)
			}
		}
		return nil
	}
	if opts.Until != "" {
		return cmdutil.FlagErrorf("--until ends the report and --follow prints what comes next: use one or the other")
	}
	if opts.Count < 0 {
		return cmdutil.FlagErrorf("--count %d: want 0 (until Ctrl-C) or more", opts.Count)
	}
	return poll.ValidateInterval(opts.Interval)
}

// perRequestTimeout gives --timeout its meaning. The local flag shadows
// the global per-request --timeout: with --follow it bounds the whole
// follow; without, it is handed to the global flag, so `events list
// --timeout 5s` means what it means in every other command.
func perRequestTimeout(cmd *cobra.Command, opts *ListOptions) error {
	if !cmd.Flags().Changed("timeout") {
		return nil
	}
	if opts.Timeout < 0 || !opts.Follow && opts.Timeout == 0 {
		return cmdutil.FlagErrorf("--timeout %s: want a positive duration such as 30s (with --follow, 0 is no limit)", opts.Timeout)
	}
	if opts.Follow {
		return nil
	}
	if global := cmd.Root().PersistentFlags().Lookup("timeout"); global != nil {
		return global.Value.Set(opts.Timeout.String())
	}
	return nil
}

// dedup remembers the events already printed.
type dedup struct {
	newest time.Time            // the newest created seen
	seen   map[string]time.Time // key -> created
}

func eventKey(e *api.Event) string {
	if e.ID != "" {
		return "id:" + e.ID
	}
	return fmt.Sprintf("%s|%s|%s|%s|%s", e.Created, e.Event, e.User, e.SessionID, e.Message)
}

// fresh returns the events of a poll not printed before, oldest first, and
// remembers them. Events created before from (a server ignoring the
// parameter) are not new.
func (d *dedup) fresh(evs []api.Event, from time.Time) []api.Event {
	var out []api.Event
	for i := range evs {
		e := &evs[i]
		if !from.IsZero() && e.Created.Before(from) {
			continue
		}
		k := eventKey(e)
		if _, ok := d.seen[k]; ok {
			continue
		}
		d.seen[k] = e.Created.Time
		out = append(out, *e)
		if e.Created.After(d.newest) {
			d.newest = e.Created.Time
		}
	}
	// The report is newest first; a stream reads oldest first.
	slices.SortStableFunc(out, func(a, b api.Event) int { return a.Created.Compare(b.Created.Time) })
	// Only the newest second can come back: the next poll starts there.
	cut := d.since()
	for k, t := range d.seen {
		if t.Before(cut) || len(d.seen) > maxRemembered {
			delete(d.seen, k)
		}
	}
	return out
}

// since is the next poll's from: the newest second seen (the API's times
// have second resolution, so the overlap is that second).
func (d *dedup) since() time.Time { return d.newest.Truncate(time.Second) }

func followRun(ctx context.Context, opts *ListOptions) error {
	out, err := opts.Output()
	if err != nil {
		return err
	}
	table, err := cmdutil.LiveTable(out, "events list --follow")
	if err != nil {
		return err
	}
	c, err := opts.APIClient()
	if err != nil {
		return err
	}
	clk := opts.Clock
	if clk == nil {
		clk = clock.Real{}
	}
	// Ages go stale in a stream: times are absolute.
	cols := columns()
	for i := range cols {
		cols[i].Age = false
	}
	d := &dedup{seen: map[string]time.Time{}}
	polls, printed := 0, 0
	p := api.ListEventsParams{Event: opts.Event, Category: opts.Category, From: opts.from, Limit: opts.Limit}
	tick := func(ctx context.Context) (bool, error) {
		if polls > 0 {
			p.Limit = 0
			if !d.newest.IsZero() {
				p.From = d.since()
			}
		}
		evs, err := c.ListEvents(ctx, p)
		if err != nil {
			if api.IsForbidden(err) {
				return false, &cmdutil.AuthError{Err: fmt.Errorf("the Events Report needs the Administrator or Auditor site role (HTTP 403)")}
			}
			return false, err
		}
		from := time.Time{}
		if polls > 0 {
			from = p.From
		}
		news := d.fresh(evs, from)
		if polls > 0 && opts.Count > 0 && printed+len(news) > opts.Count {
			news = news[:opts.Count-printed]
		}
		if table {
			o := out
			o.NoHeaders = out.NoHeaders || polls > 0
			if len(news) > 0 || polls == 0 {
				if news == nil {
					news = []api.Event{}
				}
				if err := output.PrintList(opts.IO.Out, o, news, cols); err != nil {
					return false, err
				}
			}
		} else {
			for i := range news {
				if err := output.WriteJSONLine(opts.IO.Out, &news[i]); err != nil {
					return false, err
				}
			}
		}
		if polls > 0 {
			printed += len(news)
		}
		polls++
		return opts.Count > 0 && printed >= opts.Count, nil
	}
	loop := &poll.Loop{Clock: clk, Interval: opts.Interval, ErrOut: opts.IO.ErrOut, What: "the Events Report", Jitter: opts.Jitter}
	if opts.Timeout > 0 {
		loop.Deadline = clk.Now().Add(opts.Timeout)
	}
	err = loop.Run(ctx, tick)
	return poll.Ended(ctx, err, opts.Timeout, opts.Count, printed, "new event")
}
