// Package audit is pamctl's local audit journal: one JSON line per session
// that a terminate run acted on, appended to
// $XDG_STATE_HOME/pamctl/audit.jsonl (mode 0600). The server keeps its own
// Events Report; the journal is the operator's side of the story (who ran
// pamctl, against which site, why, and what came back), kept even when the
// server's answer was lost. It never holds a credential: Entry has no field
// that could carry one.
package audit

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/pamctl/pamctl/pkg/plan"
)

// FileName is the journal's name inside the state directory.
const FileName = "audit.jsonl"

// Entry is one journal line.
type Entry struct {
	Time     time.Time `json:"time"`
	Operator string    `json:"operator"`
	Server   string    `json:"server"`
	Session  string    `json:"session"`
	Asset    string    `json:"asset"`
	AssetID  string    `json:"assetId,omitempty"`
	User     string    `json:"user"`
	Channels []string  `json:"channels"`
	Reason   string    `json:"reason"`
	Result   string    `json:"result"`
	Verified bool      `json:"verified"`
	Error    string    `json:"error,omitempty"`
	// Method and Path are set for a raw `pamctl api` call that can change
	// state (any method but GET).
	Method string `json:"method,omitempty"`
	Path   string `json:"path,omitempty"`
	// Approval is set for a line of an applied plan: its digest and who
	// planned and approved it (docs/plans.md); its members are the line's.
	*plan.Approval
}

// Path is the journal's location: $XDG_STATE_HOME/pamctl/audit.jsonl, or
// ~/.local/state/pamctl/audit.jsonl when XDG_STATE_HOME is unset or not
// absolute (the XDG rule). lookup is os.LookupEnv outside tests.
func Path(lookup func(string) (string, bool)) (string, error) {
	if lookup == nil {
		lookup = os.LookupEnv
	}
	if v, ok := lookup("XDG_STATE_HOME"); ok && filepath.IsAbs(v) {
		return filepath.Join(v, "pamctl", FileName), nil
	}
	home, ok := lookup("HOME")
	if !ok || !filepath.IsAbs(home) {
		h, err := os.UserHomeDir()
		if err != nil {
			return "", fmt.Errorf("audit journal: no XDG_STATE_HOME and no home directory: %w", err)
		}
		home = h
	}
	return filepath.Join(home, ".local", "state", "pamctl", FileName), nil
}

// Journal is an open audit journal. Its methods are safe for concurrent use.
type Journal struct {
	mu   sync.Mutex
	f    *os.File
	path string
}

// Open opens (creating it if needed) the journal at path for appending. The
// directory is created 0700 and the file 0600; an existing file with wider
// permissions is tightened to 0600. A symlink is refused, so the journal
// cannot be redirected into another file. Callers open the journal before
// they change anything, so a journal that cannot be written stops the run
// while nothing has been sent.
func Open(path string) (*Journal, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("audit journal: %w", err)
	}
	if fi, err := os.Lstat(path); err == nil && fi.Mode()&os.ModeSymlink != 0 {
		return nil, fmt.Errorf("audit journal %s is a symbolic link; refusing to follow it", path)
	} else if err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("audit journal: %w", err)
	}
	// O_NOFOLLOW closes the window between the Lstat above and the open.
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE|noFollow, 0o600)
	if err != nil {
		return nil, fmt.Errorf("audit journal: %w", err)
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("audit journal: %w", err)
	}
	if !fi.Mode().IsRegular() {
		f.Close()
		return nil, fmt.Errorf("audit journal %s is not a regular file", path)
	}
	if fi.Mode().Perm() != 0o600 {
		if err := f.Chmod(0o600); err != nil {
			f.Close()
			return nil, fmt.Errorf("audit journal: %w", err)
		}
	}
	return &Journal{f: f, path: path}, nil
}

// Append writes entries, one line each, and syncs the file. Each line is
// one write(2) on an O_APPEND file, so lines from concurrent pamctl runs
// do not interleave.
func (j *Journal) Append(entries ...Entry) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	for _, e := range entries {
		if e.Channels == nil {
			e.Channels = []string{}
		}
		e.Time = e.Time.UTC()
		b, err := json.Marshal(e)
		if err != nil {
			return fmt.Errorf("audit journal: %w", err)
		}
		if _, err := j.f.Write(append(b, '\n')); err != nil {
			return fmt.Errorf("audit journal %s: %w", j.path, err)
		}
	}
	if err := j.f.Sync(); err != nil {
		return fmt.Errorf("audit journal %s: %w", j.path, err)
	}
	return nil
}

// Close closes the journal.
func (j *Journal) Close() error {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.f.Close()
}
