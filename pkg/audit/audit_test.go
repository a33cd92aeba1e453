package audit

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func env(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

func TestPath(t *testing.T) {
	p, err := Path(env(map[string]string{"XDG_STATE_HOME": "/s", "HOME": "/h"}))
	require.NoError(t, err)
	assert.Equal(t, "/s/pamctl/audit.jsonl", p)
	// A relative XDG_STATE_HOME is ignored, as the XDG spec says.
	p, err = Path(env(map[string]string{"XDG_STATE_HOME": "rel", "HOME": "/h"}))
	require.NoError(t, err)
	assert.Equal(t, "/h/.local/state/pamctl/audit.jsonl", p)
	p, err = Path(env(map[string]string{"HOME": "/h"}))
	require.NoError(t, err)
	assert.Equal(t, "/h/.local/state/pamctl/audit.jsonl", p)
}

func TestAppend(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state", "pamctl", FileName)
	j, err := Open(path)
	require.NoError(t, err)
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Go(func() {
			assert.NoError(t, j.Append(Entry{Time: time.Unix(int64(i), 0), Operator: "admin", Session: "s", Result: "terminated", Reason: "line\nbreak"}))
		})
	}
	wg.Wait()
	require.NoError(t, j.Close())

	fi, err := os.Stat(path)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), fi.Mode().Perm())
	di, err := os.Stat(filepath.Dir(path))
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o700), di.Mode().Perm())

	b, err := os.ReadFile(path)
	require.NoError(t, err)
	lines := strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
	require.Len(t, lines, 20)
	for _, l := range lines {
		var e map[string]any
		require.NoError(t, json.Unmarshal([]byte(l), &e), l)
		assert.Equal(t, []any{}, e["channels"], "channels is always an array")
		assert.Equal(t, "line\nbreak", e["reason"])
		assert.NotContains(t, e, "token")
	}
}

func TestOpenTightensAndRefusesSymlinks(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, FileName)
	require.NoError(t, os.WriteFile(path, []byte("{}\n"), 0o644))
	j, err := Open(path)
	require.NoError(t, err)
	require.NoError(t, j.Close())
	fi, err := os.Stat(path)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), fi.Mode().Perm())

	link := filepath.Join(dir, "link.jsonl")
	require.NoError(t, os.Symlink(path, link))
	_, err = Open(link)
	assert.ErrorContains(t, err, "symbolic link")
}
