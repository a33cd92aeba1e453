// Package selector is the one session query of sessions wait, watch and
// terminate (pkg/contain): the selector flags (--asset, --user,
// --channel) and their validation, the asset resolved per site, the
// request parameters, the match re-checked on the client so a server that
// filters differently from the contract cannot widen what is acted on,
// and the one warning when it does (Mismatch, also used by sessions list).
package selector

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/pamctl/pamctl/pkg/api"
	"github.com/pamctl/pamctl/pkg/cmdutil"
	"github.com/pamctl/pamctl/pkg/text"
)

// Client is the part of the API client a selector needs.
type Client interface {
	cmdutil.AssetClient
	ListSessions(ctx context.Context, p api.ListSessionsParams) ([]api.Session, error)
}

// Selector is --asset, --user and --channel.
type Selector struct {
	Asset   string // a name or an ID, as typed
	User    string
	Channel string

	asset  *api.Asset
	warned bool
}

// AddFlags defines the selector flags on cmd.
func (s *Selector) AddFlags(cmd *cobra.Command, f *cmdutil.Factory) {
	fl := cmd.Flags()
	fl.StringVar(&s.Asset, "asset", "", "only the sessions of this asset (`name|id`)")
	fl.StringVar(&s.User, "user", "", "only the sessions of this user (`name`, exact but for ASCII case)")
	fl.StringVar(&s.Channel, "channel", "", "only sessions over this `channel` (SSH, RDP, VNC, ...)")
	_ = cmd.RegisterFlagCompletionFunc("asset", cmdutil.CompleteAssetNames(f))
	_ = cmd.RegisterFlagCompletionFunc("channel", cmdutil.CompleteChannels)
	_ = cmd.RegisterFlagCompletionFunc("user", cobra.NoFileCompletions)
}

// Empty reports no selector flag.
func (s *Selector) Empty() bool { return s.Asset == "" && s.User == "" && s.Channel == "" }

// Validate refuses blank values and control characters (exit 2).
func (s *Selector) Validate(cmd *cobra.Command) error {
	for _, x := range []struct{ name, v string }{{"asset", s.Asset}, {"user", s.User}, {"channel", s.Channel}} {
		if cmd != nil && cmd.Flags().Changed(x.name) && strings.TrimSpace(x.v) == "" {
			return cmdutil.FlagErrorf("--%s is empty", x.name)
		}
		if strings.ContainsAny(x.v, "\x00\r\n") {
			return cmdutil.FlagErrorf("--%s contains a control character", x.name)
		}
	}
	return nil
}

// Resolve turns --asset into an asset, once.
func (s *Selector) Resolve(ctx context.Context, c Client) error {
	if s.Asset == "" || s.asset != nil {
		return nil
	}
	a, err := cmdutil.ResolveAsset(ctx, c, s.Asset)
	if err != nil {
		return err
	}
	s.asset = a
	return nil
}

// Params are the Sessions Report query of the Active sessions selected.
func (s *Selector) Params() api.ListSessionsParams {
	p := api.ListSessionsParams{State: api.StateActive, User: s.User, Channel: s.Channel}
	if s.asset != nil {
		p.AssetID = s.asset.ID
	}
	return p
}

// ForSite is a fresh copy of the selector for one site: an asset name
// resolves to another ID on each site.
func (s *Selector) ForSite() *Selector {
	return &Selector{Asset: s.Asset, User: s.User, Channel: s.Channel}
}

// Filter keeps the sessions that match (Matches); the sieve counts the
// others, which mean the server's filtering differs from the contract,
// and names those that only look like the selector (api.Sieve).
func (s *Selector) Filter(sessions []api.Session) (kept []api.Session, sv *api.Sieve) {
	sv = &api.Sieve{P: s.Params()}
	return sv.Keep(slices.Clone(sessions)), sv
}

// Flags words the selector as its flags: "--asset db-prod-01 --user
// bwilliams", with operator text made inert.
func (s *Selector) Flags() string {
	var parts []string
	if s.Asset != "" {
		parts = append(parts, "--asset "+text.Safe(s.Asset))
	}
	if s.User != "" {
		parts = append(parts, "--user "+text.Safe(s.User))
	}
	if s.Channel != "" {
		parts = append(parts, "--channel "+text.Safe(s.Channel))
	}
	return strings.Join(parts, " ")
}

// Mismatch is the one warning when a server's filtering differs from the
// contract: n sessions it returned do not match what was asked (what),
// and are left out (then: "not shown", "ignored", ...). sv, when not nil,
// names the rows left out only because a name looks like what was asked.
func Mismatch(n int, what, then string, sv *api.Sieve) string {
	them, do, are := fmt.Sprintf("%d sessions", n), "do", "they are"
	if n == 1 {
		them, do, are = "1 session", "does", "it is"
	}
	return fmt.Sprintf("warning: the server returned %s that %s not match %s; its filtering differs from the contract (see docs/api-contract.md), so %s %s%s", them, do, what, are, then, sv.Lookalikes())
}

// Matches checks one session against the selector on the client: state
// Active, the user (exact but for ASCII case), the asset ID, the channel;
// the rule is api.ListSessionsParams.Matches, the one terminate and
// sessions list use too.
func (s *Selector) Matches(sess *api.Session) bool { return s.Params().Matches(sess) }

// Active lists the Active sessions the selector matches (Resolve first).
// Sessions the server returned that do not match are left out; warn is
// told once that the server filters differently from the contract. A 401
// or 403 becomes an AuthError that says what is missing.
func (s *Selector) Active(ctx context.Context, c Client, warn func(string)) ([]api.Session, error) {
	if err := s.Resolve(ctx, c); err != nil {
		if api.IsAuth(err) {
			return nil, s.AuthError(err)
		}
		return nil, err
	}
	list, err := c.ListSessions(ctx, s.Params())
	if err != nil {
		if api.IsAuth(err) {
			return nil, s.AuthError(err)
		}
		return nil, err
	}
	out, sv := s.Filter(list)
	odd := sv.Dropped
	out = slices.DeleteFunc(out, func(sess api.Session) bool {
		bad := api.ValidateID("session", sess.ID) != nil
		if bad {
			odd++
		}
		return bad
	})
	if odd > 0 && !s.warned && warn != nil {
		s.warned = true
		warn(Mismatch(odd, s.Describe(), "ignored", sv))
	}
	return out, nil
}

// AuthError words a 401 or 403 on the selector's lists: what is missing.
func (s *Selector) AuthError(err error) error {
	if s.asset == nil && s.Asset == "" {
		return &cmdutil.AuthError{Err: fmt.Errorf("cannot read the site-wide Sessions Report (%s): it needs the Administrator or Auditor site role; with --asset, a permission on the asset is enough", api.Reason(err))}
	}
	return &cmdutil.AuthError{Err: fmt.Errorf("cannot read the sessions of asset %s (%s): it needs a permission on the asset (Viewer or higher) or the Administrator or Auditor site role", text.Safe(s.Asset), api.Reason(err))}
}

// Describe words the selection: "sessions of user bwilliams on db-prod-01
// over SSH", with server and operator text made inert.
func (s *Selector) Describe() string {
	var b strings.Builder
	b.WriteString("sessions")
	if s.User != "" {
		fmt.Fprintf(&b, " of user %s", text.Safe(s.User))
	}
	if s.Asset != "" {
		name := s.Asset
		if s.asset != nil && s.asset.Name != "" {
			name = s.asset.Name
		}
		fmt.Fprintf(&b, " on %s", text.Safe(name))
	}
	if s.Channel != "" {
		fmt.Fprintf(&b, " over %s", text.Safe(s.Channel))
	}
	if s.Asset == "" {
		b.WriteString(" site-wide")
	}
	return b.String()
}
