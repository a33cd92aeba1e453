package output_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pamctl/pamctl/pkg/output"
	"github.com/pamctl/pamctl/pkg/output/golden"
)

// manyRows is a list long enough to page: 7 items, pages of 3, 3 and 1.
func manyRows() []row {
	var out []row
	for i := range 7 {
		r := rows()[i%2]
		r.Count = i
		out = append(out, r)
	}
	return out
}

// TestListWriterMatchesPrintList: whatever the pages (none, empty ones,
// one item at a time, all at once), the streamed output is byte for byte
// PrintList's, in every format and with --jq and --template.
func TestListWriterMatchesPrintList(t *testing.T) {
	pagings := map[string][][]row{
		"no pages":         nil,
		"one empty page":   {{}},
		"empty pages":      {{}, nil, {}},
		"one page":         {manyRows()},
		"pages of 3":       {manyRows()[:3], manyRows()[3:6], manyRows()[6:]},
		"one by one":       {manyRows()[:1], manyRows()[1:2], manyRows()[2:3], manyRows()[3:4], manyRows()[4:5], manyRows()[5:6], manyRows()[6:]},
		"with empty pages": {{}, manyRows()[:4], {}, manyRows()[4:], {}},
	}
	var options []output.Options
	for _, f := range output.Formats {
		for _, tty := range []bool{false, true} {
			options = append(options, output.Options{Format: output.Format(f), TTY: tty, Now: fixedNow})
		}
	}
	options = append(options,
		output.Options{Format: output.CSV, NoHeaders: true},
		output.Options{Format: output.JSON, JQ: ".[] | .name"},
		output.Options{Format: output.JSON, Template: "{{range .}}{{tablerow .name .count}}{{end}}"},
	)
	for _, o := range options {
		for name, pages := range pagings {
			t.Run(string(o.Format)+"/"+name+"/"+o.JQ+o.Template, func(t *testing.T) {
				var all []row
				for _, p := range pages {
					all = append(all, p...)
				}
				var want, got bytes.Buffer
				require.NoError(t, output.PrintList(&want, o, all, cols()))
				lw := output.NewListWriter(&got, o, cols())
				for _, p := range pages {
					require.NoError(t, lw.Write(p))
				}
				require.NoError(t, lw.Close())
				assert.Equal(t, want.String(), got.String())
			})
		}
	}
}

func TestListWriterEmpty(t *testing.T) {
	for format, want := range map[output.Format]string{
		output.JSON:   "[]\n",
		output.YAML:   "[]\n",
		output.NDJSON: "",
		output.CSV:    "NAME,TAGS,COUNT,STARTED,ENDED,NOTE ID\n",
		output.Table:  "NAME   TAGS   COUNT   STARTED\n",
	} {
		t.Run(string(format), func(t *testing.T) {
			var buf bytes.Buffer
			lw := output.NewListWriter(&buf, output.Options{Format: format}, cols())
			require.NoError(t, lw.Close())
			assert.Equal(t, want, buf.String())
		})
	}
}

// TestListWriterStreams: JSON, NDJSON and CSV reach the writer page by
// page, so the first page is out before the next is fetched; the formats
// that need every row write nothing before Close.
func TestListWriterStreams(t *testing.T) {
	for _, tc := range []struct {
		format    output.Format
		jq        string
		streams   bool
		afterPage string
	}{
		{format: output.JSON, streams: true, afterPage: "[\n  {"},
		{format: output.NDJSON, streams: true, afterPage: `{"name":"alpha"`},
		{format: output.CSV, streams: true, afterPage: "NAME,TAGS,COUNT,STARTED,ENDED,NOTE ID\nalpha,"},
		{format: output.Table},
		{format: output.Wide},
		{format: output.YAML},
		{format: output.JSON, jq: ".[].name"},
	} {
		t.Run(string(tc.format)+tc.jq, func(t *testing.T) {
			var buf bytes.Buffer
			lw := output.NewListWriter(&buf, output.Options{Format: tc.format, JQ: tc.jq}, cols())
			require.NoError(t, lw.Write(rows()[:1]))
			if !tc.streams {
				assert.Empty(t, buf.String(), "nothing before Close")
			} else {
				assert.True(t, strings.HasPrefix(buf.String(), tc.afterPage), "the first page is out: %q", buf.String())
				assert.Equal(t, 1, strings.Count(buf.String(), "alpha"))
			}
			n := buf.Len()
			require.NoError(t, lw.Write(rows()[1:]))
			if tc.streams {
				assert.Greater(t, buf.Len(), n, "the second page is out before Close")
			}
			require.NoError(t, lw.Close())
			require.NoError(t, lw.Close(), "Close twice is harmless")
			assert.Error(t, lw.Write(rows()), "Write after Close")
		})
	}
}

// TestListWriterJSONPages proves the page-by-page JSON array is one valid
// document whose elements are in the order written.
func TestListWriterJSONPages(t *testing.T) {
	var buf bytes.Buffer
	lw := output.NewListWriter(&buf, output.Options{Format: output.JSON}, cols())
	require.NoError(t, lw.Write(manyRows()[:3]))
	require.NoError(t, lw.Write(manyRows()[3:]))
	require.NoError(t, lw.Close())
	var back []row
	require.NoError(t, json.Unmarshal(buf.Bytes(), &back))
	require.Len(t, back, 7)
	for i, r := range back {
		assert.Equal(t, i, r.Count)
	}
}

type failWriter struct{ n int }

func (f *failWriter) Write(p []byte) (int, error) {
	if f.n == 0 {
		return 0, errors.New("disk full")
	}
	f.n--
	return len(p), nil
}

// TestListWriterError: the first write error is returned, and again by
// every later call.
func TestListWriterError(t *testing.T) {
	lw := output.NewListWriter(&failWriter{}, output.Options{Format: output.NDJSON}, cols())
	require.ErrorContains(t, lw.Write(rows()), "disk full")
	assert.ErrorContains(t, lw.Write(rows()), "disk full")
	assert.ErrorContains(t, lw.Close(), "disk full")

	lw = output.NewListWriter(&bytes.Buffer{}, output.Options{Format: "xml"}, cols())
	assert.ErrorContains(t, lw.Write(rows()), `unknown output format "xml"`)
	assert.ErrorContains(t, output.PrintList(&bytes.Buffer{}, output.Options{Format: "xml"}, rows(), cols()), `unknown output format "xml"`)
}

// TestNDJSON: one compact object a line, each parsing alone; an empty
// list is no line at all.
func TestNDJSON(t *testing.T) {
	var buf bytes.Buffer
	require.NoError(t, output.PrintList(&buf, output.Options{Format: output.NDJSON}, rows(), cols()))
	lines := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
	require.Len(t, lines, 2)
	for i, l := range lines {
		var r row
		require.NoError(t, json.Unmarshal([]byte(l), &r))
		assert.Equal(t, rows()[i].Name, r.Name, "exact data")
		assert.NotContains(t, l, "  ", "compact")
	}
	golden.Assert(t, buf.Bytes())
}

// TestListWriterCloseAfterFailedFetch: pages written, then the fetch of
// the next fails; Close still leaves one valid JSON document.
func TestListWriterCloseAfterFailedFetch(t *testing.T) {
	var buf bytes.Buffer
	lw := output.NewListWriter(&buf, output.Options{Format: output.JSON}, cols())
	require.NoError(t, lw.Write(manyRows()[:3]))
	require.NoError(t, lw.Close())
	var back []row
	require.NoError(t, json.Unmarshal(buf.Bytes(), &back))
	assert.Len(t, back, 3)
}
