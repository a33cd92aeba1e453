package prompt

import "fmt"

// Stub is a Prompter for tests. A nil func fails the call loudly: a test
// that leaves ConfirmFunc nil proves the code under test never asks.
type Stub struct {
	ConfirmFunc  func(message string, def bool) (bool, error)
	InputFunc    func(message, def string) (string, error)
	PasswordFunc func(message string) (string, error)
	// Asked records every question, in order.
	Asked []string
}

// Confirm implements Prompter.
func (s *Stub) Confirm(message string, def bool) (bool, error) {
	s.Asked = append(s.Asked, message)
	if s.ConfirmFunc == nil {
		panic(fmt.Sprintf("prompt.Stub: unexpected Confirm(%q)", message))
	}
	return s.ConfirmFunc(message, def)
}

// Input implements Prompter.
func (s *Stub) Input(message, def string) (string, error) {
	s.Asked = append(s.Asked, message)
	if s.InputFunc == nil {
		panic(fmt.Sprintf("prompt.Stub: unexpected Input(%q)", message))
	}
	return s.InputFunc(message, def)
}

// Password implements Prompter.
func (s *Stub) Password(message string) (string, error) {
	s.Asked = append(s.Asked, message)
	if s.PasswordFunc == nil {
		panic(fmt.Sprintf("prompt.Stub: unexpected Password(%q)", message))
	}
	return s.PasswordFunc(message)
}
