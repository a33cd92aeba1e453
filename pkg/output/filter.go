package output

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/itchyny/gojq"

	"github.com/pamctl/pamctl/pkg/text"
)

// ExprError is a --jq expression or a --template that cannot run: it does
// not parse, names an unknown function, or fails on the data. The operator's
// input is what is wrong, so the command layer maps it to a usage error
// (exit 2); this package does not import cmdutil, hence its own type.
type ExprError struct {
	// Flag is the flag that carried the expression: "jq" or "template".
	Flag string
	// Expr is the expression as given.
	Expr string
	// Offset is the byte offset in Expr at which parsing failed, or -1
	// when the error has no position (or its position is in Err).
	Offset int
	// Parse is set when the expression did not parse or compile; a clear
	// Parse means it failed on the data.
	Parse bool
	Err   error
}

func (e *ExprError) Error() string {
	expr := text.Safe(e.Expr)
	if r := []rune(expr); len(r) > 60 {
		expr = string(r[:59]) + "…"
	}
	// The cause may quote the data (gojq: cannot add: string ("...")).
	cause := text.Safe(e.Err.Error())
	if !e.Parse {
		return fmt.Sprintf("--%s %q failed: %s", e.Flag, expr, cause)
	}
	if e.Offset >= 0 {
		return fmt.Sprintf("bad --%s expression %q: %s at offset %d", e.Flag, expr, cause, e.Offset)
	}
	return fmt.Sprintf("bad --%s expression %q: %s", e.Flag, expr, cause)
}

func (e *ExprError) Unwrap() error { return e.Err }

// filtered reports --jq or --template.
func (o Options) filtered() bool { return o.JQ != "" || o.Template != "" }

// Validate checks --jq and --template before any work is done, so a typo
// fails at once, before a request is sent. They work on JSON data: with one
// of them set the returned Options have Format JSON (a command treats the
// output as machine output), and an explicit -o of another format
// (formatGiven) is refused. The error is an *ExprError for an expression
// that does not parse, else a plain error; both are usage errors.
func (o Options) Validate(formatGiven bool) (Options, error) {
	if !o.filtered() {
		return o, nil
	}
	if o.JQ != "" && o.Template != "" {
		return o, errors.New("--jq and --template cannot be used together: pick one")
	}
	flag := "--jq"
	if o.Template != "" {
		flag = "--template"
	}
	if formatGiven && o.Format != JSON {
		return o, fmt.Errorf("%s works on the JSON output; it cannot be combined with -o %s", flag, o.Format)
	}
	o.Format = JSON
	if o.JQ != "" {
		if _, err := compileJQ(o.JQ); err != nil {
			return o, err
		}
		return o, nil
	}
	if _, err := newTemplate(o).parse(o.Template); err != nil {
		return o, err
	}
	return o, nil
}

// applyFilter renders v, through its JSON form, with o.JQ or o.Template.
func applyFilter(w io.Writer, o Options, v any) error {
	data, err := jsonValue(v)
	if err != nil {
		return err
	}
	if o.JQ != "" {
		return runJQ(w, o.JQ, data)
	}
	return runTemplate(w, o, data)
}

// PrintRawJSON prints a JSON document as it came (indented, in its own key
// order, made inert: see WriteRawJSON), or, with o.JQ or o.Template set,
// what the expression makes of it. pamctl api prints the server's answer
// through it.
func PrintRawJSON(w io.Writer, o Options, data []byte) error {
	if !o.filtered() {
		return WriteRawJSON(w, data)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return fmt.Errorf("the answer is not JSON: %w", err)
	}
	if o.JQ != "" {
		return runJQ(w, o.JQ, v)
	}
	return runTemplate(w, o, v)
}

// jsonValue is v as the generic value -o json would print: field names and
// formats are the JSON ones, numbers are kept exact as json.Number.
func jsonValue(v any) (any, error) {
	var buf bytes.Buffer
	if err := newEncoder(&buf).Encode(v); err != nil {
		return nil, err
	}
	dec := json.NewDecoder(&buf)
	dec.UseNumber()
	var data any
	if err := dec.Decode(&data); err != nil {
		return nil, err
	}
	return data, nil
}

func compileJQ(expr string) (*gojq.Code, error) {
	q, err := gojq.Parse(expr)
	if err != nil {
		offset := -1
		var pe *gojq.ParseError
		if errors.As(err, &pe) {
			offset = min(max(pe.Offset-len(pe.Token), 0), len(expr))
		}
		return nil, &ExprError{Flag: "jq", Expr: expr, Offset: offset, Parse: true, Err: err}
	}
	// No environment loader: $ENV and env are empty, so an expression
	// cannot print PAMCTL_TOKEN.
	code, err := gojq.Compile(q)
	if err != nil {
		return nil, &ExprError{Flag: "jq", Expr: expr, Offset: -1, Parse: true, Err: err}
	}
	return code, nil
}

// runJQ prints each result of expr on data on its own line, as jq -r does:
// a string raw (made inert, tabs and newlines kept: see safeLines), anything else as compact
// JSON (made inert like all JSON). Results are printed as they come; an
// error stops the run after the results before it.
func runJQ(w io.Writer, expr string, data any) error {
	code, err := compileJQ(expr)
	if err != nil {
		return err
	}
	bw := bufio.NewWriter(w)
	iter := code.Run(data)
	for {
		v, ok := iter.Next()
		if !ok {
			break
		}
		if err, ok := v.(error); ok {
			var he *gojq.HaltError
			if errors.As(err, &he) && he.Value() == nil {
				break // halt: stop, successfully
			}
			_ = bw.Flush()
			return &ExprError{Flag: "jq", Expr: expr, Offset: -1, Err: err}
		}
		if s, ok := v.(string); ok {
			bw.WriteString(safeLines(s))
		} else {
			b, err := gojq.Marshal(v)
			if err != nil {
				return err
			}
			bw.Write(inertJSON(b))
		}
		bw.WriteByte('\n')
	}
	return bw.Flush()
}

// safeLines is text.Safe except for tab and newline, which a jq string
// result uses to lay out lines and fields (@tsv, "\(.id)\t\(.user)"). Every
// other control character (ESC, CR, C1), bidi override and bad byte is
// escaped.
func safeLines(s string) string {
	var b strings.Builder
	for {
		i := strings.IndexAny(s, "\t\n")
		if i < 0 {
			b.WriteString(text.Safe(s))
			return b.String()
		}
		b.WriteString(text.Safe(s[:i]))
		b.WriteByte(s[i])
		s = s[i+1:]
	}
}
