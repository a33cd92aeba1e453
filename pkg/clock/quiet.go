package clock

import (
	"bytes"
	"reflect"
	"runtime"
	"strings"
)

// The goroutine dump is read for two names: the stepper (any clock's, never
// work) and pamctl's module (a system call or a real sleep made by pamctl's
// code is work; one made elsewhere, like os/signal's loop or a test runner
// waiting for a child process, is a goroutine blocked on the outside world).
var (
	clockPkg    = pkgOf(runtime.FuncForPC(reflect.ValueOf(pkgOf).Pointer()).Name())
	modulePath  = strings.TrimSuffix(clockPkg, "pkg/clock")
	stepperFunc = clockPkg + ".(*Fake).step("
)

// pkgOf is the package path of a function's full name.
func pkgOf(fn string) string {
	slash := strings.LastIndexByte(fn, '/')
	dot := strings.IndexByte(fn[slash+1:], '.')
	if dot < 0 {
		return fn
	}
	return fn[:slash+1+dot]
}

// scanner reads the process's goroutine dump; its buffer is reused.
type scanner struct{ buf []byte }

// quiet is whether, at one instant (the dump stops the world), every
// goroutine but the caller and the steppers was blocked: none running,
// runnable or in pamctl's own system call or real sleep.
func (s *scanner) quiet() bool {
	if s.buf == nil {
		s.buf = make([]byte, 64<<10)
	}
	for {
		n := runtime.Stack(s.buf, true)
		if n < len(s.buf) {
			return dumpQuiet(s.buf[:n])
		}
		s.buf = make([]byte, 2*len(s.buf))
	}
}

// dumpQuiet judges a dump whose first goroutine is the caller.
func dumpQuiet(dump []byte) bool {
	gs := bytes.Split(dump, []byte("\n\n"))
	for _, g := range gs[1:] {
		if working(string(g)) {
			return false
		}
	}
	return true
}

// working is whether one goroutine of the dump is doing work.
func working(g string) bool {
	if strings.Contains(g, stepperFunc) {
		return false
	}
	header, _, _ := strings.Cut(g, "\n")
	_, state, ok := strings.Cut(header, "[")
	if !ok {
		return false
	}
	state, _, _ = strings.Cut(state, "]")
	state, _, _ = strings.Cut(state, ",")
	switch state {
	case "running", "runnable", "preempted", "copystack", "GC assist wait", "GC assist marking":
		return true
	case "syscall", "sleep":
		return ownFrame(g)
	}
	return false
}

// ownFrame is whether the goroutine's stack runs through pamctl's non-test
// code (outside this package).
func ownFrame(g string) bool {
	for line := range strings.SplitSeq(g, "\n") {
		if !strings.HasPrefix(line, modulePath) {
			continue
		}
		fn, _, _ := strings.Cut(line, "(")
		pkg := pkgOf(fn)
		if pkg != clockPkg && !strings.HasSuffix(pkg, "_test") {
			return true
		}
	}
	return false
}
