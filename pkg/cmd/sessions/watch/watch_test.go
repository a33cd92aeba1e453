package watch

import (
	"bytes"
	"context"
	"encoding/json"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pamctl/pamctl/pkg/api"
	"github.com/pamctl/pamctl/pkg/clock"
	"github.com/pamctl/pamctl/pkg/cmd/sessions/selector"
	"github.com/pamctl/pamctl/pkg/cmdutil"
	"github.com/pamctl/pamctl/pkg/httpmock"
	"github.com/pamctl/pamctl/pkg/iostreams"
	"github.com/pamctl/pamctl/pkg/output"
	"github.com/pamctl/pamctl/pkg/poll"
)

var t0 = time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)

const (
	idA = "11111111-1111-4111-8111-00000000000a"
	idB = "11111111-1111-4111-8111-00000000000b"
)

func TestNewCmdWatch(t *testing.T) {
	tests := []struct {
		name    string
		args    string
		want    WatchOptions
		wantErr string
	}{
		{name: "defaults", args: "", want: WatchOptions{Interval: 5 * time.Second}},
		{name: "everything", args: "--user bwilliams --asset db-prod-01 --channel SSH --interval 1s --changes-only --count 3 --timeout 1m",
			want: WatchOptions{Interval: time.Second, ChangesOnly: true, Count: 3, Timeout: time.Minute}},
		{name: "interval below the floor", args: "--interval 500ms", wantErr: "--interval 500ms: want at least 1s"},
		{name: "negative count", args: "--count -1", wantErr: "--count -1"},
		{name: "negative timeout", args: "--timeout -1s", wantErr: "--timeout -1s"},
		{name: "blank user", args: "--user=", wantErr: "--user is empty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ios, _, _, _ := iostreams.Test()
			var got *WatchOptions
			cmd := NewCmdWatch(&cmdutil.Factory{IOStreams: ios}, func(o *WatchOptions) error { got = o; return nil })
			cmd.SetArgs(strings.Fields(tt.args))
			cmd.SetOut(&bytes.Buffer{})
			cmd.SetErr(&bytes.Buffer{})
			_, err := cmd.ExecuteC()
			if tt.wantErr != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.wantErr)
				var fe *cmdutil.FlagError
				assert.ErrorAs(t, err, &fe)
				assert.Nil(t, got)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want.Interval, got.Interval)
			assert.Equal(t, tt.want.ChangesOnly, got.ChangesOnly)
			assert.Equal(t, tt.want.Count, got.Count)
			assert.Equal(t, tt.want.Timeout, got.Timeout)
		})
	}
	ios, _, _, _ := iostreams.Test()
	cmd := NewCmdWatch(&cmdutil.Factory{IOStreams: ios}, func(*WatchOptions) error { return nil })
	cmd.SetArgs([]string{"extra"})
	cmd.SetOut(&bytes.Buffer{})
	cmd.SetErr(&bytes.Buffer{})
	assert.Error(t, cmd.Execute(), "no arguments")
}

func sess(id, user, state, updated string) map[string]any {
	return map[string]any{"id": id, "assetId": "22222222-2222-4222-8222-000000000001", "assetName": "db-prod-01", "user": user,
		"created": "2026-11-26T09:00:00Z", "updated": updated, "state": state, "channels": []string{"SSH"}}
}

func page(items ...map[string]any) map[string]any {
	if items == nil {
		items = []map[string]any{}
	}
	return map[string]any{"total": len(items), "offset": 0, "limit": 100, "items": items}
}

var listSessions = httpmock.REST("GET", "/api/session/list")

type fixture struct {
	opts        *WatchOptions
	reg         *httpmock.Registry
	out, errOut *bytes.Buffer
}

func setup(t *testing.T, format output.Format, tty bool) *fixture {
	reg := &httpmock.Registry{}
	t.Cleanup(func() { reg.Verify(t) })
	ios, _, out, errOut := iostreams.Test()
	ios.SetStdoutTTY(tty)
	clk := clock.NewAuto(t0)
	return &fixture{reg: reg, out: out, errOut: errOut, opts: &WatchOptions{
		IO: ios,
		APIClient: func() (*api.Client, error) {
			return api.New(api.Options{Server: "https://pam.example.test/ztna/acme/root", Token: "tok-8c2e41d7", Transport: reg, MaxTries: 1})
		},
		Output:   func() (output.Options, error) { return output.Options{Format: format, TTY: tty, Now: clk.Now}, nil },
		Clock:    clk,
		Jitter:   poll.NoJitter,
		Interval: 5 * time.Second,
	}}
}

// comings and goings: A there at the start; B starts; A ends and B
// changes; B ends and is gone from the server.
func (fx *fixture) comingsAndGoings() {
	fx.reg.Register("A", listSessions, httpmock.JSONResponse(200, page(sess(idA, "ann", "Active", "2026-11-26T09:00:00Z"))))
	fx.reg.Register("A B", listSessions, httpmock.JSONResponse(200, page(sess(idB, "bob", "Active", "2026-11-26T10:00:03Z"), sess(idA, "ann", "Active", "2026-11-26T09:00:00Z"))))
	fx.reg.Register("B'", listSessions, httpmock.JSONResponse(200, page(sess(idB, "bob", "Active", "2026-11-26T10:00:09Z"))))
	fx.reg.Register("A read back", httpmock.REST("GET", "/api/session/"+idA), httpmock.JSONResponse(200, sess(idA, "ann", "Completed", "2026-11-26T10:00:08Z")))
	fx.reg.Register("none", listSessions, httpmock.JSONResponse(200, page()))
	fx.reg.Register("B gone", httpmock.REST("GET", "/api/session/"+idB), httpmock.JSONResponse(404, map[string]string{"message": "not found"}))
}

func lines(t *testing.T, out string) []Change {
	t.Helper()
	var got []Change
	for _, l := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
		if l == "" {
			continue
		}
		var c Change
		require.NoError(t, json.Unmarshal([]byte(l), &c), "line %q", l)
		got = append(got, c)
	}
	return got
}

func TestWatchRunNDJSON(t *testing.T) {
	fx := setup(t, output.Table, false)
	fx.opts.Timeout = 15 * time.Second // polls at 0, 5, 10 and 14s
	fx.comingsAndGoings()
	require.NoError(t, watchRun(context.Background(), fx.opts), "the end of --timeout without --count is exit 0")
	got := lines(t, fx.out.String())
	require.Len(t, got, 5, fx.out.String())
	want := []struct{ typ, id, state, at string }{
		{TypeActive, idA, "Active", "2026-11-26T10:00:00Z"},
		{TypeStarted, idB, "Active", "2026-11-26T10:00:05Z"},
		{TypeUpdated, idB, "Active", "2026-11-26T10:00:10Z"},
		{TypeEnded, idA, "Completed", "2026-11-26T10:00:10Z"},
		{TypeEnded, idB, "Active", "2026-11-26T10:00:14Z"}, // gone from the server (the last poll, 1s before the timeout): its last known state
	}
	for i, w := range want {
		assert.Equal(t, w.typ, got[i].Type, "line %d", i)
		assert.Equal(t, w.id, got[i].Session.ID, "line %d", i)
		assert.Equal(t, w.state, got[i].Session.State, "line %d", i)
		assert.Equal(t, w.at, got[i].Time, "line %d", i)
	}
	assert.True(t, strings.HasPrefix(fx.out.String(), `{"type":"active","time":"2026-11-26T10:00:00Z","session":{"id":"`+idA+`",`), fx.out.String())
	assert.Empty(t, fx.errOut.String())
}

func TestWatchRunChangesOnlyAndCount(t *testing.T) {
	fx := setup(t, "ndjson", true) // -o ndjson streams even on a terminal
	fx.opts.ChangesOnly = true
	fx.opts.Count = 2
	fx.reg.Register("A", listSessions, httpmock.JSONResponse(200, page(sess(idA, "ann", "Active", "2026-11-26T09:00:00Z"))))
	fx.reg.Register("A B", listSessions, httpmock.JSONResponse(200, page(sess(idB, "bob", "Active", "2026-11-26T10:00:03Z"), sess(idA, "ann", "Active", "2026-11-26T09:00:00Z"))))
	fx.reg.Register("B'", listSessions, httpmock.JSONResponse(200, page(sess(idB, "bob", "Active", "2026-11-26T10:00:09Z"))))
	fx.reg.Register("A read back", httpmock.REST("GET", "/api/session/"+idA), httpmock.JSONResponse(200, sess(idA, "ann", "Completed", "2026-11-26T10:00:08Z")))
	require.NoError(t, watchRun(context.Background(), fx.opts))
	got := lines(t, fx.out.String())
	require.Len(t, got, 2, "--count 2 stops after two changes")
	assert.Equal(t, TypeStarted, got[0].Type)
	assert.Equal(t, TypeUpdated, got[1].Type)
	assert.NotContains(t, fx.out.String(), `"active"`)
}

func TestWatchRunCountNotReached(t *testing.T) {
	fx := setup(t, output.JSON, false)
	fx.opts.ChangesOnly = true
	fx.opts.Count = 1
	fx.opts.Timeout = 5 * time.Second
	fx.reg.Register("A", listSessions, httpmock.JSONResponse(200, page(sess(idA, "ann", "Active", "2026-11-26T09:00:00Z"))))
	fx.reg.Register("A again", listSessions, httpmock.JSONResponse(200, page(sess(idA, "ann", "Active", "2026-11-26T09:00:00Z"))))
	err := watchRun(context.Background(), fx.opts)
	var ee *cmdutil.ExitError
	require.ErrorAs(t, err, &ee)
	assert.Equal(t, cmdutil.ExitTimeout, ee.Code)
	assert.Empty(t, fx.out.String())
}

func TestWatchRunTable(t *testing.T) {
	fx := setup(t, output.Table, true)
	fx.opts.Timeout = 15 * time.Second
	fx.opts.Selector.User = "bob" // A (ann) is ignored below, with a warning
	fx.reg.Register("A", listSessions, httpmock.JSONResponse(200, page()))
	fx.reg.Register("B", listSessions, httpmock.JSONResponse(200, page(sess(idB, "bob", "Active", "2026-11-26T10:00:03Z"))))
	fx.reg.Register("B and ann", listSessions, httpmock.JSONResponse(200, page(sess(idB, "bob", "Active", "2026-11-26T10:00:03Z"), sess(idA, "ann", "Active", "2026-11-26T09:00:00Z"))))
	fx.reg.Register("none", listSessions, httpmock.JSONResponse(200, page()))
	fx.reg.Register("B read back", httpmock.REST("GET", "/api/session/"+idB), httpmock.JSONResponse(200, sess(idB, "bob", "Completed", "2026-11-26T10:00:14Z")))
	require.NoError(t, watchRun(context.Background(), fx.opts))
	frames := strings.Split(fx.out.String(), "\x1b[H\x1b[2J")
	require.Len(t, frames, 5, "one redraw per poll, each clearing the screen")
	assert.Equal(t, "Active sessions of user bob site-wide on https://pam.example.test/ztna/acme/root\n"+
		"Last refresh 2026-11-26T10:00:00Z, every 5s; + started, x ended, ~ changed; Ctrl-C to stop\n\n"+
		"No active sessions\n", frames[1])
	assert.Contains(t, frames[2], "    SESSION ID ")
	assert.Regexp(t, `\n\+   `+idB+`   db-prod-01   bob    SSH        Active   1h ago    2s ago\n$`, frames[2], "a new row is marked +")
	assert.Regexp(t, `\n    `+idB+`   db-prod-01   bob`, frames[3], "then unmarked")
	assert.Regexp(t, `\nx   `+idB+`   db-prod-01   bob    SSH        Completed   1h ago    0s ago\n$`, frames[4], "an ended row is shown once, marked x")
	assert.Contains(t, fx.errOut.String(), "1 session that does not match")
}

func TestWatchRunRefusals(t *testing.T) {
	fx := setup(t, output.YAML, false)
	err := watchRun(context.Background(), fx.opts)
	var fe *cmdutil.FlagError
	require.ErrorAs(t, err, &fe)
	assert.Contains(t, err.Error(), "sessions watch streams: use -o ndjson or json")

	fx = setup(t, output.JSON, false)
	fx.reg.Register("401", listSessions, httpmock.JSONResponse(401, map[string]string{"message": "bad token"}))
	err = watchRun(context.Background(), fx.opts)
	var ae *cmdutil.AuthError
	require.ErrorAs(t, err, &ae, "401 ends the watch")
}

func TestWatchRunCtrlC(t *testing.T) {
	fx := setup(t, output.JSON, false)
	clk := clock.NewFake(t0)
	fx.opts.Clock = clk
	fx.reg.Register("A", listSessions, httpmock.JSONResponse(200, page(sess(idA, "ann", "Active", "2026-11-26T09:00:00Z"))))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- watchRun(ctx, fx.opts) }()
	for clk.Waiters() == 0 {
		runtime.Gosched() // until the run reaches its wait; no time passes
	}
	cancel()
	require.NoError(t, <-done, "Ctrl-C is how a watch ends: exit 0")
	assert.Len(t, lines(t, fx.out.String()), 1)
}

func TestRenderSites(t *testing.T) {
	var b bytes.Buffer
	sel := &selector.Selector{User: "carol"}
	sc := &screen{w: &b, out: output.Options{Format: output.Table, TTY: true, Now: time.Now}, server: "sites east, west", what: sel, interval: time.Second}
	same := api.Session{ID: "11111111-1111-4111-8111-000000000001", State: api.StateActive, User: "carol"}
	list := []siteSession{{site: "east", s: same}, {site: "west", s: same}}
	// The same ID started on west only: the mark follows the site.
	changes := []Change{{Site: "west", Type: TypeStarted, Session: same}, {Site: "east", Type: TypeEnded, Session: api.Session{ID: "gone", State: api.StateCompleted}}}
	require.NoError(t, sc.render(time.Now(), list, changes, true))
	got := b.String()
	assert.Contains(t, got, "on sites east, west")
	assert.Regexp(t, `(?m)^ +SITE +SESSION ID`, got)
	assert.Regexp(t, `(?m)^ +east +11111111-1111-4111-8111-000000000001 `, got)
	assert.Regexp(t, `(?m)^\+ +west +11111111-1111-4111-8111-000000000001 `, got)
	assert.Regexp(t, `(?m)^x +east +gone `, got)
}
