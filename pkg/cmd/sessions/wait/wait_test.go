package wait

import (
	"bytes"
	"context"
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

var t0 = time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)

const (
	id1 = "11111111-1111-4111-8111-000000000001"
	id2 = "11111111-1111-4111-8111-000000000002"
)

func TestNewCmdWait(t *testing.T) {
	tests := []struct {
		name    string
		args    string
		want    WaitOptions
		wantErr string
	}{
		{name: "selector defaults", args: "--user bwilliams", want: WaitOptions{For: ForEnded, Timeout: 10 * time.Minute, Interval: 5 * time.Second}},
		{name: "ids", args: id1 + " " + id2 + " --timeout 5m --interval 1s", want: WaitOptions{IDs: []string{id1, id2}, For: ForEnded, Timeout: 5 * time.Minute, Interval: time.Second}},
		{name: "started", args: "--asset db-prod-01 --for STARTED", want: WaitOptions{For: ForStarted, Timeout: 10 * time.Minute, Interval: 5 * time.Second}},
		{name: "nothing named", args: "", wantErr: "give session IDs, or select sessions"},
		{name: "ids and selector", args: id1 + " --user x", wantErr: "not both"},
		{name: "started with ids", args: id1 + " --for started", wantErr: "whose ID is not known yet"},
		{name: "bad for", args: "--user x --for gone", wantErr: `--for "gone": want ended or started`},
		{name: "interval below the floor", args: "--user x --interval 999ms", wantErr: "--interval 999ms: want at least 1s"},
		{name: "zero timeout", args: "--user x --timeout 0s", wantErr: "--timeout 0s: want a positive duration"},
		{name: "bad id", args: "../x", wantErr: "session ID"},
		{name: "empty user", args: "--user=", wantErr: "--user is empty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ios, _, _, _ := iostreams.Test()
			f := &cmdutil.Factory{IOStreams: ios}
			var got *WaitOptions
			cmd := NewCmdWait(f, func(o *WaitOptions) error { got = o; return nil })
			cmd.SetArgs(strings.Fields(tt.args))
			cmd.SetOut(&bytes.Buffer{})
			cmd.SetErr(&bytes.Buffer{})
			_, err := cmd.ExecuteC()
			if tt.wantErr != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.wantErr)
				assert.Equal(t, cmdutil.ExitUsage, cmdutil.ExitCode(err), "a usage error")
				assert.Nil(t, got)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, len(tt.want.IDs), len(got.IDs))
			assert.Subset(t, got.IDs, tt.want.IDs)
			assert.Equal(t, tt.want.For, got.For)
			assert.Equal(t, tt.want.Timeout, got.Timeout)
			assert.Equal(t, tt.want.Interval, got.Interval)
		})
	}
}

func sess(id, user, state string) map[string]any {
	return map[string]any{"id": id, "assetId": "22222222-2222-4222-8222-000000000001", "assetName": "db-prod-01", "user": user,
		"created": "2026-11-26T09:00:00Z", "updated": "2026-11-26T09:00:00Z", "state": state, "channels": []string{"SSH"}}
}

func page(items ...map[string]any) map[string]any {
	if items == nil {
		items = []map[string]any{}
	}
	return map[string]any{"total": len(items), "offset": 0, "limit": 100, "items": items}
}

var listSessions = httpmock.REST("GET", "/api/session/list")

type fixture struct {
	opts   *WaitOptions
	reg    *httpmock.Registry
	clk    *clock.Fake
	out    *bytes.Buffer
	errOut *bytes.Buffer
}

func setup(t *testing.T, format output.Format) *fixture {
	reg := &httpmock.Registry{}
	t.Cleanup(func() { reg.Verify(t) })
	ios, _, out, errOut := iostreams.Test()
	clk := clock.NewAuto(t0)
	opts := &WaitOptions{
		IO: ios,
		APIClient: func() (*api.Client, error) {
			return api.New(api.Options{Server: "https://pam.example.test/ztna/acme/root", Token: "tok-8c2e41d7", Transport: reg, MaxTries: 1})
		},
		Output:   func() (output.Options, error) { return output.Options{Format: format}, nil },
		Clock:    clk,
		Jitter:   poll.NoJitter,
		For:      ForEnded,
		Timeout:  time.Minute,
		Interval: 5 * time.Second,
	}
	return &fixture{opts: opts, reg: reg, clk: clk, out: out, errOut: errOut}
}

func TestWaitRunEndsAtTheFirstPollAfterTheLastSessionEnds(t *testing.T) {
	fx := setup(t, output.JSON)
	fx.opts.Selector.User = "bwilliams"
	fx.reg.Register("both active", listSessions, httpmock.JSONResponse(200, page(sess(id1, "bwilliams", "Active"), sess(id2, "bwilliams", "Active"))))
	fx.reg.Register("one left", listSessions, httpmock.JSONResponse(200, page(sess(id2, "bwilliams", "Active"))))
	fx.reg.Register("none", listSessions, httpmock.JSONResponse(200, page()))
	require.NoError(t, waitRun(context.Background(), fx.opts))
	assert.Equal(t, 10*time.Second, fx.clk.Now().Sub(t0), "polls at 0, 5s and 10s: done at the first poll that saw none")
	assert.Equal(t, "[]\n", fx.out.String())
	assert.Empty(t, fx.errOut.String(), "silent off a terminal")
	assert.False(t, fx.reg.Requests[0].URL.Query().Has("user"), "listed without the server's user filter, matched on the client")
	assert.Equal(t, "Active", fx.reg.Requests[0].URL.Query().Get("state"))
}

func TestWaitRunTimeout(t *testing.T) {
	fx := setup(t, output.JSON)
	fx.opts.Selector.User = "bwilliams"
	fx.opts.Timeout = 12 * time.Second
	for range 4 {
		fx.reg.Register("still active", listSessions, httpmock.JSONResponse(200, page(sess(id1, "bwilliams", "Active"))))
	}
	err := waitRun(context.Background(), fx.opts)
	var ee *cmdutil.ExitError
	require.ErrorAs(t, err, &ee)
	assert.Equal(t, cmdutil.ExitTimeout, ee.Code)
	assert.Equal(t, "timed out after 12s: 1 session still active ("+id1+")", ee.Message)
	assert.Equal(t, 11*time.Second, fx.clk.Now().Sub(t0), "the last check starts poll.FinalPollLead before the timeout")
	assert.Contains(t, fx.out.String(), `"id": "`+id1+`"`, "-o json prints who is still there")
}

func TestWaitRunStarted(t *testing.T) {
	fx := setup(t, output.Table)
	fx.opts.Selector.User = "bwilliams"
	fx.opts.For = ForStarted
	fx.opts.IO.SetStderrTTY(true)
	fx.reg.Register("nobody", listSessions, httpmock.JSONResponse(200, page()))
	fx.reg.Register("connected", listSessions, httpmock.JSONResponse(200, page(sess(id1, "bwilliams", "Active"))))
	require.NoError(t, waitRun(context.Background(), fx.opts))
	assert.Equal(t, 5*time.Second, fx.clk.Now().Sub(t0))
	assert.Empty(t, fx.out.String(), "a table prints nothing: the exit code says it")
	assert.Contains(t, fx.errOut.String(), "Waiting for one of the sessions of user bwilliams site-wide to start: none active yet, 0s elapsed (timeout 1m0s)")
	assert.Contains(t, fx.errOut.String(), "1 matching session active (after 5s)\n")
}

func TestWaitRunProgressOnATerminal(t *testing.T) {
	fx := setup(t, output.Table)
	fx.opts.Selector.User = "bwilliams"
	fx.opts.IO.SetStderrTTY(true)
	fx.reg.Register("one", listSessions, httpmock.JSONResponse(200, page(sess(id1, "bwilliams", "Active"))))
	fx.reg.Register("none", listSessions, httpmock.JSONResponse(200, page()))
	require.NoError(t, waitRun(context.Background(), fx.opts))
	assert.Equal(t, "\r\x1b[KWaiting for the active sessions of user bwilliams site-wide to end: 1 still active, 0s elapsed (timeout 1m0s)"+
		"\r\x1b[KWaiting for the active sessions of user bwilliams site-wide to end: 0 still active, 5s elapsed (timeout 1m0s)"+
		"\r\x1b[KNone of the sessions of user bwilliams site-wide is active (after 5s)\n", fx.errOut.String())
}

func TestWaitRunByID(t *testing.T) {
	fx := setup(t, output.JSON)
	fx.opts.IDs = []string{id1, id2}
	fx.reg.Register("1 active", httpmock.REST("GET", "/api/session/"+id1), httpmock.JSONResponse(200, sess(id1, "a", "Active")))
	fx.reg.Register("2 active", httpmock.REST("GET", "/api/session/"+id2), httpmock.JSONResponse(200, sess(id2, "b", "Active")))
	fx.reg.Register("1 completed", httpmock.REST("GET", "/api/session/"+id1), httpmock.JSONResponse(200, sess(id1, "a", "Completed")))
	fx.reg.Register("2 still active", httpmock.REST("GET", "/api/session/"+id2), httpmock.JSONResponse(200, sess(id2, "b", "Active")))
	fx.reg.Register("2 gone", httpmock.REST("GET", "/api/session/"+id2), httpmock.JSONResponse(404, map[string]string{"message": "no such session"}))
	require.NoError(t, waitRun(context.Background(), fx.opts), "a session that disappears counts as ended")
	assert.Equal(t, 10*time.Second, fx.clk.Now().Sub(t0))
	assert.Len(t, fx.reg.Requests, 5, "a Completed session is not read again")
	assert.Contains(t, fx.out.String(), `"state": "Completed"`)
	assert.NotContains(t, fx.out.String(), id2)
}

func TestWaitRunUnknownID(t *testing.T) {
	fx := setup(t, output.Table)
	fx.opts.IDs = []string{id1}
	fx.reg.Register("404", httpmock.REST("GET", "/api/session/"+id1), httpmock.JSONResponse(404, map[string]string{"message": "no such session"}))
	err := waitRun(context.Background(), fx.opts)
	var nf *cmdutil.NotFoundError
	require.ErrorAs(t, err, &nf)
	assert.Contains(t, err.Error(), "no session "+id1)
}

func TestWaitRunTransientErrorIsRetried(t *testing.T) {
	fx := setup(t, output.JSON)
	fx.opts.Selector.User = "bwilliams"
	fx.reg.Register("down", listSessions, httpmock.JSONResponse(503, map[string]string{"message": "maintenance"}))
	fx.reg.Register("still down", listSessions, httpmock.JSONResponse(502, map[string]string{"message": "bad gateway"}))
	fx.reg.Register("back", listSessions, httpmock.JSONResponse(200, page()))
	require.NoError(t, waitRun(context.Background(), fx.opts))
	assert.Equal(t, 1, strings.Count(fx.errOut.String(), "\n"), "one note: %q", fx.errOut.String())
	assert.Contains(t, fx.errOut.String(), "HTTP 503: maintenance; retrying every 5s")
	assert.Equal(t, "[]\n", fx.out.String())
}

func TestWaitRunPermissionEndsIt(t *testing.T) {
	fx := setup(t, output.Table)
	fx.opts.Selector.User = "bwilliams"
	fx.reg.Register("403", listSessions, httpmock.JSONResponse(403, map[string]string{"message": "forbidden"}))
	err := waitRun(context.Background(), fx.opts)
	var ae *cmdutil.AuthError
	require.ErrorAs(t, err, &ae)
	assert.Contains(t, err.Error(), "needs the Administrator or Auditor site role")
}

func TestWaitRunIgnoresSessionsThatDoNotMatch(t *testing.T) {
	fx := setup(t, output.JSON)
	fx.opts.Selector.User = "bwilliams"
	fx.reg.Register("another user", listSessions, httpmock.JSONResponse(200, page(sess(id2, "jdoe", "Active"), sess(id1, "BWilliams", "Completed"))))
	require.NoError(t, waitRun(context.Background(), fx.opts))
	assert.NotContains(t, fx.errOut.String(), "filtering differs", "the list is unfiltered: other users' rows are expected")
	assert.Equal(t, "[]\n", fx.out.String())
}

// The server's user filter is case-sensitive (it answers only bwilliams):
// the unfiltered list still shows BWilliams Active, so the wait goes on.
func TestWaitRunJudgesOnTheGround(t *testing.T) {
	fx := setup(t, output.JSON)
	fx.opts.Selector.User = "bwilliams"
	fx.opts.Timeout = 6 * time.Second
	for range 2 { // polls at 0 and 5s
		fx.reg.Register("BWilliams left Active", listSessions, httpmock.JSONResponse(200, page(sess(id2, "BWilliams", "Active"), sess(id1, "jdoe", "Active"))))
	}
	err := waitRun(context.Background(), fx.opts)
	assert.Equal(t, cmdutil.ExitTimeout, cmdutil.ExitCode(err))
	assert.Contains(t, err.Error(), id2)
}

func TestWaitRunCtrlC(t *testing.T) {
	fx := setup(t, output.Table)
	clk := clock.NewFake(t0)
	fx.opts.Clock = clk
	fx.opts.Selector.User = "bwilliams"
	fx.reg.Register("active", listSessions, httpmock.JSONResponse(200, page(sess(id1, "bwilliams", "Active"))))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- waitRun(ctx, fx.opts) }()
	for clk.Waiters() == 0 {
		runtime.Gosched() // until the run reaches its wait; no time passes
	}
	cancel()
	err := <-done
	var ee *cmdutil.ExitError
	require.ErrorAs(t, err, &ee)
	assert.Equal(t, cmdutil.ExitCancelled, ee.Code)
	assert.Contains(t, ee.Message, "stopped waiting for the active sessions of user bwilliams site-wide to end")
	assert.Len(t, fx.reg.Requests, 1, "nothing sent after Ctrl-C")
}

// A server that never answers until --timeout: no state to tell, so not
// "0 sessions still active ()": the line watch gives (poll.NoAnswerError),
// exit 8, for --for ended, --for started and IDs alike.
func TestWaitRunTimeoutBeforeAnyAnswer(t *testing.T) {
	for _, tc := range []struct {
		name string
		set  func(o *WaitOptions)
		path httpmock.Matcher
		url  string
	}{
		{"ended", func(o *WaitOptions) { o.Selector.User = "bwilliams" }, listSessions, "session/list?limit=500&offset=0&state=Active"},
		{"started", func(o *WaitOptions) { o.Selector.User = "bwilliams"; o.For = ForStarted }, listSessions, "session/list?limit=500&offset=0&state=Active"},
		{"ids", func(o *WaitOptions) { o.IDs = []string{id1} }, httpmock.REST("GET", "/api/session/"+id1), "session/" + id1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fx := setup(t, output.Table)
			tc.set(fx.opts)
			fx.opts.Timeout = 12 * time.Second
			for range 4 { // polls at 0, 5s, 10s and the last at 11s
				fx.reg.Register("down", tc.path, httpmock.JSONResponse(503, map[string]string{"message": "maintenance"}))
			}
			err := waitRun(context.Background(), fx.opts)
			var na *poll.NoAnswerError
			require.ErrorAs(t, err, &na)
			assert.Equal(t, cmdutil.ExitTimeout, cmdutil.ExitCode(err))
			assert.Equal(t, "timed out after 12s before the server answered once (GET https://pam.example.test/ztna/acme/root/api/"+tc.url+": HTTP 503: maintenance)", err.Error())
			assert.NotContains(t, err.Error(), "()")
		})
	}
}

// A check that answered, then one that failed: the state of the answered
// one, named, and why it is not newer.
func TestWaitRunTimeoutAfterAnAnswer(t *testing.T) {
	fx := setup(t, output.Table)
	fx.opts.Selector.User = "bwilliams"
	fx.opts.Timeout = 12 * time.Second
	fx.reg.Register("active", listSessions, httpmock.JSONResponse(200, page(sess(id1, "bwilliams", "Active"))))
	for range 3 {
		fx.reg.Register("down", listSessions, httpmock.JSONResponse(503, map[string]string{"message": "maintenance"}))
	}
	err := waitRun(context.Background(), fx.opts)
	assert.Equal(t, cmdutil.ExitTimeout, cmdutil.ExitCode(err))
	assert.Equal(t, "timed out after 12s: 1 session still active ("+id1+"); the last check failed (GET https://pam.example.test/ztna/acme/root/api/session/list?limit=500&offset=0&state=Active: HTTP 503: maintenance), so this is the state of the check before", err.Error())
}
