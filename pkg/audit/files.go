package audit

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// DefaultMaxBytes is the size at which the journal rotates when
// PAMCTL_AUDIT_MAX_SIZE does not say otherwise: 64 MiB, some 200,000 lines.
const DefaultMaxBytes = 64 << 20

// MaxSizeEnv names the environment variable that sets the rotation size: a
// number of bytes, or a number with a KiB, MiB or GiB suffix.
const MaxSizeEnv = "PAMCTL_AUDIT_MAX_SIZE"

// ParseSize reads a rotation size: "1048576", "512KiB", "64MiB", "1GiB".
func ParseSize(s string) (int64, error) {
	units := []struct {
		suffix string
		mult   int64
	}{{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}, {"B", 1}}
	num, mult := strings.TrimSpace(s), int64(1)
	for _, u := range units {
		if strings.HasSuffix(num, u.suffix) {
			num, mult = strings.TrimSpace(strings.TrimSuffix(num, u.suffix)), u.mult
			break
		}
	}
	n, err := strconv.ParseInt(num, 10, 64)
	if err != nil || n < 1 || n > (1<<50)/mult {
		return 0, fmt.Errorf("%s=%q: want a size such as 64MiB, 512KiB or a number of bytes", MaxSizeEnv, s)
	}
	return n * mult, nil
}

// MaxBytesFrom returns the rotation size set by PAMCTL_AUDIT_MAX_SIZE in
// lookup's environment (none when nil), or DefaultMaxBytes. pamctl's
// environment is the one it was given (cmdutil.Factory.LookupEnv), never
// read from the process here.
func MaxBytesFrom(lookup func(string) (string, bool)) (int64, error) {
	if lookup == nil {
		return DefaultMaxBytes, nil
	}
	if v, ok := lookup(MaxSizeEnv); ok && v != "" {
		return ParseSize(v)
	}
	return DefaultMaxBytes, nil
}

// rotatedName is the name of the n-th rotated file of the journal at path:
// audit.jsonl becomes audit.000001.jsonl, audit.000002.jsonl, ... (oldest
// first; the numbers only grow, so no file is ever renamed twice).
func rotatedName(path string, n int) string {
	ext := filepath.Ext(path)
	return fmt.Sprintf("%s.%06d%s", strings.TrimSuffix(path, ext), n, ext)
}

// rotated lists the rotated files of the journal at path with their
// numbers, oldest first.
func rotated(path string) ([]string, int, error) {
	ext := filepath.Ext(path)
	base := strings.TrimSuffix(filepath.Base(path), ext)
	ents, err := os.ReadDir(filepath.Dir(path))
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, 0, nil
		}
		return nil, 0, fmt.Errorf("audit journal: %w", err)
	}
	type numbered struct {
		n    int
		name string
	}
	var found []numbered
	for _, e := range ents {
		mid, ok := strings.CutPrefix(e.Name(), base+".")
		if !ok {
			continue
		}
		mid, ok = strings.CutSuffix(mid, ext)
		if !ok || len(mid) < 6 || strings.Trim(mid, "0123456789") != "" {
			continue
		}
		n, err := strconv.Atoi(mid)
		if err != nil || n < 1 {
			continue
		}
		found = append(found, numbered{n, filepath.Join(filepath.Dir(path), e.Name())})
	}
	sort.Slice(found, func(i, j int) bool { return found[i].n < found[j].n })
	names := make([]string, len(found))
	last := 0
	for i, f := range found {
		names[i], last = f.name, f.n
	}
	return names, last, nil
}

// Files lists the journal's files in the order they were written: the
// rotated files, oldest first, then the journal itself (when it exists). A
// journal with no file at all is an error satisfying
// errors.Is(err, os.ErrNotExist).
func Files(path string) ([]string, error) {
	names, _, err := rotated(path)
	if err != nil {
		return nil, err
	}
	if _, err := os.Lstat(path); err == nil {
		names = append(names, path)
	} else if !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("audit journal: %w", err)
	}
	if len(names) == 0 {
		return nil, fmt.Errorf("audit journal %s: %w", path, os.ErrNotExist)
	}
	return names, nil
}

// openRead opens one journal file for reading, refusing a symbolic link or
// anything but a regular file, as Open does.
func openRead(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|noFollow, 0)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, err
		}
		if fi, lerr := os.Lstat(path); lerr == nil && fi.Mode()&os.ModeSymlink != 0 {
			return nil, fmt.Errorf("audit journal %s is a symbolic link; refusing to follow it", path)
		}
		return nil, fmt.Errorf("audit journal: %w", err)
	}
	if fi, err := f.Stat(); err != nil {
		f.Close()
		return nil, fmt.Errorf("audit journal: %w", err)
	} else if !fi.Mode().IsRegular() {
		f.Close()
		return nil, fmt.Errorf("audit journal %s is not a regular file", path)
	}
	return f, nil
}
