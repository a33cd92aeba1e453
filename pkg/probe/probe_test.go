package probe

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pamctl/pamctl/pkg/api"
)

const probeToken = "s3cr3t-probe-token"

func probeClient(t *testing.T, h http.HandlerFunc) (*api.Client, *httptest.Server) {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	c, err := api.New(api.Options{Server: srv.URL + "/ztna/acme/root", Token: probeToken})
	require.NoError(t, err)
	return c, srv
}

func TestProbe(t *testing.T) {
	var n atomic.Int32
	c, _ := probeClient(t, func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		w.Header().Set("X-Path", r.URL.Path+"?"+r.URL.RawQuery)
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = w.Write([]byte(`{"message":"busy; you sent ` + r.Header.Get("Authorization") + `"}`))
	})
	a, err := c.Probe(context.Background(), "/api/x", nil)
	require.NoError(t, err)
	assert.Equal(t, int32(1), n.Load(), "a probe is never retried: what came back is what the server said")
	assert.Equal(t, 503, a.Status)
	assert.Equal(t, "/ztna/acme/root/api/x?", a.Header.Get("X-Path"))
	assert.NotContains(t, string(a.Body), probeToken)
	assert.Contains(t, string(a.Body), "Bearer [REDACTED]")
	assert.Equal(t, "HTTP 503: busy; you sent Bearer [REDACTED]", a.Describe())
}

func TestProbeEndpoint(t *testing.T) {
	var got []string
	c, _ := probeClient(t, func(w http.ResponseWriter, r *http.Request) {
		got = append(got, r.Method+" "+r.URL.Path+"?"+r.URL.RawQuery)
		w.WriteHeader(200)
	})
	ctx := context.Background()
	byID := map[string]api.Endpoint{}
	for _, ep := range api.Endpoints() {
		byID[ep.ID] = ep
	}
	_, err := Endpoint(ctx, c, byID["listAssets"], Args{Parent: "rid-1", Limit: 3})
	require.NoError(t, err)
	_, err = Endpoint(ctx, c, byID["listSessionEvents"], Args{ID: "a b", Limit: 2})
	assert.Error(t, err, "an ID that cannot be a path segment is refused before sending")
	_, err = Endpoint(ctx, c, byID["getSession"], Args{ID: "s-1"})
	require.NoError(t, err)
	_, err = Endpoint(ctx, c, byID["terminateSession"], Args{ID: "s-1"})
	require.ErrorContains(t, err, "never probed")
	assert.Equal(t, []string{
		"GET /ztna/acme/root/api/asset/list?limit=3&offset=0&parent=rid-1",
		"GET /ztna/acme/root/api/session/s-1?",
	}, got)
}

// TestProbeURLToken: the token goes to the API's own host only.
func TestProbeURLToken(t *testing.T) {
	auth := func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte(r.Header.Get("Authorization"))) }
	c, own := probeClient(t, auth)
	other := httptest.NewServer(http.HandlerFunc(auth))
	t.Cleanup(other.Close)
	ctx := context.Background()

	a, err := c.ProbeURL(ctx, own.URL+"/ztna/v3/api-docs")
	require.NoError(t, err)
	assert.Equal(t, "Bearer [REDACTED]", string(a.Body))
	a, err = c.ProbeURL(ctx, other.URL+"/openapi.json")
	require.NoError(t, err)
	assert.Empty(t, string(a.Body), "another host (here another port) gets no token")

	_, err = c.ProbeURL(ctx, "http://pam.example.test/openapi.json")
	assert.ErrorContains(t, err, "plain http:// is refused")
	_, err = c.ProbeURL(ctx, "file:///etc/passwd")
	assert.Error(t, err)
}

func TestProbeBounded(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte(strings.Repeat("x", 100)))
	}))
	t.Cleanup(srv.Close)
	c, err := api.New(api.Options{Server: srv.URL, Token: probeToken, MaxBodyBytes: 10})
	require.NoError(t, err)
	a, err := c.Probe(context.Background(), "/api/x", nil)
	require.NoError(t, err)
	assert.True(t, a.Truncated)
	assert.Len(t, a.Body, 10)
}

func TestCheckAnswer(t *testing.T) {
	byID := map[string]api.Endpoint{}
	for _, ep := range api.Endpoints() {
		byID[ep.ID] = ep
	}
	sessions := byID["listSessions"]
	okPage := `{"total": 3, "offset": 0, "limit": 2, "items": [
	  {"id": "s1", "assetId": "a1", "assetName": "db", "user": "u", "created": "2026-11-26T09:00:00Z", "updated": "2026-11-26T09:00:00Z", "completed": null, "state": "Active", "channels": ["SSH"]},
	  {"id": "s2", "assetId": "a1", "assetName": "db", "user": "u", "created": 1764147600000, "updated": 1764147600000, "state": "Completed", "channels": []}]}`
	tests := []struct {
		name  string
		ep    api.Endpoint
		body  string
		limit int
		fails []string // each the substring of one finding, in order
	}{
		{name: "a page as modeled", ep: sessions, body: okPage, limit: 2},
		{name: "a field renamed", ep: sessions, limit: 5,
			body:  strings.ReplaceAll(okPage, `"assetName"`, `"assetTitle"`),
			fails: []string{`field "assetName" (Session.AssetName) is missing or null in 2 of 2 items (fields pamctl does not read: assetTitle); change the json tag of Session.AssetName in pkg/api/contract.go`}},
		{name: "a field of another type", ep: sessions, limit: 5,
			body:  strings.ReplaceAll(okPage, `"channels": ["SSH"]`, `"channels": "SSH"`),
			fails: []string{`field "channels" (Session.Channels) is a string "SSH"; pamctl reads an array of strings`}},
		{name: "a timestamp pamctl cannot read", ep: sessions, limit: 5,
			body:  strings.ReplaceAll(okPage, `"2026-11-26T09:00:00Z", "updated"`, `"26/11/2026", "updated"`),
			fails: []string{`field "created" (Session.Created) is a string "26/11/2026" (timestamp "26/11/2026" is neither RFC 3339 nor epoch milliseconds)`}},
		{name: "the server ignores limit", ep: sessions, body: okPage, limit: 1,
			fails: []string{"the page holds 2 items though limit=1 asked for at most 1"}},
		{name: "no total", ep: sessions, limit: 5, body: `{"items": []}`,
			fails: []string{`the paging envelope has no "total" (it has items); change the json tag of page.Total`}},
		{name: "total below the items", ep: sessions, limit: 5, body: strings.Replace(okPage, `"total": 3`, `"total": 1`, 1),
			fails: []string{"total 1 is below the 2 items"}},
		{name: "another envelope", ep: sessions, limit: 5, body: `{"content": [], "totalElements": 0}`,
			fails: []string{`the paging envelope has no "total" (it has content, totalElements)`,
				`the paging envelope has no "items" array (it has content, totalElements); change the json tag of page.Items`}},
		{name: "a bare array", ep: sessions, limit: 5, body: `[]`,
			fails: []string{"the answer is an array, not the paging envelope"}},
		{name: "HTML", ep: sessions, limit: 5, body: `<!DOCTYPE html><html></html>`,
			fails: []string{"the answer is an HTML page"}},
		{name: "user context, nested", ep: byID["getUserContext"],
			body:  `{"user": {"id": "u1", "name": "admin", "displayName": "A"}, "space": {"rootId": "r", "name": "root"}, "roles": ["Administrator"]}`,
			fails: []string{`field "space.rid" (SpaceRef.RID) is missing or null (fields pamctl does not read: rootId)`}},
		{name: "events may lack a session", ep: byID["listEvents"], limit: 5,
			body: `{"total": 1, "items": [{"id": "e", "created": "2026-11-26T09:00:00.5Z", "level": "Information", "category": "Security", "event": "Login", "message": "m", "user": "u"}]}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := CheckAnswer(tt.ep, "application/json", []byte(tt.body), tt.limit)
			var got []string
			for _, f := range r.Findings {
				assert.True(t, f.Fail)
				got = append(got, f.What+"; "+f.Fix)
			}
			require.Len(t, got, len(tt.fails), "findings: %q", got)
			for i, w := range tt.fails {
				assert.Contains(t, got[i], w)
			}
		})
	}
	r := CheckAnswer(sessions, "application/json", []byte(okPage), 2)
	assert.Equal(t, []string{"s1", "s2"}, r.IDs)
	assert.Equal(t, 3, r.Total)
	assert.Equal(t, 2, r.Items)
	assert.Equal(t, []string{"RFC 3339", "epoch milliseconds"}, r.Times)
	assert.Equal(t, 13, r.Fields)
}
