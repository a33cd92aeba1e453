package cmdutil

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pamctl/pamctl/pkg/api"
)

func TestSiteRowJSON(t *testing.T) {
	b, err := SiteRow[api.Session]{Site: "east", Item: api.Session{ID: "x", AssetName: "R&D <prod>"}}.MarshalJSON()
	require.NoError(t, err)
	assert.Regexp(t, `^\{"site":"east","id":"x",.*"assetName":"R&D <prod>"`, string(b))

	b, err = SiteRow[struct{}]{Site: "a"}.MarshalJSON()
	require.NoError(t, err)
	assert.Equal(t, `{"site":"a"}`, string(b))

	_, err = SiteRow[int]{Site: "a", Item: 1}.MarshalJSON()
	assert.Error(t, err)
}

func TestForEachSite(t *testing.T) {
	sites := []Site{{Name: "a"}, {Name: "b"}, {Name: "c"}, {Name: "d"}, {Name: "e"}, {Name: "f"}}
	var running, most atomic.Int32
	errs := ForEachSite(context.Background(), sites, func(_ context.Context, i int, s Site) error {
		n := running.Add(1)
		defer running.Add(-1)
		for {
			m := most.Load()
			if n <= m || most.CompareAndSwap(m, n) {
				break
			}
		}
		if s.Name == "c" {
			return errors.New("down")
		}
		return nil
	})
	assert.LessOrEqual(t, most.Load(), int32(SiteConcurrency))
	for i, err := range errs {
		if i == 2 {
			assert.EqualError(t, err, "site c: down")
		} else {
			assert.NoError(t, err)
		}
	}
	err := FailedSites(ExitFailure, errs, "their rows are missing")
	assert.Equal(t, ExitFailure, ExitCode(err))
	assert.EqualError(t, err, "site c failed (see above); their rows are missing")
	assert.NoError(t, FailedSites(ExitFailure, make([]error, 2), "x"))
}
