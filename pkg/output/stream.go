package output

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// ListWriter prints a list that arrives page by page. JSON, NDJSON and CSV
// are written as the pages come, in order, and flushed after each page, so
// a consumer sees the first page while the next is being fetched and a
// large list is never held twice in memory as encoded text. Table, wide and
// YAML must see every row before the first (column widths, one document),
// as must --jq and --template (an expression sees the whole array): those
// keep the items and render them at Close.
//
// The output is the same as PrintList's for the same items, whatever the
// pages: PrintList is a ListWriter written once.
//
// When fetching fails after some pages were written, call Close anyway and
// return the fetch error: the JSON array is closed, so stdout still parses
// (`-o json` always does), and the error and exit code say it is partial.
type ListWriter[T any] struct {
	w    io.Writer
	o    Options
	cols []Column[T]

	bw   *bufio.Writer
	buf  bytes.Buffer  // one encoded JSON item
	enc  *json.Encoder // reused for every JSON item
	csv  *csvWriter[T] // csv only
	kept []T           // the formats rendered at Close
	n    int           // items written so far
	err  error         // the first error; every later call returns it
	done bool
}

// Streams reports whether a ListWriter in o's format writes each page as
// it comes (json, ndjson, csv without --jq or --template) rather than
// keeping every item until Close.
func (o Options) Streams() bool {
	return !o.filtered() && (o.Format == JSON || o.Format == NDJSON || o.Format == CSV)
}

// NewListWriter starts a list in o's format. Nothing is written before the
// first Write or Close.
func NewListWriter[T any](w io.Writer, o Options, cols []Column[T]) *ListWriter[T] {
	lw := &ListWriter[T]{w: w, o: o, cols: cols}
	switch {
	case o.filtered():
	case o.Format == JSON, o.Format == NDJSON:
		lw.bw = bufio.NewWriterSize(w, 64<<10)
		enc := newEncoder(&lw.buf)
		if o.Format == JSON {
			enc.SetIndent("  ", "  ")
		}
		lw.enc = enc
	case o.Format == CSV:
		lw.csv = &csvWriter[T]{cw: csv.NewWriter(w), o: o, cols: cols}
	case o.Format == YAML, o.Format == Table, o.Format == Wide, o.Format == "":
	default:
		lw.err = fmt.Errorf("unknown output format %q", o.Format)
	}
	return lw
}

// Write prints (or keeps) the next page of items.
func (lw *ListWriter[T]) Write(items []T) error {
	if lw.err != nil {
		return lw.err
	}
	if lw.done {
		return errors.New("output: Write after Close")
	}
	lw.err = lw.write(items)
	return lw.err
}

func (lw *ListWriter[T]) write(items []T) error {
	switch {
	case lw.o.filtered():
		lw.kept = append(lw.kept, items...)
		return nil
	case lw.o.Format == JSON, lw.o.Format == NDJSON:
		for i := range items {
			if err := lw.item(&items[i]); err != nil {
				return err
			}
		}
		return lw.bw.Flush()
	case lw.o.Format == CSV:
		return lw.csv.rows(items)
	}
	lw.kept = append(lw.kept, items...)
	return nil
}

// item writes one JSON array element or NDJSON line.
func (lw *ListWriter[T]) item(v *T) error {
	lw.buf.Reset()
	if err := lw.enc.Encode(v); err != nil {
		return err
	}
	b := inertJSON(bytes.TrimSuffix(lw.buf.Bytes(), []byte("\n")))
	if lw.o.Format == NDJSON {
		lw.bw.Write(b)
		lw.bw.WriteByte('\n')
	} else {
		if lw.n == 0 {
			lw.bw.WriteString("[\n  ")
		} else {
			lw.bw.WriteString(",\n  ")
		}
		lw.bw.Write(b)
	}
	lw.n++
	return nil
}

// Close ends the list: the closing bracket of a JSON array ("[]" when
// nothing was written), the header of an empty CSV, or the whole table,
// YAML document or filtered output. It does not close the io.Writer.
func (lw *ListWriter[T]) Close() error {
	if lw.err != nil {
		return lw.err
	}
	if lw.done {
		return nil
	}
	lw.done = true
	lw.err = lw.close()
	return lw.err
}

func (lw *ListWriter[T]) close() error {
	switch {
	case lw.o.filtered():
		items := lw.kept
		if items == nil {
			items = []T{}
		}
		return applyFilter(lw.w, lw.o, items)
	case lw.o.Format == JSON:
		if lw.n == 0 {
			lw.bw.WriteString("[]\n")
		} else {
			lw.bw.WriteString("\n]\n")
		}
		return lw.bw.Flush()
	case lw.o.Format == NDJSON:
		return lw.bw.Flush()
	case lw.o.Format == CSV:
		return lw.csv.rows(nil)
	case lw.o.Format == YAML:
		items := lw.kept
		if items == nil {
			items = []T{}
		}
		return writeYAML(lw.w, items, lw.o.TTY)
	}
	return writeTable(lw.w, lw.o, lw.kept, lw.cols)
}
