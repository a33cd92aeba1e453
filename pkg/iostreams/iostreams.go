// Package iostreams holds the process's streams and knows which of them are
// terminals, so commands decide in one place whether they may prompt, use
// colour, or print relative times.
package iostreams

import (
	"bytes"
	"io"
	"os"

	"golang.org/x/term"

	"github.com/pamctl/pamctl/pkg/redact"
)

// IOStreams are the command's stdin, stdout and stderr.
type IOStreams struct {
	In     io.Reader
	Out    io.Writer
	ErrOut io.Writer

	stdinTTY  bool
	stdoutTTY bool
	stderrTTY bool
	colour    bool

	// Set by Redact.
	redactor   *redact.Redactor
	rawErrOut  io.Writer
	outW, errW *redact.Writer
}

// System wraps the process streams; lookup is the environment (NO_COLOR,
// TERM decide colour on a terminal).
func System(lookup func(string) (string, bool)) *IOStreams {
	ios := &IOStreams{In: os.Stdin, Out: os.Stdout, ErrOut: os.Stderr}
	ios.stdinTTY = isTerminal(os.Stdin)
	ios.stdoutTTY = isTerminal(os.Stdout)
	ios.stderrTTY = isTerminal(os.Stderr)
	ios.colour = colourFor(ios.stdoutTTY, lookup)
	return ios
}

func isTerminal(f *os.File) bool {
	return term.IsTerminal(int(f.Fd()))
}

// Test returns streams over buffers, none of them a terminal.
func Test() (ios *IOStreams, in *bytes.Buffer, out *bytes.Buffer, errOut *bytes.Buffer) {
	in, out, errOut = &bytes.Buffer{}, &bytes.Buffer{}, &bytes.Buffer{}
	return &IOStreams{In: in, Out: out, ErrOut: errOut}, in, out, errOut
}

// IsStdinTTY reports whether stdin is a terminal.
func (s *IOStreams) IsStdinTTY() bool { return s.stdinTTY }

// IsStdoutTTY reports whether stdout is a terminal.
func (s *IOStreams) IsStdoutTTY() bool { return s.stdoutTTY }

// IsStderrTTY reports whether stderr is a terminal.
func (s *IOStreams) IsStderrTTY() bool { return s.stderrTTY }

// SetStdinTTY lets tests pretend stdin is (or is not) a terminal.
func (s *IOStreams) SetStdinTTY(v bool) { s.stdinTTY = v }

// SetStdoutTTY lets tests pretend stdout is (or is not) a terminal.
func (s *IOStreams) SetStdoutTTY(v bool) { s.stdoutTTY = v }

// SetStderrTTY lets tests pretend stderr is (or is not) a terminal.
func (s *IOStreams) SetStderrTTY(v bool) { s.stderrTTY = v }

// CanPrompt reports whether a question may be asked: stdin and stdout must
// both be terminals (docs/environment.md), and stderr too, since the question is
// written there. A command that would need to ask fails fast otherwise;
// it never hangs on a pipe.
func (s *IOStreams) CanPrompt() bool { return s.stdinTTY && s.stdoutTTY && s.stderrTTY }

// ColorEnabled reports whether ANSI colour may be written to the terminal
// (the prompts follow it).
func (s *IOStreams) ColorEnabled() bool { return s.colour }

// SetColorEnabled turns colour on or off (--no-color, tests).
func (s *IOStreams) SetColorEnabled(v bool) { s.colour = v }

// colourFor decides colour for a terminal: on unless NO_COLOR is set and
// not empty (https://no-color.org) or TERM is dumb. --no-color turns it off
// later, through SetColorEnabled.
func colourFor(tty bool, lookup func(string) (string, bool)) bool {
	if !tty {
		return false
	}
	if v, _ := lookup("NO_COLOR"); v != "" {
		return false
	}
	term, _ := lookup("TERM")
	return term != "dumb"
}
