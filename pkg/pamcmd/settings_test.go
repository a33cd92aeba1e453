package pamcmd

import (
	"context"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/pamctl/pamctl/pkg/iostreams"
)

// TestLoginRefusesAnEmptyUserContext: a server (or a proxy) that answers
// GET /api/user/context with {} must not make auth login store the token.
func TestLoginRefusesAnEmptyUserContext(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{}`))
	}))
	t.Cleanup(srv.Close)
	cfgHome := t.TempDir()
	env := map[string]string{"XDG_CONFIG_HOME": cfgHome, "PAMCTL_TOKEN_STORE": "file"}
	code, out, errOut := runWithStdin(env, "any-token\n", "auth", "login", "--with-token", "--server", srv.URL+"/ztna/a/root")
	assert.Equal(t, 1, code, errOut)
	assert.Empty(t, out)
	assert.Contains(t, errOut, "without a user name: that is not the 12Port user context")
	assert.Equal(t, 1, strings.Count(errOut, "\n"), "one line: %q", errOut)
	assert.NoFileExists(t, filepath.Join(cfgHome, "pamctl", "credentials.yaml"))
	assert.NoFileExists(t, filepath.Join(cfgHome, "pamctl", "config.yaml"))
}

// runWithStdin runs pamctl in-process like run, with stdin.
func runWithStdin(env map[string]string, stdin string, args ...string) (int, string, string) {
	ios, in, out, errOut := iostreams.Test()
	in.WriteString(stdin)
	code := Run(context.Background(), args, Deps{
		IOStreams: ios,
		LookupEnv: func(k string) (string, bool) { v, ok := env[k]; return v, ok },
		Keyring:   noKeyring{},
	})
	return code, out.String(), errOut.String()
}
