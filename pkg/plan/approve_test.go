package plan

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pamctl/pamctl/pkg/api"
)

func TestCheckTwoPersonAnotherUser(t *testing.T) {
	p := build(t, userInput())
	a, err := CheckTwoPerson(p, 0, api.UserRef{ID: "u-2", Name: "bob.ops"}, "bob")
	require.NoError(t, err)
	assert.Equal(t, Approval{
		PlanDigest: p.Digest,
		TwoPerson:  true,
		Planner:    Person{User: "alice.ops", LocalUser: "alice"},
		Approver:   Person{User: "bob.ops", LocalUser: "bob"},
	}, a)
}

func TestCheckTwoPersonSameUserRefused(t *testing.T) {
	p := build(t, userInput())
	tests := []struct {
		name     string
		approver api.UserRef
	}{
		{"same name", api.UserRef{ID: "u-7", Name: "alice.ops"}},
		{"same name, other case", api.UserRef{Name: "ALICE.Ops"}},
		{"same ID, renamed", api.UserRef{ID: "U-1", Name: "alice2"}},
		{"no name", api.UserRef{ID: "u-2"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// Another keyboard does not make another person: only the
			// token's user counts.
			_, err := CheckTwoPerson(p, 0, tt.approver, "bob")
			refused(t, err, ErrSamePerson, "--two-person", "nothing was sent")
		})
	}
	_, err := CheckTwoPerson(p, 0, api.UserRef{Name: "alice.ops"}, "alice")
	refused(t, err, ErrSamePerson, "made with --two-person by alice.ops on "+serverA, "a second person must apply it")
}

// Unicode case folding would make "ſam" (long s) the same user as "sam",
// and the Kelvin sign's "K" the same as "k": identities fold ASCII only.
func TestCheckTwoPersonFoldsASCIIOnly(t *testing.T) {
	in := userInput()
	in.Sites[0].Planner = api.UserRef{Name: "sam.k"}
	p := build(t, in)
	for _, name := range []string{"ſam.k", "sam.\u212a"} {
		_, err := CheckTwoPerson(p, 0, api.UserRef{Name: name}, "x")
		assert.NoError(t, err, name)
	}
	_, err := CheckTwoPerson(p, 0, api.UserRef{Name: "SAM.K"}, "x")
	refused(t, err, ErrSamePerson)
}

func TestCheckTwoPersonPerSite(t *testing.T) {
	in := userInput()
	in.Sites[1].Planner = api.UserRef{Name: "alice-dr"}
	p := build(t, in)
	_, err := CheckTwoPerson(p, 1, api.UserRef{Name: "alice.ops"}, "x")
	assert.NoError(t, err, "site 2 was planned by alice-dr")
	_, err = CheckTwoPerson(p, 1, api.UserRef{Name: "Alice-DR"}, "x")
	refused(t, err, ErrSamePerson, "alice-dr on "+serverB)
	_, err = CheckTwoPerson(p, 2, api.UserRef{Name: "bob"}, "x")
	assert.Error(t, err)
}

func TestCheckTwoPersonNotAsked(t *testing.T) {
	in := userInput()
	in.TwoPerson = false
	p := build(t, in)
	a, err := CheckTwoPerson(p, 0, api.UserRef{Name: "alice.ops"}, "alice")
	require.NoError(t, err, "without --two-person the planner may apply")
	assert.False(t, a.TwoPerson)
	assert.Equal(t, Person{User: "alice.ops", LocalUser: "alice"}, a.Approver)
}

func TestCheckServers(t *testing.T) {
	p := build(t, userInput())
	profiles := map[string]string{
		"zz-prod":  serverA,
		"a-prod":   "https://PAM-A.EXAMPLE.COM:6443/ztna/acme/prod/api/",
		"disaster": serverB + "/",
		"lab":      "https://lab.example.com/ztna/acme/lab",
	}
	got, err := CheckServers(p, profiles)
	require.NoError(t, err)
	assert.Equal(t, []string{"a-prod", "disaster"}, got, "one profile per site, the first by name")

	delete(profiles, "disaster")
	_, err = CheckServers(p, profiles)
	refused(t, err, ErrUnknownServer, serverB, "no profile for it", "pamctl auth login", "nothing was sent")

	_, err = CheckServers(p, nil)
	refused(t, err, ErrUnknownServer, serverA+", "+serverB, "no profile for them")

	// Another path on the same host is another site.
	_, err = CheckServers(p, map[string]string{"a": serverA, "b": "https://pam-b.example.com:6443/ztna/acme/prod"})
	refused(t, err, ErrUnknownServer, serverB)
}

func TestDescribe(t *testing.T) {
	in := userInput()
	in.Reason = "INC-4312\x1b[2J"
	in.Sites[1].Planner.Name = "alice-dr"
	p := build(t, in)
	got := p.Describe(t0.Add(12 * time.Minute))
	assert.Equal(t, "plan "+p.Digest[:19]+" made by alice.ops, alice-dr (local user alice) at 2026-12-04T03:00:00Z, expires 2026-12-04T04:00:00Z (in 48m0s), two-person: --user bwilliams, --max 10, reason \"INC-4312\\x1b[2J\"; 3 sessions on 2 sites", got)
}
