package pamcmd

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/pamctl/pamctl/pkg/api"
	"github.com/pamctl/pamctl/pkg/clock"
	"github.com/pamctl/pamctl/pkg/cmdutil"
	"github.com/pamctl/pamctl/pkg/iostreams"
)

func TestExitCode(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want int
	}{
		{"nil", nil, 0},
		{"flag error", cmdutil.FlagErrorf("bad"), 2},
		{"server url", &api.ServerURLError{URL: "x", Reason: "y"}, 2},
		{"auth error", &cmdutil.AuthError{Err: errors.New("no token")}, 3},
		{"http 401", &api.HTTPError{StatusCode: 401}, 3},
		{"http 403 wrapped", fmt.Errorf("listing: %w", &api.HTTPError{StatusCode: 403}), 3},
		{"not found", cmdutil.NotFoundf("no asset"), 4},
		{"http 404", &api.HTTPError{StatusCode: 404}, 4},
		{"http 404 on a report: wrong URL", &api.HTTPError{StatusCode: 404, URL: "https://h/ztna/acme/nosuch/api/session/list?state=Active", Path: "/api/session/list", Report: "Sessions Report"}, 1},
		{"partial", &cmdutil.ExitError{Code: cmdutil.ExitPartial}, 5},
		{"refused", cmdutil.Refusedf("no --yes"), 6},
		{"unverified", &cmdutil.ExitError{Code: cmdutil.ExitUnverified}, 7},
		{"cancel", cmdutil.ErrCancel, 130},
		{"context cancelled", context.Canceled, 130},
		{"http 500", &api.HTTPError{StatusCode: 500}, 1},
		{"transport", &api.TransportError{Reason: "refused"}, 1},
		{"other", errors.New("boom"), 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, cmdutil.ExitCode(tt.err))
		})
	}
}

// TestMissingEndpointWording: a 404 from an endpoint every site has says
// honestly which of three things it is.
func TestMissingEndpointWording(t *testing.T) {
	wrongBase := cmdutil.Explain(&api.HTTPError{StatusCode: 404, Method: "GET", Path: "/api/session/list", Report: "Sessions Report"})
	assert.Contains(t, wrongBase, "check the tenant and site in the server URL")
	differs := cmdutil.Explain(&api.HTTPError{StatusCode: 404, Method: "GET", Path: "/api/session/list", Report: "Sessions Report", BaseWorks: true})
	assert.Equal(t, "this server does not answer the modeled Sessions Report endpoint GET /api/session/list (HTTP 404), although /api/user/context on the same base works: its API differs from pamctl's model; run `pamctl doctor --propose-contract --write` to map it (docs/contract-overlay.md)", differs)
	assert.NotContains(t, differs, "tenant")
	noContext := cmdutil.Explain(&api.HTTPError{StatusCode: 404, Method: "GET", Path: "/api/user/context", Report: "user context"})
	assert.Contains(t, noContext, "the URL is not a site's API base")
	assert.Equal(t, 4, cmdutil.ExitCode(&api.HTTPError{StatusCode: 404, Path: "/api/session/abc"}), "a missing session is 4")
}

func TestMessageWording(t *testing.T) {
	m401 := cmdutil.Explain(&api.HTTPError{StatusCode: 401, Method: "GET", URL: "https://h/ztna/a/root/api/session/list", Message: "x"})
	assert.Contains(t, m401, "invalid or expired, or its user lacks the permission")
	assert.Contains(t, m401, "GET /api/session/list")
	m403 := cmdutil.Explain(&api.HTTPError{StatusCode: 403, Method: "POST", URL: "https://h/ztna/a/root/api/session/terminate/1", Message: "needs Asset Manager"})
	assert.Contains(t, m403, "permission denied")
	assert.Contains(t, m403, "needs Asset Manager")
	assert.NotContains(t, cmdutil.Explain(errors.New("a\nb\x1b[2J")), "\n")
	assert.NotContains(t, cmdutil.Explain(errors.New("a\nb\x1b[2J")), "\x1b")
}

func run(t *testing.T, env map[string]string, args ...string) (int, string, string) {
	t.Helper()
	return runWith(env, nil, args...)
}

// runWith runs pamctl in-process with env as its whole environment, no OS
// keyring, and tr (nil: the real transport) under the API client.
func runWith(env map[string]string, tr http.RoundTripper, args ...string) (int, string, string) {
	ios, _, out, errOut := iostreams.Test()
	code := Run(context.Background(), args, Deps{
		IOStreams: ios,
		LookupEnv: func(k string) (string, bool) { v, ok := env[k]; return v, ok },
		Keyring:   noKeyring{},
		Transport: tr,
		// Waits (Retry-After, backoff, verification polls, the grace
		// before a retry) move a fake clock instead of the test's time.
		Clock: clock.NewAuto(time.Now()),
	})
	return code, out.String(), errOut.String()
}

type noKeyring struct{}

func (noKeyring) Get(string, string) (string, error) { return "", errors.New("none") }
func (noKeyring) Set(string, string, string) error   { return errors.New("none") }
func (noKeyring) Delete(string, string) error        { return errors.New("none") }

func TestRunWithoutConfigOrNetwork(t *testing.T) {
	env := map[string]string{"XDG_CONFIG_HOME": t.TempDir()}
	code, out, _ := run(t, env, "version")
	assert.Equal(t, 0, code)
	assert.Contains(t, out, "pamctl ")
	code, out, _ = run(t, env, "completion", "bash")
	assert.Equal(t, 0, code)
	assert.Contains(t, out, "bash completion")
	code, out, _ = run(t, env, "help", "exit-codes")
	assert.Equal(t, 0, code)
	assert.Contains(t, out, "130")
	code, out, _ = run(t, env, "--help")
	assert.Equal(t, 0, code)
	assert.Contains(t, out, "sessions")
}

func TestRunUsageErrors(t *testing.T) {
	env := map[string]string{"XDG_CONFIG_HOME": t.TempDir()}
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"--bogus"}, "unknown flag: --bogus"},
		{[]string{"nope"}, `unknown command "nope"`},
		{[]string{"completion", "tcsh"}, "invalid argument"},
		{[]string{"auth", "status", "-o", "xml"}, `output format "xml"`},
		{[]string{"auth", "status", "--timeout", "soon"}, `--timeout "soon"`},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			code, out, errOut := run(t, env, tt.args...)
			assert.Equal(t, 2, code)
			assert.Empty(t, out)
			assert.Contains(t, errOut, tt.want)
			assert.Equal(t, 1, strings.Count(errOut, "\n"), "one line: %q", errOut)
		})
	}
}

func TestNoCredentialsExit3(t *testing.T) {
	env := map[string]string{"XDG_CONFIG_HOME": t.TempDir(), "PAMCTL_SERVER": "https://pam.example.test/ztna/a/root"}
	code, _, errOut := run(t, env, "api", "/api/user/context")
	assert.Equal(t, 3, code)
	assert.Contains(t, errOut, "no API token")
	assert.Contains(t, errOut, "PAMCTL_TOKEN")
}

func TestPlainHTTPRefusedBeforeConnecting(t *testing.T) {
	env := map[string]string{"XDG_CONFIG_HOME": t.TempDir(), "PAMCTL_SERVER": "http://pam.example.test/ztna/a/root", "PAMCTL_TOKEN": "t"}
	var buf bytes.Buffer
	code, _, errOut := run(t, env, "api", "/api/user/context")
	buf.WriteString(errOut)
	assert.Equal(t, 2, code)
	assert.Contains(t, buf.String(), "plain http:// is refused")
}
