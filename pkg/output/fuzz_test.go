package output

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"unicode"

	"go.yaml.in/yaml/v3"
)

// FuzzInertJSON checks the JSON escaper: whatever a server sent, the JSON
// pamctl prints is valid, means exactly the same, and holds no character
// a terminal would act on.
func FuzzInertJSON(f *testing.F) {
	for _, s := range []string{"plain", "evil\x1b[2J\rasset\u202e", "c1\u009b31m", "del\x7f", "tag\U000E0041", "\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		b, err := json.Marshal(map[string]string{"v": s})
		if err != nil {
			t.Skip()
		}
		out := inertJSON(b)
		var back map[string]string
		if err := json.Unmarshal(out, &back); err != nil {
			t.Fatalf("inertJSON(%q) = %q is not JSON: %v", b, out, err)
		}
		var orig map[string]string
		_ = json.Unmarshal(b, &orig)
		if back["v"] != orig["v"] {
			t.Fatalf("inertJSON changed the value: %q -> %q", orig["v"], back["v"])
		}
		for _, r := range string(out) {
			if r != '\n' && (unicode.IsControl(r) || isInert(r)) {
				t.Fatalf("inertJSON(%q) keeps %U", b, r)
			}
		}
	})
}

// FuzzYAMLString checks the YAML writer's promise for any string: a YAML
// reader gets the same string back (never a bool, null, number or date),
// and the output holds no character a terminal would act on.
func FuzzYAMLString(f *testing.F) {
	for _, s := range []string{"no", "On", "y", "~", "0123", "1e3", "0x1f", ".inf", "12:30", "190:20:30.5", "2026-11-26", "<<", "=", "", "plain", "evil\x1b[2J\u202e", "\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var buf bytes.Buffer
		if err := writeYAML(&buf, map[string]string{"v": s}, false); err != nil {
			t.Fatalf("writeYAML(%q): %v", s, err)
		}
		var back map[string]any
		if err := yaml.Unmarshal(buf.Bytes(), &back); err != nil {
			t.Fatalf("writeYAML(%q) = %q does not parse: %v", s, buf.String(), err)
		}
		// What JSON, and so YAML, keeps: invalid bytes become U+FFFD.
		var want string
		jb, _ := json.Marshal(s)
		_ = json.Unmarshal(jb, &want)
		if got, ok := back["v"].(string); !ok || got != want {
			t.Fatalf("writeYAML(%q) = %q reads back as %#v", s, buf.String(), back["v"])
		}
		for _, r := range buf.String() {
			if r != '\n' && (unicode.IsControl(r) || isInert(r)) {
				t.Fatalf("writeYAML(%q) keeps %U", s, r)
			}
		}
	})
}

// FuzzCSVFormula checks that no CSV cell made from server text starts a
// spreadsheet formula.
func FuzzCSVFormula(f *testing.F) {
	for _, s := range []string{"=1+1", "+1", "-1", "@SUM(A1)", "\t=1", "\r=1", "plain", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c := csvCell(s, Options{})
		if c != "" && strings.ContainsRune("=+-@\t\r", rune(c[0])) {
			t.Fatalf("csvCell(%q) = %q starts a formula", s, c)
		}
	})
}
