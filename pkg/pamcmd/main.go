// Package pamcmd is pamctl's entry point as a library: Main builds the
// Factory and the command tree, runs the command, and prints every error
// as one line on stderr (cmdutil.Explain) with one exit code of
// docs/exit-codes.md (cmdutil.ExitCode). Run is pamctl as a library: the
// streams, the environment and the working directory come in Deps, so the
// test scripts run many pamctl at once in one process.
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
	"github.com/pamctl/pamctl/pkg/redact"
)

// Main runs pamctl with os.Args and the process streams, and returns the
// exit code.
func Main(ctx context.Context) int {
	return MainWith(ctx, Deps{})
}

// MainWith is Main with some of the process's dependencies given: main
// hands in the second-signal hooks; the test binary a clock.
func MainWith(ctx context.Context, d Deps) int {
	if d.LookupEnv == nil {
		d.LookupEnv = os.LookupEnv
	}
	setMemoryLimit(softMemoryLimit, d.LookupEnv)
	if d.IOStreams == nil {
		d.IOStreams = iostreams.System(d.LookupEnv)
	}
	return Run(ctx, os.Args[1:], d)
}

// softMemoryLimit keeps a listing of 100,000 sessions under 64 MB of
// resident memory: without it the Go runtime lets the heap grow to twice
// the live data before collecting. It is soft: a larger listing still
// completes, with more garbage collection.
const softMemoryLimit = 48 << 20

// gcPercent is the heap growth allowed between collections (Go's default
// is 100). pamctl waits on the network far more than it computes, so
// collecting twice as often costs little, and it keeps a streaming listing
// of any size (-o json, ndjson, csv) under 32 MB: see make bench-list.
const gcPercent = 50

// setMemoryLimit applies limit unless the operator set GOMEMLIMIT (the
// runtime then already holds a limit below math.MaxInt64), and gcPercent
// unless the operator set GOGC. Both are the process's: only MainWith, a
// process's entry, sets them, never Run.
func setMemoryLimit(limit int64, lookupEnv func(string) (string, bool)) {
	if _, ok := lookupEnv("GOGC"); !ok {
		debug.SetGCPercent(gcPercent)
	}
	if debug.SetMemoryLimit(-1) != math.MaxInt64 {
		return
	}
	debug.SetMemoryLimit(limit)
}

// Run runs pamctl with args and deps, and returns the exit code.
func Run(ctx context.Context, args []string, d Deps) int {
	// Every byte written to stdout and stderr passes one redactor, which
	// learns each API token as its client is built (NewClient).
	d.IOStreams.Redact(redact.New())
	defer d.IOStreams.Flush()
	// A second Ctrl-C exits from main: what the writers hold goes out first.
	defer d.Interrupts.OnQuit(d.IOStreams.Flush)()
	f := NewFactory(d)
	cmd := newRootFor(f, build.Get().Version, args)
	cmd.SetArgs(args)
	cmd.SetIn(d.IOStreams.In)
	cmd.SetOut(d.IOStreams.Out)
	cmd.SetErr(d.IOStreams.ErrOut)
	// A command that finished its work returns nil even if Ctrl-C came
	// late; only the errors it returns decide the exit code.
	ran, err := cmd.ExecuteContextC(ctx)
	return HandleError(d.IOStreams.ErrOut, cmdutil.WithNarrowHint(ran, err))
}

// NewRootCmd is the full command tree.
func NewRootCmd(f *cmdutil.Factory) *cobra.Command {
	return newRoot(f, build.Get().Version)
}

// HandleError prints err as one line on stderr and returns the exit code.
func HandleError(errOut io.Writer, err error) int {
	code := cmdutil.ExitCode(err)
	if err == nil {
		return code
	}
	msg := cmdutil.Explain(err)
	if code == cmdutil.ExitCancelled && errors.Is(err, cmdutil.ErrCancel) && msg == cmdutil.ErrCancel.Error() {
		msg = "cancelled; nothing was sent"
	}
	if msg != "" {
		fmt.Fprintf(errOut, "pamctl: %s\n", msg)
	}
	return code
}
