package audit

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// tamper rewrites the journal's lines with fn.
func tamper(t *testing.T, path string, fn func([]string) []string) {
	t.Helper()
	ls := fn(lines(t, path))
	require.NoError(t, os.WriteFile(path, []byte(strings.Join(ls, "\n")+"\n"), 0o600))
}

func TestVerifyFindsEachTampering(t *testing.T) {
	type want struct {
		line int
		kind string
	}
	for _, tc := range []struct {
		name string
		fn   func([]string) []string
		want []want
	}{
		{"intact", func(l []string) []string { return l }, nil},
		{"edit", func(l []string) []string {
			l[3] = strings.Replace(l[3], `"reason":"INC-1"`, `"reason":"INC-2"`, 1)
			return l
		}, []want{{4, Edited}}},
		{"remove", func(l []string) []string { return append(l[:4:4], l[5:]...) }, []want{{5, Removed}}},
		{"remove two", func(l []string) []string { return append(l[:2:2], l[4:]...) }, []want{{3, Removed}}},
		{"remove the anchor", func(l []string) []string { return l[1:] }, []want{{1, Removed}}},
		{"reorder", func(l []string) []string { l[3], l[4] = l[4], l[3]; return l }, []want{{4, Reordered}}},
		{"move later", func(l []string) []string {
			return []string{l[0], l[1], l[3], l[4], l[5], l[2], l[6], l[7], l[8], l[9]}
		}, []want{{6, Reordered}}},
		{"insert a copy", func(l []string) []string {
			fake := strings.Replace(l[5], `"result":"terminated"`, `"result":"failed"`, 1)
			return append(l[:5:5], append([]string{fake}, l[5:]...)...)
		}, []want{{6, Inserted}}},
		{"insert a plain line", func(l []string) []string {
			return append(l[:5:5], append([]string{`{"time":"2026-12-04T09:30:00Z","session":"x"}`}, l[5:]...)...)
		}, []want{{6, Inserted}}},
		{"insert an anchor", func(l []string) []string {
			return append(l[:5:5], append([]string{l[0]}, l[5:]...)...)
		}, []want{{6, Inserted}}},
		{"torn in the middle", func(l []string) []string { l[6] = l[6][:40]; return l }, []want{{7, Torn}, {8, Removed}}},
		{"garbage", func(l []string) []string { return append(l[:5:5], append([]string{"hello"}, l[5:]...)...) }, []want{{6, Torn}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := writeJournal(t, 10, Options{})
			tamper(t, path, tc.fn)
			rep, err := Verify(path)
			require.NoError(t, err)
			var got []want
			for _, f := range rep.Findings {
				assert.Equal(t, path, f.File)
				got = append(got, want{f.Line, f.Kind})
			}
			assert.Equal(t, tc.want, got, "%v", rep.Findings)
			assert.Equal(t, len(tc.want) == 0, rep.OK())
		})
	}

	// A torn last line (no newline after it).
	path := writeJournal(t, 3, Options{})
	appendRaw(t, path, `{"time":"2026-12-`)
	rep, err := Verify(path)
	require.NoError(t, err)
	require.Len(t, rep.Findings, 1)
	assert.Equal(t, Finding{File: path, Line: 4, Kind: Torn, Detail: rep.Findings[0].Detail}, Finding{File: rep.Findings[0].File, Line: rep.Findings[0].Line, Kind: rep.Findings[0].Kind, Detail: rep.Findings[0].Detail})
	assert.Contains(t, rep.Findings[0].Detail, "cut short")
}

func TestNotAJournal(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sessions.csv")
	require.NoError(t, os.WriteFile(path, []byte("id,user\n1,bwilliams\n"), 0o600))
	_, err := Verify(path)
	require.ErrorIs(t, err, ErrNotJournal)
	assert.Contains(t, err.Error(), path)
	err = ScanBackward(path, func(*Line) error { return nil })
	require.ErrorIs(t, err, ErrNotJournal)
	_, err = Verify(filepath.Join(t.TempDir(), "none.jsonl"))
	require.ErrorIs(t, err, os.ErrNotExist)
}

func TestEachLineBackwardBlocks(t *testing.T) {
	// Lines that straddle block boundaries, a long line, a blank line and a
	// last line without a newline.
	var b strings.Builder
	var want []string
	for i := range 3000 {
		l := strings.Repeat("x", i%97) + "|" + strings.Repeat("y", i)
		want = append(want, l)
		b.WriteString(l + "\n")
	}
	b.WriteString("\n")
	want = append(want, "", "end")
	b.WriteString("end")
	r := strings.NewReader(b.String())
	var got []string
	var torn []bool
	require.NoError(t, eachLineBackward(r, int64(r.Len()), func(line []byte, tr, long bool) error {
		assert.False(t, long)
		got = append(got, string(line))
		torn = append(torn, tr)
		return nil
	}))
	require.Len(t, got, len(want))
	for i := range want {
		assert.Equal(t, want[len(want)-1-i], got[i])
	}
	assert.True(t, torn[0])
	assert.False(t, torn[1])
}
