package api

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const springOverlay = `
endpoints:
  listSessions: {path: /api/sessions}
  getSession: {path: "/api/sessions/{id}"}
  terminateSession: {method: post, path: "/api/sessions/{id}/terminate"}
query: {state: status, user: userName, limit: size}
envelope: {items: content, total: totalElements}
fields:
  Session: {user: userName, state: status}
states: {Active: ACTIVE, Completed: COMPLETED}
channels: {SSH: ssh}
`

func TestOverlayRefusals(t *testing.T) {
	for _, tc := range []struct{ overlay, want string }{
		{"endpoint: {}", `field endpoint not found in Overlay; remove or correct it`},
		{"fields: {Session: {asset: x}}", `fields.Session.asset: is not a name pamctl uses`},
		{"fields: {Sesion: {}}", `fields.Sesion: no such answer type`},
		{"endpoints: {listSession: {path: /api/x}}", `endpoints.listSession: no such endpoint`},
		{"fields: {Session: {user: login, assetName: login}}", `fields.Session.user: maps to "login", as fields.Session.assetName does`},
		{"fields: {Session: {assetName: user}}", `fields.Session.user: maps to "user", as fields.Session.assetName does`},
		{"fields: {Session: {user: ''}}", `fields.Session.user: is left without a server name, but pamctl decides with it`},
		{"envelope: {items: total}", `envelope.total: maps to "total", as envelope.items does`},
		{"states: {Active: X, Completed: X}", `states.Completed: maps to "X", as states.Active does`},
		{"endpoints: {getSession: {path: /api/sessions}}", `endpoints.getSession.path: "/api/sessions" must hold {id} exactly once`},
		{"endpoints: {terminateSession: {path: /api/sessions/terminate}}", `must hold {id} exactly once`},
		{"endpoints: {listSessions: {path: '/api/s/{id}'}}", `holds {id}, but listSessions names no object`},
		{"endpoints: {listSessions: {path: /api/../x}}", `holds a dot segment`},
		{"endpoints: {listSessions: {path: /other}}", `is not under /api/`},
		{"endpoints: {listSessions: {method: POST}}", `listSessions is a read; pamctl sends it only as GET`},
		{"query: {user: 'user name'}", `is not a usable name`},
		{"[not, a, map]", `not a valid overlay`},
	} {
		_, err := ParseOverlay([]byte(tc.overlay), "test")
		var oe *OverlayError
		require.ErrorAs(t, err, &oe, tc.overlay)
		assert.Contains(t, err.Error(), tc.want, tc.overlay)
		assert.Contains(t, err.Error(), "contract overlay (test)")
	}
}

func TestOverlayDigestIsCanonical(t *testing.T) {
	a, err := ParseOverlay([]byte("states: {Active: ACTIVE}\nquery: {user: u}\n"), "")
	require.NoError(t, err)
	b, err := ParseOverlay([]byte(`{"query": {"user": "u"}, "states": {"Active": "ACTIVE"}}`), "")
	require.NoError(t, err)
	assert.Equal(t, a.Digest(), b.Digest())
	assert.Regexp(t, `^sha256:[0-9a-f]{64}$`, a.Digest())
	empty, err := ParseOverlay(nil, "")
	require.NoError(t, err)
	assert.Empty(t, empty.Digest())
	require.ErrorContains(t, a.CheckStates([]string{"ACTIVE", "DONE"}), `states.Completed: maps to "Completed", which the server's document does not allow`)
	require.NoError(t, a.CheckStates(nil))
}

// springServer answers the Spring shape only: a request under the modeled
// names is a 404, so passing proves the mapping.
func springServer(t *testing.T, sent *[]string) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		*sent = append(*sent, r.Method+" "+r.URL.Path+"?"+r.URL.RawQuery)
		w.Header().Set("Content-Type", "application/json")
		session := `{"id":"s-1","assetId":"a-1","assetName":"db","userName":"jdoe","user":"decoy","status":"%s","channels":["ssh"],"created":"2026-01-01T00:00:00Z"}`
		switch r.Method + " " + r.URL.Path {
		case "GET /ztna/acme/root/api/sessions":
			fmt.Fprintf(w, `{"content":[`+session+`],"totalElements":1,"number":0}`, "ACTIVE")
		case "GET /ztna/acme/root/api/sessions/s-1":
			fmt.Fprintf(w, session, "ACTIVE")
		case "POST /ztna/acme/root/api/sessions/s-1/terminate":
			fmt.Fprintf(w, session, "COMPLETED")
		default:
			w.WriteHeader(http.StatusNotFound)
			fmt.Fprint(w, `{"message":"no such path"}`)
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestOverlayMapsBothWays(t *testing.T) {
	var sent []string
	srv := springServer(t, &sent)
	o, err := ParseOverlay([]byte(springOverlay), "test")
	require.NoError(t, err)
	c, err := New(Options{Server: srv.URL + "/ztna/acme/root", Token: "tok-overlay-0123456789", Contract: o, Sleep: func(context.Context, time.Duration) error { return nil }})
	require.NoError(t, err)
	assert.Equal(t, o.Digest(), c.ContractDigest())
	ctx := context.Background()

	p := ListSessionsParams{State: StateActive, User: "JDOE", Channel: "SSH"}
	list, err := c.ListSessions(ctx, p)
	require.NoError(t, err)
	require.Len(t, list, 1)
	s := list[0]
	assert.Equal(t, "jdoe", s.User, "userName is read as user; the server's own user key is not")
	assert.Equal(t, StateActive, s.State)
	assert.Equal(t, []string{"SSH"}, s.Channels)
	assert.True(t, p.Matches(&s), "the selector re-check runs on the mapped names")

	got, err := c.GetSession(ctx, "s-1")
	require.NoError(t, err)
	assert.Equal(t, "s-1", got.ID)
	done, err := c.TerminateSession(ctx, "s-1")
	require.NoError(t, err)
	assert.Equal(t, StateCompleted, done.State)

	assert.Equal(t, []string{
		"GET /ztna/acme/root/api/sessions?channel=ssh&offset=0&size=500&status=ACTIVE&userName=JDOE",
		"GET /ztna/acme/root/api/sessions/s-1?",
		"POST /ztna/acme/root/api/sessions/s-1/terminate?",
	}, sent)

	// Raw is the operator's path as written: not mapped.
	_, err = c.Raw(ctx, "GET", "/api/session/list", nil)
	var he *HTTPError
	require.ErrorAs(t, err, &he)
	assert.Equal(t, 404, he.StatusCode)
}

func TestOverlayStillChecksTheEnvelope(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"content":[{"id":"s-1","status":"ACTIVE"}],"total":1}`)
	}))
	t.Cleanup(srv.Close)
	o, err := ParseOverlay([]byte(springOverlay), "test")
	require.NoError(t, err)
	c, err := New(Options{Server: srv.URL, Token: "tok-overlay-0123456789", Contract: o})
	require.NoError(t, err)
	_, err = c.ListSessions(context.Background(), ListSessionsParams{})
	require.ErrorContains(t, err, `has no "total"`)
}
