package prompt

import "github.com/AlecAivazis/survey/v2/terminal"

// plainWriter drops ANSI colour (SGR: ESC [ ... m) from what survey
// writes, and passes every other byte, cursor movements and line erases
// included, so the questions still redraw. It keeps the descriptor
// (FileWriter's Fd) survey needs to measure the terminal.
type plainWriter struct {
	terminal.FileWriter
	// seq holds an escape sequence that is not complete yet: survey may
	// split one across writes.
	seq []byte
}

// Write implements io.Writer. It reports len(p) when the stripped bytes
// were written, since the caller's bytes were all consumed.
func (w *plainWriter) Write(p []byte) (int, error) {
	out := make([]byte, 0, len(p))
	for _, b := range p {
		switch {
		case len(w.seq) == 0 && b == 0x1b:
			w.seq = append(w.seq, b)
		case len(w.seq) == 0:
			out = append(out, b)
		case len(w.seq) == 1 && b != '[':
			// Not a CSI sequence: pass it on.
			out = append(out, w.seq...)
			out = append(out, b)
			w.seq = w.seq[:0]
		case len(w.seq) == 1 || (b >= 0x20 && b <= 0x3f):
			// '[' or a parameter/intermediate byte.
			w.seq = append(w.seq, b)
		default:
			// The final byte: drop colour, keep everything else.
			if b != 'm' {
				out = append(out, w.seq...)
				out = append(out, b)
			}
			w.seq = w.seq[:0]
		}
	}
	if len(out) > 0 {
		if _, err := w.FileWriter.Write(out); err != nil {
			return 0, err
		}
	}
	return len(p), nil
}
