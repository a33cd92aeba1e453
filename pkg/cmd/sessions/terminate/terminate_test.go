package terminate

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pamctl/pamctl/pkg/api"
	"github.com/pamctl/pamctl/pkg/clock"
	"github.com/pamctl/pamctl/pkg/cmdutil"
	"github.com/pamctl/pamctl/pkg/config"
	"github.com/pamctl/pamctl/pkg/contain"
	"github.com/pamctl/pamctl/pkg/httpmock"
	"github.com/pamctl/pamctl/pkg/iostreams"
	"github.com/pamctl/pamctl/pkg/output"
	"github.com/pamctl/pamctl/pkg/pamsim"
	"github.com/pamctl/pamctl/pkg/prompt"
)

const (
	s01 = "11111111-1111-4111-8111-000000000001" // db-prod-01 bwilliams SSH Active
	s02 = "11111111-1111-4111-8111-000000000002" // db-prod-01 jdoe RDP Active
	s03 = "11111111-1111-4111-8111-000000000003" // web-01 bwilliams RDP Active
	s05 = "11111111-1111-4111-8111-000000000005" // db-prod-02 asmith SSH Completed
	s09 = "11111111-1111-4111-8111-000000000009" // native-only
)

// exitCode is the process's mapping, not a copy of it.
func exitCode(t *testing.T, err error) int {
	t.Helper()
	return cmdutil.ExitCode(err)
}

func TestNewCmdTerminate(t *testing.T) {
	tests := []struct {
		name     string
		args     string
		argv     []string // instead of args, when an argument holds spaces
		tty      bool
		stdinTTY bool // only stdin a terminal
		want     TerminateOptions
		wantCode int
		wantErr  string
	}{
		{name: "one ID on a terminal", args: s01, tty: true,
			want: TerminateOptions{IDs: []string{s01}, Max: 20, WaitTimeout: 10 * time.Second, Concurrency: 4}},
		{name: "IDs are deduplicated", args: s01 + " " + s02 + " " + s01 + " --yes", tty: false,
			want: TerminateOptions{IDs: []string{s01, s02}, Yes: true, Max: 20, WaitTimeout: 10 * time.Second, Concurrency: 4}},
		{name: "selector and every flag", args: "--asset db-prod-01 --user bwilliams --channel SSH -y --max 5 --reason INC-1 --no-wait --wait-timeout 3s --concurrency 2",
			want: TerminateOptions{Asset: "db-prod-01", User: "bwilliams", Channel: "SSH", Yes: true, Max: 5, MaxSet: true, Reason: "INC-1", NoWait: true, WaitTimeout: 3 * time.Second, Concurrency: 2}},
		{name: "dry-run needs no terminal", args: "--user bwilliams --dry-run",
			want: TerminateOptions{User: "bwilliams", DryRun: true, Max: 20, WaitTimeout: 10 * time.Second, Concurrency: 4}},
		{name: "no terminal and no --yes is refused", args: s01, wantCode: 6, wantErr: "pass --yes"},
		{name: "only stdin a terminal is not enough", args: "--user x", stdinTTY: true, wantCode: 6, wantErr: "pass --yes"},
		{name: "no target", args: "--yes", wantCode: 2, wantErr: `there is no "terminate everything"`},
		{name: "IDs and selector", args: s01 + " --asset a --yes", wantCode: 2, wantErr: "not both"},
		{name: "path separator", args: "../x --yes", wantCode: 2, wantErr: "path separator"},
		{name: "percent escape", args: "a%2f --yes", wantCode: 2, wantErr: "escape"},
		{name: "bad ID before the TTY check", args: "a/b", wantCode: 2, wantErr: "path separator"},
		{name: "blank user", argv: []string{"--user", " ", "--yes"}, wantCode: 2, wantErr: "--user is blank"},
		{name: "max zero", args: "--user x --max 0 --yes", wantCode: 2, wantErr: "--max 0"},
		{name: "concurrency too high", args: "--user x --concurrency 100 --yes", wantCode: 2, wantErr: "--concurrency 100"},
		{name: "wait timeout zero", args: "--user x --wait-timeout 0s --yes", wantCode: 2, wantErr: "--wait-timeout"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ios, _, _, _ := iostreams.Test()
			ios.SetStdinTTY(tt.tty || tt.stdinTTY)
			ios.SetStdoutTTY(tt.tty)
			ios.SetStderrTTY(tt.tty)
			f := &cmdutil.Factory{IOStreams: ios, Settings: func() (*config.Settings, error) { return &config.Settings{Output: "table"}, nil }}
			var got *TerminateOptions
			cmd := NewCmdTerminate(f, func(o *TerminateOptions) error { got = o; return nil })
			args := tt.argv
			if args == nil {
				args = strings.Fields(tt.args)
			}
			cmd.SetArgs(args)
			cmd.SetOut(io.Discard)
			cmd.SetErr(io.Discard)
			err := cmd.Execute()
			if tt.wantErr != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.wantErr)
				assert.Equal(t, tt.wantCode, exitCode(t, err))
				assert.Nil(t, got, "run must not be reached")
				return
			}
			require.NoError(t, err)
			require.NotNil(t, got)
			if tt.want.IDs == nil {
				tt.want.IDs = []string{}
			}
			assert.Equal(t, tt.want.IDs, got.IDs)
			assert.Equal(t, tt.want.Asset, got.Asset)
			assert.Equal(t, tt.want.User, got.User)
			assert.Equal(t, tt.want.Channel, got.Channel)
			assert.Equal(t, tt.want.Yes, got.Yes)
			assert.Equal(t, tt.want.DryRun, got.DryRun)
			assert.Equal(t, tt.want.NoWait, got.NoWait)
			assert.Equal(t, tt.want.Max, got.Max)
			assert.Equal(t, tt.want.MaxSet, got.MaxSet)
			assert.Equal(t, tt.want.Reason, got.Reason)
			assert.Equal(t, tt.want.WaitTimeout, got.WaitTimeout)
			assert.Equal(t, tt.want.Concurrency, got.Concurrency)
		})
	}
}

// env is a test run's world: a simulator, streams, a stub prompter.
type env struct {
	serverURL string
	sim       *pamsim.Server
	opts      *TerminateOptions
	stub      *prompt.Stub
	out       *bytes.Buffer
	errOut    *bytes.Buffer
	state     string
}

func newEnv(t *testing.T, simOpts pamsim.Options, token func(pamsim.Tokens) string, tty bool) *env {
	t.Helper()
	sim, url := pamsim.Start(t, simOpts)
	if token == nil {
		token = func(tk pamsim.Tokens) string { return tk.Admin }
	}
	client, err := api.New(api.Options{Server: url, Token: token(sim.Tokens())})
	require.NoError(t, err)
	ios, _, out, errOut := iostreams.Test()
	ios.SetStdinTTY(tty)
	ios.SetStdoutTTY(tty)
	ios.SetStderrTTY(tty)
	stub := &prompt.Stub{}
	state := t.TempDir()
	e := &env{serverURL: url, sim: sim, stub: stub, out: out, errOut: errOut, state: state}
	e.opts = &TerminateOptions{
		IO:          ios,
		APIClient:   func() (*api.Client, error) { return client, nil },
		Prompter:    func() prompt.Prompter { return stub },
		Output:      func() (output.Options, error) { return output.Options{Format: output.JSON}, nil },
		LookupEnv:   func(k string) (string, bool) { return state, k == "XDG_STATE_HOME" },
		Max:         DefaultMaxSelector,
		WaitTimeout: 5 * time.Second,
		Concurrency: DefaultConcurrency,
	}
	return e
}

func (e *env) posts() int { return e.sim.CountRequests(http.MethodPost, "/api/session/terminate/") }

func (e *env) results(t *testing.T) []map[string]any {
	t.Helper()
	var rs []map[string]any
	require.NoError(t, json.Unmarshal(e.out.Bytes(), &rs), "stdout: %s", e.out.String())
	return rs
}

func (e *env) stateOf(t *testing.T, id string) string {
	t.Helper()
	s, ok := e.sim.Session(id)
	require.True(t, ok)
	return s.State
}

func TestTerminateRun(t *testing.T) {
	ctx := context.Background()

	t.Run("one session: the question names asset and user and defaults to No; yes terminates and verifies", func(t *testing.T) {
		e := newEnv(t, pamsim.Options{}, nil, true)
		e.opts.IDs = []string{s01}
		var gotDef *bool
		e.stub.ConfirmFunc = func(msg string, def bool) (bool, error) {
			gotDef = &def
			assert.Equal(t, 0, e.posts(), "nothing may be sent before the answer")
			return true, nil
		}
		require.NoError(t, terminateRun(ctx, e.opts))
		require.Len(t, e.stub.Asked, 1)
		q := e.stub.Asked[0]
		for _, want := range []string{"bwilliams", "db-prod-01", s01, "disconnected", "logged out", "cannot reconnect to this session"} {
			assert.Contains(t, q, want)
		}
		require.NotNil(t, gotDef)
		assert.False(t, *gotDef, "the question defaults to No")
		assert.Equal(t, 1, e.posts())
		assert.Equal(t, pamsim.StateCompleted, e.stateOf(t, s01))
		rs := e.results(t)
		require.Len(t, rs, 1)
		assert.Equal(t, "terminated", rs[0]["result"])
		assert.Equal(t, true, rs[0]["verified"])
		assert.Contains(t, e.errOut.String(), "message=Session terminated, channel=SSH")
	})

	t.Run("No sends nothing: exit 130", func(t *testing.T) {
		e := newEnv(t, pamsim.Options{}, nil, true)
		e.opts.IDs = []string{s01}
		e.stub.ConfirmFunc = func(string, bool) (bool, error) { return false, nil }
		err := terminateRun(ctx, e.opts)
		assert.Equal(t, 130, exitCode(t, err))
		assert.Equal(t, 0, e.posts())
		assert.Equal(t, pamsim.StateActive, e.stateOf(t, s01))
		assert.NoFileExists(t, filepath.Join(e.state, "pamctl", "audit.jsonl"))
	})

	t.Run("Ctrl-C at the question sends nothing: exit 130", func(t *testing.T) {
		e := newEnv(t, pamsim.Options{}, nil, true)
		e.opts.IDs = []string{s01}
		e.stub.ConfirmFunc = func(string, bool) (bool, error) { return false, prompt.ErrCancelled }
		err := terminateRun(ctx, e.opts)
		assert.ErrorIs(t, err, cmdutil.ErrCancel)
		assert.Equal(t, 130, exitCode(t, err))
		assert.Equal(t, 0, e.posts())
	})

	t.Run("several: the typed number must match", func(t *testing.T) {
		for _, typed := range []string{"2", "4", "", "three", "yes"} {
			e := newEnv(t, pamsim.Options{}, nil, true)
			e.opts.User = "bwilliams" // 01, 03, 07 terminable; 04 native-only
			e.stub.InputFunc = func(msg, def string) (string, error) {
				assert.Equal(t, "Type the number of sessions to terminate (3):", msg)
				return typed, nil
			}
			err := terminateRun(ctx, e.opts)
			assert.Equal(t, 130, exitCode(t, err), "typed %q", typed)
			assert.Equal(t, 0, e.posts(), "typed %q", typed)
		}
		e := newEnv(t, pamsim.Options{}, nil, true)
		e.opts.User = "bwilliams"
		e.stub.InputFunc = func(string, string) (string, error) { return " 3 ", nil }
		// The three web sessions end; the native-only one is still
		// connected, so the account is not contained: exit 5, naming it.
		err := terminateRun(ctx, e.opts)
		assert.Equal(t, cmdutil.ExitPartial, exitCode(t, err))
		require.Error(t, err)
		assert.Contains(t, err.Error(), "not contained: 1 session still connected: 11111111-1111-4111-8111-000000000004 (bwilliams on win-dc-01: native-only (RDPP)")
		assert.Equal(t, 3, e.posts())
		rs := e.results(t)
		require.Len(t, rs, 4)
		byResult := map[string]int{}
		for _, r := range rs {
			byResult[r["result"].(string)]++
		}
		assert.Equal(t, map[string]int{"terminated": 3, "skipped": 1}, byResult)
	})

	t.Run("--yes never prompts", func(t *testing.T) {
		e := newEnv(t, pamsim.Options{}, nil, true) // a terminal, and still no question
		e.opts.IDs = []string{s01, s02}
		e.opts.Yes = true
		require.NoError(t, terminateRun(ctx, e.opts)) // the nil stub panics if asked
		assert.Empty(t, e.stub.Asked)
		assert.Equal(t, 2, e.posts())
	})

	t.Run("--dry-run never prompts and sends nothing", func(t *testing.T) {
		e := newEnv(t, pamsim.Options{}, nil, true)
		e.opts.User = "bwilliams"
		e.opts.DryRun = true
		err := terminateRun(ctx, e.opts)
		assert.Equal(t, cmdutil.ExitPartial, exitCode(t, err), "the real run would leave win-dc-01's native-only session: %v", err)
		assert.Empty(t, e.stub.Asked)
		assert.Equal(t, 0, e.posts())
		for _, r := range e.results(t) {
			assert.Contains(t, []string{"dry-run", "skipped"}, r["result"])
		}
	})

	t.Run("--max exceeded is refused before the question", func(t *testing.T) {
		e := newEnv(t, pamsim.Options{}, nil, true)
		e.opts.User = "bwilliams"
		e.opts.Max = 2
		err := terminateRun(ctx, e.opts)
		assert.Equal(t, 6, exitCode(t, err))
		assert.Contains(t, err.Error(), "more than --max 2")
		assert.Empty(t, e.stub.Asked)
		assert.Equal(t, 0, e.posts())
	})

	t.Run("exit codes", func(t *testing.T) {
		auditor := func(tk pamsim.Tokens) string { return tk.Auditor }
		tests := []struct {
			name  string
			token func(pamsim.Tokens) string
			ids   []string
			code  int
			posts int
		}{
			{"already completed", nil, []string{s05}, 0, 0},
			// Still Active at the end is 5 however the targets were named.
			{"native-only", nil, []string{s09}, 5, 0},
			{"native-only among several", nil, []string{s09, s05}, 5, 0},
			{"auditor", auditor, []string{s01}, 3, 1},
			// s01 and s02 share an asset: after its 403 the second is not sent.
			{"auditor, several", auditor, []string{s01, s02}, 3, 1},
			{"one terminated, one native-only", nil, []string{s01, s09}, 5, 1},
			{"does not exist", nil, []string{s01, "11111111-1111-4111-8111-000000000099"}, 4, 0},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				e := newEnv(t, pamsim.Options{}, tt.token, false)
				e.opts.IDs = tt.ids
				e.opts.Yes = true
				err := terminateRun(ctx, e.opts)
				assert.Equal(t, tt.code, exitCode(t, err), "err: %v", err)
				assert.Equal(t, tt.posts, e.posts())
			})
		}
	})

	t.Run("Ctrl-C while terminating stops starting new ones and reports exactly which were terminated", func(t *testing.T) {
		e := newEnv(t, pamsim.Options{}, nil, false)
		addBenchSessions(e.sim, 12)
		e.opts.User = "bench"
		e.opts.Yes = true
		e.opts.Concurrency = 2
		cctx, cancel := context.WithCancel(ctx)
		defer cancel()
		// Ctrl-C lands while the 3rd terminate request is being answered
		// (the simulator's hook runs before that answer leaves): no clock,
		// no polling, the same moment on every run.
		e.sim.After(http.MethodPost, "/api/session/terminate/", 3, cancel)
		err := terminateRun(cctx, e.opts)
		assert.Equal(t, 130, exitCode(t, err))
		rs := e.results(t)
		require.Len(t, rs, 12)
		terminated := 0
		for _, r := range rs {
			id := r["id"].(string)
			switch r["result"] {
			case "terminated":
				terminated++
				assert.Equal(t, pamsim.StateCompleted, e.stateOf(t, id), id)
			case "skipped":
				assert.Equal(t, contain.ErrorNotSent, r["error"])
				assert.Equal(t, pamsim.StateActive, e.stateOf(t, id), id)
			default:
				t.Errorf("%s: result %v", id, r["result"])
			}
		}
		assert.Equal(t, e.posts(), terminated, "every request sent is reported terminated, no more")
		assert.Less(t, terminated, 12)
		j, err := os.ReadFile(filepath.Join(e.state, "pamctl", "audit.jsonl"))
		require.NoError(t, err)
		assert.Equal(t, 12, bytes.Count(j, []byte("\n")), "the cancelled run is journaled too")
	})

	t.Run("journal", func(t *testing.T) {
		e := newEnv(t, pamsim.Options{}, nil, false)
		e.opts.IDs = []string{s01, s05}
		e.opts.Yes = true
		e.opts.Reason = "INC-1"
		require.NoError(t, terminateRun(ctx, e.opts))
		path := filepath.Join(e.state, "pamctl", "audit.jsonl")
		fi, err := os.Stat(path)
		require.NoError(t, err)
		assert.Equal(t, os.FileMode(0o600), fi.Mode().Perm())
		b, err := os.ReadFile(path)
		require.NoError(t, err)
		lines := strings.Split(strings.TrimSpace(string(b)), "\n")
		require.Len(t, lines, 2)
		// Each line is written when its session settles: the one that
		// needed nothing first, the terminated one once verified.
		assert.Contains(t, lines[0], `"result":"already-completed"`)
		var first map[string]any
		require.NoError(t, json.Unmarshal([]byte(lines[1]), &first))
		assert.Equal(t, "admin", first["operator"])
		assert.Equal(t, s01, first["session"])
		assert.Equal(t, "db-prod-01", first["asset"])
		assert.Equal(t, "bwilliams", first["user"])
		assert.Equal(t, []any{"SSH"}, first["channels"])
		assert.Equal(t, "INC-1", first["reason"])
		assert.Equal(t, "terminated", first["result"])
		assert.Contains(t, first["server"], "/ztna/demo/root")
		assert.NotContains(t, string(b), e.sim.Tokens().Admin)
	})
}

// TestTerminateRunUnknownOutcome drives the client over httpmock: the
// terminate request's connection breaks after sending; the session reads
// back Completed, so it is terminated, with exactly one request.
func TestTerminateRunUnknownOutcome(t *testing.T) {
	reg := &httpmock.Registry{}
	t.Cleanup(func() { reg.Verify(t) })
	active := map[string]any{"id": s01, "assetId": "a1", "assetName": "db-prod-01", "user": "bwilliams",
		"created": "2026-11-26T09:15:02Z", "state": "Active", "channels": []string{"SSH"}}
	completed := map[string]any{}
	for k, v := range active {
		completed[k] = v
	}
	completed["state"], completed["completed"] = "Completed", time.Now().UTC().Format(time.RFC3339)
	reg.Register("whoami", httpmock.REST("GET", "/api/user/context"), httpmock.JSONResponse(200, map[string]any{
		"user": map[string]any{"name": "admin"}, "space": map[string]any{"rid": "r", "name": "root"}, "roles": []string{"Administrator"}}))
	reg.Register("preview", httpmock.REST("GET", "/api/session/"+s01), httpmock.JSONResponse(200, active))
	reg.Register("terminate", httpmock.REST("POST", "/api/session/terminate/"+s01), httpmock.ErrorResponse(io.ErrUnexpectedEOF))
	reg.Register("read back", httpmock.REST("GET", "/api/session/"+s01), httpmock.JSONResponse(200, completed))
	reg.Register("verify read", httpmock.REST("GET", "/api/session/"+s01), httpmock.JSONResponse(200, completed))
	reg.Register("verify event", httpmock.REST("GET", "/api/event/list"), httpmock.JSONResponse(200, map[string]any{
		"total": 1, "offset": 0, "limit": 500, "items": []any{map[string]any{
			"id": "e1", "created": time.Now().UTC().Format(time.RFC3339), "level": "Information", "category": "Operation",
			"event": "Terminate Session", "message": "message=Session terminated, channel=SSH", "user": "admin", "sessionId": s01}}}))

	client, err := api.New(api.Options{Server: "https://pam.example.com:6443/ztna/acme/root", Token: "test-token-0123456789", Transport: reg})
	require.NoError(t, err)
	ios, _, out, errOut := iostreams.Test()
	state := t.TempDir()
	opts := &TerminateOptions{
		IO: ios, APIClient: func() (*api.Client, error) { return client, nil },
		Prompter:  func() prompt.Prompter { return &prompt.Stub{} },
		Output:    func() (output.Options, error) { return output.Options{Format: output.JSON}, nil },
		LookupEnv: func(k string) (string, bool) { return state, k == "XDG_STATE_HOME" },
		IDs:       []string{s01}, Yes: true, Max: 20, WaitTimeout: 5 * time.Second, Concurrency: 4,
	}
	require.NoError(t, terminateRun(context.Background(), opts), errOut.String())
	assert.Equal(t, 1, reg.Count(httpmock.REST("POST", "/api/session/terminate/"+s01)))
	assert.Contains(t, out.String(), `"result": "terminated"`)
	assert.Contains(t, out.String(), `"verified": true`)
}

// TestSignals: a signal at the question cancels it (130, nothing sent);
// the first signal during sending says what is in flight; the second
// journals it as unknown and prints the results known so far.
func TestSignals(t *testing.T) {
	t.Run("a signal at the question sends nothing", func(t *testing.T) {
		e := newEnv(t, pamsim.Options{}, nil, true)
		e.opts.IDs = []string{s01}
		ctx, cancel := context.WithCancel(context.Background())
		release := make(chan struct{})
		defer close(release)
		e.stub.ConfirmFunc = func(string, bool) (bool, error) {
			cancel() // SIGTERM while the question is open
			<-release
			return true, nil
		}
		err := terminateRun(ctx, e.opts)
		assert.Equal(t, cmdutil.ExitCancelled, exitCode(t, err))
		assert.Contains(t, err.Error(), "cancelled at the confirmation; nothing was sent")
		assert.Equal(t, 0, e.posts())
	})
	t.Run("second signal journals what is in flight as unknown", func(t *testing.T) {
		e := newEnv(t, pamsim.Options{}, nil, false)
		e.opts.IDs = []string{s01}
		e.opts.Yes = true
		ints := &cmdutil.Interrupts{}
		e.opts.Interrupts = ints
		// The POST is held at the transport until the test has quit.
		posting, hold := make(chan struct{}), make(chan struct{})
		client, err := api.New(api.Options{Server: e.serverURL, Token: e.sim.Tokens().Admin, Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
			if r.Method == http.MethodPost {
				close(posting)
				<-hold
			}
			return http.DefaultTransport.RoundTrip(r)
		})})
		require.NoError(t, err)
		e.opts.APIClient = func() (*api.Client, error) { return client, nil }
		out, errOut := &lockedBuffer{}, &lockedBuffer{}
		e.opts.IO.Out, e.opts.IO.ErrOut = out, errOut
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- terminateRun(ctx, e.opts) }()
		<-posting
		cancel()
		ints.Quit()
		journal, err := os.ReadFile(filepath.Join(e.state, "pamctl", "audit.jsonl"))
		require.NoError(t, err)
		assert.Contains(t, string(journal), `"session":"`+s01+`"`)
		assert.Contains(t, string(journal), `"result":"unknown"`, "the in-flight session is journaled the moment the operator quits")
		var rs []map[string]any
		require.NoError(t, json.Unmarshal([]byte(out.String()), &rs), "the results known so far are printed: %s", out.String())
		require.Len(t, rs, 1)
		assert.Equal(t, "unknown", rs[0]["result"])
		assert.Contains(t, errOut.String(), "pamctl: interrupted: sending nothing more; waiting up to 30s for the 1 terminate request in flight; press Ctrl-C again to quit now")
		assert.Contains(t, errOut.String(), "pamctl: quit: 1 session in flight journaled as unknown")
		close(hold)
		<-done // in a real process main exits at the quit; the test lets the run end
		lines := strings.Count(strings.TrimSpace(string(mustRead(t, filepath.Join(e.state, "pamctl", "audit.jsonl")))), "\n") + 1
		assert.Equal(t, 1, lines, "one line per session, never two")
	})
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	return b
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// lockedBuffer is a buffer two goroutines may write (the run and the quit
// hook, as the process's stdout would allow).
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestHoldCutShort: Ctrl-C during a hold ends it with 130, after the run's
// own sessions were terminated and journaled.
func TestHoldCutShort(t *testing.T) {
	e := newEnv(t, pamsim.Options{}, nil, false)
	clk := clock.NewFake(time.Now())
	e.opts.Clock = clk
	e.opts.User = "mchen"
	e.opts.Yes = true
	e.opts.Hold = time.Hour
	e.opts.Interval = 5 * time.Second
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- terminateRun(ctx, e.opts) }()
	require.Eventually(t, func() bool { return clk.Waiters() > 0 && e.posts() == 1 }, 10*time.Second, time.Millisecond, "the hold waits for its next poll")
	cancel()
	err := <-done
	assert.Equal(t, cmdutil.ExitCancelled, exitCode(t, err), "%v", err)
	assert.Equal(t, "Completed", e.stateOf(t, "11111111-1111-4111-8111-000000000008"))
	assert.Contains(t, e.errOut.String(), "Hold of 1h0m0s interrupted after 0s: 1 poll, 0 new sessions seen, 0 of them terminated.")
	assert.Contains(t, string(mustRead(t, filepath.Join(e.state, "pamctl", "audit.jsonl"))), `"result":"terminated","verified":true`)
}

// A hold whose listings fail says how many of its polls went unanswered:
// a blind hold never reads as "0 new sessions seen" alone.
func TestHoldCountsUnansweredPolls(t *testing.T) {
	e := newEnv(t, pamsim.Options{}, nil, false)
	e.opts.Clock = clock.NewAuto(time.Now())
	e.opts.User = "mchen"
	e.opts.Yes = true
	e.opts.Hold = 30 * time.Second
	e.opts.Interval = 5 * time.Second
	// From the hold's second poll on, the Sessions Report answers 500
	// (not retried by the client, so nothing waits for real).
	e.sim.After(http.MethodGet, "/api/session/list", 4, func() {
		e.sim.AddFault(pamsim.Fault{Kind: pamsim.FaultStatus, Path: "/api/session/list", Status: 500})
	})
	err := terminateRun(context.Background(), e.opts)
	assert.Equal(t, cmdutil.ExitUnverified, exitCode(t, err), "%v", err)
	assert.Regexp(t, `Hold of 30s ended: \d+ polls \(\d+ unanswered\), 0 new sessions seen, 0 of them terminated\.`, e.errOut.String())
}
