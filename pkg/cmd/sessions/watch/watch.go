// Package watch implements `pamctl sessions watch`: who is connected, live.
// On a terminal the sessions table is redrawn in place with new and ended
// rows marked; anywhere else each change is one JSON object a line, so a
// SIEM or a shell loop can react to a session starting or ending.
package watch

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"slices"
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
	"github.com/pamctl/pamctl/pkg/text"
)

// Change types, the "type" of a line.
const (
	TypeActive  = "active"  // there when the watch started
	TypeStarted = "started" // appeared since the last poll
	TypeEnded   = "ended"   // no longer Active (or no longer matching)
	TypeUpdated = "updated" // a field of a known session changed
)

// Change is one line of the stream.
type Change struct {
	Type    string      `json:"type"`
	Time    string      `json:"time"`
	Session api.Session `json:"session"`
}

// Client is the part of the API client watch uses.
type Client interface {
	selector.Client
	GetSession(ctx context.Context, id string) (*api.Session, error)
	Server() string
}

// WatchOptions are the inputs of sessions watch.
type WatchOptions struct {
	IO        *iostreams.IOStreams
	APIClient func() (Client, error)
	Output    func() (output.Options, error)
	Clock     clock.Clock
	Jitter    func(time.Duration) time.Duration

	Selector    selector.Selector
	Interval    time.Duration
	ChangesOnly bool
	Count       int
	Timeout     time.Duration // 0: until Ctrl-C
}

// NewCmdWatch builds the command; runF replaces the run in tests.
func NewCmdWatch(f *cmdutil.Factory, runF func(*WatchOptions) error) *cobra.Command {
	opts := &WatchOptions{
		IO:        f.IOStreams,
		APIClient: func() (Client, error) { return f.APIClient() },
		Output:    f.OutputOptions,
		Clock:     f.Clock,
	}
	cmd := &cobra.Command{
		Use:   "watch [--asset <name|id>] [--user <name>] [--channel <channel>] [--interval <duration>] [--changes-only] [--count <n>]",
		Short: "Watch who is connected, live",
		Long: `Poll the Active sessions (site-wide, or those the selector flags match)
every --interval (at least 1s) and show what changes.

On a terminal: the sessions table, redrawn in place, under a header naming
the server and the time of the last refresh; rows of sessions that started
since the last refresh are marked +, those that ended x (shown once), those
whose fields changed ~.

Otherwise, and with -o ndjson (or -o json), one JSON object a line per
change, written as it happens:

  {"type":"started","time":"2026-11-26T10:00:05Z","session":{...}}

type is active (a session already there when the watch started; left out
with --changes-only), started, ended (no longer Active, with its final
state when the server still has it) or updated (a field of a known session
changed). time is when pamctl saw the change.

A server that does not answer is noted once on stderr and asked again at
the next interval; 401 and 403 end the watch (exit 3). It runs until
Ctrl-C (exit 0), until --count changes were seen (exit 0), or for
--timeout: then exit 0, or 8 when --count changes were asked for and fewer
came. Here --timeout bounds the watch; the per-request timeout comes from
PAMCTL_TIMEOUT or the profile.`,
		Example: `  # who is connected to db-prod-01, live
  $ pamctl sessions watch --asset db-prod-01

  # a line per session that starts or ends, for a log pipeline
  $ pamctl sessions watch --changes-only -o ndjson >> sessions.log

  # stop at the first new session of bwilliams
  $ pamctl sessions watch --user bwilliams --changes-only --count 1 -o ndjson

  # what changes on web-01 in the next ten minutes
  $ pamctl sessions watch --asset web-01 --changes-only --timeout 10m -o ndjson`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := opts.Selector.Validate(cmd); err != nil {
				return err
			}
			if err := poll.ValidateInterval(opts.Interval); err != nil {
				return err
			}
			if opts.Count < 0 {
				return cmdutil.FlagErrorf("--count %d: want 0 (no limit) or more", opts.Count)
			}
			if opts.Timeout < 0 {
				return cmdutil.FlagErrorf("--timeout %s: want a positive duration, or 0 for no limit", opts.Timeout)
			}
			if runF != nil {
				return runF(opts)
			}
			return watchRun(cmd.Context(), opts)
		},
	}
	opts.Selector.AddFlags(cmd, f)
	fl := cmd.Flags()
	fl.DurationVar(&opts.Interval, "interval", poll.DefaultInterval, "poll every `duration` (at least 1s)")
	fl.BoolVar(&opts.ChangesOnly, "changes-only", false, "leave out the sessions already active at the start")
	fl.IntVar(&opts.Count, "count", 0, "stop after `n` changes (0: until Ctrl-C)")
	fl.DurationVar(&opts.Timeout, "timeout", 0, "stop after this `duration` (0: until Ctrl-C); with --count, exit 8 if fewer changes came")
	_ = cmd.RegisterFlagCompletionFunc("count", cobra.NoFileCompletions)
	_ = cmd.RegisterFlagCompletionFunc("interval", cobra.NoFileCompletions)
	return cmd
}

func watchRun(ctx context.Context, opts *WatchOptions) error {
	out, err := opts.Output()
	if err != nil {
		return err
	}
	table, err := cmdutil.LiveTable(out, "sessions watch")
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
	w := &watcher{opts: opts, c: c, clk: clk, known: map[string]api.Session{}}
	if table {
		out.TTY = true
		if out.Now == nil {
			out.Now = clk.Now
		}
		w.draw = &screen{w: opts.IO.Out, out: out, server: c.Server(), what: &opts.Selector, interval: opts.Interval}
	}
	loop := &poll.Loop{Clock: clk, Interval: opts.Interval, ErrOut: opts.IO.ErrOut, What: "the Sessions Report", Jitter: opts.Jitter}
	if opts.Timeout > 0 {
		loop.Deadline = clk.Now().Add(opts.Timeout)
	}
	err = loop.Run(ctx, w.tick)
	return poll.Ended(ctx, err, opts.Timeout, opts.Count, w.seen, "changes")
}

type watcher struct {
	opts  *WatchOptions
	c     Client
	clk   clock.Clock
	draw  *screen
	known map[string]api.Session
	order []string // known IDs, first seen first
	polls int
	seen  int // changes emitted, for --count
}

func (w *watcher) tick(ctx context.Context) (bool, error) {
	warn := func(s string) { fmt.Fprintln(w.opts.IO.ErrOut, s) }
	list, err := w.opts.Selector.Active(ctx, w.c, warn)
	if err != nil {
		return false, err
	}
	first := w.polls == 0
	var changes []Change
	now := w.clk.Now().UTC()
	stamp := now.Format(time.RFC3339)
	cur := make(map[string]bool, len(list))
	for _, s := range list {
		if cur[s.ID] {
			continue
		}
		cur[s.ID] = true
		old, ok := w.known[s.ID]
		switch {
		case first && !w.opts.ChangesOnly:
			changes = append(changes, Change{Type: TypeActive, Time: stamp, Session: s})
		case first:
		case !ok:
			changes = append(changes, Change{Type: TypeStarted, Time: stamp, Session: s})
		case changed(old, s):
			changes = append(changes, Change{Type: TypeUpdated, Time: stamp, Session: s})
		}
	}
	for _, id := range w.order {
		if cur[id] {
			continue
		}
		final := w.known[id]
		s, err := w.c.GetSession(ctx, id)
		switch {
		case err == nil && strings.EqualFold(s.ID, id):
			final = *s
		case err != nil && !api.IsNotFound(err):
			return false, err
		}
		changes = append(changes, Change{Type: TypeEnded, Time: stamp, Session: final})
	}
	// The poll succeeded as a whole: now remember and show it.
	w.polls++
	next := map[string]api.Session{}
	var order []string
	for _, id := range w.order {
		if cur[id] {
			order = append(order, id)
		}
	}
	for _, s := range list {
		if _, ok := w.known[s.ID]; !ok && !slices.Contains(order, s.ID) {
			order = append(order, s.ID)
		}
		next[s.ID] = s
	}
	w.known, w.order = next, order
	if w.opts.Count > 0 && w.seen+len(changes) > w.opts.Count {
		changes = changes[:w.opts.Count-w.seen]
	}
	w.seen += len(changes)
	if w.draw != nil {
		if err := w.draw.render(now, list, changes); err != nil {
			return false, err
		}
	} else {
		for _, ch := range changes {
			if err := output.WriteJSONLine(w.opts.IO.Out, ch); err != nil {
				return false, err
			}
		}
	}
	return w.opts.Count > 0 && w.seen >= w.opts.Count, nil
}

// changed reports a difference in a field the Sessions Report shows.
func changed(a, b api.Session) bool {
	return a.State != b.State || a.User != b.User || a.AssetID != b.AssetID || a.AssetName != b.AssetName ||
		!a.Created.Equal(b.Created.Time) || !a.Updated.Equal(b.Updated.Time) || !a.Completed.Equal(b.Completed.Time) ||
		!slices.Equal(a.Channels, b.Channels)
}

// screen redraws the table on a terminal.
type screen struct {
	w        io.Writer
	out      output.Options
	server   string
	what     *selector.Selector
	interval time.Duration
}

// row is a session and its mark.
type row struct {
	mark string
	s    api.Session
}

// Marks of the first column.
const (
	markStarted = "+"
	markEnded   = "x"
	markUpdated = "~"
)

func (sc *screen) render(now time.Time, list []api.Session, changes []Change) error {
	marks := map[string]string{}
	var ended []api.Session
	for _, ch := range changes {
		switch ch.Type {
		case TypeStarted:
			marks[ch.Session.ID] = markStarted
		case TypeUpdated:
			marks[ch.Session.ID] = markUpdated
		case TypeEnded:
			ended = append(ended, ch.Session)
		}
	}
	rows := make([]row, 0, len(list)+len(ended))
	for _, s := range list {
		m := marks[s.ID]
		if m == "" {
			m = " "
		}
		rows = append(rows, row{mark: m, s: s})
	}
	for _, s := range ended {
		rows = append(rows, row{mark: markEnded, s: s})
	}
	var b bytes.Buffer
	// Clear the screen and home the cursor: stdout is a terminal here.
	b.WriteString("\x1b[H\x1b[2J")
	fmt.Fprintf(&b, "Active %s on %s\n", sc.what.Describe(), text.Safe(sc.server))
	fmt.Fprintf(&b, "Last refresh %s, every %s; + started, x ended, ~ changed; Ctrl-C to stop\n\n", now.UTC().Format(time.RFC3339), sc.interval)
	if len(rows) == 0 {
		b.WriteString("No active sessions\n")
	} else {
		cols := []output.Column[row]{{Header: " ", Value: func(r row) any { return r.mark }}}
		for _, c := range shared.SessionColumns() {
			v := c.Value
			cols = append(cols, output.Column[row]{Header: c.Header, Wide: c.Wide, Age: c.Age, Value: func(r row) any { return v(r.s) }})
		}
		if err := output.PrintList(&b, sc.out, rows, cols); err != nil {
			return err
		}
	}
	_, err := sc.w.Write(b.Bytes())
	return err
}
