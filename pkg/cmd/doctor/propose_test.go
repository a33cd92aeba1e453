package doctor

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pamctl/pamctl/pkg/api"
	"github.com/pamctl/pamctl/pkg/output"
	"github.com/pamctl/pamctl/pkg/pamsim"
)

// Without an OpenAPI document, the proposal comes from what the read
// endpoints answer: the envelope's keys, the field names, the state
// spellings seen (and the one not seen, spelled alike, said so).
func TestProposeFromAnswers(t *testing.T) {
	sim, err := pamsim.New(pamsim.Options{Seed: 1})
	require.NoError(t, err)
	shape := "envelope: {items: content, total: totalElements}\nfields: {Session: {user: userName, state: status}}\nstates: {Active: ACTIVE, Completed: COMPLETED}\n"
	o, err := api.ParseOverlay([]byte(shape), "shape")
	require.NoError(t, err)
	require.NoError(t, sim.SetShape("answers", o))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.Contains(r.URL.Path, "api-docs") || strings.HasSuffix(r.URL.Path, "openapi.json") {
			http.NotFound(w, r) // no document anywhere
			return
		}
		sim.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	out := proposeAgainst(t, srv.URL+sim.BasePath(), sim.Tokens().Admin)
	require.NoError(t, out.err, out.errOut)
	assert.Contains(t, out.out, "# Contract overlay proposed by pamctl doctor from the read endpoints' answers")
	assert.Contains(t, out.out, "  items: content # the answer of GET /api/session/list\n")
	assert.Contains(t, out.out, "  total: totalElements # the answer of GET /api/session/list\n")
	assert.Contains(t, out.out, "    user: userName # the answer of GET /api/session/list, items under content\n")
	assert.Contains(t, out.out, "  Active: ACTIVE # the answer of GET /api/session/list, items under content, field status\n")
	assert.Contains(t, out.out, "  Completed: COMPLETED # spelled as ACTIVE is: no Completed session was seen\n")
	assert.Contains(t, out.errOut, "not mapped: endpoints.terminateSession: not checked without an OpenAPI document: pamctl assumes POST /api/session/terminate/{id}")
	assert.Equal(t, 0, sim.CountRequests(http.MethodPost, ""))
}

func proposeAgainst(t *testing.T, server, token string) run {
	t.Helper()
	opts, _, out, errOut := testOptions(server, token, output.Table)
	opts.Propose = true
	err := proposeRun(context.Background(), opts)
	return run{err: err, out: out.String(), errOut: errOut.String()}
}
