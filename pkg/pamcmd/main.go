// Package pamcmd is pamctl's entry point as a library: Main builds the
// Factory and the command tree, runs the command, and turns every error
// into one line on stderr and one exit code of spec/CLI.md, here and only
// here. Tests (testscript) call Main in-process.
package pamcmd

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"runtime/debug"

	"github.com/spf13/cobra"

	"github.com/pamctl/pamctl/pkg/build"
	"github.com/pamctl/pamctl/pkg/cmdutil"
	"github.com/pamctl/pamctl/pkg/iostreams"
)

// Main runs pamctl with os.Args and the process streams, and returns the
// exit code.
func Main(ctx context.Context) int {
	return MainWith(ctx, Deps{})
}

// MainWith is Main with some of the process's dependencies given: main
// hands in the second-signal hooks; the test binary a clock.
func MainWith(ctx context.Context, d Deps) int {
	setMemoryLimit(softMemoryLimit)
	if d.IOStreams == nil {
		d.IOStreams = iostreams.System()
	}
	return Run(ctx, os.Args[1:], d)
}

// softMemoryLimit keeps a listing of 100,000 sessions under 64 MB of
// resident memory: without it the Go runtime lets the heap grow to twice
// the live data before collecting. It is soft: a larger listing still
// completes, with more garbage collection.
const softMemoryLimit = 48 << 20

// setMemoryLimit applies limit unless the operator set GOMEMLIMIT (the
// runtime then already holds a limit below math.MaxInt64).
func setMemoryLimit(limit int64) {
	if debug.SetMemoryLimit(-1) != math.MaxInt64 {
		return
	}
	debug.SetMemoryLimit(limit)
}

// Run runs pamctl with args and deps, and returns the exit code.
func Run(ctx context.Context, args []string, d Deps) int {
	f := NewFactory(d)
	cmd := newRootFor(f, build.Get().Version, args)
	cmd.SetArgs(args)
	cmd.SetIn(d.IOStreams.In)
	cmd.SetOut(d.IOStreams.Out)
	cmd.SetErr(d.IOStreams.ErrOut)
	// A command that finished its work returns nil even if Ctrl-C came
	// late; only the errors it returns decide the exit code.
	return HandleError(d.IOStreams.ErrOut, cmd.ExecuteContext(ctx))
}

// NewRootCmd is the full command tree.
func NewRootCmd(f *cmdutil.Factory) *cobra.Command {
	return newRoot(f, build.Get().Version)
}

// ExitCode maps an error to an exit code: cmdutil.ExitCode, the one home
// of that rule.
func ExitCode(err error) int { return cmdutil.ExitCode(err) }

// HandleError prints err as one line on stderr and returns the exit code.
func HandleError(errOut io.Writer, err error) int {
	code := ExitCode(err)
	if err == nil {
		return code
	}
	msg := Message(err)
	if code == cmdutil.ExitCancelled && errors.Is(err, cmdutil.ErrCancel) && msg == cmdutil.ErrCancel.Error() {
		msg = "cancelled; nothing was sent"
	}
	if msg != "" {
		fmt.Fprintf(errOut, "pamctl: %s\n", msg)
	}
	return code
}

// Message words an error for the operator: cmdutil.Explain.
func Message(err error) string { return cmdutil.Explain(err) }
