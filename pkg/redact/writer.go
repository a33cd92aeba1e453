package redact

import (
	"io"
	"sync"
)

// Writer redacts everything written through it before it reaches the
// underlying writer. A spelling of a secret may be cut between two
// writes: the Writer holds back the tail that could begin one (at most a
// spelling's length) until the next write shows whether it does. Flush
// writes what is held; call it before the process ends or hands the
// terminal to something else.
type Writer struct {
	mu   sync.Mutex
	w    io.Writer
	r    *Redactor
	held []byte
}

// NewWriter wraps w with r. A nil r, or one without secrets, redacts
// nothing but still holds nothing back.
func NewWriter(w io.Writer, r *Redactor) *Writer {
	return &Writer{w: w, r: r}
}

// Redactor is the redactor the writer uses (to add a secret later).
func (w *Writer) Redactor() *Redactor { return w.r }

// Unwrap is the underlying writer.
func (w *Writer) Unwrap() io.Writer { return w.w }

// Write redacts p. It reports len(p) written when the underlying write of
// what could be released succeeds.
func (w *Writer) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.r.Empty() && len(w.held) == 0 {
		return w.w.Write(p)
	}
	s := string(w.held) + string(p)
	out, hold := w.r.scan(s, false)
	w.held = append(w.held[:0], s[hold:]...)
	if out != "" {
		if _, err := io.WriteString(w.w, out); err != nil {
			return 0, err
		}
	}
	return len(p), nil
}

// Flush redacts and writes what is held back.
func (w *Writer) Flush() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.held) == 0 {
		return nil
	}
	out := w.r.String(string(w.held))
	w.held = w.held[:0]
	_, err := io.WriteString(w.w, out)
	return err
}

// Close flushes, and closes the underlying writer when it is a Closer.
func (w *Writer) Close() error {
	err := w.Flush()
	if c, ok := w.w.(io.Closer); ok {
		if cerr := c.Close(); err == nil {
			err = cerr
		}
	}
	return err
}
