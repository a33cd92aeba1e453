package api

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	pamapi "github.com/pamctl/pamctl/pkg/api"
	"github.com/pamctl/pamctl/pkg/cmdutil"
	"github.com/pamctl/pamctl/pkg/config"
	"github.com/pamctl/pamctl/pkg/httpmock"
	"github.com/pamctl/pamctl/pkg/iostreams"
	"github.com/pamctl/pamctl/pkg/prompt"
)

func TestNewCmdAPI(t *testing.T) {
	tests := []struct {
		args    string
		want    APIOptions
		wantErr string
	}{
		{args: "/api/user/context", want: APIOptions{Path: "/api/user/context", Method: "GET"}},
		{args: "session/list -X post -y", want: APIOptions{Path: "session/list", Method: "POST"}},
		{args: `x --data {"a":1} -X PUT --yes`, want: APIOptions{Path: "x", Method: "PUT", Data: `{"a":1}`}},
		{args: "x -X BREW", wantErr: `--method "BREW"`},
		{args: "x --data {nope", wantErr: "--data is not valid JSON"},
		{args: "../../etc", wantErr: "give a path under the site's /api"},
		{args: "https://evil.example.test/api", wantErr: "give a path under the site's /api"},
		{args: "", wantErr: "accepts 1 arg"},
	}
	for _, tt := range tests {
		t.Run(tt.args, func(t *testing.T) {
			ios, _, _, _ := iostreams.Test()
			f := &cmdutil.Factory{IOStreams: ios}
			var got *APIOptions
			cmd := NewCmdAPI(f, func(o *APIOptions) error { got = o; return nil })
			cmd.SetArgs(strings.Fields(tt.args))
			cmd.SetOut(io.Discard)
			cmd.SetErr(io.Discard)
			err := cmd.Execute()
			if tt.wantErr != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want.Path, got.Path)
			assert.Equal(t, tt.want.Method, got.Method)
			assert.Equal(t, tt.want.Data, got.Data)
		})
	}
}

func TestAPIRun(t *testing.T) {
	reg := &httpmock.Registry{}
	reg.Register("list", httpmock.QueryMatcher("GET", "/ztna/a/root/api/session/list", map[string]string{"state": "Active"}),
		httpmock.JSONResponse(200, map[string]any{"total": 0, "items": []any{}}))
	reg.Register("post", func(r *http.Request) bool {
		return r.Method == "POST" && strings.HasSuffix(r.URL.Path, "/api/thing") && r.Header.Get("Content-Type") == "application/json"
	}, httpmock.JSONResponse(200, map[string]any{"ok": true}))
	t.Cleanup(func() { reg.Verify(t) })
	ios, _, out, _ := iostreams.Test()
	client := func() (*pamapi.Client, error) {
		return pamapi.New(pamapi.Options{Server: "https://pam.example.test/ztna/a/root", Token: "test-token-0123456789", Transport: reg})
	}
	require.NoError(t, apiRun(context.Background(), &APIOptions{IO: ios, APIClient: client, Path: "session/list?state=Active", Method: "GET"}))
	assert.Contains(t, out.String(), `"total": 0`)
	out.Reset()
	state := t.TempDir()
	lookup := func(k string) (string, bool) { return state, k == "XDG_STATE_HOME" }
	require.NoError(t, apiRun(context.Background(), &APIOptions{IO: ios, APIClient: client, LookupEnv: lookup, Now: time.Now, Path: "/api/thing", Method: "POST", Data: `{"x":1}`, Yes: true, Reason: "INC-7"}))
	assert.Contains(t, out.String(), `"ok": true`)
	var body bytes.Buffer
	_, _ = body.ReadFrom(reg.Requests[len(reg.Requests)-1].Body)
	assert.Equal(t, `{"x":1}`, body.String())
	j, err := os.ReadFile(filepath.Join(state, "pamctl", "audit.jsonl"))
	require.NoError(t, err)
	assert.Contains(t, string(j), `"reason":"INC-7","result":"ok","verified":false,"method":"POST","path":"/api/thing"`)
}

// TestAPIWritesNeedConfirmation: a method other than GET is refused
// without a terminal and --yes (exit 6), and asks on a terminal; either
// way nothing is sent unless confirmed.
func TestAPIWritesNeedConfirmation(t *testing.T) {
	run := func(t *testing.T, tty bool, confirm func(string, bool) (bool, error), args ...string) (*httpmock.Registry, error) {
		reg := &httpmock.Registry{}
		ios, _, _, _ := iostreams.Test()
		ios.SetStdinTTY(tty)
		ios.SetStdoutTTY(tty)
		ios.SetStderrTTY(tty)
		f := &cmdutil.Factory{IOStreams: ios, Now: time.Now,
			LookupEnv: func(k string) (string, bool) { return t.TempDir(), k == "XDG_STATE_HOME" },
			Prompter:  func() prompt.Prompter { return &prompt.Stub{ConfirmFunc: confirm} },
			Settings:  func() (*config.Settings, error) { return &config.Settings{Output: "table"}, nil },
			APIClient: func() (*pamapi.Client, error) {
				return pamapi.New(pamapi.Options{Server: "https://pam.example.test/ztna/a/root", Token: "test-token-0123456789", Transport: reg})
			}}
		cmd := NewCmdAPI(f, nil)
		cmd.SetArgs(args)
		cmd.SetOut(io.Discard)
		cmd.SetErr(io.Discard)
		return reg, cmd.Execute()
	}
	t.Run("no terminal, no --yes: refused, nothing sent", func(t *testing.T) {
		reg, err := run(t, false, nil, "-X", "POST", "session/terminate/11111111-1111-4111-8111-000000000001")
		var ee *cmdutil.ExitError
		require.ErrorAs(t, err, &ee)
		assert.Equal(t, cmdutil.ExitRefused, ee.Code)
		assert.Contains(t, err.Error(), "pass --yes")
		assert.Empty(t, reg.Requests)
	})
	t.Run("terminal, declined: nothing sent", func(t *testing.T) {
		var asked string
		reg, err := run(t, true, func(msg string, def bool) (bool, error) {
			asked = msg
			assert.False(t, def, "defaults to No")
			return false, nil
		}, "-X", "DELETE", "thing/1")
		var ee *cmdutil.ExitError
		require.ErrorAs(t, err, &ee)
		assert.Equal(t, cmdutil.ExitCancelled, ee.Code)
		assert.Contains(t, asked, "Send DELETE /api/thing/1")
		assert.Empty(t, reg.Requests)
	})
}
