//go:build unix

package audit

import "syscall"

// noFollow makes the open fail on a symbolic link.
const noFollow = syscall.O_NOFOLLOW
