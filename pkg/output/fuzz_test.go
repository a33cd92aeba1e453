package output

import (
	"encoding/json"
	"testing"
	"unicode"
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
