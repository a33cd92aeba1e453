package list

import (
	"bytes"
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pamctl/pamctl/pkg/api"
	"github.com/pamctl/pamctl/pkg/cmdutil"
	"github.com/pamctl/pamctl/pkg/httpmock"
	"github.com/pamctl/pamctl/pkg/iostreams"
	"github.com/pamctl/pamctl/pkg/output"
	"github.com/pamctl/pamctl/pkg/output/golden"
)

func TestNewCmdList(t *testing.T) {
	tests := []struct {
		args      string
		wantName  string
		wantLimit int
		wantErr   string
	}{
		{args: ""},
		{args: "--name db-prod --limit 3", wantName: "db-prod", wantLimit: 3},
		{args: "--limit -2", wantErr: "--limit -2"},
		{args: "db-prod", wantErr: "unknown command"},
	}
	for _, tt := range tests {
		t.Run(tt.args, func(t *testing.T) {
			ios, _, _, _ := iostreams.Test()
			var got *ListOptions
			cmd := NewCmdList(&cmdutil.Factory{IOStreams: ios}, func(o *ListOptions) error { got = o; return nil })
			cmd.SetArgs(strings.Fields(tt.args))
			cmd.SetOut(&bytes.Buffer{})
			cmd.SetErr(&bytes.Buffer{})
			_, err := cmd.ExecuteC()
			if tt.wantErr != "" {
				assert.ErrorContains(t, err, tt.wantErr)
				assert.Nil(t, got)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.wantName, got.Name)
			assert.Equal(t, tt.wantLimit, got.Limit)
		})
	}
}

func TestListRun(t *testing.T) {
	assets := []api.Asset{
		{ID: "22222222-2222-4222-8222-000000000001", Name: "db-prod-01", Type: "Database", ParentID: "root"},
		{ID: "22222222-2222-4222-8222-000000000008", Name: "evil\x1b[2J\rasset\u202e", Type: "Linux", ParentID: "root"},
	}
	tests := []struct {
		name       string
		format     output.Format
		tty        bool
		nameFilter string
		items      []api.Asset
		wantStderr string
	}{
		{name: "table", format: output.Table, items: assets},
		{name: "table tty", format: output.Table, tty: true, items: assets, wantStderr: "2 assets\n"},
		{name: "wide", format: output.Wide, items: assets},
		{name: "json", format: output.JSON, items: assets},
		{name: "yaml", format: output.YAML, items: assets},
		{name: "csv", format: output.CSV, items: assets},
		{name: "empty", format: output.Table, nameFilter: "zzz", items: []api.Asset{}, wantStderr: "No assets whose name contains \"zzz\"\n"},
		{name: "empty json", format: output.JSON, nameFilter: "zzz", items: []api.Asset{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			reg := &httpmock.Registry{}
			t.Cleanup(func() { reg.Verify(t) })
			reg.Register("context", httpmock.REST(http.MethodGet, "/api/user/context"),
				httpmock.JSONResponse(200, map[string]any{"space": map[string]string{"rid": "root"}}))
			reg.Register("assets", httpmock.QueryMatcher(http.MethodGet, "/api/asset/list", map[string]string{"name": tt.nameFilter, "parent": "root"}),
				httpmock.JSONResponse(200, map[string]any{"total": len(tt.items), "offset": 0, "limit": 500, "items": tt.items}))
			ios, _, stdout, stderr := iostreams.Test()
			opts := &ListOptions{IO: ios, Name: tt.nameFilter,
				APIClient: func() (*api.Client, error) {
					return api.New(api.Options{Server: "https://pam.example.com/ztna/acme/root", Token: "test-token-0123456789", Transport: reg})
				},
				Output: func() (output.Options, error) { return output.Options{Format: tt.format, TTY: tt.tty}, nil },
			}
			require.NoError(t, listRun(context.Background(), opts))
			assert.Equal(t, tt.wantStderr, stderr.String())
			golden.Assert(t, stdout.Bytes())
			assert.NotContains(t, stdout.String(), "\x1b")
		})
	}
}
