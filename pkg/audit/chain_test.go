package audit

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var t0 = time.Date(2026, 12, 4, 9, 0, 0, 0, time.UTC)

func entry(i int) Entry {
	return Entry{Time: t0.Add(time.Duration(i) * time.Minute), Operator: "admin", Session: fmt.Sprintf("s%03d", i), User: "bwilliams", Asset: "db-01", Reason: "INC-1", Result: "terminated", Verified: true}
}

// writeJournal appends n lines to a fresh journal and returns its path.
func writeJournal(t *testing.T, n int, opts Options) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), FileName)
	j, err := OpenWith(path, opts)
	require.NoError(t, err)
	for i := 1; i <= n; i++ {
		require.NoError(t, j.Append(entry(i)))
	}
	require.NoError(t, j.Close())
	return path
}

func lines(t *testing.T, path string) []string {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	return strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
}

func TestChain(t *testing.T) {
	path := writeJournal(t, 3, Options{})
	ls := lines(t, path)
	require.Len(t, ls, 3)
	var es []Entry
	for _, l := range ls {
		var e Entry
		require.NoError(t, json.Unmarshal([]byte(l), &e))
		es = append(es, e)
	}
	assert.Equal(t, Anchor, es[0].Prev, "the first line anchors the chain and says so")
	assert.Equal(t, uint64(1), es[0].Seq)
	assert.Equal(t, LineHash([]byte(ls[0])), es[1].Prev)
	assert.Equal(t, LineHash([]byte(ls[1])), es[2].Prev)
	assert.Equal(t, uint64(3), es[2].Seq)
	assert.True(t, strings.HasSuffix(ls[2], `,"seq":3,"prev":"`+LineHash([]byte(ls[1]))+`"}`), ls[2])

	// Reopening goes on from the last line; so does a second journal open
	// on the same file at the same time (another pamctl run).
	a, err := Open(path)
	require.NoError(t, err)
	b, err := Open(path)
	require.NoError(t, err)
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Go(func() {
			j := a
			if i%2 == 1 {
				j = b
			}
			assert.NoError(t, j.Append(entry(10+i)))
		})
	}
	wg.Wait()
	require.NoError(t, a.Close())
	require.NoError(t, b.Close())
	rep, err := Verify(path)
	require.NoError(t, err)
	assert.Empty(t, rep.Findings)
	assert.Equal(t, 23, rep.Chained)
	assert.Equal(t, uint64(23), rep.LastSeq)
	ls = lines(t, path)
	assert.Equal(t, LineHash([]byte(ls[22])), rep.LastHash)
}

func TestRotation(t *testing.T) {
	line := len(lines(t, writeJournal(t, 2, Options{}))[1]) + 1
	path := writeJournal(t, 10, Options{MaxBytes: int64(3*line + 100)})
	files, err := Files(path)
	require.NoError(t, err)
	dir := filepath.Dir(path)
	assert.Equal(t, []string{
		filepath.Join(dir, "audit.000001.jsonl"), filepath.Join(dir, "audit.000002.jsonl"),
		filepath.Join(dir, "audit.000003.jsonl"), path,
	}, files)
	for _, f := range files {
		fi, err := os.Stat(f)
		require.NoError(t, err)
		assert.Equal(t, os.FileMode(0o600), fi.Mode().Perm())
		assert.LessOrEqual(t, fi.Size(), int64(3*line+100))
	}
	// The chain runs on across files: the first line of the second file
	// names the last line of the first.
	first := lines(t, files[0])
	var e Entry
	require.NoError(t, json.Unmarshal([]byte(lines(t, files[1])[0]), &e))
	assert.Equal(t, LineHash([]byte(first[len(first)-1])), e.Prev)
	assert.Equal(t, uint64(len(first)+1), e.Seq)

	rep, err := Verify(path)
	require.NoError(t, err)
	assert.Empty(t, rep.Findings)
	assert.Equal(t, 10, rep.Chained)

	var fwd, back []string
	require.NoError(t, ScanLines(path, func(l *Line) error { fwd = append(fwd, l.Entry.Session); return nil }))
	require.NoError(t, ScanBackward(path, func(l *Line) error { back = append(back, l.Entry.Session); return nil }))
	require.Len(t, fwd, 10)
	for i := range fwd {
		assert.Equal(t, fwd[i], back[len(back)-1-i])
	}
	n := 0
	require.NoError(t, ScanBackward(path, func(*Line) error { n++; return ErrStop }))
	assert.Equal(t, 1, n)

	// A rotated file that is removed shows as removed lines.
	require.NoError(t, os.Remove(files[1]))
	rep, err = Verify(path)
	require.NoError(t, err)
	require.Len(t, rep.Findings, 1)
	assert.Equal(t, Removed, rep.Findings[0].Kind)
	assert.Equal(t, files[2], rep.Findings[0].File)

	_, err = ParseSize("64MiB")
	require.NoError(t, err)
	for in, want := range map[string]int64{"64MiB": 64 << 20, "512KiB": 512 << 10, "1GiB": 1 << 30, "1000": 1000, "10B": 10} {
		got, err := ParseSize(in)
		require.NoError(t, err, in)
		assert.Equal(t, want, got, in)
	}
	for _, bad := range []string{"", "0", "-1", "64MB", "lots"} {
		_, err := ParseSize(bad)
		assert.ErrorContains(t, err, MaxSizeEnv, bad)
	}
	m, err := MaxBytesFrom(env(map[string]string{MaxSizeEnv: "2MiB"}))
	require.NoError(t, err)
	assert.Equal(t, int64(2<<20), m)
	m, err = MaxBytesFrom(env(nil))
	require.NoError(t, err)
	assert.Equal(t, int64(DefaultMaxBytes), m)
	// The process's environment is not pamctl's: only lookup is read.
	t.Setenv(MaxSizeEnv, "1KiB")
	m, err = MaxBytesFrom(nil)
	require.NoError(t, err)
	assert.Equal(t, int64(DefaultMaxBytes), m)
}

func TestTornLineIsFencedNotAppendedOnto(t *testing.T) {
	path := writeJournal(t, 2, Options{})
	torn := `{"time":"2026-12-04T09:03:00Z","operator":"admin","sess`
	appendRaw(t, path, torn)

	// Opening fences the torn line off: the file ends in a newline before
	// anything new is written.
	j, err := Open(path)
	require.NoError(t, err)
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.True(t, bytes.HasSuffix(b, []byte(torn+"\n")))
	require.NoError(t, j.Append(entry(3)))

	// A crash in another run after this one opened: the next line still
	// starts on a line of its own, in the same write.
	appendRaw(t, path, torn)
	require.NoError(t, j.Append(entry(4)))
	require.NoError(t, j.Close())
	ls := lines(t, path)
	require.Len(t, ls, 6)
	assert.Equal(t, torn, ls[2])
	assert.Equal(t, torn, ls[4])

	rep, err := Verify(path)
	require.NoError(t, err)
	require.Len(t, rep.Findings, 2, "%v", rep.Findings)
	for i, n := range []int{3, 5} {
		assert.Equal(t, Torn, rep.Findings[i].Kind)
		assert.Equal(t, n, rep.Findings[i].Line)
	}
	// The chain skipped the torn lines: seq 3 names seq 2, seq 4 names seq 3.
	var e3, e4 Entry
	require.NoError(t, json.Unmarshal([]byte(ls[3]), &e3))
	require.NoError(t, json.Unmarshal([]byte(ls[5]), &e4))
	assert.Equal(t, LineHash([]byte(ls[1])), e3.Prev)
	assert.Equal(t, LineHash([]byte(ls[3])), e4.Prev)
}

func TestWriteErrorIsReturned(t *testing.T) {
	path := writeJournal(t, 1, Options{})
	j, err := Open(path)
	require.NoError(t, err)
	require.NoError(t, j.f.Close()) // the file goes away under the journal
	err = j.Append(entry(2), entry(3))
	require.Error(t, err)
	assert.Contains(t, err.Error(), `"s002"`, "the error names the session whose line is missing")
	require.Error(t, j.Close())
	assert.Len(t, lines(t, path), 1)
}

func TestOldLinesAreUnchained(t *testing.T) {
	path := filepath.Join(t.TempDir(), FileName)
	require.NoError(t, os.WriteFile(path, []byte(`{"time":"2026-11-01T00:00:00Z","session":"old1"}`+"\n"+`{"time":"2026-11-01T00:00:00Z","session":"old2"}`+"\n"), 0o600))
	j, err := Open(path)
	require.NoError(t, err)
	require.NoError(t, j.Append(entry(1), entry(2)))
	require.NoError(t, j.Close())
	ls := lines(t, path)
	var e Entry
	require.NoError(t, json.Unmarshal([]byte(ls[2]), &e))
	assert.Equal(t, Anchor, e.Prev)
	rep, err := Verify(path)
	require.NoError(t, err)
	assert.Empty(t, rep.Findings)
	assert.Equal(t, 2, rep.Unchained)
	assert.Equal(t, 2, rep.Chained)
}

func appendRaw(t *testing.T, path, s string) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	require.NoError(t, err)
	_, err = f.WriteString(s)
	require.NoError(t, err)
	require.NoError(t, f.Close())
}

func TestChainTail(t *testing.T) {
	for in, want := range map[string]chainFields{
		`{"a":1,"seq":12,"prev":"sha256:ab"}`:   {Seq: 12, Prev: "sha256:ab"},
		`{"seq":1,"prev":"anchor"}`:             {Seq: 1, Prev: Anchor},
		`{"prev":"sha256:ab","seq":3}`:          {Seq: 3, Prev: "sha256:ab"}, // not pamctl's order: the JSON way
		`{"a":1,"seq":12,"prev":"x\"y"}`:        {Seq: 12, Prev: `x"y`},
		`{"a":1,"seq":1.5,"prev":"sha256:ab"}`:  {},
		`{"a":1,"seq":0,"prev":"sha256:ab"}`:    {},
		`{"a":1}`:                               {},
		`not json,"seq":12,"prev":"sha256:ab"}`: {Seq: 12, Prev: "sha256:ab"}, // the tail only; the caller checks the line
	} {
		c, ok := chained([]byte(in))
		assert.Equal(t, want.Seq > 0, ok, in)
		if ok {
			assert.Equal(t, want, c, in)
		}
	}
}

func TestFindSeqs(t *testing.T) {
	path := writeJournal(t, 5, Options{})
	ls := lines(t, path)
	got, err := FindSeqs(path, map[uint64]bool{2: true, 5: true, 9: true})
	require.NoError(t, err)
	assert.Equal(t, map[uint64]LineAt{
		2: {File: path, Line: 2, Hash: LineHash([]byte(ls[1]))},
		5: {File: path, Line: 5, Hash: LineHash([]byte(ls[4]))},
	}, got)
}
