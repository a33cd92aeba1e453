package output_test

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pamctl/pamctl/pkg/output"
)

func jq(expr string) output.Options {
	return output.Options{Format: output.JSON, JQ: expr, Now: fixedNow}
}

func tmpl(src string) output.Options {
	return output.Options{Format: output.JSON, Template: src, Now: fixedNow}
}

func TestJQ(t *testing.T) {
	for _, tc := range []struct {
		name, expr, want string
	}{
		{"strings are raw, one a line", ".[].tags[]", "SSH\nRDP\n"},
		{"numbers", "map(.count)", "[3,0]\n"},
		{"an object is compact JSON", ".[0] | {name, count}", `{"count":3,"name":"alpha"}` + "\n"},
		{"length", "length", "2\n"},
		{"null", ".[0].missing", "null\n"},
		{"nothing", "empty", ""},
		{"the JSON field names and formats", ".[0].started", "2026-11-26T09:34:00Z\n"},
		{"hostile text is inert raw", ".[1].name", `mallory\x1b[31mRED\x1b]0;pwned\a\u202eevil\x7f\u0085` + "\n"},
		{"hostile text is inert in JSON", "[.[1].name]", `["mallory\u001b[31mRED\u001b]0;pwned\u0007\u202eevil\u007f\u0085"]` + "\n"},
		{"tabs and newlines of the expression are kept", `.[] | [.name[:5], (.count|tostring)] | @tsv`, "alpha\t3\nmallo\t0\n"},
		{"interpolation", `.[] | "\(.name[:5])\t\(.count)"`, "alpha\t3\nmallo\t0\n"},
		{"halt stops successfully", ".[0].name, halt, .[1].name", "alpha\n"},
		{"no environment: the token cannot be printed", "$ENV | length", "0\n"},
		{"html is not escaped", `"R&D <x>"`, "R&D <x>\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			require.NoError(t, output.PrintList(&buf, jq(tc.expr), rows(), cols()))
			assert.Equal(t, tc.want, buf.String())
		})
	}
}

func TestJQObject(t *testing.T) {
	var buf bytes.Buffer
	require.NoError(t, output.PrintObject(&buf, jq(".tags | join(\",\")"), rows()[0], cols()))
	assert.Equal(t, "SSH,RDP\n", buf.String())
}

func TestJQErrors(t *testing.T) {
	for _, tc := range []struct {
		name, expr, want string
		parse            bool
		offset           int
	}{
		{"unexpected token", ".[].user]", `bad --jq expression ".[].user]": unexpected token "]" at offset 8`, true, 8},
		{"unexpected token in the middle", ".[] | | .user", `bad --jq expression ".[] | | .user": unexpected token "|" at offset 6`, true, 6},
		{"unterminated string", `.[] | "abc`, `unterminated string literal at offset`, true, -2},
		{"unexpected end", ".[] |", `bad --jq expression ".[] |": unexpected EOF at offset 5`, true, 5},
		{"unknown function", ".[] | nosuch", `bad --jq expression ".[] | nosuch": function not defined: nosuch/0`, true, -1},
		{"fails on the data", ".[] | .name + 1", `--jq ".[] | .name + 1" failed: cannot add: string ("alpha") and number (1)`, false, -1},
		{"error()", `error("stop")`, `--jq "error(\"stop\")" failed: error: stop`, false, -1},
		{"hostile expression is inert", ".\x1b[2J]", `bad --jq expression ".\\x1b[2J]"`, true, -2},
		{"hostile data in the cause is inert", `.[1].name[25:] + 1`, `failed: cannot add: string ("\u202eevil\u007f\u0085") and number (1)`, false, -1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			err := output.PrintList(&buf, jq(tc.expr), rows(), cols())
			require.Error(t, err)
			var ee *output.ExprError
			require.ErrorAs(t, err, &ee)
			assert.Equal(t, "jq", ee.Flag)
			assert.Equal(t, tc.parse, ee.Parse)
			if tc.offset != -2 {
				assert.Equal(t, tc.offset, ee.Offset)
			}
			assert.Contains(t, err.Error(), tc.want)
			assert.NotContains(t, err.Error(), "\n")
			if tc.parse {
				_, verr := jq(tc.expr).Validate(false)
				assert.Equal(t, err.Error(), verr.Error(), "Validate finds it before any work")
			}
		})
	}
	// Results before a failure are printed, as jq prints them.
	var buf bytes.Buffer
	err := output.PrintList(&buf, jq(`.[] | if .count == 0 then error("zero") else .name end`), rows(), cols())
	assert.ErrorContains(t, err, "failed: error: zero")
	assert.Equal(t, "alpha\n", buf.String())
}

func TestTemplate(t *testing.T) {
	for _, tc := range []struct {
		name, src, want string
		color           bool
	}{
		{"fields", `{{range .}}{{.name}} {{.count}}{{"\n"}}{{end}}`, "alpha 3\n" + `mallory\x1b[31mRED\x1b]0;pwned\a\u202eevil\x7f\u0085` + " 0\n", false},
		{"tablerow aligns, flushed at the end", `{{range .}}{{tablerow (truncate 12 .name) .count (join "," .tags)}}{{end}}`,
			"alpha          3   SSH,RDP\n" + `mallory\x...` + "   0\n", false},
		{"tablerender flushes in the middle", `{{tablerow "NAME" "N"}}{{range .}}{{tablerow (truncate 5 .name) .count}}{{end}}{{tablerender}}total {{len .}}` + "\n",
			"NAME    N\nalpha   3\nma...   0\ntotal 2\n", false},
		{"timeago", `{{range .}}{{timeago .started}} {{timeago .missing}}|{{end}}`, "26m ago |2d ago |", false},
		{"timefmt", `{{timefmt "2006-01-02" (index . 0).started}}`, "2026-11-26", false},
		{"json", `{{json (index . 0).tags}} {{json (index . 0).count}}`, `["SSH","RDP"] 3`, false},
		{"truncate", `{{truncate 4 "abcdef"}} {{truncate 6 "abcdef"}} {{truncate 2 "abcdef"}}`, "a... abcdef ab", false},
		{"pluck and join", `{{join ", " (pluck "count" .)}}`, "3, 0", false},
		{"numbers compare", `{{range .}}{{if gt .count 2}}{{.name}}{{end}}{{end}}`, "alpha", false},
		{"color off", `{{color "red" "down"}}`, "down", false},
		{"color on", `{{color "red+b" "down"}}`, "\x1b[1;31mdown\x1b[0m", true},
		{"autocolor off", `{{autocolor "green" "up"}}`, "up", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			o := tmpl(tc.src)
			o.Color = tc.color
			require.NoError(t, output.PrintList(&buf, o, rows(), cols()))
			assert.Equal(t, tc.want, buf.String())
			if !tc.color {
				assert.NotContains(t, buf.String(), "\x1b", "no ANSI when colour is off; server text is inert")
			}
		})
	}
}

func TestTemplateObject(t *testing.T) {
	var buf bytes.Buffer
	require.NoError(t, output.PrintObject(&buf, tmpl(`{{.name}}: {{join "/" .tags}}`+"\n"), rows()[0], cols()))
	assert.Equal(t, "alpha: SSH/RDP\n", buf.String())
}

func TestTemplateErrors(t *testing.T) {
	for _, tc := range []struct {
		name, src, want string
		parse           bool
	}{
		{"unknown function", "{{range .}}{{nosuch .name}}{{end}}", `bad --template expression "{{range .}}{{nosuch .name}}{{end}}": line 1: function "nosuch" not defined`, true},
		{"unclosed action", "{{range .}}\n{{.name}", `bad --template expression "{{range .}}\\n{{.name}": line 2: bad character U+007D '}'`, true},
		{"missing end", "{{range .}}{{.name}}", `line 1: unexpected EOF`, true},
		{"fails on the data", "{{range .}}{{.name.first}}{{end}}", `--template "{{range .}}{{.name.first}}{{end}}" failed: line 1, column 18: at <.name.first>: can't evaluate field first in type interface {}`, false},
		{"helper fails", `{{timeago "yesterday"}}`, `failed: line 1, column 2: at <timeago "yesterday">: error calling timeago: "yesterday" is not an RFC 3339 time`, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			err := output.PrintList(&buf, tmpl(tc.src), rows(), cols())
			var ee *output.ExprError
			require.ErrorAs(t, err, &ee)
			assert.Equal(t, "template", ee.Flag)
			assert.Equal(t, tc.parse, ee.Parse)
			assert.Contains(t, err.Error(), tc.want)
			assert.NotContains(t, err.Error(), "\n")
			assert.Empty(t, buf.String(), "nothing printed from a failed template")
			if tc.parse {
				_, verr := tmpl(tc.src).Validate(false)
				assert.Equal(t, err.Error(), verr.Error())
			}
		})
	}
}

func TestValidate(t *testing.T) {
	o, err := output.Options{Format: output.Table, JQ: ".[]"}.Validate(false)
	require.NoError(t, err)
	assert.Equal(t, output.JSON, o.Format, "--jq implies JSON data")

	o, err = output.Options{Format: output.JSON, Template: "{{.}}"}.Validate(true)
	require.NoError(t, err)
	assert.Equal(t, output.JSON, o.Format)

	o, err = output.Options{Format: output.YAML}.Validate(true)
	require.NoError(t, err)
	assert.Equal(t, output.YAML, o.Format, "no filter: unchanged")

	_, err = output.Options{JQ: ".", Template: "{{.}}"}.Validate(false)
	assert.EqualError(t, err, "--jq and --template cannot be used together: pick one")

	_, err = output.Options{Format: output.YAML, JQ: "."}.Validate(true)
	assert.EqualError(t, err, "--jq works on the JSON output; it cannot be combined with -o yaml")
	_, err = output.Options{Format: output.NDJSON, Template: "x"}.Validate(true)
	assert.EqualError(t, err, "--template works on the JSON output; it cannot be combined with -o ndjson")

	_, err = output.Options{JQ: "]["}.Validate(false)
	var ee *output.ExprError
	assert.True(t, errors.As(err, &ee))
	assert.False(t, strings.Contains(err.Error(), "\n"))
}

func TestPrintRawJSON(t *testing.T) {
	const doc = `{"user":{"name":"admin","id":"33333333-3333-4333-8333-000000000001"},"roles":["Administrator"],"note":"R&D \u001b[2J"}`
	var buf bytes.Buffer
	require.NoError(t, output.PrintRawJSON(&buf, output.Options{Format: output.Table}, []byte(doc)))
	assert.Equal(t, "{\n  \"user\": {\n    \"name\": \"admin\",\n    \"id\": \"33333333-3333-4333-8333-000000000001\"\n  },\n  \"roles\": [\n    \"Administrator\"\n  ],\n  \"note\": \"R&D \\u001b[2J\"\n}\n", buf.String(), "as it came, key order kept")

	buf.Reset()
	require.NoError(t, output.PrintRawJSON(&buf, jq(".user.name, .roles, .note"), []byte(doc)))
	assert.Equal(t, "admin\n[\"Administrator\"]\nR&D \\x1b[2J\n", buf.String())

	buf.Reset()
	require.NoError(t, output.PrintRawJSON(&buf, tmpl(`{{.user.name}} {{join "," .roles}}`), []byte(doc)))
	assert.Equal(t, "admin Administrator", buf.String())

	err := output.PrintRawJSON(&buf, jq("."), []byte("<html>"))
	assert.ErrorContains(t, err, "the answer is not JSON")
}
