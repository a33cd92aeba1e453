// Package plan is the two-person rule's library: a terminate plan one
// responder writes (`sessions terminate ... --plan-out FILE`) and another
// reads, checks and applies (`sessions terminate --apply FILE`).
//
// A plan is a versioned JSON document (docs/plans.md): per site, the
// server, the sessions as they were read and who read them; the selector,
// --max, --hold, the reason, when it was made and when it expires; and a
// digest of its own canonical content. It names sessions and people but
// holds no secret: no field can carry a token.
//
// The package sends nothing and prints nothing. Its checks return *Error,
// which the command maps to exit 6 (refused for safety); Reconcile reads a
// site through a narrow API interface and sorts what it finds, and the
// terminate engine sends to what it returns.
package plan

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/pamctl/pamctl/pkg/api"
	"github.com/pamctl/pamctl/pkg/clock"
	"github.com/pamctl/pamctl/pkg/config"
)

// Format is the version of the plan format this pamctl writes and the
// newest it reads. A change that an older pamctl would misread raises it.
const Format = 1

// Kind names the document, so a file of another kind is not mistaken for
// a plan.
const Kind = "pamctl-terminate-plan"

// DefaultTTL is how long a plan is valid unless --plan-ttl says otherwise.
const DefaultTTL = time.Hour

// MaxTTL bounds --plan-ttl: a plan is an approval for an incident, not a
// standing order.
const MaxTTL = 7 * 24 * time.Hour

// Plan is the document. The order of its fields is the order of the
// canonical encoding the digest covers (digest.go): do not reorder them.
type Plan struct {
	Format        int       `json:"format"`
	Kind          string    `json:"kind"`
	PamctlVersion string    `json:"pamctlVersion,omitempty"`
	CreatedAt     time.Time `json:"createdAt"`
	ExpiresAt     time.Time `json:"expiresAt"`
	TwoPerson     bool      `json:"twoPerson"`
	Reason        string    `json:"reason"`
	Selector      Selector  `json:"selector"`
	Max           int       `json:"max"`
	// Hold is --hold as a Go duration ("15m0s"), "" for none.
	Hold string `json:"hold,omitempty"`
	// PlannedBy is the operator at the keyboard (the OS user name); each
	// site's Planner is the token's user there.
	PlannedBy LocalPerson `json:"plannedBy"`
	Sites     []Site      `json:"sites"`
	// Digest is "sha256:" and the hex digest of the canonical encoding of
	// everything above (digest.go).
	Digest string `json:"digest,omitempty"`

	// raw is the file as read (Read), what a signature covers; sig is the
	// signature Sign made, for Write.
	raw []byte
	sig []byte
}

// Selector is the operator's intent as typed: session IDs, or an asset,
// user and channel. The asset's resolved ID is per site (Site.AssetID).
type Selector struct {
	IDs     []string `json:"ids,omitempty"`
	Asset   string   `json:"asset,omitempty"`
	User    string   `json:"user,omitempty"`
	Channel string   `json:"channel,omitempty"`
}

// IsIDs reports whether the plan names sessions by ID (no drift then).
func (s Selector) IsIDs() bool { return len(s.IDs) > 0 }

func (s Selector) String() string {
	if s.IsIDs() {
		return strings.Join(s.IDs, " ")
	}
	var parts []string
	for _, f := range [][2]string{{"--asset", s.Asset}, {"--user", s.User}, {"--channel", s.Channel}} {
		if f[1] != "" {
			parts = append(parts, f[0]+" "+f[1])
		}
	}
	return strings.Join(parts, " ")
}

// LocalPerson is who sat at the keyboard: the operating system's user name.
type LocalPerson struct {
	LocalUser string `json:"localUser"`
}

// TokenUser is a token's user as /api/user/context names it.
type TokenUser struct {
	ID   string `json:"id,omitempty"`
	Name string `json:"name"`
}

// Site is one server of the plan and what was read there.
type Site struct {
	// Server is the site's API base, normalised (config.NormalizeServer).
	Server string `json:"server"`
	// Profiles are the planner's profile names for it (informational: the
	// applying operator's profile is found by Server).
	Profiles []string `json:"profiles,omitempty"`
	// Planner is the token's user on this site when the plan was made.
	Planner TokenUser `json:"planner"`
	// AssetID is the selector's asset resolved on this site ("" for none).
	AssetID string   `json:"assetId,omitempty"`
	Targets []Target `json:"targets"`
}

// Target is a session as it was read when the plan was made.
type Target struct {
	ID        string    `json:"id"`
	User      string    `json:"user"`
	AssetID   string    `json:"assetId"`
	AssetName string    `json:"assetName"`
	Channels  []string  `json:"channels"`
	State     string    `json:"state"`
	Created   time.Time `json:"created,omitzero"`
}

// HoldDuration is the plan's --hold (0 for none).
func (p *Plan) HoldDuration() time.Duration {
	d, _ := time.ParseDuration(p.Hold)
	return d
}

// BuildInput is what `--plan-out` hands to Build once the targets of every
// site are read.
type BuildInput struct {
	Clock     clock.Clock
	Version   string        // pamctl's version (pkg/build)
	TTL       time.Duration // --plan-ttl; 0 means DefaultTTL
	TwoPerson bool
	Reason    string
	Selector  Selector
	Max       int
	Hold      time.Duration
	LocalUser string // LocalUser()
	Sites     []SiteInput
}

// SiteInput is one site as the terminate engine read it.
type SiteInput struct {
	Server   string
	Profiles []string
	// Planner is the token's user (api.Client.UserContext).User.
	Planner  api.UserRef
	AssetID  string
	Sessions []api.Session
}

// Build makes a plan, digest included. It refuses what could never be
// applied: no site, no reason, no selector, a site without a server or
// without the token's user, a two-person plan without a planner to tell
// apart from the approver.
func Build(in BuildInput) (*Plan, error) {
	ttl := in.TTL
	if ttl == 0 {
		ttl = DefaultTTL
	}
	switch {
	case ttl < 0 || ttl > MaxTTL:
		return nil, fmt.Errorf("--plan-ttl %s: want a duration between 1s and %s, e.g. 1h", ttl, MaxTTL)
	case in.Hold < 0:
		return nil, fmt.Errorf("--hold %s: want a positive duration", in.Hold)
	case in.Clock == nil:
		return nil, errors.New("plan: no clock")
	}
	now := in.Clock.Now().UTC().Truncate(time.Second)
	p := &Plan{
		Format: Format, Kind: Kind, PamctlVersion: in.Version,
		CreatedAt: now, ExpiresAt: now.Add(ttl),
		TwoPerson: in.TwoPerson, Reason: in.Reason, Selector: in.Selector, Max: in.Max,
		PlannedBy: LocalPerson{LocalUser: in.LocalUser},
	}
	if in.Hold > 0 {
		p.Hold = in.Hold.String()
	}
	for _, s := range in.Sites {
		site := Site{
			Server: config.NormalizeServer(s.Server), Profiles: s.Profiles,
			Planner: TokenUser{ID: s.Planner.ID, Name: s.Planner.Name},
			AssetID: s.AssetID, Targets: []Target{},
		}
		for i := range s.Sessions {
			site.Targets = append(site.Targets, targetOf(&s.Sessions[i]))
		}
		p.Sites = append(p.Sites, site)
	}
	if err := p.validate(); err != nil {
		return nil, fmt.Errorf("cannot make the plan: %s", err.Msg)
	}
	p.Digest = Digest(p)
	return p, nil
}

func targetOf(s *api.Session) Target {
	t := Target{ID: s.ID, User: s.User, AssetID: s.AssetID, AssetName: s.AssetName, Channels: s.Channels, State: s.State}
	if t.Channels == nil {
		t.Channels = []string{}
	}
	if !s.Created.IsZero() {
		t.Created = s.Created.UTC()
	}
	return t
}

// Targets counts the plan's sessions over every site.
func (p *Plan) Targets() int {
	n := 0
	for i := range p.Sites {
		n += len(p.Sites[i].Targets)
	}
	return n
}
