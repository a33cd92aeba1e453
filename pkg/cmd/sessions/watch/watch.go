// Package watch implements `pamctl sessions watch`: who is connected, live.
// On a terminal the sessions table is redrawn in place with new and ended
// rows marked; anywhere else each change is one JSON object a line, so a
// SIEM or a shell loop can react to a session starting or ending.
package watch

import (
	"bytes"
	"context"
	"errors"
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
	// Site is the profile the session lives on, in a fan-out
	// (--profiles, --all-profiles); absent otherwise.
	Site    string      `json:"site,omitempty"`
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
	APIClient func() (*api.Client, error)
	Output    func() (output.Options, error)
	Clock     clock.Clock
	Jitter    func(time.Duration) time.Duration

	Selector    selector.Selector
	Interval    time.Duration
	ChangesOnly bool
	Count       int
	Timeout     time.Duration // 0: until Ctrl-C

	// FanOut is --profiles/--all-profiles; Sites builds their clients.
	FanOut cmdutil.FanOut
	Sites  func(cmdutil.FanOut) ([]cmdutil.Site, error)
}

// NewCmdWatch builds the command; runF replaces the run in tests.
func NewCmdWatch(f *cmdutil.Factory, runF func(*WatchOptions) error) *cobra.Command {
	opts := &WatchOptions{
		IO:        f.IOStreams,
		APIClient: f.APIClient,
		Output:    f.OutputOptions,
		Clock:     f.Clock,
		Sites:     f.Sites,
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
came, or when the server never answered. Here --timeout bounds the watch,
requests in flight included; the per-request timeout comes from
PAMCTL_TIMEOUT or the profile.

--profiles a,b or --all-profiles watches several sites (profiles of the
config file) at once, each read at every poll (4 at a time): every line
gains "site" (the profile's name) and the table a SITE column. A site
that does not answer is noted and asked again at the next interval; the
others' changes are still shown.`,
		Example: `  # who is connected to db-prod-01, live
  $ pamctl sessions watch --asset db-prod-01

  # a line per session that starts or ends, for a log pipeline
  $ pamctl sessions watch --changes-only -o ndjson >> sessions.log

  # stop at the first new session of bwilliams
  $ pamctl sessions watch --user bwilliams --changes-only --count 1 -o ndjson

  # what changes on web-01 in the next ten minutes
  $ pamctl sessions watch --asset web-01 --changes-only --timeout 10m -o ndjson

  # every session that starts or ends, on every site of the config file
  $ pamctl sessions watch --all-profiles --changes-only -o ndjson`,
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
	fl.DurationVar(&opts.Timeout, "timeout", 0, "stop after this `duration` (0: until Ctrl-C); exit 8 if fewer than --count changes came, or no answer")
	cmdutil.AddFanOutFlags(cmd, &opts.FanOut)
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
	clk := opts.Clock
	if clk == nil {
		clk = clock.Real{}
	}
	if table {
		out.TTY = true
		if out.Now == nil {
			out.Now = clk.Now
		}
	}
	loop := &poll.Loop{Clock: clk, Interval: opts.Interval, ErrOut: opts.IO.ErrOut, What: "the Sessions Report", Jitter: opts.Jitter}
	if opts.Timeout > 0 {
		loop.Deadline = clk.Now().Add(opts.Timeout)
	}
	sites, err := cmdutil.SitesFor(opts.FanOut, opts.APIClient, opts.Sites)
	if err != nil {
		return err
	}
	m := &multiWatcher{opts: opts, list: sites, one: cmdutil.One(sites)}
	var names []string
	for _, s := range sites {
		m.sites = append(m.sites, &watcher{opts: opts, c: s.Client, clk: clk, known: map[string]api.Session{}, site: s.Name, sel: opts.Selector})
		names = append(names, s.Name)
	}
	if table {
		server := "sites " + strings.Join(names, ", ")
		if m.one {
			server = sites[0].Client.Server()
		}
		m.draw = &screen{w: opts.IO.Out, out: out, server: server, what: &opts.Selector, interval: opts.Interval}
	}
	err = loop.Run(ctx, m.tick)
	return poll.Ended(ctx, err, opts.Timeout, opts.Count, m.seen, "change")
}

// multiWatcher watches the sites (one site is a fan-out of one): each has
// its own watcher (its own selector copy, known sessions and client),
// polled at once; their changes are emitted together, in site order, and
// --count counts them all.
type multiWatcher struct {
	opts  *WatchOptions
	sites []*watcher
	list  []cmdutil.Site // the sites, by index (a profile that cannot be used fails there)
	one   bool           // one site: no SITE column, its failure shown as is
	draw  *screen
	seen  int
}

func (m *multiWatcher) tick(ctx context.Context) (bool, error) {
	type polled struct {
		now     time.Time
		list    []api.Session
		changes []Change
	}
	res := make([]polled, len(m.sites))
	sites := m.list
	errs := cmdutil.ForEachSite(ctx, sites, func(ctx context.Context, i int, _ cmdutil.Site) error {
		var err error
		res[i].now, res[i].list, res[i].changes, err = m.sites[i].poll(ctx)
		return err
	})
	if m.one && errs[0] != nil {
		return false, cmdutil.SitesErr(sites, errs) // nothing answered: nothing to show
	}
	// The sites that answered are shown, whatever the others did: their
	// watchers have already taken this poll in.
	var now time.Time
	var list []siteSession
	var changes []Change
	for i, r := range res {
		if errs[i] != nil {
			continue
		}
		if r.now.After(now) {
			now = r.now
		}
		for _, s := range r.list {
			list = append(list, siteSession{site: m.sites[i].site, s: s})
		}
		changes = append(changes, r.changes...)
	}
	if m.opts.Count > 0 && m.seen+len(changes) > m.opts.Count {
		changes = changes[:m.opts.Count-m.seen]
	}
	m.seen += len(changes)
	if m.draw != nil {
		if now.IsZero() {
			now = m.sites[0].clk.Now().UTC()
		}
		if err := m.draw.render(now, list, changes, !m.one); err != nil {
			return false, err
		}
	} else {
		for _, ch := range changes {
			if err := output.WriteJSONLine(m.opts.IO.Out, ch); err != nil {
				return false, err
			}
		}
	}
	if err := errors.Join(errs...); err != nil {
		return false, err
	}
	return m.opts.Count > 0 && m.seen >= m.opts.Count, nil
}

// siteSession is a session and the site it is on ("" without a fan-out).
type siteSession struct {
	site string
	s    api.Session
}

type watcher struct {
	opts  *WatchOptions
	c     Client
	site  string            // the profile, in a fan-out; "" otherwise
	sel   selector.Selector // this site's copy: an asset resolves per site
	clk   clock.Clock
	known map[string]api.Session
	order []string // known IDs, first seen first
	polls int
}

// poll reads the selector once and returns what changed since the last
// poll (and remembers it), without showing anything.
func (w *watcher) poll(ctx context.Context) (time.Time, []api.Session, []Change, error) {
	warn := func(s string) { fmt.Fprintln(w.opts.IO.ErrOut, s) }
	if w.site != "" {
		warn = func(s string) { fmt.Fprintf(w.opts.IO.ErrOut, "site %s: %s\n", w.site, s) }
	}
	list, err := w.sel.Active(ctx, w.c, warn)
	if err != nil {
		return time.Time{}, nil, nil, err
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
		case err == nil && api.SameID(s.ID, id):
			final = *s
		case err != nil && !api.IsNotFound(err):
			return time.Time{}, nil, nil, err
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
	for i := range changes {
		changes[i].Site = w.site
	}
	return now, list, changes, nil
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

// row is a session, its site and its mark.
type row struct {
	mark string
	site string
	s    api.Session
}

// Marks of the first column.
const (
	markStarted = "+"
	markEnded   = "x"
	markUpdated = "~"
)

func (sc *screen) render(now time.Time, list []siteSession, changes []Change, sites bool) error {
	marks := map[string]string{}
	var ended []Change
	for _, ch := range changes {
		switch ch.Type {
		case TypeStarted:
			marks[ch.Site+"/"+ch.Session.ID] = markStarted
		case TypeUpdated:
			marks[ch.Site+"/"+ch.Session.ID] = markUpdated
		case TypeEnded:
			ended = append(ended, ch)
		}
	}
	rows := make([]row, 0, len(list)+len(ended))
	for _, s := range list {
		m := marks[s.site+"/"+s.s.ID]
		if m == "" {
			m = " "
		}
		rows = append(rows, row{mark: m, site: s.site, s: s.s})
	}
	for _, ch := range ended {
		rows = append(rows, row{mark: markEnded, site: ch.Site, s: ch.Session})
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
		if sites {
			cols = append(cols, output.Column[row]{Header: "SITE", Value: func(r row) any { return r.site }})
		}
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
