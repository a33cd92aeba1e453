// Package ndjson writes newline-delimited JSON, one object a line, for the
// commands that stream (sessions watch, events list --follow): each line is
// written whole and at once, so a reader (jq, a log shipper) sees it as soon
// as it happens and never half a line. Like every JSON pamctl prints, the
// text is inert: the characters a terminal would act on are \u-escaped.
package ndjson

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"unicode/utf16"

	"github.com/pamctl/pamctl/pkg/output"
	"github.com/pamctl/pamctl/pkg/text"
)

// Format is the -o value of this output. pkg/output may not know it yet;
// Resolve accepts it either way.
const Format = "ndjson"

// Writer writes one JSON value a line.
type Writer struct {
	w   io.Writer
	buf bytes.Buffer
	enc *json.Encoder
}

// New returns a Writer on w.
func New(w io.Writer) *Writer {
	nw := &Writer{w: w}
	nw.enc = json.NewEncoder(&nw.buf)
	nw.enc.SetEscapeHTML(false)
	return nw
}

// Write encodes v on one line and writes the line with one Write call.
func (nw *Writer) Write(v any) error {
	nw.buf.Reset()
	if err := nw.enc.Encode(v); err != nil {
		return err
	}
	_, err := nw.w.Write(inert(nw.buf.Bytes()))
	return err
}

// Resolve reads -o for a streaming command: the output options, and
// whether ndjson was asked for. It accepts "ndjson" even before pkg/output
// lists it.
func Resolve(out func() (output.Options, error), raw func() string, tty bool) (output.Options, bool, error) {
	o, err := out()
	if err == nil {
		return o, strings.EqualFold(string(o.Format), Format), nil
	}
	if raw != nil && strings.EqualFold(strings.TrimSpace(raw()), Format) {
		return output.Options{Format: output.Format(Format), TTY: tty}, true, nil
	}
	return o, false, err
}

// inert escapes what encoding/json leaves raw but a terminal acts on: DEL,
// C1 controls and format characters (bidi overrides).
func inert(b []byte) []byte {
	needs := false
	for _, r := range string(b) {
		if isInert(r) {
			needs = true
			break
		}
	}
	if !needs {
		return b
	}
	var sb strings.Builder
	for _, r := range string(b) {
		if !isInert(r) {
			sb.WriteRune(r)
			continue
		}
		if r > 0xffff {
			hi, lo := utf16.EncodeRune(r)
			fmt.Fprintf(&sb, `\u%04x\u%04x`, hi, lo)
			continue
		}
		fmt.Fprintf(&sb, `\u%04x`, r)
	}
	return []byte(sb.String())
}

func isInert(r rune) bool {
	return r == 0x7f || (r >= 0x80 && r <= 0x9f) || text.IsFormat(r)
}
