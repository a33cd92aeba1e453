// Package cmdutil holds what every command needs: the Factory of lazy
// dependencies, the error kinds that pamcmd.Main maps to exit codes, and
// argument and flag validators.
package cmdutil

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/pamctl/pamctl/pkg/prompt"
)

// Exit codes of docs/exit-codes.md. ExitCode (exit.go) is the only place that turns an
// error into one of these; commands return typed errors.
const (
	ExitOK         = 0
	ExitFailure    = 1
	ExitUsage      = 2
	ExitAuth       = 3
	ExitNotFound   = 4
	ExitPartial    = 5
	ExitRefused    = 6
	ExitUnverified = 7
	ExitTimeout    = 8
	ExitCancelled  = 130
)

// FlagError is a usage error: bad flag, bad value, missing argument (exit 2).
type FlagError struct{ Err error }

func (e *FlagError) Error() string { return e.Err.Error() }
func (e *FlagError) Unwrap() error { return e.Err }

// FlagErrorf builds a FlagError.
func FlagErrorf(format string, args ...any) error {
	return &FlagError{Err: fmt.Errorf(format, args...)}
}

// ErrCancel is the operator declining or pressing Ctrl-C (exit 130).
var ErrCancel = prompt.ErrCancelled

// ExitError carries an explicit exit code with a message already decided by
// the command (Message may be empty when the command printed its own).
type ExitError struct {
	Code    int
	Message string
	Err     error
}

func (e *ExitError) Error() string {
	if e.Message != "" {
		return e.Message
	}
	if e.Err != nil {
		return e.Err.Error()
	}
	return fmt.Sprintf("exit status %d", e.Code)
}

func (e *ExitError) Unwrap() error { return e.Err }

// Refusedf is a refusal for safety (exit 6): nothing was sent.
func Refusedf(format string, args ...any) error {
	return &ExitError{Code: ExitRefused, Message: fmt.Sprintf(format, args...)}
}

// AuthError is an authentication or permission failure, or missing
// credentials (exit 3).
type AuthError struct{ Err error }

func (e *AuthError) Error() string { return e.Err.Error() }
func (e *AuthError) Unwrap() error { return e.Err }

// NotFoundError is a session or asset that does not exist (exit 4).
type NotFoundError struct{ Err error }

func (e *NotFoundError) Error() string { return e.Err.Error() }
func (e *NotFoundError) Unwrap() error { return e.Err }

// NotFoundf builds a NotFoundError.
func NotFoundf(format string, args ...any) error {
	return &NotFoundError{Err: fmt.Errorf(format, args...)}
}

// ShowHelp is the RunE of a command group: bare, it prints its help; with
// an argument, cobra's NoArgs validator reports the unknown subcommand as
// a usage error (exit 2) instead of printing help and exiting 0.
func ShowHelp(cmd *cobra.Command, args []string) error {
	return cmd.Help()
}
