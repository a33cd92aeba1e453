package openapi

import (
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pamctl/pamctl/pkg/api"
)

const springOverlay = `
endpoints:
  listSessions: {path: /api/sessions}
  getSession: {path: "/api/sessions/{id}"}
  listSessionEvents: {path: "/api/sessions/{id}/events"}
  terminateSession: {method: POST, path: "/api/sessions/{id}/terminate"}
  listAssets: {path: /api/assets}
  getAsset: {path: "/api/assets/{id}"}
  listEvents: {path: /api/events}
query: {state: status, user: userName, asset: assetId, limit: size}
envelope: {items: content, total: totalElements}
fields:
  Session: {user: userName, state: status}
  Event: {user: userName}
states: {Active: ACTIVE, Completed: COMPLETED}
`

func shapedDoc(t *testing.T, overlay string) *openapi3.T {
	t.Helper()
	o, err := api.ParseOverlay([]byte(overlay), "test")
	require.NoError(t, err)
	b, err := Shaped(o, "shape", "1")
	require.NoError(t, err)
	doc, err := Load(b)
	require.NoError(t, err)
	return doc
}

// The proposal from a Spring-style document is exactly the overlay that
// shaped it: every endpoint, parameter, key, field and state found.
func TestProposeFromASpringDocument(t *testing.T) {
	p := Propose(shapedDoc(t, springOverlay))
	want, err := api.ParseOverlay([]byte(springOverlay), "")
	require.NoError(t, err)
	assert.Equal(t, want, p.Overlay)
	assert.Equal(t, want.Digest(), p.Overlay.Digest())
	assert.True(t, p.Complete(), "%+v", p.Unmapped)
	assert.ElementsMatch(t, []string{"ACTIVE", "COMPLETED"}, p.States)
	require.NoError(t, p.Overlay.Validate())
	require.NoError(t, p.Overlay.CheckStates(p.States))
	var ev string
	for _, m := range p.Mappings {
		if m.Key == "fields.Session.user" {
			ev = m.Evidence
		}
	}
	assert.Equal(t, "operation GET /api/sessions (getApiSessions), items under content", ev)
}

// The modeled document proposes nothing.
func TestProposeFromTheModeledDocument(t *testing.T) {
	p := Propose(shapedDoc(t, ""))
	assert.True(t, p.Overlay.Empty(), "%+v", p.Overlay)
	assert.Empty(t, p.Mappings)
	assert.True(t, p.Complete(), "%+v", p.Unmapped)
}

// A document without the sessions cannot be mapped: what is missing is
// named and marked needed.
func TestProposeNamesWhatItCannotMap(t *testing.T) {
	doc := shapedDoc(t, "endpoints: {listSessions: {path: /api/reports/x}, getSession: {path: '/api/things/{id}'}}\nfields: {Session: {id: ident}}")
	p := Propose(doc)
	assert.False(t, p.Complete())
	keys := map[string]bool{}
	for _, u := range p.Unmapped {
		keys[u.Key] = u.Needed
	}
	assert.True(t, keys["endpoints.listSessions"], "%+v", p.Unmapped)
	assert.True(t, keys["endpoints.getSession"], "%+v", p.Unmapped)
}
