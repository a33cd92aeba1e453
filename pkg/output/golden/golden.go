// Package golden compares rendered output with golden files kept next to
// the test, in testdata/<TestName>/<case>.golden. Run the tests with
// -update to rewrite the files after an intended change, then review the
// diff. Only tests import it.
package golden

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite golden files under testdata/")

// Path is the golden file of t: testdata/<Test>/<subtest path>.golden.
func Path(t testing.TB) string {
	name := t.Name()
	parts := strings.Split(name, "/")
	for i, p := range parts {
		parts[i] = sanitize(p)
	}
	if len(parts) == 1 {
		parts = append(parts, "golden")
	}
	return filepath.Join(append([]string{"testdata"}, parts...)...) + ".golden"
}

// Assert compares got with t's golden file, or rewrites the file with
// -update.
func Assert(t testing.TB, got []byte) {
	t.Helper()
	path := Path(t)
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("golden file %s: %v (run with -update to create it)", path, err)
	}
	if string(want) != string(got) {
		t.Errorf("output differs from %s (run with -update to accept):\n--- got ---\n%s\n--- want ---\n%s", path, got, want)
	}
}

func sanitize(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_', r == '.':
			return r
		}
		return '_'
	}, s)
}
