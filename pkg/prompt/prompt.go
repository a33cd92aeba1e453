// Package prompt asks the operator questions. It is the only importer of
// survey (unmaintained upstream): the Prompter interface keeps a move to
// another prompt library a change to this package alone. Ctrl-C in any
// question comes back as ErrCancelled.
package prompt

import (
	"errors"
	"io"

	"github.com/AlecAivazis/survey/v2"
	"github.com/AlecAivazis/survey/v2/terminal"
)

// ErrCancelled is Ctrl-C (or end of input) at a question. cmdutil.ErrCancel
// is this error, so Main maps it to exit 130.
var ErrCancelled = errors.New("cancelled")

// Prompter asks questions on a terminal.
type Prompter interface {
	// Confirm asks a yes/no question with a default answer.
	Confirm(message string, def bool) (bool, error)
	// Input asks for a line of text.
	Input(message, def string) (string, error)
	// Password asks for a secret without echoing it.
	Password(message string) (string, error)
}

// Streams are the terminal the prompter reads and writes (the command's
// IOStreams). survey needs file descriptors for raw mode: In and Out must
// be terminals (*os.File) for a question to be asked.
type Streams struct {
	In  io.Reader
	Out io.Writer
	Err io.Writer
	// NoColor writes the questions without ANSI colour (NO_COLOR,
	// --no-color): survey itself only knows the environment variable.
	NoColor bool
}

// ErrNoTerminal is a question asked on streams that are not a terminal;
// commands check IOStreams.CanPrompt first, so it means a bug.
var ErrNoTerminal = errors.New("cannot ask: the input or output is not a terminal")

// Survey is the Prompter backed by survey/v2.
type Survey struct {
	s Streams
}

// New returns a survey-backed Prompter on the given streams.
func New(s Streams) *Survey { return &Survey{s: s} }

func (p *Survey) opts() (survey.AskOpt, error) {
	in, ok := p.s.In.(terminal.FileReader)
	if !ok {
		return nil, ErrNoTerminal
	}
	out, ok := p.s.Out.(terminal.FileWriter)
	if !ok {
		return nil, ErrNoTerminal
	}
	if p.s.NoColor {
		out = &plainWriter{FileWriter: out}
	}
	return survey.WithStdio(in, out, p.s.Err), nil
}

// Confirm implements Prompter.
func (p *Survey) Confirm(message string, def bool) (bool, error) {
	var ok bool
	err := p.ask(&survey.Confirm{Message: message, Default: def}, &ok)
	return ok, err
}

// Input implements Prompter.
func (p *Survey) Input(message, def string) (string, error) {
	var s string
	err := p.ask(&survey.Input{Message: message, Default: def}, &s)
	return s, err
}

// Password implements Prompter.
func (p *Survey) Password(message string) (string, error) {
	var s string
	err := p.ask(&survey.Password{Message: message}, &s)
	return s, err
}

func (p *Survey) ask(q survey.Prompt, answer any) error {
	opt, err := p.opts()
	if err != nil {
		return err
	}
	return mapErr(survey.AskOne(q, answer, opt))
}

func mapErr(err error) error {
	if errors.Is(err, terminal.InterruptErr) {
		return ErrCancelled
	}
	if errors.Is(err, io.EOF) {
		return ErrCancelled
	}
	return err
}
