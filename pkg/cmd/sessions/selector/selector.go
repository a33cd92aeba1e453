// Package selector is what sessions wait and sessions watch share: the
// selector flags (--asset, --user, --channel), the Active sessions they
// match, re-checked on the client so a server that filters differently
// from the contract cannot widen what is watched, and the words for it.
package selector

import (
	"context"
	"fmt"
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
			return nil, s.authError(err)
		}
		return nil, err
	}
	list, err := c.ListSessions(ctx, s.Params())
	if err != nil {
		if api.IsAuth(err) {
			return nil, s.authError(err)
		}
		return nil, err
	}
	sieve := &api.Sieve{P: s.Params()}
	out := make([]api.Session, 0, len(list))
	odd := 0
	for _, sess := range sieve.Keep(list) {
		if api.ValidateID("session", sess.ID) == nil {
			out = append(out, sess)
			continue
		}
		odd++
	}
	odd += sieve.Dropped
	if odd > 0 && !s.warned && warn != nil {
		s.warned = true
		warn(fmt.Sprintf("warning: the server returned %d session(s) that do not match %s (its filtering differs from the contract); they are ignored%s", odd, s.Describe(), sieve.Lookalikes()))
	}
	return out, nil
}

func (s *Selector) authError(err error) error {
	if s.asset == nil && s.Asset == "" {
		return &cmdutil.AuthError{Err: fmt.Errorf("cannot read the site-wide Sessions Report (%s): it needs the Administrator or Auditor site role; with --asset, a permission on the asset is enough", status(err))}
	}
	return &cmdutil.AuthError{Err: fmt.Errorf("cannot read the sessions of asset %s (%s): it needs a permission on the asset (Viewer or higher) or the Administrator or Auditor site role", text.Safe(s.Asset), status(err))}
}

func status(err error) string {
	switch {
	case api.IsUnauthorized(err):
		return "HTTP 401"
	case api.IsForbidden(err):
		return "HTTP 403"
	}
	return err.Error()
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
