package text

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
)

func TestSafe(t *testing.T) {
	tests := map[string]string{
		"plain":                    "plain",
		"Zoë Ångström 日本":          "Zoë Ångström 日本",
		"evil\x1b[2J\rasset\u202e": `evil\x1b[2J\rasset\u202e`,
		"osc\x1b]0;pwned\x07":      `osc\x1b]0;pwned\a`,
		"c1\u009bm":                `c1\u009bm`,
		"del\x7f":                  `del\x7f`,
		"bad\xffutf8":              `bad\xffutf8`,
		"tab\tnew\nline":           `tab\tnew\nline`,
		"zero\u200bwidth\ufeffbom": `zero\u200bwidth\ufeffbom`,
		"isolate\u2066x\u2069":     `isolate\u2066x\u2069`,
	}
	for in, want := range tests {
		assert.Equal(t, want, Safe(in), "%q", in)
	}
}

// FuzzSafe checks the escaper's promise on any input: the result is valid
// UTF-8 with no control or format character, and clean text is unchanged.
func FuzzSafe(f *testing.F) {
	for _, s := range []string{"", "plain", "evil\x1b[2J\rasset\u202e", "osc\x1b]0;t\x07", "\xff\xfe", "\u009b31m", "a\u2066b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := Safe(s)
		if !utf8.ValidString(out) {
			t.Fatalf("Safe(%q) = %q is not valid UTF-8", s, out)
		}
		for _, r := range out {
			if unicode.IsControl(r) || IsFormat(r) {
				t.Fatalf("Safe(%q) = %q keeps %U", s, out, r)
			}
		}
		clean := utf8.ValidString(s) && !strings.ContainsFunc(s, func(r rune) bool { return unicode.IsControl(r) || IsFormat(r) })
		if clean && out != s {
			t.Fatalf("Safe changed clean text %q to %q", s, out)
		}
	})
}

func TestSafeEscapesWhatHidesOrOverlays(t *testing.T) {
	for in, want := range map[string]string{
		"a\u2028b":            `a\u2028b`,
		"a\u2029b":            `a\u2029b`,
		"db-prod-01\u3164":    `db-prod-01\u3164`,
		"\u115f\u1160x\uffa0": `\u115f\u1160x\uffa0`,
		"d\u0336b":            `d\u0336b`,
		"\u0301x":             `\u0301x`,
		"a \u0301":            `a \u0301`,
		"x\u20dd":             `x\u20dd`,
		"a\u200bb":            `a\u200bb`,
		"café":                "café",
		"cafe\u0301":          "cafe\u0301",
		"Ελληνικά":            "Ελληνικά",
	} {
		if got := Safe(in); got != want {
			t.Errorf("Safe(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestSuspiciousAndMarked(t *testing.T) {
	if Suspicious("db-prod-01") || !Suspicious("db-prod-01\u3164") {
		t.Fatal("Suspicious")
	}
	if got := Marked("db-prod-01\u3164"); got != `db-prod-01\u3164 (holds invisible characters)` {
		t.Fatalf("Marked = %q", got)
	}
	if got := Marked("db-prod-01"); got != "db-prod-01" {
		t.Fatalf("Marked = %q", got)
	}
}

func TestPlural(t *testing.T) {
	for n, want := range map[int]string{0: "0 sessions", 1: "1 session", 2: "2 sessions"} {
		if got := Plural(n, "session"); got != want {
			t.Errorf("Plural(%d) = %q, want %q", n, got, want)
		}
	}
}

func TestWrap(t *testing.T) {
	got := Wrap("a bb ccc dddd eeeee", 8)
	want := []string{"a bb ccc", "dddd", "eeeee"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("Wrap = %q, want %q", got, want)
	}
	if got := Wrap("", 8); len(got) != 1 || got[0] != "" {
		t.Errorf("Wrap(\"\") = %q", got)
	}
}

func TestOneLine(t *testing.T) {
	assert.Equal(t, "HTTP 500: first; second; third \\x1b[2J", OneLine("  HTTP 500: first\r\nsecond\nthird \x1b[2J \n"))
	assert.Equal(t, "db-prod-01\\u3164", OneLine("db-prod-01\u3164"))
}

func TestCapped(t *testing.T) {
	assert.Equal(t, "a, b", Capped([]string{"a", "b"}, 2, ", "))
	assert.Equal(t, "a; b and 3 more", Capped([]string{"a", "b"}, 5, "; "))
	assert.Equal(t, "", Capped(nil, 0, ", "))
}
