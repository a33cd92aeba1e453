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
	"strings"

	"github.com/spf13/cobra"

	"github.com/pamctl/pamctl/pkg/api"
	"github.com/pamctl/pamctl/pkg/build"
	"github.com/pamctl/pamctl/pkg/cmdutil"
	"github.com/pamctl/pamctl/pkg/iostreams"
	"github.com/pamctl/pamctl/pkg/text"
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
	cmd := NewRootCmd(f)
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

// ExitCode maps an error to the exit codes of spec/CLI.md.
func ExitCode(err error) int {
	var (
		flagErr *cmdutil.FlagError
		exitErr *cmdutil.ExitError
		authErr *cmdutil.AuthError
		nfErr   *cmdutil.NotFoundError
		urlErr  *api.ServerURLError
	)
	switch {
	case err == nil:
		return cmdutil.ExitOK
	case errors.As(err, &exitErr):
		return exitErr.Code
	case errors.Is(err, cmdutil.ErrCancel), errors.Is(err, context.Canceled):
		return cmdutil.ExitCancelled
	case errors.As(err, &flagErr), errors.As(err, &urlErr):
		return cmdutil.ExitUsage
	case errors.As(err, &authErr), api.IsAuth(err):
		return cmdutil.ExitAuth
	case endpointNotFound(err):
		return cmdutil.ExitFailure
	case errors.As(err, &nfErr), api.IsNotFound(err):
		return cmdutil.ExitNotFound
	}
	return cmdutil.ExitFailure
}

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

// Message words an error for the operator: one line, server text made
// inert, 401 and 403 explained the way 12Port means them.
func Message(err error) string {
	var he *api.HTTPError
	var exitErr *cmdutil.ExitError
	if errors.As(err, &exitErr) && exitErr.Message == "" && exitErr.Err == nil {
		return ""
	}
	msg := err.Error()
	if errors.As(err, &he) && msg == he.Error() {
		switch he.StatusCode {
		case 401:
			msg = fmt.Sprintf("the server refused the token (HTTP 401 on %s %s): it is invalid or expired, or its user lacks the permission for this; check with `pamctl auth status`", he.Method, pathOf(he.URL))
		case 403:
			msg = fmt.Sprintf("permission denied (HTTP 403 on %s %s): %s", he.Method, pathOf(he.URL), he.Message)
		case 404:
			msg = fmt.Sprintf("not found (HTTP 404 on %s %s): %s", he.Method, pathOf(he.URL), he.Message)
			if endpointNotFound(err) {
				msg = fmt.Sprintf("the server has no %s (HTTP 404): check the tenant and site in the server URL (https://host:6443/ztna/<tenant>/<site>)", pathOf(he.URL))
			}
		}
	}
	return oneLine(msg)
}

// endpointNotFound reports a 404 from an endpoint that always exists on a
// 12Port site (a report, the user context): the URL is wrong (usually the
// tenant or site), not a session or asset. It is an error (1), not "not
// found" (4).
func endpointNotFound(err error) bool {
	var he *api.HTTPError
	if !errors.As(err, &he) || he.StatusCode != 404 {
		return false
	}
	p := pathOf(he.URL)
	if i := strings.IndexByte(p, '?'); i >= 0 {
		p = p[:i]
	}
	return strings.HasSuffix(p, "/list") || strings.HasSuffix(p, "/user/context")
}

func pathOf(u string) string {
	if i := strings.Index(u, "/api/"); i >= 0 {
		return u[i:]
	}
	return u
}

func oneLine(s string) string {
	s = strings.TrimSpace(s)
	s = strings.ReplaceAll(s, "\r\n", "; ")
	s = strings.ReplaceAll(s, "\n", "; ")
	return text.Safe(s)
}
