// Package ptytest runs the real pamctl binary on a pseudo-terminal, so tests
// can answer its questions keystroke by keystroke as a person would. survey
// asks the terminal for the cursor position (ESC[6n) once raw mode is on;
// Term answers like a terminal, and WaitForPrompt waits for that before
// keys are typed, so a Ctrl-C arrives as a key and not as a signal.
package ptytest

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
	"github.com/stretchr/testify/require"
)

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

// Binary builds the pamctl binary once per test process and returns its
// path; it skips the test where no pseudo-terminal or Go toolchain exists.
// Call Cleanup from TestMain to remove it.
func Binary(t *testing.T) string {
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

// Cleanup removes the binary Binary built.
func Cleanup() {
	if binPath != "" {
		os.RemoveAll(filepath.Dir(binPath))
	}
}

// Term is pamctl running on a pty.
type Term struct {
	t    *testing.T
	ptmx *os.File
	cmd  *exec.Cmd

	mu      sync.Mutex
	buf     bytes.Buffer
	dsrSeen int // cursor-position queries answered
	done    chan struct{}
}

// Start runs the binary with args on a 50x200 pseudo-terminal, with env as
// its whole environment (PATH and TERM=xterm are added). The process is
// killed at the end of the test.
func Start(t *testing.T, env []string, args ...string) *Term {
	t.Helper()
	bin := Binary(t)
	cmd := exec.Command(bin, args...)
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "TERM=xterm"}, env...)
	ptmx, err := pty.StartWithSize(cmd, &pty.Winsize{Rows: 50, Cols: 200})
	if errors.Is(err, os.ErrNotExist) || (err != nil && strings.Contains(err.Error(), "ptmx")) {
		t.Skipf("cannot open a pseudo-terminal: %v", err)
	}
	require.NoError(t, err)
	tm := &Term{t: t, ptmx: ptmx, cmd: cmd, done: make(chan struct{})}
	go tm.read()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = ptmx.Close()
	})
	return tm
}

// read copies the terminal's output and answers cursor-position queries.
func (tm *Term) read() {
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

// Output is everything the terminal showed so far.
func (tm *Term) Output() string {
	tm.mu.Lock()
	defer tm.mu.Unlock()
	return tm.buf.String()
}

// WaitForPrompt waits until the output holds s and the prompt reads keys:
// survey asks for the cursor position once raw mode is on, so dsrWant
// answered queries (2 for a first question) mean keys will be read as keys.
func (tm *Term) WaitForPrompt(s string, dsrWant int) {
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
	tm.t.Fatalf("timed out waiting for %q; output so far:\n%s", s, tm.Output())
}

// Send types keys.
func (tm *Term) Send(keys string) {
	tm.t.Helper()
	_, err := io.WriteString(tm.ptmx, keys)
	require.NoError(tm.t, err)
}

// Wait returns pamctl's exit code.
func (tm *Term) Wait() int {
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
		tm.t.Fatalf("pamctl did not exit; output:\n%s", tm.Output())
		return -1
	}
}
