package output

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"unicode/utf16"
)

// newEncoder is the one way pamctl encodes JSON: &, < and > stay as they
// are. Its JSON goes to terminals, files and jq, never into an HTML page,
// so "R&D <prod>" reads as it came rather than as "R\u0026D \u003cprod\u003e".
func newEncoder(w io.Writer) *json.Encoder {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return enc
}

// compactJSON is v as one line of inert JSON, without a newline.
func compactJSON(v any) ([]byte, error) {
	var buf bytes.Buffer
	if err := newEncoder(&buf).Encode(v); err != nil {
		return nil, err
	}
	return inertJSON(bytes.TrimSuffix(buf.Bytes(), []byte("\n"))), nil
}

func writeJSON(w io.Writer, v any) error {
	var buf bytes.Buffer
	enc := newEncoder(&buf)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return err
	}
	_, err := w.Write(inertJSON(buf.Bytes()))
	return err
}

// WriteJSONLine writes v as one compact, inert line of JSON with one Write
// call, so a reader of a stream (jq, a log shipper, a SIEM) never sees half
// a line: the ndjson format, and the change lines of watch and follow.
func WriteJSONLine(w io.Writer, v any) error {
	b, err := compactJSON(v)
	if err != nil {
		return err
	}
	_, err = w.Write(append(b, '\n'))
	return err
}

// WriteRawJSON indents a JSON document as it came, keeping its key order,
// made inert like every JSON output.
func WriteRawJSON(w io.Writer, data []byte) error {
	var buf bytes.Buffer
	if err := json.Indent(&buf, data, "", "  "); err != nil {
		return err
	}
	buf.WriteByte('\n')
	_, err := w.Write(inertJSON(buf.Bytes()))
	return err
}

// WriteJSON writes v as indented JSON, made inert like every JSON output.
func WriteJSON(w io.Writer, v any) error { return writeJSON(w, v) }

// inertJSON escapes, as \uXXXX, the characters encoding/json leaves raw but
// a terminal would act on: DEL, C1 controls and Unicode format characters
// (bidi overrides). The JSON means exactly the same; it just cannot move
// the cursor or reorder a line.
func inertJSON(b []byte) []byte {
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
		if isInert(r) {
			if r > 0xffff {
				hi, lo := utf16.EncodeRune(r)
				fmt.Fprintf(&sb, `\u%04x\u%04x`, hi, lo)
			} else {
				fmt.Fprintf(&sb, `\u%04x`, r)
			}
			continue
		}
		sb.WriteRune(r)
	}
	return []byte(sb.String())
}
