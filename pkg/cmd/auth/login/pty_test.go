package login

import (
	"os"
	"path/filepath"
	"regexp"
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
// a real terminal: the token is never echoed, and it is stored only after
// the server accepted it.
func TestPTYLogin(t *testing.T) {
	tests := []struct {
		name     string
		token    func(pamsim.Tokens) string
		wantCode int
		stored   bool
	}{
		{"a valid token is stored", func(tk pamsim.Tokens) string { return tk.Auditor }, 0, true},
		{"a refused token is not", func(pamsim.Tokens) string { return "pst_not-a-real-token" }, 3, false},
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

// TestPTYLoginColour: the questions are coloured on a terminal, and
// --no-color turns that off as NO_COLOR does (survey itself only knows
// the environment variable).
func TestPTYLoginColour(t *testing.T) {
	sgr := regexp.MustCompile(`\x1b\[[0-9;]*m`)
	tests := []struct {
		name      string
		env       []string
		args      []string
		wantColor bool
	}{
		{"colour by default", nil, nil, true},
		{"--no-color", nil, []string{"--no-color"}, false},
		{"NO_COLOR", []string{"NO_COLOR=1"}, nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, url := pamsim.Start(t, pamsim.Options{})
			home := t.TempDir()
			env := append([]string{
				"HOME=" + home,
				"XDG_CONFIG_HOME=" + filepath.Join(home, "config"),
				"PAMCTL_TOKEN_STORE=file",
			}, tt.env...)
			tm := ptytest.Start(t, env, append([]string{"auth", "login", "--server", url}, tt.args...)...)
			tm.WaitForPrompt("API token:", 2)
			tm.Send("pst_not-a-real-token\r")
			assert.Equal(t, 3, tm.Wait())
			out := tm.Output()
			question := out[:strings.Index(out, "API token:")]
			assert.Equal(t, tt.wantColor, sgr.MatchString(question), "%q", question)
		})
	}
}
