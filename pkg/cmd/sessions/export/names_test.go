package export

import (
	"context"
	"io/fs"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pamctl/pamctl/pkg/pamsim"
)

func TestSessionEventsNamesNeverCollideOrLeave(t *testing.T) {
	ids := []string{
		"11111111-1111-4111-8111-000000000001", "11111111-1111-4111-8111-00000000000A", "11111111-1111-4111-8111-00000000000a",
		"k", "K", "\u212a", "ß", "SS", "ss", "a%41", "aA", "..x", "x.json", "a:b", strings.Repeat("\u212a", 42), strings.Repeat("K", 128),
		"%sha256-x", "sha256-" + strings.Repeat("0", 64),
	}
	seen := map[string]string{}
	for _, id := range ids {
		n := sessionEventsName(id)
		assert.True(t, fs.ValidPath(n), n)
		assert.True(t, strings.HasPrefix(n, SessionEventsDir+"/"), n)
		assert.Equal(t, 1, strings.Count(n, "/"), n)
		assert.LessOrEqual(t, len(n)-len(SessionEventsDir)-1, 255)
		// Case-insensitive file systems: names must differ after folding too.
		k := strings.ToLower(n)
		if other, dup := seen[k]; dup {
			t.Errorf("%q and %q share the file %s", id, other, n)
		}
		seen[k] = id
	}
	assert.Equal(t, "session-events/11111111-1111-4111-8111-000000000001.json", sessionEventsName("11111111-1111-4111-8111-000000000001"))
}

// Sessions whose IDs differ only by Unicode case ("k" and the Kelvin sign;
// IDs differing in ASCII case are one session, pkg/api's identity) export
// to two files, in a directory and in a tarball, and verify.
func TestExportIDsDifferingByUnicodeCase(t *testing.T) {
	for _, out := range []string{"b", "b.tar.gz"} {
		fx := newFixture(t, nil)
		for _, id := range []string{"case-k", "case-\u212a"} {
			fx.sim.AddSession(pamsim.Session{ID: id, AssetID: "22222222-2222-4222-8222-000000000001", AssetName: "db-prod-01",
				User: "kelvin", Created: now.Add(-time.Minute), Updated: now.Add(-time.Minute), State: pamsim.StateActive, Channels: []string{"SSH"}})
		}
		fx.opts.User, fx.opts.Out = "kelvin", fx.path(out)
		require.NoError(t, exportRun(context.Background(), fx.opts), out)
		m, err := Verify(fx.path(out))
		require.NoError(t, err, out)
		var names []string
		for _, f := range m.Files {
			if strings.HasPrefix(f.Path, SessionEventsDir+"/") {
				names = append(names, f.Path)
			}
		}
		assert.ElementsMatch(t, []string{"session-events/case-k.json", "session-events/case-%E2%84%AA.json"}, names, out)
	}
}

// --verify names every problem, not the first.
func TestVerifyReportsEveryProblem(t *testing.T) {
	fx := newFixture(t, nil)
	fx.opts.User, fx.opts.Out = "bwilliams", fx.path("b")
	require.NoError(t, exportRun(context.Background(), fx.opts))
	require.NoError(t, os.WriteFile(fx.path("b/events.json"), []byte("[]"), 0o600))
	require.NoError(t, os.Remove(fx.path("b/journal.jsonl")))
	require.NoError(t, os.WriteFile(fx.path("b/extra.txt"), []byte("x"), 0o600))
	_, err := Verify(fx.path("b"))
	var ve *VerifyError
	require.ErrorAs(t, err, &ve)
	assert.Len(t, ve.Problems, 3, ve.Problems)
	assert.Contains(t, err.Error(), "3 problems: events.json has 2 bytes")
	assert.Contains(t, err.Error(), "journal.jsonl is missing")
	assert.Contains(t, err.Error(), "extra.txt is not in the manifest")
}
