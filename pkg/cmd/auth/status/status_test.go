package status

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pamctl/pamctl/pkg/api"
	"github.com/pamctl/pamctl/pkg/cmdutil"
	"github.com/pamctl/pamctl/pkg/config"
	"github.com/pamctl/pamctl/pkg/httpmock"
	"github.com/pamctl/pamctl/pkg/iostreams"
	"github.com/pamctl/pamctl/pkg/output"
)

func TestNewCmdStatus(t *testing.T) {
	ios, _, _, _ := iostreams.Test()
	f := &cmdutil.Factory{IOStreams: ios}
	called := false
	cmd := NewCmdStatus(f, func(*StatusOptions) error { called = true; return nil })
	cmd.SetArgs([]string{"extra"})
	cmd.SetOut(&bytes.Buffer{})
	cmd.SetErr(&bytes.Buffer{})
	require.Error(t, cmd.Execute(), "no arguments accepted")
	assert.False(t, called)
	cmd.SetArgs(nil)
	require.NoError(t, cmd.Execute())
	assert.True(t, called)
}

func TestStatusRun(t *testing.T) {
	const tok = "secret-token-value"
	tests := []struct {
		name     string
		status   int
		body     any
		format   output.Format
		wantOut  []string
		wantAuth bool
	}{
		{"valid", 200, map[string]any{"user": map[string]any{"name": "jdoe", "displayName": "Jane Doe"}, "space": map[string]any{"name": "root"}, "roles": []string{"Auditor"}},
			output.Table, []string{"User:          jdoe (Jane Doe)", "Site roles:    Auditor", "Token from:    env", "Token valid:   yes"}, false},
		{"no site role", 200, map[string]any{"user": map[string]any{"name": "amanager"}, "roles": []string{}},
			output.Table, []string{"Site roles:    none (per-asset permissions only)"}, false},
		{"json", 200, map[string]any{"user": map[string]any{"name": "jdoe"}, "roles": []string{"Administrator"}},
			output.JSON, []string{`"valid": true`, `"roles": [`, `"tokenSource": "env"`}, false},
		{"refused 401", 401, map[string]any{"message": "Unauthorized"}, output.Table, []string{"Token valid:   no"}, true},
		{"refused 401 json", 401, map[string]any{"message": "Unauthorized"}, output.JSON, []string{`"valid": false`, `"error": "the server refused the token (HTTP 401 on GET /api/user/context): it is invalid or expired, or its user lacks the permission for this"`}, true},
		{"forbidden 403", 403, map[string]any{"message": "Forbidden"}, output.Table, []string{"Token valid:   no"}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			reg := &httpmock.Registry{}
			reg.Register("ctx", httpmock.REST("GET", "/api/user/context"), httpmock.JSONResponse(tt.status, tt.body))
			t.Cleanup(func() { reg.Verify(t) })
			ios, _, out, errOut := iostreams.Test()
			opts := &StatusOptions{
				IO: ios,
				Settings: func() (*config.Settings, error) {
					return &config.Settings{Server: "https://pam.example.test/ztna/a/root", Profile: "default", TokenSource: "env"}, nil
				},
				APIClient: func() (*api.Client, error) {
					return api.New(api.Options{Server: "https://pam.example.test/ztna/a/root", Token: tok, Transport: reg})
				},
				Output: func() (output.Options, error) { return output.Options{Format: tt.format}, nil },
			}
			err := statusRun(context.Background(), opts)
			if tt.wantAuth {
				var ae *cmdutil.AuthError
				require.ErrorAs(t, err, &ae)
				assert.Equal(t, cmdutil.ExitAuth, cmdutil.ExitCode(err))
				assert.NotContains(t, cmdutil.Explain(err), "pamctl auth status", "auth status is the check: it does not send you to itself")
			} else {
				require.NoError(t, err)
			}
			for _, w := range tt.wantOut {
				assert.Contains(t, out.String(), w)
			}
			assert.NotContains(t, out.String()+errOut.String(), tok)
		})
	}
	t.Run("no credentials", func(t *testing.T) {
		ios, _, out, _ := iostreams.Test()
		opts := &StatusOptions{
			IO: ios,
			Settings: func() (*config.Settings, error) {
				return &config.Settings{Profile: "default", TokenSource: "none"}, nil
			},
			APIClient: func() (*api.Client, error) { return nil, &cmdutil.AuthError{Err: errors.New("no server configured")} },
			Output:    func() (output.Options, error) { return output.Options{Format: output.Table}, nil },
		}
		err := statusRun(context.Background(), opts)
		var ae *cmdutil.AuthError
		require.ErrorAs(t, err, &ae)
		assert.Contains(t, out.String(), "Server:        (none: pass --server")
	})
}

// TestStatusUnknownValidity: an answer that says nothing about the token
// is "unknown" on stdout, with the reason once, in the error line, and
// exit 1, never "no" and exit 3.
func TestStatusUnknownValidity(t *testing.T) {
	const tok = "secret-token-value"
	tests := []struct {
		name    string
		resp    httpmock.Responder
		format  output.Format
		wantOut string
	}{
		{"503", httpmock.JSONResponse(503, map[string]any{"message": "maintenance"}), output.Table,
			"the server answered HTTP 503 (maintenance) to GET /api/user/context"},
		{"html page", httpmock.StringResponse(200, "text/html", "<html><body>Sign in</body></html>"), output.Table,
			"the server answered with an HTML page"},
		{"no answer", func(*http.Request) (*http.Response, error) { return nil, context.DeadlineExceeded }, output.Table,
			"no answer within the"},
		{"not the user context", httpmock.JSONResponse(200, map[string]any{}), output.Table,
			"the answer to GET /api/user/context has no user name"},
		{"json says null", httpmock.JSONResponse(503, map[string]any{"message": "maintenance"}), output.JSON,
			`"valid": null`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			reg := &httpmock.Registry{}
			reg.Register("ctx", httpmock.REST("GET", "/api/user/context"), tt.resp)
			t.Cleanup(func() { reg.Verify(t) })
			ios, _, out, errOut := iostreams.Test()
			opts := &StatusOptions{
				IO: ios,
				Settings: func() (*config.Settings, error) {
					return &config.Settings{Server: "https://pam.example.test/ztna/a/root", Profile: "default", TokenSource: "keyring"}, nil
				},
				APIClient: func() (*api.Client, error) {
					return api.New(api.Options{Server: "https://pam.example.test/ztna/a/root", Token: tok, Transport: reg, MaxTries: 1})
				},
				Output: func() (output.Options, error) { return output.Options{Format: tt.format}, nil },
			}
			err := statusRun(context.Background(), opts)
			require.Error(t, err)
			var ae *cmdutil.AuthError
			assert.False(t, errors.As(err, &ae), "unknown is not an auth failure")
			var ee *cmdutil.ExitError
			require.ErrorAs(t, err, &ee)
			assert.Equal(t, cmdutil.ExitFailure, ee.Code)
			assert.Contains(t, err.Error(), "token validity unknown: ")
			if tt.format == output.Table {
				assert.Contains(t, out.String(), "Token valid:   unknown\n")
				assert.Contains(t, err.Error(), tt.wantOut, "the reason, once, in the error line")
				assert.NotContains(t, out.String(), tt.wantOut)
			} else {
				assert.Contains(t, out.String(), tt.wantOut)
			}
			assert.NotContains(t, out.String(), "Token valid:   no")
			assert.NotContains(t, out.String()+errOut.String()+err.Error(), tok)
		})
	}
	t.Run("empty PAMCTL_TOKEN is a usage error", func(t *testing.T) {
		ios, _, out, _ := iostreams.Test()
		opts := &StatusOptions{
			IO: ios,
			Settings: func() (*config.Settings, error) {
				return &config.Settings{Profile: "default", TokenSource: "none"}, nil
			},
			APIClient: func() (*api.Client, error) { return nil, &cmdutil.FlagError{Err: config.ErrEmptyTokenEnv} },
			Output:    func() (output.Options, error) { return output.Options{Format: output.Table}, nil },
		}
		err := statusRun(context.Background(), opts)
		var fe *cmdutil.FlagError
		require.ErrorAs(t, err, &fe)
		assert.Contains(t, out.String(), "Token valid:   unknown\n")
		assert.Contains(t, err.Error(), "PAMCTL_TOKEN is set but empty")
	})
}
