package plan

import (
	"fmt"
	"sort"
	"strings"

	"github.com/pamctl/pamctl/pkg/api"
	"github.com/pamctl/pamctl/pkg/config"
)

// Person is one of the two people of a plan, as a journal line names them.
type Person struct {
	// User is the token's user on the site (/api/user/context).
	User string `json:"user"`
	// LocalUser is the operating system's user name at the keyboard.
	LocalUser string `json:"localUser,omitempty"`
}

// Approval is what every journal line of an applied plan embeds: who made
// the plan, who applied it, and which plan it was.
type Approval struct {
	PlanDigest string `json:"planDigest"`
	TwoPerson  bool   `json:"twoPerson"`
	Planner    Person `json:"planner"`
	Approver   Person `json:"approver"`
	// SignedBy is the allowed-signers principal whose signature was
	// verified ("" when the plan was applied without --allowed-signers);
	// the command sets it from VerifySignature.
	SignedBy string `json:"signedBy,omitempty"`
}

// CheckTwoPerson decides whether the token's user (approver, from
// /api/user/context on site p.Sites[site]) may apply the plan there, and
// returns the record for the journal. A plan made with --two-person is
// refused (*Error, ErrSamePerson) when the approver is the planner: the
// same user name, or the same user ID when both are known, compared with
// ASCII case folding only. The local user names are recorded, not
// compared: two people may well share an account name on their laptops.
func CheckTwoPerson(p *Plan, site int, approver api.UserRef, approverLocal string) (Approval, error) {
	if site < 0 || site >= len(p.Sites) {
		return Approval{}, fmt.Errorf("plan: no site %d", site)
	}
	s := &p.Sites[site]
	a := Approval{
		PlanDigest: p.Digest,
		TwoPerson:  p.TwoPerson,
		Planner:    Person{User: s.Planner.Name, LocalUser: p.PlannedBy.LocalUser},
		Approver:   Person{User: approver.Name, LocalUser: approverLocal},
	}
	if !p.TwoPerson {
		return a, nil
	}
	if approver.Name == "" {
		return Approval{}, refuse(ErrSamePerson, fmt.Sprintf("the plan was made with --two-person and %s did not name your token's user, so pamctl cannot tell you from its planner %s; nothing was sent", s.Server, s.Planner.Name))
	}
	same := asciiEqual(approver.Name, s.Planner.Name) ||
		approver.ID != "" && s.Planner.ID != "" && asciiEqual(approver.ID, s.Planner.ID)
	if same {
		return Approval{}, refuse(ErrSamePerson, fmt.Sprintf("the plan was made with --two-person by %s on %s, and your token is %s's: a second person must apply it with their own token (`pamctl auth login`); nothing was sent", s.Planner.Name, s.Server, approver.Name))
	}
	return a, nil
}

// asciiEqual compares identities folding ASCII letters only: "ſ" is not
// "s" and the Kelvin sign is not "k" when deciding who someone is.
func asciiEqual(a, b string) bool { return api.IDKey(a) == api.IDKey(b) }

// CheckServers finds the applying operator's profile for every site of the
// plan: profiles maps each configured profile's name to its server URL (as
// configured; both sides are compared in config.NormalizeServer's form).
// It returns one profile name per site, in the plan's order (the first by
// name when several profiles name one server). A site without a profile is
// refused (*Error, ErrUnknownServer), every such site named at once: a
// plan is never applied to a server the operator did not set up.
func CheckServers(p *Plan, profiles map[string]string) ([]string, error) {
	names := make([]string, 0, len(profiles))
	for n := range profiles {
		names = append(names, n)
	}
	sort.Strings(names)
	out := make([]string, len(p.Sites))
	var missing []string
	for i := range p.Sites {
		want := config.NormalizeServer(p.Sites[i].Server)
		for _, n := range names {
			if config.NormalizeServer(profiles[n]) == want {
				out[i] = n
				break
			}
		}
		if out[i] == "" {
			missing = append(missing, want)
		}
	}
	if len(missing) > 0 {
		return nil, refuse(ErrUnknownServer, fmt.Sprintf("the plan is for %s, and you have no profile for %s: add one with `pamctl auth login --server URL --profile NAME` if you mean to act there; nothing was sent",
			strings.Join(missing, ", "), pick(len(missing) == 1, "it", "them")))
	}
	return out, nil
}

func pick(c bool, a, b string) string {
	if c {
		return a
	}
	return b
}
