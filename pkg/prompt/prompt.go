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

// Streams are the terminal the survey prompter reads and writes; survey
// needs file descriptors for raw mode.
type Streams struct {
	In  terminal.FileReader
	Out terminal.FileWriter
	Err io.Writer
}

// Survey is the Prompter backed by survey/v2.
type Survey struct {
	s Streams
}

// New returns a survey-backed Prompter on the given terminal streams.
func New(s Streams) *Survey { return &Survey{s: s} }

func (p *Survey) opts() survey.AskOpt {
	return survey.WithStdio(p.s.In, p.s.Out, p.s.Err)
}

// Confirm implements Prompter.
func (p *Survey) Confirm(message string, def bool) (bool, error) {
	var ok bool
	err := survey.AskOne(&survey.Confirm{Message: message, Default: def}, &ok, p.opts())
	return ok, mapErr(err)
}

// Input implements Prompter.
func (p *Survey) Input(message, def string) (string, error) {
	var s string
	err := survey.AskOne(&survey.Input{Message: message, Default: def}, &s, p.opts())
	return s, mapErr(err)
}

// Password implements Prompter.
func (p *Survey) Password(message string) (string, error) {
	var s string
	err := survey.AskOne(&survey.Password{Message: message}, &s, p.opts())
	return s, mapErr(err)
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
