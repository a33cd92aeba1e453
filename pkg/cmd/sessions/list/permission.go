package list

// Why a sessions list was refused, in words that never contradict what the
// operator did or what the user has.

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/pamctl/pamctl/pkg/api"
	"github.com/pamctl/pamctl/pkg/cmdutil"
	"github.com/pamctl/pamctl/pkg/text"
)

// assetLookupError: the operator passed --asset, and looking it up was
// refused; telling them to pass --asset (or, when they gave an ID, the
// asset's ID) would contradict what they did.
func assetLookupError(ref string, err error) error {
	status := api.StatusCode(err)
	if notAPI(err) {
		return &cmdutil.AuthError{Err: &explained{cause: err, msg: fmt.Sprintf("looking up asset %q was answered by a page that is not the 12Port API (HTTP %d; a proxy or SSO login?): check the server URL and that the API is reachable without a browser login", text.Safe(ref), status)}}
	}
	if cmdutil.LooksLikeID(ref) {
		return &cmdutil.AuthError{Err: &explained{cause: err, msg: fmt.Sprintf("permission denied (HTTP %d) reading asset %s: your user has no permission on it; ask an Administrator for the Viewer permission on the asset (or higher)", status, ref)}}
	}
	return &cmdutil.AuthError{Err: &explained{cause: err, msg: fmt.Sprintf("permission denied (HTTP %d) looking up asset %q: your user cannot read it or list assets; pass the asset's ID, or ask for the Viewer permission on it", status, text.Safe(ref))}}
}

// notAPI reports an error answer that was not the API's JSON (an SSO or
// proxy page): it says nothing about the user's roles.
func notAPI(err error) bool {
	var he *api.HTTPError
	return errors.As(err, &he) && he.NotJSON
}

// permissionError says what the token's user lacks. The server answers 401
// or 403 for a missing permission alike, so the user context tells a
// refused token (it fails too) from a missing role; and a user who has the
// role the report needs is told so, not told to get it.
func permissionError(ctx context.Context, client *api.Client, asset *api.Asset, err error) error {
	status := api.StatusCode(err)
	if notAPI(err) {
		return &cmdutil.AuthError{Err: &explained{cause: err, msg: fmt.Sprintf("HTTP %d from a page that is not the 12Port API (a proxy or SSO login?), whatever your roles: check the server URL and that the API is reachable without a browser login", status)}}
	}
	uc, uerr := client.UserContext(ctx)
	switch {
	case uerr != nil && api.IsAuth(uerr):
		// The token itself is refused: Explain words that once.
		return uerr
	case uerr != nil:
		return &cmdutil.AuthError{Err: err}
	}
	who := "user " + text.Safe(uc.User.Name)
	what := "the site-wide sessions report"
	if asset != nil {
		what = "the sessions of asset " + text.Safe(asset.Name)
	}
	if role := siteReadRole(uc.Roles); role != "" {
		return &cmdutil.AuthError{Err: &explained{cause: err, msg: fmt.Sprintf(
			"the server refused %s (%s) although %s has the %s site role that allows it and the same token reads the user context: the refusal is not about roles; run `pamctl doctor` and check the token's permissions with your 12Port administrator",
			what, api.Reason(err), who, role)}}
	}
	has := "has no site role"
	if len(uc.Roles) > 0 {
		has = "has only the site role(s) " + text.Safe(strings.Join(uc.Roles, ", "))
	}
	if asset == nil {
		return &cmdutil.AuthError{Err: &explained{cause: err, msg: fmt.Sprintf(
			"permission denied (HTTP %d): the site-wide sessions report needs the Administrator or Auditor site role, and %s %s; to list the sessions of an asset you manage or view, pass --asset <name|id>",
			status, who, has)}}
	}
	return &cmdutil.AuthError{Err: &explained{cause: err, msg: fmt.Sprintf(
		"permission denied (HTTP %d): the sessions of asset %s need a permission on it (Viewer or higher) or the Administrator or Auditor site role, which %s lacks",
		status, text.Safe(asset.Name), who)}}
}

// siteReadRole is the role among roles that reads every session
// (Administrator or Auditor, ASCII case folded: api.SameName), or "".
func siteReadRole(roles []string) string {
	for _, r := range roles {
		for _, want := range []string{api.SiteRoleAdministrator, api.SiteRoleAuditor} {
			if api.SameName(r, want) {
				return want
			}
		}
	}
	return ""
}

// explained rewords an API error for the operator and keeps it in the
// chain, so exit-code mapping still sees the HTTP status.
type explained struct {
	cause error
	msg   string
}

func (e *explained) Error() string { return e.msg }
func (e *explained) Unwrap() error { return e.cause }
