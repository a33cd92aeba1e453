package selector

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pamctl/pamctl/pkg/api"
)

// fakeClient answers ListSessions with a fixed list.
type fakeClient struct {
	list   []api.Session
	params api.ListSessionsParams
	asset  *api.Asset
}

func (f *fakeClient) GetAsset(_ context.Context, id string) (*api.Asset, error) { return f.asset, nil }
func (f *fakeClient) ListAssets(context.Context, string, int) ([]api.Asset, error) {
	return []api.Asset{*f.asset}, nil
}
func (f *fakeClient) ListSessions(_ context.Context, p api.ListSessionsParams) ([]api.Session, error) {
	f.params = p
	return f.list, nil
}

func TestActiveRechecksOnTheClient(t *testing.T) {
	asset := &api.Asset{ID: "22222222-2222-4222-8222-000000000001", Name: "db-prod-01"}
	ok := api.Session{ID: "11111111-1111-4111-8111-000000000001", User: "BWilliams", AssetID: asset.ID, State: api.StateActive, Channels: []string{"SSH", "SSHP:SFTP"}}
	c := &fakeClient{asset: asset, list: []api.Session{
		ok,
		{ID: "11111111-1111-4111-8111-000000000002", User: "jdoe", AssetID: asset.ID, State: api.StateActive, Channels: []string{"SSH"}},
		{ID: "11111111-1111-4111-8111-000000000003", User: "bwilliams", AssetID: "22222222-2222-4222-8222-000000000009", State: api.StateActive, Channels: []string{"SSH"}},
		{ID: "11111111-1111-4111-8111-000000000004", User: "bwilliams", AssetID: asset.ID, State: api.StateCompleted, Channels: []string{"SSH"}},
		{ID: "11111111-1111-4111-8111-000000000005", User: "bwilliams", AssetID: asset.ID, State: api.StateActive, Channels: []string{"RDP"}},
		{ID: "../../etc", User: "bwilliams", AssetID: asset.ID, State: api.StateActive, Channels: []string{"SSH"}},
	}}
	s := &Selector{Asset: "db-prod-01", User: "bwilliams", Channel: "ssh"}
	var warnings []string
	got, err := s.Active(context.Background(), c, func(w string) { warnings = append(warnings, w) })
	require.NoError(t, err)
	assert.Equal(t, []api.Session{ok}, got)
	assert.Equal(t, api.ListSessionsParams{State: api.StateActive, User: "bwilliams", Channel: "ssh", AssetID: asset.ID}, c.params)
	require.Len(t, warnings, 1)
	assert.Contains(t, warnings[0], "warning: the server returned 5 sessions that do not match sessions of user bwilliams on db-prod-01 over ssh; its filtering differs from the contract (see docs/api-contract.md), so they are ignored")
	_, err = s.Active(context.Background(), c, func(w string) { warnings = append(warnings, w) })
	require.NoError(t, err)
	assert.Len(t, warnings, 1, "warned once")
}

func TestDescribeIsInert(t *testing.T) {
	s := &Selector{User: "mallory\x1b[31m"}
	assert.Equal(t, `sessions of user mallory\x1b[31m site-wide`, s.Describe())
}
