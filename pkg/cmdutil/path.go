package cmdutil

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
)

// InDir resolves a path the user gave (a flag, an environment variable)
// against dir, the directory pamctl runs in: a relative path is joined to
// dir; an absolute or empty path, or any path when dir is empty (the
// process's working directory), is returned as it is. Commands resolve
// every user-given path they open through it, with Factory.Dir, so pamctl
// run as a library (the test scripts run many at once in one process)
// never depends on the process's working directory. Messages keep the
// path as the user wrote it.
func InDir(dir, p string) string {
	if dir == "" || p == "" || filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(dir, p)
}

// ReadFile reads the user-given path p (resolved against dir: InDir); an
// error names p as the user wrote it.
func ReadFile(dir, p string) ([]byte, error) {
	data, err := os.ReadFile(InDir(dir, p))
	var pe *fs.PathError
	if errors.As(err, &pe) {
		pe.Path = p
	}
	return data, err
}
