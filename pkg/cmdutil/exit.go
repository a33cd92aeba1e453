package cmdutil

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/pamctl/pamctl/pkg/api"
	"github.com/pamctl/pamctl/pkg/output"
	"github.com/pamctl/pamctl/pkg/poll"
	"github.com/pamctl/pamctl/pkg/text"
)

// ExitCode maps an error to the exit codes of docs/exit-codes.md. It is
// the only place that does: commands return typed errors, pamcmd prints
// Explain(err) and exits with ExitCode(err), and tests import this
// function instead of keeping a copy.
func ExitCode(err error) int {
	var (
		flagErr  *FlagError
		exitErr  *ExitError
		authErr  *AuthError
		nfErr    *NotFoundError
		urlErr   *api.ServerURLError
		exprErr  *output.ExprError
		ivlErr   *poll.IntervalError
		cntErr   *poll.CountError
		noAnsErr *poll.NoAnswerError
	)
	switch {
	case err == nil:
		return ExitOK
	case errors.As(err, &exitErr):
		return exitErr.Code
	case errors.Is(err, ErrCancel), errors.Is(err, context.Canceled):
		return ExitCancelled
	case errors.As(err, &flagErr), errors.As(err, &urlErr), errors.As(err, &exprErr), errors.As(err, &ivlErr):
		return ExitUsage
	case errors.As(err, &cntErr), errors.As(err, &noAnsErr):
		return ExitTimeout
	case errors.As(err, &authErr), api.IsAuth(err):
		return ExitAuth
	case endpointMissing(err) != nil:
		// A report or the user context always exists on a 12Port site: a
		// 404 there is a wrong URL or a server whose API differs (1), not
		// a missing session or asset (4).
		return ExitFailure
	case errors.As(err, &nfErr), api.IsNotFound(err):
		return ExitNotFound
	}
	return ExitFailure
}

// Explain words an error for the operator: one line, server text made
// inert, each kind of API failure (api.KindOf) worded here once, for every
// command: 401 and 403 the way 12Port means them, and a 404 from an
// endpoint every site has told apart from a missing object. A command adds
// context by wrapping (fmt.Errorf("listing assets: %w", err)): the context
// is kept and the API error at the end is worded as here.
func Explain(err error) string {
	var exitErr *ExitError
	if errors.As(err, &exitErr) && exitErr.Message == "" && exitErr.Err == nil {
		return ""
	}
	msg := err.Error()
	if errors.Is(err, context.Canceled) && strings.HasSuffix(msg, context.Canceled.Error()) {
		// Ctrl-C (or SIGTERM) ended the command: say so, not Go's words
		// (a message that already says it in its own words keeps them).
		msg = strings.TrimSuffix(msg, context.Canceled.Error()) + "interrupted"
	}
	var he *api.HTTPError
	if errors.As(err, &he) && strings.HasSuffix(msg, he.Error()) {
		if words := explainHTTP(err, he); words != "" {
			msg = strings.TrimSuffix(msg, he.Error()) + words
		}
	}
	if errors.As(err, &he) && he.NotJSON && api.IsAuth(err) {
		// An SSO or proxy page in front of the API answered, not 12Port:
		// whatever the roles, this is not the user's permission.
		msg += " (the answer was not the 12Port API's: a proxy or SSO page may be in the way)"
	}
	return text.OneLine(msg)
}

// TokenRefusedWhy is what a 401 means on 12Port, in the one wording every
// command and doctor's token row use.
const TokenRefusedWhy = "it is invalid or expired, or its user lacks the permission for this"

// AuthStatusHint ends the explanation of a refused token; `auth status`,
// which is that check, drops it.
const AuthStatusHint = "; check with `pamctl auth status`"

// explainHTTP words an HTTP error by its kind ("" keeps its own text).
func explainHTTP(err error, he *api.HTTPError) string {
	switch api.KindOf(err) {
	case api.KindTokenRefused:
		return fmt.Sprintf("the server refused the token (HTTP 401 on %s %s): %s", he.Method, pathOf(he), TokenRefusedWhy) + AuthStatusHint
	case api.KindForbidden:
		return serverWords(fmt.Sprintf("permission denied (HTTP 403 on %s %s)", he.Method, pathOf(he)), he.Message, pathOf(he), "forbidden", "permission denied")
	case api.KindEndpointMissing:
		return explainMissing(he)
	case api.KindNotFound:
		return serverWords(fmt.Sprintf("not found (HTTP 404 on %s %s)", he.Method, pathOf(he)), he.Message, pathOf(he), "not found")
	}
	return ""
}

// serverWords ends what with the server's message, when it says more than
// what already does: never a colon with nothing after it, and not "not
// found: /api/x" after "not found (HTTP 404 on GET /api/x)".
func serverWords(what, msg, path string, said ...string) string {
	rest := strings.TrimSpace(msg)
	for _, w := range said {
		if strings.HasPrefix(strings.ToLower(rest), w) {
			rest = strings.TrimLeft(rest[len(w):], " :.-")
		}
	}
	if rest == "" || rest == path {
		return what
	}
	return what + ": " + msg
}

// AuthStatusHintFor is AuthStatusHint for the profile of a fan-out's site.
func AuthStatusHintFor(profile string) string {
	if profile == "" {
		return AuthStatusHint
	}
	return strings.TrimSuffix(AuthStatusHint, "`") + " --profile " + profile + "`"
}

// endpointMissing returns the 404 of an endpoint every 12Port site has
// (docs/api-contract.md: a report or the user context), or nil.
func endpointMissing(err error) *api.HTTPError {
	var he *api.HTTPError
	if errors.As(err, &he) && he.StatusCode == 404 && he.Report != "" {
		return he
	}
	return nil
}

func explainMissing(he *api.HTTPError) string {
	switch {
	case he.Path == api.PathUserContext:
		return fmt.Sprintf("the server has no %s (HTTP 404), the one endpoint 12Port documents: the URL is not a site's API base; it looks like https://host:6443/ztna/<tenant>/<site> (check the tenant and site)", he.Path)
	case he.BaseWorks:
		return fmt.Sprintf("this server does not answer the modeled %s endpoint %s %s (HTTP 404), although %s on the same base works: its API differs from pamctl's model; run `pamctl doctor --propose-contract --write` to map it (docs/contract-overlay.md)", he.Report, he.Method, he.Path, api.PathUserContext)
	}
	return fmt.Sprintf("the server has no %s (HTTP 404) and %s does not answer either: check the tenant and site in the server URL (https://host:6443/ztna/<tenant>/<site>)", he.Path, api.PathUserContext)
}

func pathOf(he *api.HTTPError) string {
	if he.Path != "" {
		return he.Path
	}
	if i := strings.Index(he.URL, "/api/"); i >= 0 {
		return he.URL[i:]
	}
	return he.URL
}
