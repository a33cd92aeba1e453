package audit

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
)

// refresh brings the journal's view of the tail up to date, under the lock:
// another pamctl may have appended, rotated the file away or crashed in the
// middle of a line since this one last wrote.
func (j *Journal) refresh() error {
	cur, err := os.Lstat(j.path)
	mine, ferr := j.f.Stat()
	if ferr != nil {
		return fmt.Errorf("audit journal %s: %w", j.path, ferr)
	}
	if err != nil || !os.SameFile(cur, mine) {
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("audit journal: %w", err)
		}
		f, err := openAppend(j.path, 0)
		if err != nil {
			return err
		}
		j.f.Close()
		j.f, j.size = f, -1
		if mine, err = f.Stat(); err != nil {
			return fmt.Errorf("audit journal %s: %w", j.path, err)
		}
	}
	if mine.Size() == j.size {
		return nil
	}
	return j.loadTail(mine.Size())
}

// loadTail finds the last chained line, in this file or, when it has none,
// in the rotated files before it, reading backwards, and whether the file
// ends in a torn line.
func (j *Journal) loadTail(size int64) error {
	j.size, j.seq, j.last, j.torn = size, 0, "", false
	found := false
	visit := func(line []byte, torn, _ bool) error {
		if torn {
			j.torn = true
		}
		if c, ok := chained(line); ok && json.Valid(line) {
			j.seq, j.last, found = c.Seq, LineHash(line), true
			return errStop
		}
		return nil
	}
	if err := stopped(eachLineBackward(j.f, size, visit)); err != nil {
		return err
	}
	if found {
		return nil
	}
	torn := j.torn
	names, _, err := rotated(j.path)
	if err != nil {
		return err
	}
	for i := len(names) - 1; i >= 0 && !found; i-- {
		if err := stopped(walkFileBackward(names[i], visit)); err != nil {
			return err
		}
	}
	j.torn = torn
	return nil
}

// walkFileBackward runs eachLineBackward over the file at path.
func walkFileBackward(path string, fn func(line []byte, torn, tooLong bool) error) error {
	f, err := openRead(path)
	if err != nil {
		return err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return fmt.Errorf("audit journal: %w", err)
	}
	return eachLineBackward(f, fi.Size(), fn)
}

// rotate renames the full journal to the next rotated name and starts a new
// file; the chain runs on. A torn last line is fenced off first.
func (j *Journal) rotate() error {
	if j.torn {
		if err := j.write([]byte("\n")); err != nil {
			return err
		}
	}
	_, last, err := rotated(j.path)
	if err != nil {
		return err
	}
	next := rotatedName(j.path, last+1)
	if _, err := os.Lstat(next); !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("rotating: %s already exists", next)
	}
	if err := os.Rename(j.path, next); err != nil {
		return fmt.Errorf("rotating: %w", err)
	}
	f, err := openAppend(j.path, os.O_EXCL)
	if err != nil {
		return err
	}
	j.f.Close()
	j.f, j.size = f, 0
	return nil
}
