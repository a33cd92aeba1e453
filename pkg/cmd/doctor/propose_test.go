package doctor

import (
	"context"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pamctl/pamctl/pkg/api"
	"github.com/pamctl/pamctl/pkg/config"
	"github.com/pamctl/pamctl/pkg/output"
	"github.com/pamctl/pamctl/pkg/pamsim"
	"github.com/pamctl/pamctl/pkg/prompt"
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

// --write on a terminal shows the overlay, then asks; "no" writes nothing,
// "yes" writes it into the profile.
func TestProposeWriteAsks(t *testing.T) {
	sim, err := pamsim.New(pamsim.Options{Seed: 1})
	require.NoError(t, err)
	o, err := pamsim.LoadShape("spring")
	require.NoError(t, err)
	require.NoError(t, sim.SetShape("spring", o))
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	cfgPath := filepath.Join(t.TempDir(), "config.yaml")
	for _, answer := range []bool{false, true} {
		opts, s, out, errOut := testOptions(srv.URL+sim.BasePath(), sim.Tokens().Admin, output.Table)
		s.Profile = "prod"
		opts.Propose, opts.Write = true, true
		opts.IO.SetStdinTTY(true)
		opts.IO.SetStdoutTTY(true)
		opts.IO.SetStderrTTY(true)
		stub := &prompt.Stub{ConfirmFunc: func(string, bool) (bool, error) { return answer, nil }}
		opts.Prompter = func() prompt.Prompter { return stub }
		opts.Config = func() (*config.Config, error) { return config.Load(cfgPath) }
		err := proposeRun(context.Background(), opts)
		require.Len(t, stub.Asked, 1)
		assert.Regexp(t, `^Write this contract overlay \(sha256:[0-9a-f]{64}\) into profile prod of .*config.yaml\? Every command will use it\.$`, stub.Asked[0])
		assert.Contains(t, out.String(), "listSessions: # operation GET /api/sessions", "shown before the question")
		if !answer {
			assert.Equal(t, 130, exitCode(err))
			assert.NoFileExists(t, cfgPath)
			continue
		}
		require.NoError(t, err, errOut.String())
		cfg, err := config.Load(cfgPath)
		require.NoError(t, err)
		got, err := config.Resolve(config.Flags{Profile: "prod", Changed: func(n string) bool { return n == "profile" }}, func(string) (string, bool) { return "", false }, cfg, nil)
		require.NoError(t, err)
		written, err := api.ParseOverlay(got.Contract, got.ContractSource)
		require.NoError(t, err)
		assert.Equal(t, o.Digest(), written.Digest(), "what was written is what the shape is")
	}
}
