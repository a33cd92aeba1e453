package plan

import (
	"fmt"
	"regexp"
	"time"

	"github.com/pamctl/pamctl/pkg/api"
	"github.com/pamctl/pamctl/pkg/config"
)

var digestRE = regexp.MustCompile(`^sha256:[0-9a-f]{64}$`)

// validate checks the fields a plan cannot be applied without; Parse
// checks the digest before it.
func (p *Plan) validate() *Error {
	bad := func(format string, args ...any) *Error { return refuse(ErrInvalid, fmt.Sprintf(format, args...)) }
	switch {
	case p.CreatedAt.IsZero():
		return bad("createdAt is missing")
	case p.ExpiresAt.IsZero():
		return bad("expiresAt is missing")
	case !p.ExpiresAt.After(p.CreatedAt):
		return bad("expiresAt %s is not after createdAt %s", p.ExpiresAt.Format(time.RFC3339), p.CreatedAt.Format(time.RFC3339))
	case p.ExpiresAt.Sub(p.CreatedAt) > MaxTTL:
		return bad("it is valid for %s, more than the %s a plan may be", p.ExpiresAt.Sub(p.CreatedAt), MaxTTL)
	case p.Reason == "":
		return bad("reason is missing (--reason)")
	case p.Max < 1:
		return bad("max is %d; it must be at least 1 (--max)", p.Max)
	case p.PlannedBy.LocalUser == "":
		return bad("plannedBy.localUser is missing (the planner's operating system user name; set USER)")
	case len(p.Sites) == 0:
		return bad("it names no site")
	}
	if err := p.validateSelector(); err != nil {
		return err
	}
	seen := map[string]bool{}
	for i := range p.Sites {
		s := &p.Sites[i]
		if err := s.validate(i); err != nil {
			return err
		}
		if p.Selector.Asset != "" && s.AssetID == "" {
			return bad("site %d: assetId is missing (the selector's --asset %s resolved there)", i+1, p.Selector.Asset)
		}
		if seen[s.Server] {
			return bad("site %s is named twice", s.Server)
		}
		seen[s.Server] = true
	}
	return nil
}

func (p *Plan) validateSelector() *Error {
	sel := p.Selector
	filters := sel.Asset != "" || sel.User != "" || sel.Channel != ""
	switch {
	case !sel.IsIDs() && !filters:
		return refuse(ErrInvalid, "the selector is empty (no session ID, --asset, --user or --channel)")
	case sel.IsIDs() && filters:
		return refuse(ErrInvalid, "the selector has both session IDs and --asset/--user/--channel")
	case p.Hold != "" && sel.IsIDs():
		return refuse(ErrInvalid, "hold is set for a plan of session IDs (--hold needs --asset, --user or --channel)")
	}
	for _, id := range sel.IDs {
		if err := api.ValidateID("session", id); err != nil {
			return refuse(ErrInvalid, "selector: "+err.Error())
		}
	}
	if p.Hold != "" {
		if d, err := time.ParseDuration(p.Hold); err != nil || d <= 0 {
			return refuse(ErrInvalid, fmt.Sprintf("hold %q is not a positive duration such as 15m0s", p.Hold))
		}
	}
	return nil
}

func (s *Site) validate(i int) *Error {
	bad := func(format string, args ...any) *Error {
		return refuse(ErrInvalid, fmt.Sprintf("site %d: ", i+1)+fmt.Sprintf(format, args...))
	}
	switch {
	case s.Server == "":
		return bad("server is missing")
	case config.NormalizeServer(s.Server) != s.Server:
		return bad("server %q is not in its normal form %q", s.Server, config.NormalizeServer(s.Server))
	case s.Planner.Name == "":
		return bad("planner.name is missing (the token's user on %s)", s.Server)
	case s.Targets == nil:
		return bad("targets is missing")
	}
	if _, err := api.ParseServerURL(s.Server); err != nil {
		return bad("server: %v", err)
	}
	if s.AssetID != "" {
		if err := api.ValidateID("asset", s.AssetID); err != nil {
			return bad("%v", err)
		}
	}
	seen := map[string]bool{}
	for j := range s.Targets {
		t := &s.Targets[j]
		if err := api.ValidateID("session", t.ID); err != nil {
			return bad("target %d: %v", j+1, err)
		}
		if seen[api.IDKey(t.ID)] {
			return bad("session %s is listed twice", t.ID)
		}
		seen[api.IDKey(t.ID)] = true
	}
	return nil
}
