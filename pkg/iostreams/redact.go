package iostreams

import (
	"io"
	"os"

	"github.com/pamctl/pamctl/pkg/redact"
)

// Redact wraps Out and ErrOut so that every byte written through them
// passes r: a secret r learns, even after this call (pamcmd hands r to
// every API client it builds), never reaches stdout or stderr in any
// spelling pkg/redact knows. Call Flush once the command is done. A second
// call changes nothing.
func (s *IOStreams) Redact(r *redact.Redactor) {
	if s.redactor != nil || r == nil {
		return
	}
	s.redactor = r
	s.rawErrOut = s.ErrOut
	s.outW = redact.NewWriter(s.Out, r)
	s.errW = redact.NewWriter(s.ErrOut, r)
	s.Out, s.ErrOut = s.outW, s.errW
}

// Redactor is the redactor given to Redact, or nil.
func (s *IOStreams) Redactor() *redact.Redactor { return s.redactor }

// Flush writes what the redacting writers hold back (the start of what
// might have been a secret, cut between two writes).
func (s *IOStreams) Flush() {
	if s.outW != nil {
		_ = s.outW.Flush()
	}
	if s.errW != nil {
		_ = s.errW.Flush()
	}
}

// PromptOut is stderr for a terminal question: redacted write by write,
// with nothing held back (a question must show before its answer is read),
// and keeping the terminal's file descriptor, which the prompter needs.
func (s *IOStreams) PromptOut() io.Writer {
	if s.redactor == nil {
		return s.ErrOut
	}
	s.Flush()
	w := &promptWriter{w: s.rawErrOut, r: s.redactor}
	if f, ok := s.rawErrOut.(*os.File); ok {
		return &fdPromptWriter{promptWriter: w, fd: f.Fd()}
	}
	return w
}

type promptWriter struct {
	w io.Writer
	r *redact.Redactor
}

func (p *promptWriter) Write(b []byte) (int, error) {
	if _, err := p.w.Write(p.r.Bytes(b)); err != nil {
		return 0, err
	}
	return len(b), nil
}

type fdPromptWriter struct {
	*promptWriter
	fd uintptr
}

func (p *fdPromptWriter) Fd() uintptr { return p.fd }
