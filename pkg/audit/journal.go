package audit

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"

	"github.com/pamctl/pamctl/pkg/redact"
)

// Options tune a Journal.
type Options struct {
	// MaxBytes is the size at which the journal rotates: a line that would
	// take the file past it goes into a new file, and the full one is
	// renamed audit.000001.jsonl, audit.000002.jsonl, ... (0: MaxBytesFrom
	// LookupEnv).
	MaxBytes int64
	// LookupEnv is pamctl's environment, for PAMCTL_AUDIT_MAX_SIZE (nil:
	// none, DefaultMaxBytes).
	LookupEnv func(string) (string, bool)
}

// Journal is an open audit journal. Its methods are safe for concurrent use,
// and pamctl runs on the same machine append in turn (a lock file beside the
// journal), so each line chains onto the line really before it.
type Journal struct {
	mu   sync.Mutex
	path string
	max  int64
	f    *os.File // the journal, O_APPEND
	lock *os.File // path + ".lock", flock(2)ed around each Append

	// The tail as last seen; valid while the file's size is size.
	size int64
	seq  uint64 // the last chained line's seq; 0: none, the next anchors
	last string // LineHash of that line
	torn bool   // the file ends without a newline: a write cut short

	red *redact.Redactor // see SetRedactor
}

// Open opens (creating it if needed) the journal at path for appending, with
// the rotation size DefaultMaxBytes. See OpenWith.
func Open(path string) (*Journal, error) { return OpenWith(path, Options{}) }

// OpenWith opens (creating it if needed) the journal at path for appending.
// The directory is created 0700 and the file 0600; an existing file with
// wider permissions is tightened to 0600. A symlink is refused, so the
// journal cannot be redirected into another file. A torn last line (a crash
// in the middle of a write) is fenced off with a newline now, so the next
// line never runs on from it; Verify reports the torn line. Callers open the
// journal before they change anything, so a journal that cannot be written
// stops the run while nothing has been sent.
func OpenWith(path string, opts Options) (*Journal, error) {
	limit := opts.MaxBytes
	if limit <= 0 {
		var err error
		if limit, err = MaxBytesFrom(opts.LookupEnv); err != nil {
			return nil, fmt.Errorf("audit journal: %w", err)
		}
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("audit journal: %w", err)
	}
	f, err := openAppend(path, 0)
	if err != nil {
		return nil, err
	}
	lock, err := os.OpenFile(path+".lock", os.O_RDWR|os.O_CREATE|noFollow, 0o600)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("audit journal lock: %w", err)
	}
	j := &Journal{path: path, max: limit, f: f, lock: lock, size: -1}
	if err := j.locked(func() error {
		if !j.torn {
			return nil
		}
		return j.write([]byte("\n"))
	}); err != nil {
		j.Close()
		return nil, err
	}
	return j, nil
}

// openAppend opens the journal file at path for appending (and reading its
// tail), refusing a symbolic link or anything but a regular file.
func openAppend(path string, extra int) (*os.File, error) {
	if fi, err := os.Lstat(path); err == nil && fi.Mode()&os.ModeSymlink != 0 {
		return nil, fmt.Errorf("audit journal %s is a symbolic link; refusing to follow it", path)
	} else if err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("audit journal: %w", err)
	}
	// O_NOFOLLOW closes the window between the Lstat above and the open.
	f, err := os.OpenFile(path, os.O_RDWR|os.O_APPEND|os.O_CREATE|noFollow|extra, 0o600)
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
	return f, nil
}

// locked runs fn holding the journal's lock, with the tail up to date.
func (j *Journal) locked(fn func() error) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	if err := lockFile(j.lock); err != nil {
		return fmt.Errorf("audit journal lock: %w", err)
	}
	defer func() { _ = unlockFile(j.lock) }()
	if err := j.refresh(); err != nil {
		return err
	}
	return fn()
}

// Append writes entries, one line each, and syncs the file. Each line is
// one write(2) on an O_APPEND file, made while holding the journal's lock,
// and carries the chain (Seq, Prev). The first error stops the writing and
// is returned naming the session whose line is missing: the lines before it
// are written, the ones after it are not.
func (j *Journal) Append(entries ...Entry) error {
	done := 0
	err := j.locked(func() error {
		for _, e := range entries {
			if err := j.appendOne(e); err != nil {
				return err
			}
			done++
		}
		return j.f.Sync()
	})
	switch {
	case err == nil:
		return nil
	case done < len(entries):
		return fmt.Errorf("audit journal %s: the line for session %q (and the %d after it) was not written: %w", j.path, entries[done].Session, len(entries)-done-1, err)
	default:
		return fmt.Errorf("audit journal %s: %w", j.path, err)
	}
}

// appendOne writes e as the chain's next line, rotating first when the
// line would take the file past the size limit.
func (j *Journal) appendOne(e Entry) error {
	if e.Channels == nil {
		e.Channels = []string{}
	}
	e.Time = e.Time.UTC()
	e.Seq, e.Prev = j.seq+1, j.last
	if j.seq == 0 {
		e.Prev = Anchor
	}
	b, err := json.Marshal(e)
	if err != nil {
		return err
	}
	// Redacted before it is hashed: the chain covers the bytes written.
	b = j.red.Bytes(b)
	line := append(b, '\n')
	if j.size > 0 && j.size+int64(len(line)) > j.max {
		if err := j.rotate(); err != nil {
			return err
		}
	}
	if err := j.write(line); err != nil {
		return err
	}
	j.seq, j.last = e.Seq, LineHash(b)
	return nil
}

// write writes p in one write(2), after a newline that fences off a torn
// last line.
func (j *Journal) write(p []byte) error {
	if j.torn && len(p) > 0 && p[0] != '\n' {
		p = append([]byte{'\n'}, p...)
	}
	n, err := j.f.Write(p)
	if err != nil {
		j.size = -1 // re-read the tail before the next line
		return err
	}
	j.size += int64(n)
	j.torn = false
	return nil
}

// Close closes the journal.
func (j *Journal) Close() error {
	j.mu.Lock()
	defer j.mu.Unlock()
	return errors.Join(j.f.Close(), j.lock.Close())
}
