package redact

import (
	"bytes"
	"strings"
	"testing"

	"github.com/pamctl/pamctl/pkg/redact/redacttest"
)

// FuzzWriter writes random text holding the token, in one of its
// spellings, through a Writer in random pieces: what comes out is what
// String makes of the whole, and holds no spelling of the token.
func FuzzWriter(f *testing.F) {
	f.Add("before ", " after\n", uint8(0), []byte{1, 2, 3})
	f.Add("%25", "&#", uint8(3), []byte{7})
	f.Add("\\u00", "\u200b", uint8(9), []byte{0, 64})
	names := redacttest.Names(token)
	f.Fuzz(func(t *testing.T, pre, post string, which uint8, cuts []byte) {
		r := New(token)
		sp := redacttest.Spellings(token)[names[int(which)%len(names)]]
		in := pre + sp + post
		var buf bytes.Buffer
		w := NewWriter(&buf, r)
		rest := in
		for _, c := range cuts {
			n := min(int(c), len(rest))
			_, _ = w.Write([]byte(rest[:n]))
			rest = rest[n:]
		}
		_, _ = w.Write([]byte(rest))
		_ = w.Flush()
		if got, want := buf.String(), r.String(in); got != want {
			t.Fatalf("written in pieces %v:\n got %q\nwant %q", cuts, got, want)
		}
		if strings.Contains(strings.ToLower(buf.String()), strings.ToLower(token[8:20])) || r.String(buf.String()) != buf.String() {
			t.Fatalf("the token got through: %q", buf.String())
		}
	})
}
