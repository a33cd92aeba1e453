//go:build pty

// The one test that runs pamctl on a real pseudo-terminal (make test-pty):
// it types for real and waits for the terminal. Everything else about the
// questions is tested with a prompt.Stub (login_test.go) and in pkg/prompt.

package login

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pamctl/pamctl/pkg/internal/ptytest"
	"github.com/pamctl/pamctl/pkg/pamsim"
)

func TestMain(m *testing.M) {
	code := m.Run()
	ptytest.Cleanup()
	os.Exit(code)
}

// TestPTYLogin types the server and the token at auth login's questions on
// a real terminal: the token is never echoed, and it is stored 0600 after
// the server accepted it.
func TestPTYLogin(t *testing.T) {
	tests := []struct {
		name     string
		token    func(pamsim.Tokens) string
		wantCode int
		stored   bool
	}{
		{"a valid token is stored", func(tk pamsim.Tokens) string { return tk.Auditor }, 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sim, url := pamsim.Start(t, pamsim.Options{})
			home := t.TempDir()
			cfgDir := filepath.Join(home, "config", "pamctl")
			tm := ptytest.Start(t, []string{
				"HOME=" + home,
				"XDG_CONFIG_HOME=" + filepath.Join(home, "config"),
				"PAMCTL_TOKEN_STORE=file",
				"NO_COLOR=1",
			}, "auth", "login")
			tm.WaitForPrompt("Site API base URL", 2)
			tm.Send(url + "\r")
			tm.WaitForPrompt("API token:", 4)
			token := tt.token(sim.Tokens())
			tm.Send(token + "\r")
			code := tm.Wait()
			out := tm.Output()
			assert.Equal(t, tt.wantCode, code, out)
			assert.NotContains(t, out, token, "the token is never echoed")
			creds, err := os.ReadFile(filepath.Join(cfgDir, "credentials.yaml"))
			if !tt.stored {
				assert.True(t, os.IsNotExist(err), "nothing saved for a refused token")
				assert.Contains(t, out, "rejected the token; nothing was saved")
				return
			}
			require.NoError(t, err)
			assert.True(t, strings.Contains(string(creds), token))
			fi, err := os.Stat(filepath.Join(cfgDir, "credentials.yaml"))
			require.NoError(t, err)
			assert.Equal(t, os.FileMode(0o600), fi.Mode().Perm())
			assert.Contains(t, out, "Logged in to "+url+" as auditor (Auditor)")
		})
	}
}
