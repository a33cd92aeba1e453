package output

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"unicode/utf16"

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

// PrintList renders items in o.Format. JSON and YAML encode the items
// themselves (their json tags are the schema); the other formats use cols.
// An empty list is "[]" in JSON and YAML, and a header alone elsewhere.
func PrintList[T any](w io.Writer, o Options, items []T, cols []Column[T]) error {
	switch o.Format {
	case JSON:
		return writeJSONArray(w, items)
	case YAML:
		if items == nil {
			items = []T{}
		}
		return writeYAML(w, items, o.TTY)
	case CSV:
		return writeCSV(w, o, items, cols)
	case Table, Wide, "":
		return writeTable(w, o, items, cols)
	}
	return fmt.Errorf("unknown output format %q", o.Format)
}

// PrintObject renders one item: JSON or YAML of v, or "Key: value" lines for
// table and wide (every column, wide ones too; "-" for an empty value; on a
// terminal an Age column shows its time and its age), or a one-row CSV.
func PrintObject[T any](w io.Writer, o Options, v T, cols []Column[T]) error {
	switch o.Format {
	case JSON:
		return writeJSON(w, v)
	case YAML:
		return writeYAML(w, v, o.TTY)
	case CSV:
		return writeCSV(w, o, []T{v}, cols)
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
// by their callers: a CSV file is read with cat and less as often as with a
// spreadsheet, and JSON is the format that keeps server text exact.
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

func writeCSV[T any](w io.Writer, o Options, items []T, cols []Column[T]) error {
	cw := csv.NewWriter(w)
	if !o.NoHeaders {
		headers := make([]string, len(cols))
		for i, c := range cols {
			headers[i] = c.Header
		}
		if err := cw.Write(headers); err != nil {
			return err
		}
	}
	for _, it := range items {
		row := make([]string, len(cols))
		for i, c := range cols {
			row[i] = text.Safe(cell(c.Value(it), o, false))
		}
		if err := cw.Write(row); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// writeJSONArray streams the array one element at a time through one
// reused encoder and buffer, so a large list is never held twice in memory
// as encoded JSON and encoding it makes next to no garbage.
func writeJSONArray[T any](w io.Writer, items []T) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	if len(items) == 0 {
		bw.WriteString("[]\n")
		return bw.Flush()
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("  ", "  ")
	bw.WriteString("[\n")
	for i := range items {
		buf.Reset()
		if err := enc.Encode(&items[i]); err != nil {
			return err
		}
		bw.WriteString("  ")
		bw.Write(inertJSON(bytes.TrimSuffix(buf.Bytes(), []byte("\n"))))
		if i < len(items)-1 {
			bw.WriteString(",")
		}
		bw.WriteString("\n")
	}
	bw.WriteString("]\n")
	return bw.Flush()
}

func writeJSON(w io.Writer, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	b = append(inertJSON(b), '\n')
	_, err = w.Write(b)
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

func isInert(r rune) bool {
	return r == 0x7f || (r >= 0x80 && r <= 0x9f) || text.IsFormat(r)
}
