package pamsim

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// testNow is the fixed clock of the conformance tests: fixture times are offsets before it.
var testNow = time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)

func fixedClock() time.Time { return testNow }

func sid(n int) string { return fmt.Sprintf("11111111-1111-4111-8111-%012d", n) }
func aid(n int) string { return fmt.Sprintf("22222222-2222-4222-8222-%012d", n) }

// fixtureSessions is the number of sessions in testdata/fixtures.json.
const fixtureSessions = 11

const spaceRID = "4d1946f9-8aa3-4e89-8b6a-fa835969fc1d"

type sim struct {
	srv    *Server
	url    string
	tokens map[string]string
	client *http.Client
}

// startSim starts a simulator on the fixed clock unless opts sets one.
func startSim(t testing.TB, opts Options) *sim {
	t.Helper()
	if opts.Now == nil {
		opts.Now = fixedClock
	}
	srv, url := Start(t, opts)
	tk := srv.Tokens()
	return &sim{
		srv: srv, url: url,
		tokens: map[string]string{"admin": tk.Admin, "auditor": tk.Auditor, "amanager": tk.AssetManager, "viewer": tk.Viewer, "bad": "pst_not-a-token", "none": ""},
		// No keep-alive: Go's transport silently retries an idempotent request whose reused
		// connection was dropped, which would hide the drop faults.
		client: &http.Client{Timeout: 20 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}},
	}
}

type result struct {
	status int
	header http.Header
	body   []byte
	err    error
}

func (s *sim) do(t testing.TB, method, path, who string) result {
	t.Helper()
	req, err := http.NewRequest(method, s.url+path, nil)
	require.NoError(t, err)
	if tok := s.tokens[who]; tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	resp, err := s.client.Do(req)
	if err != nil {
		return result{err: err}
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return result{status: resp.StatusCode, header: resp.Header, body: b, err: err}
}

type body struct {
	Total   *int              `json:"total"`
	Offset  int               `json:"offset"`
	Limit   int               `json:"limit"`
	Items   []json.RawMessage `json:"items"`
	Message string            `json:"message"`
}

func (r result) decode(t testing.TB, v any) {
	t.Helper()
	require.NoError(t, r.err)
	require.NoError(t, json.Unmarshal(r.body, v), "body: %s", r.body)
}

func (r result) envelope(t testing.TB) body {
	t.Helper()
	var b body
	r.decode(t, &b)
	return b
}

func (r result) ids(t testing.TB) []string {
	t.Helper()
	var out []string
	for _, it := range r.envelope(t).Items {
		var x struct {
			ID string `json:"id"`
		}
		require.NoError(t, json.Unmarshal(it, &x))
		out = append(out, x.ID)
	}
	return out
}

func (r result) object(t testing.TB) map[string]any {
	t.Helper()
	var m map[string]any
	r.decode(t, &m)
	return m
}

func sids(ns ...int) []string {
	out := make([]string, len(ns))
	for i, n := range ns {
		out[i] = sid(n)
	}
	return out
}
