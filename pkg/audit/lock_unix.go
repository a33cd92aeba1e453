//go:build unix

package audit

import (
	"os"
	"syscall"
)

// lockFile takes an exclusive lock on f (flock), waiting for it: pamctl runs
// on one machine append to one journal in turn, so each line chains onto
// the line really before it.
func lockFile(f *os.File) error {
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX)
		if err != syscall.EINTR {
			return err
		}
	}
}

func unlockFile(f *os.File) error { return syscall.Flock(int(f.Fd()), syscall.LOCK_UN) }
