package terminate

import (
	"bytes"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/creack/pty"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pamctl/pamctl/pkg/pamsim"
)

// The confirmation through a real pseudo-terminal: the pamctl binary, built
// once, runs on a pty against pamsim on 127.0.0.1 and is answered keystroke
// by keystroke. survey asks the terminal for the cursor position (ESC[6n)
// once raw mode is on; the harness answers like a terminal would, and only
// then types, so a Ctrl-C arrives as a key and not as a signal.

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

func pamctlBinary(t *testing.T) string {
	t.Helper()
	if _, err := os.Stat("/dev/ptmx"); err != nil {
		t.Skip("no /dev/ptmx: pseudo-terminals are unavailable")
	}
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go toolchain to build pamctl")
	}
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "pamctl-pty-")
		if err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(dir, "pamctl")
		out, err := exec.Command(goBin, "build", "-o", binPath, "github.com/pamctl/pamctl/cmd/pamctl").CombinedOutput()
		if err != nil {
			buildErr = errors.New(string(out))
		}
	})
	require.NoError(t, buildErr)
	return binPath
}

func TestMain(m *testing.M) {
	code := m.Run()
	if binPath != "" {
		os.RemoveAll(filepath.Dir(binPath))
	}
	os.Exit(code)
}

// term is pamctl running on a pty.
type term struct {
	t    *testing.T
	ptmx *os.File
	cmd  *exec.Cmd

	mu      sync.Mutex
	buf     bytes.Buffer
	dsrSeen int // cursor-position queries answered
	done    chan struct{}
}

func startOnPTY(t *testing.T, sim *pamsim.Server, url string, args ...string) *term {
	t.Helper()
	bin := pamctlBinary(t)
	home := t.TempDir()
	cmd := exec.Command(bin, args...)
	cmd.Env = []string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + home,
		"XDG_CONFIG_HOME=" + filepath.Join(home, "config"),
		"XDG_STATE_HOME=" + filepath.Join(home, "state"),
		"PAMCTL_SERVER=" + url,
		"PAMCTL_TOKEN=" + sim.Tokens().Admin,
		"PAMCTL_TOKEN_STORE=file",
		"TERM=xterm",
		"NO_COLOR=1",
	}
	ptmx, err := pty.StartWithSize(cmd, &pty.Winsize{Rows: 50, Cols: 200})
	if errors.Is(err, os.ErrNotExist) || (err != nil && strings.Contains(err.Error(), "ptmx")) {
		t.Skipf("cannot open a pseudo-terminal: %v", err)
	}
	require.NoError(t, err)
	tm := &term{t: t, ptmx: ptmx, cmd: cmd, done: make(chan struct{})}
	go tm.read()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = ptmx.Close()
	})
	return tm
}

// read copies the terminal's output and answers cursor-position queries.
func (tm *term) read() {
	defer close(tm.done)
	chunk := make([]byte, 4096)
	scanned := 0
	for {
		n, err := tm.ptmx.Read(chunk)
		if n > 0 {
			tm.mu.Lock()
			tm.buf.Write(chunk[:n])
			for {
				i := bytes.Index(tm.buf.Bytes()[scanned:], []byte("\x1b[6n"))
				if i < 0 {
					break
				}
				scanned += i + 4
				tm.dsrSeen++
				_, _ = tm.ptmx.Write([]byte("\x1b[10;1R"))
			}
			tm.mu.Unlock()
		}
		if err != nil {
			return
		}
	}
}

func (tm *term) output() string {
	tm.mu.Lock()
	defer tm.mu.Unlock()
	return tm.buf.String()
}

// waitFor waits until the output holds s and the prompt reads keys (raw
// mode on: two cursor-position queries answered since the last wait).
func (tm *term) waitForPrompt(s string, dsrWant int) {
	tm.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		tm.mu.Lock()
		ok := strings.Contains(tm.buf.String(), s) && tm.dsrSeen >= dsrWant
		tm.mu.Unlock()
		if ok {
			time.Sleep(50 * time.Millisecond) // let survey read the answers
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	tm.t.Fatalf("timed out waiting for %q; output so far:\n%s", s, tm.output())
}

func (tm *term) send(keys string) {
	tm.t.Helper()
	_, err := io.WriteString(tm.ptmx, keys)
	require.NoError(tm.t, err)
}

// wait returns pamctl's exit code.
func (tm *term) wait() int {
	tm.t.Helper()
	errc := make(chan error, 1)
	go func() { errc <- tm.cmd.Wait() }()
	select {
	case err := <-errc:
		select {
		case <-tm.done:
		case <-time.After(2 * time.Second):
		}
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return ee.ExitCode()
		}
		require.NoError(tm.t, err)
		return 0
	case <-time.After(30 * time.Second):
		tm.t.Fatalf("pamctl did not exit; output:\n%s", tm.output())
		return -1
	}
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
			tm.waitForPrompt("cannot reconnect to this session", 2)
			out := tm.output()
			assert.Contains(t, out, "To terminate: 1 session")
			assert.Contains(t, out, "Terminate the session of bwilliams on db-prod-01")
			assert.Contains(t, out, "(y/N)", "the default is No")
			assert.Equal(t, 0, sim.CountRequests("POST", "/api/session/terminate/"), "nothing before the answer")
			tm.send(tt.keys)
			code := tm.wait()
			assert.Equal(t, tt.wantCode, code, tm.output())
			assert.Equal(t, tt.wantPosts, sim.CountRequests("POST", "/api/session/terminate/"))
			s, _ := sim.Session(s01)
			assert.Equal(t, tt.wantState, s.State)
			assert.Contains(t, tm.output(), tt.wantOut)
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
		{"the right number terminates them all", "3\r", 0, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sim, url := pamsim.Start(t, pamsim.Options{})
			tm := startOnPTY(t, sim, url, "sessions", "terminate", "--user", "bwilliams")
			tm.waitForPrompt("Type the number of sessions to terminate (3):", 2)
			assert.Contains(t, tm.output(), "will be disconnected and logged out")
			assert.Equal(t, 0, sim.CountRequests("POST", "/api/session/terminate/"))
			tm.send(tt.keys)
			assert.Equal(t, tt.wantCode, tm.wait(), tm.output())
			assert.Equal(t, tt.wantPosts, sim.CountRequests("POST", "/api/session/terminate/"))
		})
	}
}
