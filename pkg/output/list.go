package output

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"strings"

	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/renderer"
	"github.com/olekukonko/tablewriter/tw"

	"github.com/pamctl/pamctl/pkg/text"
)

// Column is one column of a list. Value returns a string, a []string, a
// time (time.Time or api.Time), or anything fmt can print.
type Column[T any] struct {
	Header string
	// Wide marks a column shown only with -o wide (and csv).
	Wide bool
	// Age shows a time as an age on a terminal table; otherwise times are
	// RFC 3339 UTC.
	Age   bool
	Value func(T) any
}

// PrintList renders items in o.Format. JSON, NDJSON and YAML encode the
// items themselves (their json tags are the schema); the other formats use
// cols. An empty list is "[]" in JSON and YAML, no line in NDJSON, and a
// header alone elsewhere. With o.JQ or o.Template set, the JSON array goes
// through the expression instead.
func PrintList[T any](w io.Writer, o Options, items []T, cols []Column[T]) error {
	lw := NewListWriter(w, o, cols)
	if err := lw.Write(items); err != nil {
		return err
	}
	return lw.Close()
}

// PrintObject renders one item: JSON, NDJSON (one line) or YAML of v, or
// "Key: value" lines for table and wide (every column, wide ones too; "-"
// for an empty value; on a terminal an Age column shows its time and its
// age), or a one-row CSV. With o.JQ or o.Template set, the JSON value of v
// goes through the expression instead.
func PrintObject[T any](w io.Writer, o Options, v T, cols []Column[T]) error {
	switch {
	case o.filtered():
		return applyFilter(w, o, v)
	case o.Format == JSON:
		return writeJSON(w, v)
	case o.Format == NDJSON:
		return WriteJSONLine(w, v)
	case o.Format == YAML:
		return writeYAML(w, v, o.TTY)
	case o.Format == CSV:
		return PrintList(w, o, []T{v}, cols)
	case o.Format == Table, o.Format == Wide, o.Format == "":
	default:
		return fmt.Errorf("unknown output format %q", o.Format)
	}
	width := 0
	for _, c := range cols {
		width = max(width, len(c.Header))
	}
	bw := bufio.NewWriter(w)
	for _, c := range cols {
		val := text.Safe(cell(c.Value(v), o, false))
		if o.TTY && c.Age {
			if t, ok := c.Value(v).(timeLike); ok && !t.IsZero() {
				val = fmt.Sprintf("%s (%s)", RFC3339(t.UTC()), Age(t.UTC(), o.now()))
			}
		}
		if val == "" {
			val = "-"
		}
		fmt.Fprintf(bw, "%-*s  %s\n", width+1, titleCase(c.Header)+":", val)
	}
	return bw.Flush()
}

func titleCase(h string) string {
	words := strings.Fields(strings.ToLower(h))
	for i, wd := range words {
		if wd == "id" {
			words[i] = "ID"
			continue
		}
		words[i] = strings.ToUpper(wd[:1]) + wd[1:]
	}
	return strings.Join(words, " ")
}

// cell renders one value as text. Table and CSV cells are always escaped
// by their callers (see csvCell), and JSON is the format that keeps server
// text exact.
func cell(v any, o Options, age bool) string {
	var s string
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		s = x
	case []string:
		s = strings.Join(x, ",")
	case timeLike:
		if x.IsZero() {
			return ""
		}
		if age {
			return Age(x.UTC(), o.now())
		}
		return RFC3339(x.UTC())
	case fmt.Stringer:
		s = x.String()
	default:
		s = fmt.Sprint(x)
	}
	return s
}

func writeTable[T any](w io.Writer, o Options, items []T, cols []Column[T]) error {
	var shown []Column[T]
	for _, c := range cols {
		if !c.Wide || o.Format == Wide {
			shown = append(shown, c)
		}
	}
	headers := make([]string, len(shown))
	for i, c := range shown {
		headers[i] = c.Header
	}
	rows := make([][]string, 0, len(items))
	for _, it := range items {
		row := make([]string, len(shown))
		for i, c := range shown {
			row[i] = text.Safe(cell(c.Value(it), o, c.Age && o.TTY && o.Format == Table))
			if row[i] == "" {
				row[i] = "-"
			}
		}
		rows = append(rows, row)
	}
	return renderTable(w, headers, rows, o.NoHeaders)
}

// renderTable draws a borderless, kubectl-style table.
func renderTable(w io.Writer, headers []string, rows [][]string, noHeaders bool) error {
	plain := tw.Rendition{
		Borders: tw.BorderNone,
		Symbols: tw.NewSymbols(tw.StyleNone),
		Settings: tw.Settings{
			Separators: tw.Separators{BetweenRows: tw.Off, BetweenColumns: tw.Off, ShowHeader: tw.Off, ShowFooter: tw.Off},
			Lines:      tw.Lines{ShowTop: tw.Off, ShowBottom: tw.Off, ShowHeaderLine: tw.Off, ShowFooterLine: tw.Off},
		},
	}
	cellCfg := tw.CellConfig{
		Formatting: tw.CellFormatting{AutoWrap: tw.WrapNone, AutoFormat: tw.Off},
		Alignment:  tw.CellAlignment{Global: tw.AlignLeft},
		Padding:    tw.CellPadding{Global: tw.Padding{Left: "", Right: "   ", Overwrite: true}},
	}
	var buf bytes.Buffer
	table := tablewriter.NewTable(&buf,
		tablewriter.WithRenderer(renderer.NewBlueprint(plain)),
		tablewriter.WithConfig(tablewriter.Config{Header: cellCfg, Row: cellCfg}),
		tablewriter.WithTrimSpace(tw.Off),
	)
	if !noHeaders {
		table.Header(headers)
	}
	if err := table.Bulk(rows); err != nil {
		return err
	}
	if err := table.Render(); err != nil {
		return err
	}
	// The renderer pads the last column; trailing blanks help no one.
	lines := strings.SplitAfter(buf.String(), "\n")
	bw := bufio.NewWriter(w)
	for _, l := range lines {
		if l == "" {
			continue
		}
		bw.WriteString(strings.TrimRight(l, " \n"))
		bw.WriteString("\n")
	}
	return bw.Flush()
}

func isInert(r rune) bool {
	return r == 0x7f || (r >= 0x80 && r <= 0x9f) || text.IsFormat(r)
}
