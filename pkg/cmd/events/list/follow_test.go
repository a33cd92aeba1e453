package list

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
	"github.com/pamctl/pamctl/pkg/cmdutil"
	"github.com/pamctl/pamctl/pkg/httpmock"
	"github.com/pamctl/pamctl/pkg/iostreams"
	"github.com/pamctl/pamctl/pkg/output"
	"github.com/pamctl/pamctl/pkg/poll"
)

func TestNewCmdListFollow(t *testing.T) {
	tests := []struct {
		args    string
		wantErr string
		check   func(*testing.T, *ListOptions)
	}{
		{args: "-f", check: func(t *testing.T, o *ListOptions) {
			assert.True(t, o.Follow)
			assert.Equal(t, 5*time.Second, o.Interval)
		}},
		{args: "--follow --interval 1s --count 2 --event Login", check: func(t *testing.T, o *ListOptions) {
			assert.Equal(t, time.Second, o.Interval)
			assert.Equal(t, 2, o.Count)
		}},
		{args: "--follow --interval 999ms", wantErr: "--interval 999ms: want at least 1s"},
		{args: "--interval 2s", wantErr: "--interval needs --follow"},
		{args: "--count 1", wantErr: "--count needs --follow"},
		{args: "--follow --count -1", wantErr: "--count -1"},
		{args: "--follow --until 2026-11-26", wantErr: "use one or the other"},
	}
	for _, tt := range tests {
		t.Run(tt.args, func(t *testing.T) {
			ios, _, _, _ := iostreams.Test()
			f := &cmdutil.Factory{IOStreams: ios, Now: func() time.Time { return now }}
			var got *ListOptions
			cmd := NewCmdList(f, func(o *ListOptions) error { got = o; return nil })
			cmd.SetArgs(strings.Fields(tt.args))
			cmd.SetOut(ios.ErrOut)
			cmd.SetErr(ios.ErrOut)
			err := cmd.Execute()
			if tt.wantErr != "" {
				assert.ErrorContains(t, err, tt.wantErr)
				assert.Equal(t, cmdutil.ExitUsage, cmdutil.ExitCode(err), "a usage error")
				assert.Nil(t, got)
				return
			}
			require.NoError(t, err)
			tt.check(t, got)
		})
	}
}

func ev(id, created string) map[string]any {
	return map[string]any{"id": id, "created": created, "level": "Information", "category": "Operation", "event": "Terminate Session",
		"message": "message=Session terminated, channel=SSH", "user": "admin", "sessionId": "11111111-1111-4111-8111-000000000001"}
}

func evPage(items ...map[string]any) map[string]any {
	if items == nil {
		items = []map[string]any{}
	}
	return map[string]any{"total": len(items), "offset": 0, "limit": 100, "items": items}
}

var listEvents = httpmock.REST("GET", "/api/event/list")

type followFixture struct {
	opts        *ListOptions
	reg         *httpmock.Registry
	clk         *clock.Fake
	out, errOut *bytes.Buffer
}

func setupFollow(t *testing.T, format output.Format, tty bool) *followFixture {
	reg := &httpmock.Registry{}
	t.Cleanup(func() { reg.Verify(t) })
	ios, _, out, errOut := iostreams.Test()
	ios.SetStdoutTTY(tty)
	clk := clock.NewAuto(now)
	return &followFixture{reg: reg, clk: clk, out: out, errOut: errOut, opts: &ListOptions{
		IO: ios,
		APIClient: func() (*api.Client, error) {
			return api.New(api.Options{Server: "https://pam.example.test/ztna/acme/root", Token: "tok-8c2e41d7", Transport: reg, MaxTries: 1})
		},
		Output:   func() (output.Options, error) { return output.Options{Format: format, TTY: tty, Now: clk.Now}, nil },
		Now:      clk.Now,
		Clock:    clk,
		Jitter:   poll.NoJitter,
		Follow:   true,
		Interval: 5 * time.Second,
	}}
}

func ids(t *testing.T, out string) []string {
	t.Helper()
	var got []string
	for _, l := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
		var e api.Event
		require.NoError(t, json.Unmarshal([]byte(l), &e), "line %q", l)
		got = append(got, e.ID)
	}
	return got
}

func TestFollowRunPrintsEachEventOnce(t *testing.T) {
	fx := setupFollow(t, output.Table, false)
	fx.opts.Event = "Terminate Session"
	fx.opts.Count = 2
	// The report is newest first; each poll asks from the newest second
	// seen, so it holds the last events again.
	fx.reg.Register("start", listEvents, httpmock.JSONResponse(200, evPage(ev("e2", "2026-11-26T09:59:02Z"), ev("e1", "2026-11-26T09:59:01Z"))))
	fx.reg.Register("overlap", listEvents, httpmock.JSONResponse(200, evPage(ev("e2", "2026-11-26T09:59:02Z"))))
	fx.reg.Register("e3", listEvents, httpmock.JSONResponse(200, evPage(ev("e3", "2026-11-26T10:00:07Z"), ev("e2", "2026-11-26T09:59:02Z"))))
	fx.reg.Register("e4 in the same second", listEvents, httpmock.JSONResponse(200, evPage(ev("e4", "2026-11-26T10:00:07Z"), ev("e3", "2026-11-26T10:00:07Z"))))
	require.NoError(t, followRun(context.Background(), fx.opts))
	assert.Equal(t, []string{"e1", "e2", "e3", "e4"}, ids(t, fx.out.String()), "oldest first, each once")
	assert.True(t, strings.HasPrefix(fx.out.String(), `{"id":"e1","created":"2026-11-26T09:59:01Z",`), "one compact object a line: %s", fx.out.String())
	q := func(i int) string { return fx.reg.Requests[i].URL.Query().Get("from") }
	assert.Equal(t, "", q(0))
	assert.Equal(t, "2026-11-26T09:59:02Z", q(1))
	assert.Equal(t, "2026-11-26T09:59:02Z", q(2))
	assert.Equal(t, "2026-11-26T10:00:07Z", q(3))
	assert.Equal(t, "Terminate Session", fx.reg.Requests[3].URL.Query().Get("event"))
	assert.Equal(t, 15*time.Second, fx.clk.Now().Sub(now))
}

func TestFollowRunTable(t *testing.T) {
	fx := setupFollow(t, output.Table, true)
	fx.opts.Count = 1
	fx.reg.Register("start", listEvents, httpmock.JSONResponse(200, evPage(ev("e1", "2026-11-26T09:59:01Z"))))
	fx.reg.Register("e2", listEvents, httpmock.JSONResponse(200, evPage(ev("e2", "2026-11-26T10:00:04Z"), ev("e1", "2026-11-26T09:59:01Z"))))
	require.NoError(t, followRun(context.Background(), fx.opts))
	out := fx.out.String()
	assert.Equal(t, 1, strings.Count(out, "CREATED"), "headers once: %s", out)
	assert.Contains(t, out, "2026-11-26T09:59:01Z   Information")
	assert.Contains(t, out, "\n2026-11-26T10:00:04Z   Information", "a stream shows times, not ages that go stale")
}

func TestFollowRunTransientAndIgnoredFrom(t *testing.T) {
	fx := setupFollow(t, "ndjson", true)
	fx.opts.Count = 1
	fx.reg.Register("start", listEvents, httpmock.JSONResponse(200, evPage(ev("e2", "2026-11-26T09:59:02Z"))))
	fx.reg.Register("503", listEvents, httpmock.JSONResponse(503, map[string]string{"message": "maintenance"}))
	fx.reg.Register("ignores from", listEvents, httpmock.JSONResponse(200, evPage(ev("e2", "2026-11-26T09:59:02Z"), ev("e0", "2026-11-26T09:00:00Z"))))
	fx.reg.Register("e3", listEvents, httpmock.JSONResponse(200, evPage(ev("e3", "2026-11-26T10:00:03Z"))))
	require.NoError(t, followRun(context.Background(), fx.opts))
	assert.Equal(t, []string{"e2", "e3"}, ids(t, fx.out.String()), "an event older than from is not new")
	assert.Equal(t, 1, strings.Count(fx.errOut.String(), "\n"))
	assert.Contains(t, fx.errOut.String(), "reading the Events Report failed: HTTP 503: maintenance; retrying every 5s")
}

func TestFollowRunForbidden(t *testing.T) {
	fx := setupFollow(t, output.JSON, false)
	fx.reg.Register("start", listEvents, httpmock.JSONResponse(200, evPage()))
	fx.reg.Register("403", listEvents, httpmock.JSONResponse(403, map[string]string{"message": "no"}))
	err := followRun(context.Background(), fx.opts)
	var ae *cmdutil.AuthError
	require.ErrorAs(t, err, &ae)
}

func TestFollowRunCtrlC(t *testing.T) {
	fx := setupFollow(t, output.JSON, false)
	clk := clock.NewFake(now)
	fx.opts.Clock = clk
	fx.reg.Register("start", listEvents, httpmock.JSONResponse(200, evPage(ev("e1", "2026-11-26T09:59:01Z"))))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- followRun(ctx, fx.opts) }()
	for clk.Waiters() == 0 {
		runtime.Gosched() // until the run reaches its wait; no time passes
	}
	cancel()
	require.NoError(t, <-done, "Ctrl-C ends a follow with 0")
	assert.Equal(t, []string{"e1"}, ids(t, fx.out.String()))
}

func TestDedupRemembersOnlyTheNewestSecond(t *testing.T) {
	d := &dedup{seen: map[string]time.Time{}}
	mk := func(id, created string) api.Event {
		ct, err := time.Parse(time.RFC3339, created)
		require.NoError(t, err)
		return api.Event{ID: id, Created: api.NewTime(ct)}
	}
	got := d.fresh([]api.Event{mk("b", "2026-11-26T10:00:05Z"), mk("a", "2026-11-26T10:00:01Z")}, time.Time{})
	assert.Len(t, got, 2)
	assert.Len(t, d.seen, 1, "only the newest second can come back")
	got = d.fresh([]api.Event{mk("b", "2026-11-26T10:00:05Z"), mk("c", "2026-11-26T10:00:05Z")}, d.since())
	assert.Equal(t, "c", got[0].ID)
	assert.Len(t, got, 1)
	assert.Len(t, d.seen, 2)
	// Without an ID, the content is the key.
	noID := api.Event{Created: api.NewTime(time.Date(2026, 11, 26, 10, 0, 5, 0, time.UTC)), Event: "Login", User: "x"}
	assert.Len(t, d.fresh([]api.Event{noID}, d.since()), 1)
	assert.Empty(t, d.fresh([]api.Event{noID}, d.since()))
}
