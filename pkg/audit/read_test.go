package audit

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestScan(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state", "pamctl", FileName)
	j, err := Open(path)
	require.NoError(t, err)
	t0 := time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC)
	require.NoError(t, j.Append(
		Entry{Time: t0, Operator: "admin", Session: "s1", User: "bwilliams", Asset: "db-prod-01", Result: "terminated"},
		Entry{Time: t0.Add(time.Minute), Operator: "admin", Method: "DELETE", Path: "/api/x", Result: "200"},
	))
	require.NoError(t, j.Close())
	// A torn write, a blank line, a non-object and an absurdly long line
	// are skipped and counted, and reading goes on past them.
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	require.NoError(t, err)
	_, err = f.WriteString(`{"time":"2026-11-` + "\n\n" + `[1,2]` + "\n" + strings.Repeat("x", MaxLineBytes+10) + "\n" +
		`{"time":"2026-11-26T09:05:00Z","session":"s2","user":"jdoe","result":"unknown"}` + "\r\n" +
		`{"time":"2026-11-26T09:06:00Z","session":"s3"}`)
	require.NoError(t, err)
	require.NoError(t, f.Close())

	var raws []string
	var sessions []string
	st, err := Scan(path, func(raw []byte, e Entry) error {
		raws = append(raws, string(raw))
		sessions = append(sessions, e.Session)
		return nil
	})
	require.NoError(t, err)
	assert.Equal(t, ScanStats{Lines: 4, Unreadable: 3}, st)
	assert.Equal(t, []string{"s1", "", "s2", "s3"}, sessions)
	assert.True(t, strings.HasPrefix(raws[0], `{"time":"2026-11-26T09:00:00Z","operator":"admin"`), raws[0])
	assert.Equal(t, `{"time":"2026-11-26T09:05:00Z","session":"s2","user":"jdoe","result":"unknown"}`, raws[2], "the line's bytes as written, without CR LF")
	assert.Equal(t, `{"time":"2026-11-26T09:06:00Z","session":"s3"}`, raws[3], "a last line without a newline is read")

	// fn's error stops the scan.
	stop := errors.New("stop")
	st, err = Scan(path, func([]byte, Entry) error { return stop })
	assert.ErrorIs(t, err, stop)
	assert.Equal(t, 1, st.Lines)
}

func TestScanMissingAndLinks(t *testing.T) {
	dir := t.TempDir()
	_, err := Scan(filepath.Join(dir, "nope.jsonl"), func([]byte, Entry) error { return nil })
	assert.ErrorIs(t, err, os.ErrNotExist)
	_, err = os.Stat(filepath.Join(dir, "nope.jsonl"))
	assert.ErrorIs(t, err, os.ErrNotExist, "reading never creates the journal")

	if runtime.GOOS == "windows" {
		t.Skip("symbolic links need privileges on Windows")
	}
	target := filepath.Join(dir, "target.jsonl")
	require.NoError(t, os.WriteFile(target, []byte(`{"session":"s"}`+"\n"), 0o600))
	link := filepath.Join(dir, "link.jsonl")
	require.NoError(t, os.Symlink(target, link))
	_, err = Scan(link, func([]byte, Entry) error { return nil })
	require.Error(t, err)
	assert.Contains(t, err.Error(), "symbolic link")

	_, err = Scan(dir, func([]byte, Entry) error { return nil })
	require.Error(t, err)
	assert.Contains(t, err.Error(), "not a regular file")
}
