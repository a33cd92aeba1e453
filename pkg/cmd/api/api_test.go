package api

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	pamapi "github.com/pamctl/pamctl/pkg/api"
	"github.com/pamctl/pamctl/pkg/cmdutil"
	"github.com/pamctl/pamctl/pkg/httpmock"
	"github.com/pamctl/pamctl/pkg/iostreams"
)

func TestNewCmdAPI(t *testing.T) {
	tests := []struct {
		args    string
		want    APIOptions
		wantErr string
	}{
		{args: "/api/user/context", want: APIOptions{Path: "/api/user/context", Method: "GET"}},
		{args: "session/list -X post", want: APIOptions{Path: "session/list", Method: "POST"}},
		{args: `x --data {"a":1} -X PUT`, want: APIOptions{Path: "x", Method: "PUT", Data: `{"a":1}`}},
		{args: "x -X BREW", wantErr: `--method "BREW"`},
		{args: "x --data {nope", wantErr: "--data is not valid JSON"},
		{args: "../../etc", wantErr: "give a path under the site's /api"},
		{args: "https://evil.example.test/api", wantErr: "give a path under the site's /api"},
		{args: "", wantErr: "accepts 1 arg"},
	}
	for _, tt := range tests {
		t.Run(tt.args, func(t *testing.T) {
			ios, _, _, _ := iostreams.Test()
			f := &cmdutil.Factory{IOStreams: ios}
			var got *APIOptions
			cmd := NewCmdAPI(f, func(o *APIOptions) error { got = o; return nil })
			cmd.SetArgs(strings.Fields(tt.args))
			cmd.SetOut(io.Discard)
			cmd.SetErr(io.Discard)
			err := cmd.Execute()
			if tt.wantErr != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want.Path, got.Path)
			assert.Equal(t, tt.want.Method, got.Method)
			assert.Equal(t, tt.want.Data, got.Data)
		})
	}
}

func TestAPIRun(t *testing.T) {
	reg := &httpmock.Registry{}
	reg.Register("list", httpmock.QueryMatcher("GET", "/ztna/a/root/api/session/list", map[string]string{"state": "Active"}),
		httpmock.JSONResponse(200, map[string]any{"total": 0, "items": []any{}}))
	reg.Register("post", func(r *http.Request) bool {
		return r.Method == "POST" && strings.HasSuffix(r.URL.Path, "/api/thing") && r.Header.Get("Content-Type") == "application/json"
	}, httpmock.JSONResponse(200, map[string]any{"ok": true}))
	t.Cleanup(func() { reg.Verify(t) })
	ios, _, out, _ := iostreams.Test()
	client := func() (*pamapi.Client, error) {
		return pamapi.New(pamapi.Options{Server: "https://pam.example.test/ztna/a/root", Token: "t", Transport: reg})
	}
	require.NoError(t, apiRun(context.Background(), &APIOptions{IO: ios, APIClient: client, Path: "session/list?state=Active", Method: "GET"}))
	assert.Contains(t, out.String(), `"total": 0`)
	out.Reset()
	require.NoError(t, apiRun(context.Background(), &APIOptions{IO: ios, APIClient: client, Path: "/api/thing", Method: "POST", Data: `{"x":1}`}))
	assert.Contains(t, out.String(), `"ok": true`)
	var body bytes.Buffer
	_, _ = body.ReadFrom(reg.Requests[1].Body)
	assert.Equal(t, `{"x":1}`, body.String())
}
