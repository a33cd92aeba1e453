package get

import (
	"bytes"
	"context"
	"net/http"
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

func TestNewCmdGet(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		wantRef string
		wantErr string
	}{
		{name: "name", args: []string{"db-prod-01"}, wantRef: "db-prod-01"},
		{name: "none", args: []string{}, wantErr: "takes one asset name or ID, got 0"},
		{name: "empty", args: []string{" "}, wantErr: "is empty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ios, _, _, _ := iostreams.Test()
			var got *GetOptions
			cmd := NewCmdGet(&cmdutil.Factory{IOStreams: ios}, func(o *GetOptions) error { got = o; return nil })
			cmd.SetArgs(tt.args)
			cmd.SetOut(&bytes.Buffer{})
			cmd.SetErr(&bytes.Buffer{})
			_, err := cmd.ExecuteC()
			if tt.wantErr != "" {
				assert.ErrorContains(t, err, tt.wantErr)
				var fe *cmdutil.FlagError
				assert.ErrorAs(t, err, &fe)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.wantRef, got.Ref)
		})
	}
}

func TestGetRun(t *testing.T) {
	asset := api.Asset{ID: "22222222-2222-4222-8222-000000000001", Name: "db-prod-01", Type: "Database", ParentID: "root"}
	ctxResp := httpmock.JSONResponse(200, map[string]any{"space": map[string]string{"rid": "root"}})
	list := func(items ...api.Asset) httpmock.Responder {
		return httpmock.JSONResponse(200, map[string]any{"total": len(items), "offset": 0, "limit": 500, "items": items})
	}
	tests := []struct {
		name    string
		ref     string
		format  output.Format
		stubs   func(*httpmock.Registry)
		wantErr string
		errType any
	}{
		{name: "by id", ref: asset.ID, format: output.Table, stubs: func(r *httpmock.Registry) {
			r.Register("get", httpmock.REST(http.MethodGet, "/api/asset/"+asset.ID), httpmock.JSONResponse(200, asset))
		}},
		{name: "by name json", ref: "DB-PROD-01", format: output.JSON, stubs: func(r *httpmock.Registry) {
			r.Register("context", httpmock.REST(http.MethodGet, "/api/user/context"), ctxResp)
			r.Register("list", httpmock.REST(http.MethodGet, "/api/asset/list"), list(asset, api.Asset{ID: "x", Name: "db-prod-01-replica"}))
			r.Register("read back", httpmock.REST(http.MethodGet, "/api/asset/"+asset.ID), httpmock.JSONResponse(200, asset))
		}},
		{name: "ambiguous", ref: "db-prod", format: output.Table, wantErr: `"db-prod" matches 2 assets: db-prod-01 (22222222-2222-4222-8222-000000000001), db-prod-02 (y); pass the asset ID`,
			errType: &cmdutil.FlagError{}, stubs: func(r *httpmock.Registry) {
				r.Register("context", httpmock.REST(http.MethodGet, "/api/user/context"), ctxResp)
				r.Register("list", httpmock.REST(http.MethodGet, "/api/asset/list"), list(asset, api.Asset{ID: "y", Name: "db-prod-02"}))
			}},
		{name: "unknown", ref: "nope", format: output.Table, wantErr: `no asset named or with ID "nope"`, errType: &cmdutil.NotFoundError{},
			stubs: func(r *httpmock.Registry) {
				r.Register("context", httpmock.REST(http.MethodGet, "/api/user/context"), ctxResp)
				r.Register("list", httpmock.REST(http.MethodGet, "/api/asset/list"), list())
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			reg := &httpmock.Registry{}
			t.Cleanup(func() { reg.Verify(t) })
			tt.stubs(reg)
			ios, _, stdout, _ := iostreams.Test()
			opts := &GetOptions{IO: ios, Ref: tt.ref,
				APIClient: func() (*api.Client, error) {
					return api.New(api.Options{Server: "https://pam.example.com/ztna/acme/root", Token: "test-token-0123456789", Transport: reg})
				},
				Output: func() (output.Options, error) { return output.Options{Format: tt.format}, nil },
			}
			err := getRun(context.Background(), opts)
			if tt.wantErr != "" {
				assert.ErrorContains(t, err, tt.wantErr)
				switch want := tt.errType.(type) {
				case *cmdutil.FlagError:
					assert.ErrorAs(t, err, &want)
				case *cmdutil.NotFoundError:
					assert.ErrorAs(t, err, &want)
				}
				return
			}
			require.NoError(t, err)
			golden.Assert(t, stdout.Bytes())
		})
	}
}
