package cmdutil

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/spf13/cobra"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pamctl/pamctl/pkg/api"
	"github.com/pamctl/pamctl/pkg/httpmock"
	"github.com/pamctl/pamctl/pkg/iostreams"
)

func TestParseTimeFlag(t *testing.T) {
	paris, err := time.LoadLocation("Europe/Paris")
	require.NoError(t, err)
	now := time.Date(2026, 11, 26, 10, 0, 0, 0, paris)
	tests := []struct {
		in      string
		want    time.Time
		wantErr string
	}{
		{in: "2h", want: now.Add(-2 * time.Hour)},
		{in: "90s", want: now.Add(-90 * time.Second)},
		{in: "1h30m", want: now.Add(-90 * time.Minute)},
		{in: "3d", want: now.Add(-72 * time.Hour)},
		{in: "1w", want: now.Add(-7 * 24 * time.Hour)},
		{in: "1d12h", want: now.Add(-36 * time.Hour)},
		{in: "0s", want: now},
		{in: "2026-11-26T09:00:00Z", want: time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC)},
		{in: "2026-11-26T09:00:00+02:00", want: time.Date(2026, 11, 26, 7, 0, 0, 0, time.UTC)},
		{in: "2026-11-26T09:00", want: time.Date(2026, 11, 26, 9, 0, 0, 0, paris)},
		{in: "2026-11-26 09:00:05", want: time.Date(2026, 11, 26, 9, 0, 5, 0, paris)},
		{in: "2026-11-26", want: time.Date(2026, 11, 26, 0, 0, 0, 0, paris)},
		{in: "", wantErr: "--since is empty"},
		{in: "yesterday", wantErr: "want a duration before now"},
		{in: "2hours", wantErr: `"2hours" is not a duration`},
		{in: "1d2x", wantErr: `"1d2x" is not a duration`},
		{in: "-2h", wantErr: "must not be signed"},
		{in: "99999d", wantErr: "too long ago"},
		{in: "2026-13-01", wantErr: "want a duration before now"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseTimeFlag("since", tt.in, now)
			if tt.wantErr != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.wantErr)
				var fe *FlagError
				assert.ErrorAs(t, err, &fe)
				return
			}
			require.NoError(t, err)
			assert.True(t, tt.want.Equal(got), "want %v, got %v", tt.want, got)
		})
	}
}

func testFactory(t *testing.T, reg *httpmock.Registry) *Factory {
	ios, _, _, _ := iostreams.Test()
	return &Factory{IOStreams: ios, APIClient: func() (*api.Client, error) {
		return api.New(api.Options{Server: "https://pam.example.com/ztna/acme/root", Token: "test-token-0123456789", Transport: reg})
	}}
}

func TestCompleteActiveSessionIDs(t *testing.T) {
	reg := &httpmock.Registry{}
	t.Cleanup(func() { reg.Verify(t) })
	reg.Register("sessions", httpmock.QueryMatcher(http.MethodGet, "/api/session/list", map[string]string{"state": "Active", "user": "bwilliams"}),
		httpmock.JSONResponse(200, map[string]any{"total": 3, "offset": 0, "limit": 500, "items": []api.Session{
			{ID: "11111111-1111-4111-8111-000000000001", AssetName: "db-prod-01", User: "bwilliams", State: "Active"},
			{ID: "11111111-1111-4111-8111-000000000003", AssetName: "web-01", User: "bwilliams", State: "Active"},
			{ID: "21111111-1111-4111-8111-000000000006", AssetName: "evil\x1b[2J", User: "bwilliams\t", State: "Active"},
		}}))
	cmd := &cobra.Command{Use: "terminate"}
	cmd.Flags().String("user", "", "")
	require.NoError(t, cmd.Flags().Set("user", "bwilliams"))
	got, dir := CompleteActiveSessionIDs(testFactory(t, reg))(cmd, []string{"11111111-1111-4111-8111-000000000003"}, "1111")
	assert.Equal(t, []cobra.Completion{"11111111-1111-4111-8111-000000000001\tdb-prod-01 bwilliams"}, got)
	assert.Equal(t, cobra.ShellCompDirectiveNoFileComp, dir)

	// Descriptions are escaped: a tab or ESC in a name cannot break the
	// shell's completion protocol or the terminal.
	reg.Register("sessions again", httpmock.REST(http.MethodGet, "/api/session/list"),
		httpmock.JSONResponse(200, map[string]any{"total": 1, "offset": 0, "limit": 500, "items": []api.Session{
			{ID: "21111111-1111-4111-8111-000000000006", AssetName: "evil\x1b[2J", User: "bwilliams\t", State: "Active"},
		}}))
	got, _ = CompleteActiveSessionIDs(testFactory(t, reg))(&cobra.Command{}, nil, "")
	assert.Equal(t, []cobra.Completion{`21111111-1111-4111-8111-000000000006` + "\t" + `evil\x1b[2J bwilliams\t`}, got)
}

// TestCompleteTerminableSessionIDs: terminate is offered only the
// sessions it could terminate: not native-client-only ones, and not one
// the server lists although it is Completed.
func TestCompleteTerminableSessionIDs(t *testing.T) {
	reg := &httpmock.Registry{}
	t.Cleanup(func() { reg.Verify(t) })
	reg.Register("sessions", httpmock.REST(http.MethodGet, "/api/session/list"),
		httpmock.JSONResponse(200, map[string]any{"total": 4, "offset": 0, "limit": 500, "items": []api.Session{
			{ID: "11111111-1111-4111-8111-000000000001", AssetName: "db-prod-01", User: "bwilliams", State: "Active", Channels: []string{"SSH"}},
			{ID: "11111111-1111-4111-8111-000000000002", AssetName: "db-prod-01", User: "jdoe", State: "Active", Channels: []string{"RDPP"}},
			{ID: "11111111-1111-4111-8111-000000000003", AssetName: "web-01", User: "carol", State: "Active", Channels: []string{"SSHP:tunnel", "RDP"}},
			{ID: "11111111-1111-4111-8111-000000000004", AssetName: "web-01", User: "dave", State: "Completed", Channels: []string{"SSH"}},
		}}))
	got, _ := CompleteTerminableSessionIDs(testFactory(t, reg))(&cobra.Command{}, nil, "")
	assert.Equal(t, []cobra.Completion{
		"11111111-1111-4111-8111-000000000001\tdb-prod-01 bwilliams",
		"11111111-1111-4111-8111-000000000003\tweb-01 carol",
	}, got)
}

func TestCompletionFailsSilently(t *testing.T) {
	ios, _, stdout, stderr := iostreams.Test()
	noCreds := &Factory{IOStreams: ios, APIClient: func() (*api.Client, error) {
		return nil, &AuthError{Err: assert.AnError}
	}}
	got, dir := CompleteActiveSessionIDs(noCreds)(&cobra.Command{}, nil, "")
	assert.Empty(t, got)
	assert.Equal(t, cobra.ShellCompDirectiveNoFileComp, dir)
	got, _ = CompleteAssetNames(noCreds)(&cobra.Command{}, nil, "db")
	assert.Empty(t, got)

	// A server error offers nothing either.
	reg := &httpmock.Registry{}
	t.Cleanup(func() { reg.Verify(t) })
	reg.Register("context", httpmock.REST(http.MethodGet, "/api/user/context"), httpmock.JSONResponse(401, map[string]string{"message": "no"}))
	got, _ = CompleteAssetNames(testFactory(t, reg))(&cobra.Command{}, nil, "db")
	assert.Empty(t, got)
	assert.Empty(t, stdout.String())
	assert.Empty(t, stderr.String())
}

func TestCompleteAssetNames(t *testing.T) {
	reg := &httpmock.Registry{}
	t.Cleanup(func() { reg.Verify(t) })
	reg.Register("context", httpmock.REST(http.MethodGet, "/api/user/context"),
		httpmock.JSONResponse(200, map[string]any{"space": map[string]string{"rid": "root-rid"}, "roles": []string{"Administrator"}}))
	reg.Register("assets", httpmock.QueryMatcher(http.MethodGet, "/api/asset/list", map[string]string{"name": "db", "parent": "root-rid"}),
		httpmock.JSONResponse(200, map[string]any{"total": 3, "offset": 0, "limit": 500, "items": []api.Asset{
			{ID: "a1", Name: "db-prod-01", Type: "Database"},
			{ID: "a2", Name: "old-db", Type: "Database"},
			{ID: "a3", Name: "db\x1b[2J", Type: "Linux"},
		}}))
	got, _ := CompleteAssetNames(testFactory(t, reg))(&cobra.Command{}, nil, "db")
	assert.Equal(t, []cobra.Completion{"db-prod-01\tDatabase"}, got)
}

// An asset lookup is cross-checked: the asset answered carries the name
// asked, and a read of its ID carries that ID and name.
func TestResolveAssetCrossChecks(t *testing.T) {
	const dbID, jumpID = "22222222-2222-4222-8222-000000000001", "22222222-2222-4222-8222-000000000007"
	assetList := func(items ...api.Asset) httpmock.Responder {
		return httpmock.JSONResponse(200, map[string]any{"total": len(items), "offset": 0, "limit": 500, "items": items})
	}
	for _, tc := range []struct {
		name    string
		ref     string
		listed  []api.Asset
		readID  string
		read    httpmock.Responder
		wantErr string
	}{
		{name: "consistent", ref: "DB-PROD-01", listed: []api.Asset{{ID: dbID, Name: "db-prod-01"}}, readID: dbID,
			read: httpmock.JSONResponse(200, api.Asset{ID: dbID, Name: "db-prod-01"})},
		{name: "another asset's ID", ref: "db-prod-01", listed: []api.Asset{{ID: jumpID, Name: "db-prod-01"}}, readID: jumpID,
			read:    httpmock.JSONResponse(200, api.Asset{ID: jumpID, Name: "linux-jump-01"}),
			wantErr: `the server's asset list answered "db-prod-01" with ID ` + jumpID + `, but a read of that ID names it "linux-jump-01"; pamctl acts on neither, and nothing was sent`},
		{name: "an ID nobody has", ref: "db-prod-01", listed: []api.Asset{{ID: jumpID, Name: "db-prod-01"}}, readID: jumpID,
			read: httpmock.JSONResponse(404, map[string]string{"message": "not found"}), wantErr: "a read of that ID finds no asset"},
		{name: "another asset entirely", ref: "db-prod-01", listed: []api.Asset{{ID: jumpID, Name: "linux-jump-01"}},
			wantErr: `the server answered the lookup of asset "db-prod-01" with "linux-jump-01" (` + jumpID + `), which does not carry that name`},
		{name: "another asset beside a partial match", ref: "db-prod-01",
			listed:  []api.Asset{{ID: "22222222-2222-4222-8222-000000000003", Name: "db-prod-01-replica"}, {ID: jumpID, Name: "linux-jump-01"}},
			wantErr: `with "linux-jump-01" (` + jumpID + `), which does not carry that name`},
		{name: "a lookalike name", ref: "bwilliams-box", listed: []api.Asset{{ID: jumpID, Name: "bwilliam\u017f-box"}},
			wantErr: `which does not carry that name`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			reg := &httpmock.Registry{}
			t.Cleanup(func() { reg.Verify(t) })
			reg.Register("context", httpmock.REST(http.MethodGet, "/api/user/context"),
				httpmock.JSONResponse(200, map[string]any{"user": map[string]string{"name": "admin"}, "space": map[string]string{"rid": "root"}, "roles": []string{"Administrator"}}))
			reg.Register("list", httpmock.REST(http.MethodGet, "/api/asset/list"), assetList(tc.listed...))
			if tc.read != nil {
				reg.Register("read", httpmock.REST(http.MethodGet, "/api/asset/"+tc.readID), tc.read)
			}
			c, err := testFactory(t, reg).APIClient()
			require.NoError(t, err)
			a, err := ResolveAsset(context.Background(), c, tc.ref)
			if tc.wantErr == "" {
				require.NoError(t, err)
				assert.Equal(t, dbID, a.ID)
				return
			}
			var me *AssetMismatchError
			require.ErrorAs(t, err, &me)
			assert.Contains(t, err.Error(), tc.wantErr)
			assert.Equal(t, ExitFailure, ExitCode(err))
		})
	}
}
