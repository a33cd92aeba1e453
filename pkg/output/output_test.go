package output_test

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"

	"github.com/pamctl/pamctl/pkg/output"
	"github.com/pamctl/pamctl/pkg/output/golden"
)

var now = time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)

type row struct {
	Name    string    `json:"name"`
	Tags    []string  `json:"tags"`
	Count   int       `json:"count"`
	Started time.Time `json:"started"`
	Ended   time.Time `json:"ended"`
	Note    string    `json:"note"`
}

const hostile = "mallory\x1b[31mRED\x1b]0;pwned\a\u202eevil\x7f\u0085"

func rows() []row {
	return []row{
		{Name: "alpha", Tags: []string{"SSH", "RDP"}, Count: 3, Started: now.Add(-26 * time.Minute), Note: "plain"},
		{Name: hostile, Tags: []string{}, Count: 0, Started: now.Add(-50 * time.Hour), Ended: now.Add(-time.Hour), Note: "naïve, with \"quotes\""},
	}
}

func cols() []output.Column[row] {
	return []output.Column[row]{
		{Header: "NAME", Value: func(r row) any { return r.Name }},
		{Header: "TAGS", Value: func(r row) any { return r.Tags }},
		{Header: "COUNT", Value: func(r row) any { return r.Count }},
		{Header: "STARTED", Age: true, Value: func(r row) any { return r.Started }},
		{Header: "ENDED", Age: true, Wide: true, Value: func(r row) any { return r.Ended }},
		{Header: "NOTE ID", Wide: true, Value: func(r row) any { return r.Note }},
	}
}

// TestPrintList renders the same list in every format, on a terminal and
// not; the golden files show exactly what an operator or a script sees.
func TestPrintList(t *testing.T) {
	for _, format := range output.Formats {
		for _, tty := range []bool{false, true} {
			for _, empty := range []bool{false, true} {
				name := format
				if tty {
					name += "_tty"
				}
				if empty {
					name += "_empty"
				}
				t.Run(name, func(t *testing.T) {
					items := rows()
					if empty {
						items = nil
					}
					var buf bytes.Buffer
					o := output.Options{Format: output.Format(format), TTY: tty, Now: func() time.Time { return now }}
					require.NoError(t, output.PrintList(&buf, o, items, cols()))
					golden.Assert(t, buf.Bytes())
					assertInert(t, buf.String())
					assertParses(t, output.Format(format), buf.Bytes(), len(items), tty)
				})
			}
		}
	}
}

func TestPrintListNoHeaders(t *testing.T) {
	for _, format := range []output.Format{output.Table, output.Wide, output.CSV} {
		t.Run(string(format), func(t *testing.T) {
			var buf bytes.Buffer
			o := output.Options{Format: format, NoHeaders: true, Now: func() time.Time { return now }}
			require.NoError(t, output.PrintList(&buf, o, rows(), cols()))
			golden.Assert(t, buf.Bytes())
			assert.NotContains(t, buf.String(), "NAME")
		})
	}
}

func TestPrintObject(t *testing.T) {
	for _, format := range output.Formats {
		for _, tty := range []bool{false, true} {
			name := format
			if tty {
				name += "_tty"
			}
			t.Run(name, func(t *testing.T) {
				var buf bytes.Buffer
				o := output.Options{Format: output.Format(format), TTY: tty, Now: func() time.Time { return now }}
				require.NoError(t, output.PrintObject(&buf, o, rows()[1], cols()))
				golden.Assert(t, buf.Bytes())
				assertInert(t, buf.String())
			})
		}
	}
}

// TestMachineFormatsKeepData proves JSON and YAML keep the server's text
// exact (escaped, not altered) when stdout is not a terminal.
func TestMachineFormatsKeepData(t *testing.T) {
	var buf bytes.Buffer
	require.NoError(t, output.PrintList(&buf, output.Options{Format: output.JSON}, rows(), cols()))
	var fromJSON []row
	require.NoError(t, json.Unmarshal(buf.Bytes(), &fromJSON))
	assert.Equal(t, hostile, fromJSON[1].Name)

	buf.Reset()
	require.NoError(t, output.PrintList(&buf, output.Options{Format: output.YAML}, rows(), cols()))
	var fromYAML []map[string]any
	require.NoError(t, yaml.Unmarshal(buf.Bytes(), &fromYAML))
	assert.Equal(t, hostile, fromYAML[1]["name"])
}

func TestParseFormat(t *testing.T) {
	f, err := output.ParseFormat("JSON")
	require.NoError(t, err)
	assert.Equal(t, output.JSON, f)
	_, err = output.ParseFormat("xml")
	assert.ErrorContains(t, err, `output format "xml": want one of table, wide, json, yaml, csv, ndjson`)
	f, err = output.ParseFormat("ndjson")
	require.NoError(t, err)
	assert.Equal(t, output.NDJSON, f)
	assert.False(t, output.NDJSON.IsStructured(), "ndjson is not one document")
}

func TestAge(t *testing.T) {
	for d, want := range map[time.Duration]string{
		45 * time.Second:                "45s ago",
		12 * time.Minute:                "12m ago",
		3 * time.Hour:                   "3h ago",
		47 * time.Hour:                  "47h ago",
		72 * time.Hour:                  "3d ago",
		-90 * time.Second:               "1m from now",
		26*time.Minute + 59*time.Second: "26m ago",
	} {
		assert.Equal(t, want, output.Age(now.Add(-d), now), d.String())
	}
}

// assertInert fails on a raw control or bidi character: nothing the server
// sends may act on the terminal, in any format.
func assertInert(t *testing.T, s string) {
	t.Helper()
	for _, r := range s {
		if r == '\n' {
			continue
		}
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r <= 0x9f) || r == '\u202e' {
			t.Errorf("raw control character %U in output:\n%s", r, s)
			return
		}
	}
}

func assertParses(t *testing.T, f output.Format, b []byte, n int, tty bool) {
	t.Helper()
	switch f {
	case output.JSON:
		var v []map[string]any
		require.NoError(t, json.Unmarshal(b, &v))
		assert.Len(t, v, n)
		assert.NotNil(t, v, "an empty list is [], never null")
	case output.YAML:
		var v []map[string]any
		require.NoError(t, yaml.Unmarshal(b, &v))
		assert.Len(t, v, n)
		assert.True(t, strings.HasPrefix(string(b), "[]") == (n == 0), "empty YAML is []")
	case output.NDJSON:
		lines := strings.SplitAfter(string(b), "\n")
		if lines[len(lines)-1] == "" {
			lines = lines[:len(lines)-1]
		}
		assert.Len(t, lines, n, "one line per item, none when empty")
		for _, l := range lines {
			var v map[string]any
			require.NoError(t, json.Unmarshal([]byte(l), &v))
		}
	case output.CSV:
		recs, err := csv.NewReader(bytes.NewReader(b)).ReadAll()
		require.NoError(t, err)
		assert.Len(t, recs, n+1, "header and one record per item")
		for _, r := range recs {
			assert.Len(t, r, len(cols()), "csv has every column, wide ones too")
		}
	}
}
