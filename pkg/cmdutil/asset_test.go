package cmdutil

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/pamctl/pamctl/pkg/api"
)

// fakeAssets answers the asset list with every asset whose name contains
// the query, as 12Port's name filter does, and GET by ID with the asset or
// 404.
type fakeAssets []api.Asset

func (f fakeAssets) GetAsset(_ context.Context, id string) (*api.Asset, error) {
	for _, a := range f {
		if a.ID == id {
			return &a, nil
		}
	}
	return nil, &api.HTTPError{StatusCode: 404, Method: "GET", Path: "/api/asset/" + id}
}

func (f fakeAssets) ListAssets(_ context.Context, name string, _ int) ([]api.Asset, error) {
	var out []api.Asset
	for _, a := range f {
		if strings.Contains(strings.ToLower(a.Name), strings.ToLower(name)) {
			out = append(out, a)
		}
	}
	return out, nil
}

// TestResolveAssetExactName: only an exact name resolves; partial matches,
// one or several, are named and not acted on (exit 4).
func TestResolveAssetExactName(t *testing.T) {
	site := fakeAssets{
		{ID: "22222222-2222-4222-8222-000000000010", Name: "web-01"},
		{ID: "22222222-2222-4222-8222-000000000011", Name: "web-01-staging"},
		{ID: "22222222-2222-4222-8222-000000000012", Name: "jump-host"},
	}
	tests := []struct {
		ref, want string
		code      int
	}{
		{"web", "no asset named web; did you mean web-01 or web-01-staging?", ExitNotFound},
		{"jump", "no asset named jump; did you mean jump-host?", ExitNotFound},
		{"nope", `no asset named or with ID "nope"; list them with ` + "`pamctl assets list --name <text>`", ExitNotFound},
		{"22222222-2222-4222-8222-000000000099", "no asset with ID 22222222-2222-4222-8222-000000000099 that your user can see (12Port answers the same when it does not exist and when you have no permission on it); list the ones you can see with `pamctl assets list`", ExitNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.ref, func(t *testing.T) {
			_, err := ResolveAsset(context.Background(), site, tt.ref)
			assert.EqualError(t, err, tt.want)
			assert.Equal(t, tt.code, ExitCode(err))
		})
	}
	a, err := ResolveAsset(context.Background(), site, "web-01")
	if assert.NoError(t, err) {
		assert.Equal(t, "22222222-2222-4222-8222-000000000010", a.ID, "the exact name wins over its longer namesakes")
	}
}
