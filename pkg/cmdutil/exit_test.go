package cmdutil

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/pamctl/pamctl/pkg/api"
	"github.com/pamctl/pamctl/pkg/poll"
)

// TestExplainKeepsWrappedContext: a command adds context by wrapping; the
// API error at the end is worded by its kind, the context stays.
func TestExplainKeepsWrappedContext(t *testing.T) {
	he := &api.HTTPError{StatusCode: 401, Method: "GET", URL: "https://h/ztna/a/root/api/asset/list", Path: "/api/asset/list", Message: "x"}
	assert.Equal(t, "listing assets: the server refused the token (HTTP 401 on GET /api/asset/list): it is invalid or expired, or its user lacks the permission for this; check with `pamctl auth status`",
		Explain(fmt.Errorf("listing assets: %w", he)))
	assert.Equal(t, ExitAuth, ExitCode(fmt.Errorf("listing assets: %w", he)))

	nf := &api.HTTPError{StatusCode: 404, Method: "GET", URL: "https://h/ztna/a/root/api/session/abc", Path: "/api/session/abc", Message: "no such session"}
	assert.Equal(t, "session abc: not found (HTTP 404 on GET /api/session/abc): no such session", Explain(fmt.Errorf("session abc: %w", nf)))

	// A transient failure keeps its own words, wrapped or not.
	te := &api.TransportError{Method: "GET", URL: "http://127.0.0.1:6443/ztna/a/root/api/session/list", Reason: "the connection to 127.0.0.1:6443 was reset: if this port speaks TLS, use https://"}
	assert.Equal(t, "GET http://127.0.0.1:6443/ztna/a/root/api/session/list: the connection to 127.0.0.1:6443 was reset: if this port speaks TLS, use https://", Explain(te))
	assert.Equal(t, api.KindTransient, api.KindOf(te))
}

// TestExplainNeverEndsInAnEmptyField: a 403 or 404 without the server's
// words ends at the request, not at a colon; a site of a fan-out is told
// to check its own profile.
func TestExplainNeverEndsInAnEmptyField(t *testing.T) {
	forbidden := &api.HTTPError{StatusCode: 403, Method: "POST", URL: "https://h/api/session/terminate/abc", Path: "/api/session/terminate/abc"}
	assert.Equal(t, "permission denied (HTTP 403 on POST /api/session/terminate/abc)", Explain(forbidden))
	nf := &api.HTTPError{StatusCode: 404, Method: "GET", URL: "https://h/api/session/abc", Path: "/api/session/abc"}
	assert.Equal(t, "not found (HTTP 404 on GET /api/session/abc)", Explain(nf))

	refused := &api.HTTPError{StatusCode: 401, Method: "GET", URL: "https://h/api/user/context", Path: "/api/user/context"}
	assert.Equal(t, "site east: nothing was sent to h: the server refused the token (HTTP 401 on GET /api/user/context): "+TokenRefusedWhy+"; check with `pamctl auth status --profile east`",
		(&SiteError{Site: "east", Err: fmt.Errorf("nothing was sent to h: %w", refused)}).Error())
}

// TestNotef: a note said mid-run is one line, "pamctl: " first, inert.
func TestNotef(t *testing.T) {
	var b strings.Builder
	Notef(&b, "sending %s once more\n(retry)", "x\x1b[2J")
	assert.Equal(t, "pamctl: sending x\\x1b[2J once more; (retry)\n", b.String())
}

func TestKindOf(t *testing.T) {
	tests := []struct {
		err  error
		want api.Kind
	}{
		{&api.HTTPError{StatusCode: 401}, api.KindTokenRefused},
		{fmt.Errorf("x: %w", &api.HTTPError{StatusCode: 403}), api.KindForbidden},
		{&api.HTTPError{StatusCode: 404, Report: "Sessions Report"}, api.KindEndpointMissing},
		{&api.HTTPError{StatusCode: 404}, api.KindNotFound},
		{&api.HTTPError{StatusCode: 503}, api.KindTransient},
		{&api.HTTPError{StatusCode: 429}, api.KindTransient},
		{&api.ResponseError{Reason: "truncated"}, api.KindContract},
		{fmt.Errorf("listing: %w", &api.ContractError{Field: "state"}), api.KindContract},
		{&api.TransportError{Permanent: true}, api.KindConnection},
		{&api.TransportError{}, api.KindTransient},
		{fmt.Errorf("local"), api.KindOther},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, api.KindOf(tt.err), "%v", tt.err)
	}
}

// TestExitCodeTable: the table holds every code ExitCode returns, once.
func TestExitCodeTable(t *testing.T) {
	seen := map[int]bool{}
	for _, e := range ExitCodeTable() {
		assert.False(t, seen[e.Code], "code %d twice", e.Code)
		assert.NotEmpty(t, e.Meaning)
		seen[e.Code] = true
	}
	for _, code := range []int{ExitOK, ExitFailure, ExitUsage, ExitAuth, ExitNotFound, ExitPartial, ExitRefused, ExitUnverified, ExitTimeout, ExitCancelled} {
		assert.True(t, seen[code], "code %d is not in the table", code)
	}
	assert.Len(t, seen, 10)
	assert.Equal(t, ExitTimeout, ExitCode(&poll.NoAnswerError{}))
	assert.Equal(t, ExitTimeout, ExitCode(&poll.CountError{}))
	assert.Equal(t, ExitUsage, ExitCode(&poll.IntervalError{}))
}

// TestExplainInterrupted: a command ended by Ctrl-C says so, not Go's
// "context canceled", and exits 130.
func TestExplainInterrupted(t *testing.T) {
	assert.Equal(t, "interrupted", Explain(context.Canceled))
	err := fmt.Errorf("doctor: reading the OpenAPI document: %w", context.Canceled)
	assert.Equal(t, "doctor: reading the OpenAPI document: interrupted", Explain(err))
	assert.Equal(t, ExitCancelled, ExitCode(err))
	// Already in pamctl's words: kept, never glued to another word.
	te := &api.TransportError{Method: "GET", URL: "http://h/api/session/list", Reason: "cancelled", Err: context.Canceled}
	assert.Equal(t, "GET http://h/api/session/list: cancelled", Explain(te))
}

// TestExplainSaysNotFoundOnce: a server message that only repeats the
// status and the path is not said again.
func TestExplainSaysNotFoundOnce(t *testing.T) {
	nf := &api.HTTPError{StatusCode: 404, Method: "GET", URL: "https://h/ztna/a/root/api/x", Path: "/api/x", Message: "not found: /api/x"}
	assert.Equal(t, "not found (HTTP 404 on GET /api/x)", Explain(nf))
	fb := &api.HTTPError{StatusCode: 403, Method: "GET", URL: "https://h/ztna/a/root/api/x", Path: "/api/x", Message: "Forbidden"}
	assert.Equal(t, "permission denied (HTTP 403 on GET /api/x)", Explain(fb))
	more := &api.HTTPError{StatusCode: 404, Method: "GET", URL: "https://h/ztna/a/root/api/x", Path: "/api/x", Message: "Not found: no session abc"}
	assert.Equal(t, "not found (HTTP 404 on GET /api/x): Not found: no session abc", Explain(more))
}
