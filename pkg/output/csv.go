package output

import (
	"encoding/csv"
	"math/big"

	"github.com/pamctl/pamctl/pkg/text"
)

// csvCell is one CSV field. Server text is escaped as in tables (a CSV file
// is read with cat and less as often as with a spreadsheet), then a text
// that a spreadsheet would run as a formula is neutralised.
func csvCell(v any, o Options) string {
	s := text.Safe(cell(v, o, false))
	if isNumber(v) {
		// pamctl's own numbers: "-1" is a number, not an injection.
		return s
	}
	return neutralizeFormula(s)
}

// neutralizeFormula prefixes a single quote to a field that starts with a
// character a spreadsheet reads as the start of a formula: = + - @, and
// tab or carriage return, which some spreadsheets skip before looking. This
// is OWASP's recommendation against CSV injection
// (https://owasp.org/www-community/attacks/CSV_Injection): an asset named
// "=HYPERLINK(...)" is shown as text, never run, when an auditor opens the
// export. Spreadsheets hide the quote; other readers see it.
func neutralizeFormula(s string) string {
	if s == "" {
		return s
	}
	switch s[0] {
	case '=', '+', '-', '@', '\t', '\r':
		return "'" + s
	}
	return s
}

func isNumber(v any) bool {
	switch v.(type) {
	case int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64, float32, float64, *big.Int:
		return true
	}
	return false
}

// csvWriter writes the header once, before the first row or at the end of
// an empty list.
type csvWriter[T any] struct {
	cw     *csv.Writer
	o      Options
	cols   []Column[T]
	headed bool
}

func (c *csvWriter[T]) header() error {
	if c.headed || c.o.NoHeaders {
		c.headed = true
		return nil
	}
	c.headed = true
	headers := make([]string, len(c.cols))
	for i, col := range c.cols {
		headers[i] = col.Header
	}
	return c.cw.Write(headers)
}

func (c *csvWriter[T]) rows(items []T) error {
	if err := c.header(); err != nil {
		return err
	}
	row := make([]string, len(c.cols))
	for _, it := range items {
		for i, col := range c.cols {
			row[i] = csvCell(col.Value(it), c.o)
		}
		if err := c.cw.Write(row); err != nil {
			return err
		}
	}
	c.cw.Flush()
	return c.cw.Error()
}
