package list

import (
	"bytes"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pamctl/pamctl/pkg/audit"
	"github.com/pamctl/pamctl/pkg/cmdutil"
	"github.com/pamctl/pamctl/pkg/iostreams"
	"github.com/pamctl/pamctl/pkg/output"
)

var now = time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)

func TestNewCmdList(t *testing.T) {
	for _, tt := range []struct {
		args    string
		wantErr string
		check   func(*testing.T, *ListOptions)
	}{
		{args: "--since 2h --until 2026-12-04T11:30:00Z --reason INC --user u --asset a --session s --result terminated --limit 5 --journal j.jsonl", check: func(t *testing.T, o *ListOptions) {
			assert.Equal(t, now.Add(-2*time.Hour), o.filter.Since)
			assert.Equal(t, now.Add(-30*time.Minute), o.filter.Until)
			assert.Equal(t, "INC", o.filter.Reason)
			assert.Equal(t, "u", o.filter.User)
			assert.Equal(t, "a", o.filter.Asset)
			assert.Equal(t, "s", o.filter.Session)
			assert.Equal(t, "terminated", o.filter.Result)
			assert.Equal(t, 5, o.Limit)
			assert.Equal(t, "j.jsonl", o.Journal)
		}},
		{args: "--since soon", wantErr: `--since "soon"`},
		{args: "--since 1h --until 2h", wantErr: "--since must be before --until"},
		{args: "--limit -1", wantErr: "--limit -1"},
		{args: "extra", wantErr: "unknown command"},
	} {
		t.Run(tt.args, func(t *testing.T) {
			ios, _, _, _ := iostreams.Test()
			f := &cmdutil.Factory{IOStreams: ios, Now: func() time.Time { return now }}
			var got *ListOptions
			cmd := NewCmdList(f, func(o *ListOptions) error { got = o; return nil })
			cmd.SetArgs(strings.Fields(tt.args))
			cmd.SetOut(&bytes.Buffer{})
			cmd.SetErr(&bytes.Buffer{})
			_, err := cmd.ExecuteC()
			if tt.wantErr != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.wantErr)
				assert.Nil(t, got)
				return
			}
			require.NoError(t, err)
			tt.check(t, got)
		})
	}
}

func TestListRun(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, audit.FileName)
	// Small files, so the listing crosses rotated files.
	j, err := audit.OpenWith(path, audit.Options{MaxBytes: 1500})
	require.NoError(t, err)
	for i := range 12 {
		require.NoError(t, j.Append(audit.Entry{Time: now.Add(time.Duration(i-12) * time.Hour), Operator: "admin",
			Server: "https://pam.example.com/ztna/acme/root", Session: fmt.Sprintf("s%02d", i), User: []string{"bwilliams", "jdoe"}[i%2],
			Asset: "db-01", Reason: fmt.Sprintf("INC-%d", i/4), Result: "terminated", Verified: true}))
	}
	require.NoError(t, j.Close())
	files, err := audit.Files(path)
	require.NoError(t, err)
	require.Greater(t, len(files), 2)

	run := func(t *testing.T, o *ListOptions) ([]map[string]any, string) {
		ios, _, out, errOut := iostreams.Test()
		o.IO, o.Now = ios, func() time.Time { return now }
		o.Output = func() (output.Options, error) { return output.Options{Format: output.JSON}, nil }
		if o.Journal == "" {
			o.Journal = path
		}
		require.NoError(t, o.complete())
		require.NoError(t, listRun(o))
		var rows []map[string]any
		require.NoError(t, json.Unmarshal(out.Bytes(), &rows), out.String())
		return rows, errOut.String()
	}
	sessions := func(rows []map[string]any) []string {
		var s []string
		for _, r := range rows {
			s = append(s, r["session"].(string))
		}
		return s
	}

	rows, stderr := run(t, &ListOptions{})
	require.Len(t, rows, 12)
	assert.Equal(t, "s11", rows[0]["session"], "newest first")
	assert.Equal(t, "s00", rows[11]["session"])
	assert.Equal(t, "root", rows[0]["site"])
	assert.EqualValues(t, 12, rows[0]["seq"])
	assert.Empty(t, stderr)

	rows, _ = run(t, &ListOptions{User: "JDOE", Reason: "inc-2"})
	assert.Equal(t, []string{"s11", "s09"}, sessions(rows))
	rows, _ = run(t, &ListOptions{Since: "3h", Limit: 2})
	assert.Equal(t, []string{"s11", "s10"}, sessions(rows))
	rows, _ = run(t, &ListOptions{Until: "2026-12-04T02:00:00Z"})
	assert.Equal(t, []string{"s01", "s00"}, sessions(rows))

	// This user's journal, not there yet: an empty list and a note.
	o := &ListOptions{LookupEnv: func(k string) (string, bool) {
		return map[string]string{"XDG_STATE_HOME": filepath.Join(dir, "none")}[k], k == "XDG_STATE_HOME"
	}}
	ios, _, out, errOut := iostreams.Test()
	o.IO, o.Now = ios, func() time.Time { return now }
	o.Output = func() (output.Options, error) { return output.Options{Format: output.JSON}, nil }
	require.NoError(t, o.complete())
	require.NoError(t, listRun(o))
	assert.Equal(t, "[]\n", out.String())
	assert.Contains(t, errOut.String(), "No audit journal at "+filepath.Join(dir, "none", "pamctl", audit.FileName))
}
