package output

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"regexp"
	"strings"
	"text/template"
	"time"

	"github.com/mgutz/ansi"

	"github.com/pamctl/pamctl/pkg/text"
)

// templateName is the name text/template gives in its errors; ExprError
// takes it out again.
const templateName = "--template"

// templateRun is the state of one --template run: the rows tablerow
// collected and where the output goes.
type templateRun struct {
	o    Options
	out  *bytes.Buffer
	rows [][]string
}

func newTemplate(o Options) *templateRun {
	return &templateRun{o: o, out: &bytes.Buffer{}}
}

// funcs are gh's template helpers (cli/cli pkg/export/template.go), with
// pamctl's age and colour rules.
func (t *templateRun) funcs() template.FuncMap {
	return template.FuncMap{
		"tablerow":    t.tablerow,
		"tablerender": t.tablerender,
		"timeago":     t.timeago,
		"timefmt":     timefmt,
		"json":        toJSON,
		"truncate":    truncate,
		"color":       t.color,
		"autocolor":   t.color,
		"join":        join,
		"pluck":       pluck,
	}
}

func (t *templateRun) parse(src string) (*template.Template, error) {
	tmpl, err := template.New(templateName).Funcs(t.funcs()).Parse(src)
	if err != nil {
		return nil, templateError(src, err, true)
	}
	return tmpl, nil
}

// runTemplate executes o.Template on data. The data's strings are made
// inert first (as in a table): the template's own text is the operator's,
// the values are the server's. tablerow rows are aligned and printed at
// tablerender or at the end.
func runTemplate(w io.Writer, o Options, data any) error {
	t := newTemplate(o)
	tmpl, err := t.parse(o.Template)
	if err != nil {
		return err
	}
	if err := tmpl.Execute(t.out, templateData(data)); err != nil {
		return templateError(o.Template, err, false)
	}
	if _, err := t.tablerender(); err != nil {
		return err
	}
	_, err = w.Write(t.out.Bytes())
	return err
}

// templateData makes data ready for a template: strings inert, and numbers
// ints when whole (so {{.count}} prints 3 and {{if gt .count 2}} works),
// else float64.
func templateData(v any) any {
	switch x := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(x))
		for k, val := range x {
			m[text.Safe(k)] = templateData(val)
		}
		return m
	case []any:
		l := make([]any, len(x))
		for i, val := range x {
			l[i] = templateData(val)
		}
		return l
	case string:
		return text.Safe(x)
	case json.Number:
		if i, err := x.Int64(); err == nil {
			return i
		}
		if f, err := x.Float64(); err == nil {
			return f
		}
		return x.String()
	}
	return v
}

// templatePos matches the start of text/template's messages:
// "template: --template:1:12: " or "template: --template:1: ".
// Compiled on first use: only a failing --template needs it.
var templatePos = lazyRegexp(`^template: ` + regexp.QuoteMeta(templateName) + `:(\d+)(?::(\d+))?: `)

// templateError words a text/template error for the operator: where it
// failed as a line and column, without the template's internal name.
func templateError(src string, err error, parse bool) error {
	msg := err.Error()
	if m := templatePos().FindStringSubmatch(msg); m != nil {
		rest := strings.Replace(msg[len(m[0]):], `executing "`+templateName+`" `, "", 1)
		where := "line " + m[1]
		if m[2] != "" {
			where += ", column " + m[2]
		}
		msg = where + ": " + rest
	}
	return &ExprError{Flag: "template", Expr: src, Offset: -1, Parse: parse, Err: fmt.Errorf("%s", msg)}
}

// tablerow adds a row of fields to the table printed at tablerender or at
// the end of the template.
func (t *templateRun) tablerow(fields ...any) string {
	row := make([]string, len(fields))
	for i, f := range fields {
		row[i] = scalar(f)
	}
	t.rows = append(t.rows, row)
	return ""
}

// tablerender prints the rows collected so far, aligned.
func (t *templateRun) tablerender() (string, error) {
	if len(t.rows) == 0 {
		return "", nil
	}
	width := 0
	for _, r := range t.rows {
		width = max(width, len(r))
	}
	for i := range t.rows {
		for len(t.rows[i]) < width {
			t.rows[i] = append(t.rows[i], "")
		}
	}
	err := renderTable(t.out, nil, t.rows, true)
	t.rows = nil
	return "", err
}

// timeago is the age of an RFC 3339 time, as tables show it ("12m ago");
// "" for null or "".
func (t *templateRun) timeago(v any) (string, error) {
	tm, ok, err := parseTime(v)
	if !ok || err != nil {
		return "", err
	}
	return Age(tm, t.o.now()), nil
}

// timefmt formats an RFC 3339 time with a Go layout; "" for null or "".
func timefmt(layout string, v any) (string, error) {
	tm, ok, err := parseTime(v)
	if !ok || err != nil {
		return "", err
	}
	return tm.Format(layout), nil
}

func parseTime(v any) (time.Time, bool, error) {
	s, _ := v.(string)
	if v == nil || s == "" {
		return time.Time{}, false, nil
	}
	tm, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, false, fmt.Errorf("%q is not an RFC 3339 time", s)
	}
	return tm.UTC(), true, nil
}

// toJSON is v as compact JSON.
func toJSON(v any) (string, error) {
	b, err := compactJSON(v)
	return string(b), err
}

// truncate shortens v to at most n characters, ending with "..." when cut.
func truncate(n int, v any) string {
	r := []rune(scalar(v))
	if len(r) <= n {
		return string(r)
	}
	if n <= 3 {
		return string(r[:max(n, 0)])
	}
	return string(r[:n-3]) + "..."
}

// color wraps v in the ANSI codes of style ("red", "green+b", "yellow:black";
// see github.com/mgutz/ansi), unless colour is off (NO_COLOR, --no-color,
// not a terminal): then it is v alone.
func (t *templateRun) color(style string, v any) string {
	s := scalar(v)
	if !t.o.Color {
		return s
	}
	return ansi.Color(s, style)
}

// join joins the elements of a list with sep.
func join(sep string, v any) (string, error) {
	l, ok := v.([]any)
	if !ok && v != nil {
		return "", fmt.Errorf("join: want a list, got %T", v)
	}
	parts := make([]string, len(l))
	for i, e := range l {
		parts[i] = scalar(e)
	}
	return strings.Join(parts, sep), nil
}

// pluck is the value of field in each object of a list.
func pluck(field string, v any) ([]any, error) {
	l, ok := v.([]any)
	if !ok && v != nil {
		return nil, fmt.Errorf("pluck: want a list, got %T", v)
	}
	out := make([]any, 0, len(l))
	for _, e := range l {
		if m, ok := e.(map[string]any); ok {
			out = append(out, m[field])
		}
	}
	return out, nil
}

// scalar is a template value as text: "" for null, strings as they are,
// numbers and booleans as JSON writes them, lists and objects as compact
// JSON.
func scalar(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case int64, float64, bool, int:
		return fmt.Sprint(x)
	}
	b, err := compactJSON(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}
