//go:build pty

package terminate

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/pamctl/pamctl/pkg/internal/ptytest"
	"github.com/pamctl/pamctl/pkg/pamsim"
)

// The confirmation through a real pseudo-terminal: the pamctl binary runs
// on a pty against pamsim on 127.0.0.1 and is answered keystroke by
// keystroke (see pkg/internal/ptytest).

func TestMain(m *testing.M) {
	code := m.Run()
	ptytest.Cleanup()
	os.Exit(code)
}

func startOnPTY(t *testing.T, sim *pamsim.Server, url string, args ...string) *ptytest.Term {
	t.Helper()
	home := t.TempDir()
	return ptytest.Start(t, []string{
		"HOME=" + home,
		"XDG_CONFIG_HOME=" + filepath.Join(home, "config"),
		"XDG_STATE_HOME=" + filepath.Join(home, "state"),
		"PAMCTL_SERVER=" + url,
		"PAMCTL_TOKEN=" + sim.Tokens().Admin,
		"PAMCTL_TOKEN_STORE=file",
		"NO_COLOR=1",
	}, args...)
}

func TestPTYConfirmOne(t *testing.T) {
	tests := []struct {
		name      string
		keys      string
		wantCode  int
		wantPosts int
		wantState string
		wantOut   string
	}{
		{"n sends nothing", "n\r", 130, 0, pamsim.StateActive, "not confirmed; nothing was sent"},
		{"Enter takes the default, No", "\r", 130, 0, pamsim.StateActive, "not confirmed; nothing was sent"},
		{"Ctrl-C sends nothing", "\x03", 130, 0, pamsim.StateActive, "cancelled; nothing was sent"},
		{"y terminates", "y\r", 0, 1, pamsim.StateCompleted, "message=Session terminated, channel=SSH"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sim, url := pamsim.Start(t, pamsim.Options{})
			tm := startOnPTY(t, sim, url, "sessions", "terminate", s01)
			tm.WaitForPrompt("cannot reconnect to this session", 2)
			out := tm.Output()
			assert.Contains(t, out, "To terminate: 1 session")
			assert.Contains(t, out, "Terminate the session of bwilliams on db-prod-01")
			assert.Contains(t, out, "(y/N)", "the default is No")
			assert.Equal(t, 0, sim.CountRequests("POST", "/api/session/terminate/"), "nothing before the answer")
			tm.Send(tt.keys)
			code := tm.Wait()
			assert.Equal(t, tt.wantCode, code, tm.Output())
			assert.Equal(t, tt.wantPosts, sim.CountRequests("POST", "/api/session/terminate/"))
			s, _ := sim.Session(s01)
			assert.Equal(t, tt.wantState, s.State)
			assert.Contains(t, tm.Output(), tt.wantOut)
		})
	}
}

func TestPTYTypedCount(t *testing.T) {
	tests := []struct {
		name      string
		keys      string
		wantCode  int
		wantPosts int
	}{
		{"the wrong number sends nothing", "2\r", 130, 0},
		{"y is not a number", "y\r", 130, 0},
		{"Ctrl-C sends nothing", "\x03", 130, 0},
		// The three web sessions end; the native-only one stays: exit 5.
		{"the right number terminates them all", "3\r", 5, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sim, url := pamsim.Start(t, pamsim.Options{})
			tm := startOnPTY(t, sim, url, "sessions", "terminate", "--user", "bwilliams")
			tm.WaitForPrompt("Type the number of sessions to terminate (3):", 2)
			assert.Contains(t, tm.Output(), "will be disconnected and logged out")
			assert.Equal(t, 0, sim.CountRequests("POST", "/api/session/terminate/"))
			tm.Send(tt.keys)
			assert.Equal(t, tt.wantCode, tm.Wait(), tm.Output())
			assert.Equal(t, tt.wantPosts, sim.CountRequests("POST", "/api/session/terminate/"))
		})
	}
}
