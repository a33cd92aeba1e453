package list

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pamctl/pamctl/pkg/api"
	"github.com/pamctl/pamctl/pkg/cmdutil"
	"github.com/pamctl/pamctl/pkg/httpmock"
	"github.com/pamctl/pamctl/pkg/iostreams"
	"github.com/pamctl/pamctl/pkg/output"
)

var now = time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)

func TestNewCmdList(t *testing.T) {
	tests := []struct {
		args    string
		wantErr string
		check   func(*testing.T, *ListOptions)
	}{
		{args: "--event Terminate --category Operation --since 1h --until 2026-11-26T09:59:00Z --limit 5", check: func(t *testing.T, o *ListOptions) {
			assert.Equal(t, "Terminate", o.Event)
			assert.Equal(t, "Operation", o.Category)
			assert.Equal(t, now.Add(-time.Hour), o.from)
			assert.Equal(t, time.Date(2026, 11, 26, 9, 59, 0, 0, time.UTC), o.to)
			assert.Equal(t, 5, o.Limit)
		}},
		{args: "--since nope", wantErr: "--since \"nope\""},
		{args: "--since 7d", check: func(t *testing.T, o *ListOptions) { assert.Equal(t, now.Add(-7*24*time.Hour), o.from) }},
		{args: "--since 1h --until 2h", wantErr: "before --until"},
		{args: "--limit -1", wantErr: "--limit"},
		{args: "extra", wantErr: "unknown command"},
	}
	for _, tt := range tests {
		t.Run(tt.args, func(t *testing.T) {
			ios, _, _, _ := iostreams.Test()
			f := &cmdutil.Factory{IOStreams: ios, Now: func() time.Time { return now }}
			var got *ListOptions
			cmd := NewCmdList(f, func(o *ListOptions) error { got = o; return nil })
			cmd.SetArgs(strings.Fields(tt.args))
			cmd.SetOut(ios.ErrOut)
			cmd.SetErr(ios.ErrOut)
			err := cmd.Execute()
			if tt.wantErr != "" {
				assert.ErrorContains(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			tt.check(t, got)
		})
	}
}

func TestListRun(t *testing.T) {
	reg := &httpmock.Registry{}
	t.Cleanup(func() { reg.Verify(t) })
	reg.Register("events", httpmock.QueryMatcher("GET", "/api/event/list", map[string]string{"event": "Terminate Session", "from": "2026-11-26T09:00:00Z"}),
		httpmock.JSONResponse(200, map[string]any{"total": 1, "offset": 0, "limit": 500, "items": []any{map[string]any{
			"id": "e1", "created": "2026-11-26T09:42:10Z", "level": "Information", "category": "Operation", "event": "Terminate Session",
			"message": "message=Session terminated, channel=SSH", "user": "jdoe", "assetName": "db-prod-01", "sessionId": "s1"}}}))
	client, err := api.New(api.Options{Server: "https://pam.example.com:6443/ztna/acme/root", Token: "test-token-0123456789", Transport: reg})
	require.NoError(t, err)
	ios, _, out, _ := iostreams.Test()
	opts := &ListOptions{IO: ios, APIClient: func() (*api.Client, error) { return client, nil }, Now: func() time.Time { return now },
		Output: func() (output.Options, error) { return output.Options{Format: output.Table}, nil },
		Event:  "Terminate Session", from: now.Add(-time.Hour)}
	require.NoError(t, listRun(context.Background(), opts))
	assert.Equal(t, "CREATED                LEVEL         CATEGORY    EVENT               USER   ASSET        MESSAGE\n"+
		"2026-11-26T09:42:10Z   Information   Operation   Terminate Session   jdoe   db-prod-01   message=Session terminated, channel=SSH\n", out.String())
}

// --timeout shadows the global per-request flag: with --follow it bounds
// the follow; without, it is handed on to the global flag.
func TestTimeoutFlag(t *testing.T) {
	for _, tc := range []struct {
		args           string
		local, request string
		wantErr        string
	}{
		{args: "--timeout 5s", local: "5s", request: "5s"},
		{args: "--follow --timeout 5m", local: "5m0s", request: ""},
		{args: "--follow", local: "0s", request: ""},
		{args: "--timeout 0s", wantErr: "--timeout 0s: want a positive duration"},
		{args: "--follow --timeout -1s", wantErr: "--timeout -1s: want a positive duration"},
	} {
		t.Run(tc.args, func(t *testing.T) {
			ios, _, _, _ := iostreams.Test()
			f := &cmdutil.Factory{IOStreams: ios, Now: func() time.Time { return now }}
			var got *ListOptions
			root := &cobra.Command{Use: "pamctl"}
			var request string
			root.PersistentFlags().StringVar(&request, "timeout", "", "per-request")
			root.AddCommand(NewCmdList(f, func(o *ListOptions) error { got = o; return nil }))
			root.SetArgs(append([]string{"list"}, strings.Fields(tc.args)...))
			root.SetOut(ios.ErrOut)
			root.SetErr(ios.ErrOut)
			err := root.Execute()
			if tc.wantErr != "" {
				assert.ErrorContains(t, err, tc.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.local, got.Timeout.String())
			assert.Equal(t, tc.request, request)
		})
	}
}
