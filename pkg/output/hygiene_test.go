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

// yaml11Traps are strings a YAML 1.1 reader would not read back as strings
// if they were written plain.
var yaml11Traps = []string{
	"no", "No", "NO", "yes", "Yes", "on", "On", "off", "OFF", "y", "Y", "n", "N",
	"true", "False", "~", "null", "Null", "NULL", "",
	"0123", "0o17", "0b101", "0x1f", "-0x1F", "+12", "1_000", "42", "-7",
	"1e3", "1.5", "-1.5e-3", ".5", "1.2.3", ".inf", "-.Inf", ".NaN",
	"12:30", "190:20:30", "-1:30", "20:30.15",
	"2001-12-14", "2001-12-14t21:59:43.10-05:00", "<<", "=",
}

// yamlPlain are ordinary names that must stay unquoted: the quoting is for
// traps only, not a change to every YAML document.
var yamlPlain = []string{"alpha", "db-prod-01", "11111111-1111-4111-8111-000000000001", "SSH", "nobody", "yesterday", "on-call", "n/a", "10:30am", "0xZZ", "v1.2", "R&D"}

func TestYAMLQuotesYAML11Traps(t *testing.T) {
	for _, s := range yaml11Traps {
		t.Run(s, func(t *testing.T) {
			var buf bytes.Buffer
			require.NoError(t, output.PrintObject(&buf, output.Options{Format: output.YAML}, map[string]string{"v": s}, nil))
			assert.Equal(t, "v: "+strconvQuote(s)+"\n", buf.String(), "double-quoted")
			var back map[string]any
			require.NoError(t, yaml.Unmarshal(buf.Bytes(), &back))
			assert.Equal(t, s, back["v"], "reads back as the same string")
		})
	}
	for _, s := range yamlPlain {
		t.Run("plain "+s, func(t *testing.T) {
			var buf bytes.Buffer
			require.NoError(t, output.PrintObject(&buf, output.Options{Format: output.YAML}, map[string]string{"v": s}, nil))
			assert.Equal(t, "v: "+s+"\n", buf.String(), "left plain")
		})
	}
}

func strconvQuote(s string) string { return `"` + s + `"` }

// TestYAMLQuotingGolden shows the traps in a list, as -o yaml prints users
// and assets with such names.
func TestYAMLQuotingGolden(t *testing.T) {
	type item struct {
		User  string `json:"user"`
		Asset string `json:"asset"`
	}
	items := []item{{"no", "12:30"}, {"yes", "0123"}, {"on", "1e3"}, {"off", "0x1f"}, {"y", ".inf"}, {"n", "~"}, {"true", "null"}, {"bwilliams", "db-prod-01"}}
	var buf bytes.Buffer
	require.NoError(t, output.PrintList(&buf, output.Options{Format: output.YAML}, items, nil))
	golden.Assert(t, buf.Bytes())
	var back []item
	require.NoError(t, yaml.Unmarshal(buf.Bytes(), &back))
	assert.Equal(t, items, back)
}

type csvRow struct {
	Name  string
	Count int
	Delta float64
}

func csvCols() []output.Column[csvRow] {
	return []output.Column[csvRow]{
		{Header: "NAME", Value: func(r csvRow) any { return r.Name }},
		{Header: "COUNT", Value: func(r csvRow) any { return r.Count }},
		{Header: "DELTA", Value: func(r csvRow) any { return r.Delta }},
	}
}

// TestCSVNeutralisesFormulas: a cell a spreadsheet would run is prefixed
// with a single quote; pamctl's own numbers are left alone.
func TestCSVNeutralisesFormulas(t *testing.T) {
	rows := []csvRow{
		{Name: `=HYPERLINK("http://evil","click")`, Count: -1, Delta: -0.5},
		{Name: "+1+cmd|' /C calc'!A0", Count: 2},
		{Name: "-2+3", Count: 3},
		{Name: "@SUM(A1:A9)"},
		{Name: "\tindented"},
		{Name: "\r=1+1"},
		{Name: "plain-name"},
		{Name: "a=b"},
		{Name: ""},
	}
	want := []string{
		`'=HYPERLINK("http://evil","click")`,
		"'+1+cmd|' /C calc'!A0",
		"'-2+3",
		"'@SUM(A1:A9)",
		`\tindented`, // escaped as in tables: it no longer starts with a tab
		`\r=1+1`,
		"plain-name",
		"a=b",
		"",
	}
	var buf bytes.Buffer
	require.NoError(t, output.PrintList(&buf, output.Options{Format: output.CSV}, rows, csvCols()))
	golden.Assert(t, buf.Bytes())
	recs, err := csv.NewReader(bytes.NewReader(buf.Bytes())).ReadAll()
	require.NoError(t, err)
	require.Len(t, recs, len(rows)+1)
	for i, w := range want {
		assert.Equal(t, w, recs[i+1][0], "row %d", i)
		if w != "" {
			assert.NotContains(t, "=+-@\t\r", recs[i+1][0][:1], "no cell starts a formula")
		}
	}
	assert.Equal(t, []string{"-1", "-0.5"}, recs[1][1:], "numbers are numbers")

	// One object as CSV follows the same rule.
	buf.Reset()
	require.NoError(t, output.PrintObject(&buf, output.Options{Format: output.CSV, NoHeaders: true}, rows[0], csvCols()))
	assert.Equal(t, "\"'=HYPERLINK(\"\"http://evil\"\",\"\"click\"\")\",-1,-0.5\n", buf.String())
}

type htmlRow struct {
	Name string `json:"name"`
}

// TestJSONDoesNotEscapeHTML: & < > are printed as they came in every JSON
// output (a list, one object, NDJSON, jq), and the JSON still parses.
func TestJSONDoesNotEscapeHTML(t *testing.T) {
	const name = "R&D <db-prod> > staging"
	items := []htmlRow{{Name: name}}
	cols := []output.Column[htmlRow]{{Header: "NAME", Value: func(r htmlRow) any { return r.Name }}}
	for _, tc := range []struct {
		name string
		run  func(*bytes.Buffer) error
	}{
		{"list json", func(b *bytes.Buffer) error {
			return output.PrintList(b, output.Options{Format: output.JSON}, items, cols)
		}},
		{"list ndjson", func(b *bytes.Buffer) error {
			return output.PrintList(b, output.Options{Format: output.NDJSON}, items, cols)
		}},
		{"object json", func(b *bytes.Buffer) error {
			return output.PrintObject(b, output.Options{Format: output.JSON}, items[0], cols)
		}},
		{"object ndjson", func(b *bytes.Buffer) error {
			return output.PrintObject(b, output.Options{Format: output.NDJSON}, items[0], cols)
		}},
		{"WriteJSON", func(b *bytes.Buffer) error { return output.WriteJSON(b, items) }},
		{"jq", func(b *bytes.Buffer) error {
			return output.PrintList(b, output.Options{Format: output.JSON, JQ: ".[0]"}, items, cols)
		}},
		{"template json", func(b *bytes.Buffer) error {
			return output.PrintList(b, output.Options{Format: output.JSON, Template: "{{json .}}"}, items, cols)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			require.NoError(t, tc.run(&buf))
			assert.Contains(t, buf.String(), `"`+name+`"`)
			assert.NotContains(t, buf.String(), `\u00`)
			dec := json.NewDecoder(strings.NewReader(buf.String()))
			for dec.More() {
				var v any
				require.NoError(t, dec.Decode(&v))
			}
		})
	}
}

var fixedNow = func() time.Time { return now }
