package get

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pamctl/pamctl/pkg/api"
	"github.com/pamctl/pamctl/pkg/cmdutil"
	"github.com/pamctl/pamctl/pkg/httpmock"
	"github.com/pamctl/pamctl/pkg/iostreams"
	"github.com/pamctl/pamctl/pkg/output"
	"github.com/pamctl/pamctl/pkg/output/golden"
)

var now = time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)

const id = "11111111-1111-4111-8111-000000000006"

func TestNewCmdGet(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		wantID  string
		wantErr string
	}{
		{name: "id", args: []string{id}, wantID: id},
		{name: "no id", args: nil, wantErr: "takes one session ID, got 0 arguments"},
		{name: "two ids", args: []string{id, id}, wantErr: "got 2 arguments"},
		{name: "path traversal", args: []string{"../../api/user/context"}, wantErr: "contains a path separator"},
		{name: "dot segment", args: []string{".."}, wantErr: `contains ".."`},
		{name: "control character", args: []string{"abc\x1bdef"}, wantErr: "whitespace or a control character"},
		{name: "query", args: []string{"abc?x=1%2f"}, wantErr: "escape"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ios, _, _, _ := iostreams.Test()
			f := &cmdutil.Factory{IOStreams: ios, Now: func() time.Time { return now }}
			var got *GetOptions
			cmd := NewCmdGet(f, func(o *GetOptions) error { got = o; return nil })
			cmd.SetArgs(append([]string{}, tt.args...))
			cmd.SetOut(&bytes.Buffer{})
			cmd.SetErr(&bytes.Buffer{})
			_, err := cmd.ExecuteC()
			if tt.wantErr != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.wantErr)
				var fe *cmdutil.FlagError
				assert.ErrorAs(t, err, &fe, "a bad ID is a usage error (exit 2), refused before any request")
				assert.Nil(t, got)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.wantID, got.ID)
		})
	}
}

func session() api.Session {
	mk := func(s string) api.Time { t, _ := time.Parse(time.RFC3339, s); return api.NewTime(t) }
	return api.Session{ID: id, AssetID: "22222222-2222-4222-8222-000000000008", AssetName: "evil\x1b[2J\rasset\u202e",
		User: "mallory\x1b[31mRED\x1b]0;pwned\a", Channels: []string{"VNC"}, State: "Active",
		Created: mk("2026-11-26T09:55:00Z"), Updated: mk("2026-11-26T09:56:00Z")}
}

func TestGetRun(t *testing.T) {
	tests := []struct {
		name     string
		format   output.Format
		tty      bool
		status   int
		wantErr  string
		notFound bool
	}{
		{name: "table", format: output.Table, status: 200},
		{name: "table tty", format: output.Table, tty: true, status: 200},
		{name: "wide", format: output.Wide, status: 200},
		{name: "json", format: output.JSON, status: 200},
		{name: "json tty", format: output.JSON, tty: true, status: 200},
		{name: "yaml", format: output.YAML, status: 200},
		{name: "yaml tty", format: output.YAML, tty: true, status: 200},
		{name: "csv", format: output.CSV, status: 200},
		{name: "csv tty", format: output.CSV, tty: true, status: 200},
		{name: "unknown", format: output.Table, status: 404, wantErr: "no session with ID " + id, notFound: true},
		{name: "forbidden", format: output.Table, status: 403, wantErr: "HTTP 403"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			reg := &httpmock.Registry{}
			t.Cleanup(func() { reg.Verify(t) })
			var body any = session()
			if tt.status != 200 {
				body = map[string]string{"message": "nope"}
			}
			reg.Register("get", httpmock.REST(http.MethodGet, "/api/session/"+id), httpmock.JSONResponse(tt.status, body))
			ios, _, stdout, _ := iostreams.Test()
			opts := &GetOptions{IO: ios, ID: id, Now: func() time.Time { return now },
				APIClient: func() (*api.Client, error) {
					return api.New(api.Options{Server: "https://pam.example.com/ztna/acme/root", Token: "test-token-0123456789", Transport: reg})
				},
				Output: func() (output.Options, error) { return output.Options{Format: tt.format, TTY: tt.tty}, nil },
			}
			err := getRun(context.Background(), opts)
			if tt.wantErr != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.wantErr)
				var nf *cmdutil.NotFoundError
				assert.Equal(t, tt.notFound, errorsAs(err, &nf))
				if !tt.notFound {
					assert.True(t, api.IsForbidden(err))
				}
				assert.Empty(t, stdout.String())
				return
			}
			require.NoError(t, err)
			golden.Assert(t, stdout.Bytes())
			assert.NotContains(t, stdout.String(), "\x1b")
			assert.False(t, strings.Contains(stdout.String(), "\u202e"))
		})
	}
}

func errorsAs(err error, target any) bool { return errors.As(err, target) }
