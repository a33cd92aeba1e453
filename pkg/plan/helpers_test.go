package plan

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/pamctl/pamctl/pkg/api"
	"github.com/pamctl/pamctl/pkg/clock"
)

// t0 is when the test plans are made.
var t0 = time.Date(2026, 12, 4, 3, 0, 0, 0, time.UTC)

const (
	serverA = "https://pam-a.example.com:6443/ztna/acme/prod"
	serverB = "https://pam-b.example.com:6443/ztna/acme/dr"
)

func sess(id, user, assetID string, created time.Time, channels ...string) api.Session {
	return api.Session{
		ID: id, User: user, AssetID: assetID, AssetName: "name-" + assetID,
		State: api.StateActive, Channels: channels, Created: api.NewTime(created),
	}
}

// userInput is a selector plan (--user bwilliams) over two sites.
func userInput() BuildInput {
	return BuildInput{
		Clock:     clock.NewFake(t0.Add(123 * time.Millisecond)),
		Version:   "v1.4.0",
		TwoPerson: true,
		Reason:    "INC-4312",
		Selector:  Selector{User: "bwilliams"},
		Max:       10,
		LocalUser: "alice",
		Sites: []SiteInput{
			{
				// Spelled as an operator might: upper case host, /api, slash.
				Server: "HTTPS://PAM-A.example.com:6443/ztna/acme/prod/api/", Profiles: []string{"prod"},
				Planner: api.UserRef{ID: "u-1", Name: "alice.ops"},
				Sessions: []api.Session{
					sess("S-1", "bwilliams", "A-1", t0.Add(-time.Hour), "web"),
					sess("S-2", "bwilliams", "A-2", t0.Add(-30*time.Minute), "web", "ssh"),
				},
			},
			{
				Server: serverB, Profiles: []string{"dr"},
				Planner:  api.UserRef{ID: "u-9", Name: "alice.ops"},
				Sessions: []api.Session{sess("S-3", "bwilliams", "A-3", t0.Add(-time.Minute), "web")},
			},
		},
	}
}

func build(t *testing.T, in BuildInput) *Plan {
	t.Helper()
	p, err := Build(in)
	require.NoError(t, err)
	return p
}

// writeTemp writes p into a new directory and returns its path.
func writeTemp(t *testing.T, p *Plan) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "inc-4312.plan")
	require.NoError(t, Write(path, p))
	return path
}

// readAt reads path with a clock at now.
func readAt(t *testing.T, path string, now time.Time) (*Plan, error) {
	t.Helper()
	return Read(path, clock.NewFake(now))
}

func mustRead(t *testing.T, path string) *Plan {
	t.Helper()
	p, err := readAt(t, path, t0.Add(time.Minute))
	require.NoError(t, err)
	return p
}

func fileBytes(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	return b
}
