package pamsim

import (
	"crypto/tls"
	"crypto/x509"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestTokens(t *testing.T) {
	a, b := startSim(t, Options{}), startSim(t, Options{})
	ta, tb := a.srv.Tokens(), b.srv.Tokens()
	seen := map[string]bool{}
	for _, tok := range []string{ta.Admin, ta.Auditor, ta.AssetManager, ta.Viewer, tb.Admin} {
		assert.Regexp(t, `^pst_[A-Za-z0-9+/]{8}\+[A-Za-z0-9+/]{8}/[A-Za-z0-9+/]{7}=$`, tok, "base64-like, with the characters encodings escape")
		assert.NotEqual(t, tok, url.QueryEscape(tok), "URL encoding changes it")
		assert.NotContains(t, tok, " ")
		assert.False(t, seen[tok], "tokens are distinct, also across servers")
		seen[tok] = true
	}
	assert.Equal(t, []string{"db-prod-01", "db-prod-02"}, ta.AssetManagerAssets)
	assert.Equal(t, "http://127.0.0.1:", a.url[:len("http://127.0.0.1:")])
}

func TestNewRejectsBadOptions(t *testing.T) {
	for _, o := range []Options{
		{Tenant: "a/b"}, {Site: "a b"}, {Sessions: -1}, {FaultRate: 1.5}, {FaultRate: -0.1},
		{Latency: -time.Second}, {Fixtures: filepath.Join(t.TempDir(), "missing.json")},
	} {
		_, err := New(o)
		assert.Error(t, err, "%+v", o)
	}
}

func TestFixturesOverride(t *testing.T) {
	path := filepath.Join(t.TempDir(), "f.json")
	require.NoError(t, os.WriteFile(path, []byte(`{"space":{"rid":"r1"},
		"users":[{"id":"u1","name":"admin","displayName":"A","roles":["Administrator"]}],
		"assets":[{"id":"a1","name":"box","type":"Linux"}],
		"sessions":[{"id":"s1","asset":"box","user":"me","channels":["SSH"],"state":"Active","createdAgo":"1m"}]}`), 0o600))
	s := startSim(t, Options{Fixtures: path})
	assert.Equal(t, []string{"s1"}, s.do(t, "GET", "/api/session/list", "admin").ids(t))
	assert.Equal(t, []string{"a1"}, s.do(t, "GET", "/api/asset/list?parent=r1", "admin").ids(t))

	require.NoError(t, os.WriteFile(path, []byte(`{"space":{"rid":"r1"},"assets":[],"sessions":[{"id":"s1","asset":"nope","createdAgo":"1m"}]}`), 0o600))
	_, err := New(Options{Fixtures: path})
	assert.ErrorContains(t, err, "unknown asset")
}

func TestGeneratedSessions(t *testing.T) {
	const n = 2000
	a, b := startSim(t, Options{Sessions: n, Seed: 42}), startSim(t, Options{Sessions: n, Seed: 42})
	page := "/api/session/list?limit=500&offset=700&sort=user"
	ra, rb := a.do(t, "GET", page, "admin"), b.do(t, "GET", page, "admin")
	require.Equal(t, 200, ra.status)
	assert.Equal(t, string(ra.body), string(rb.body), "the same seed generates the same site")
	c := startSim(t, Options{Sessions: n, Seed: 43})
	assert.NotEqual(t, string(ra.body), string(c.do(t, "GET", page, "admin").body), "another seed, another site")

	assert.Equal(t, n+fixtureSessions, *ra.envelope(t).Total)
	active := *a.do(t, "GET", "/api/session/list?state=Active&limit=1", "admin").envelope(t).Total
	assert.InDelta(t, n/4, active, float64(n)/12, "about a quarter are Active")
	assert.Positive(t, *a.do(t, "GET", "/api/session/list?channel=RDPP&limit=1", "admin").envelope(t).Total, "native channels too")

	assets := a.do(t, "GET", "/api/asset/list?name=srv-&parent="+spaceRID, "admin").envelope(t)
	assert.Equal(t, 40, *assets.Total)

	a.srv.mu.Lock()
	defer a.srv.mu.Unlock()
	monthAgo := testNow.Add(-30 * 24 * time.Hour)
	for _, r := range a.srv.sessions[10:] {
		assert.False(t, r.Created.Before(monthAgo) || r.Created.After(testNow), "created within 30 days")
		assert.Equal(t, r.State == StateCompleted, !r.Completed.IsZero(), "only Completed sessions have completed set")
		assert.False(t, r.Updated.Before(r.Created))
	}
}

// TestGenerated100k builds a large site; how fast is a benchmark's
// question (bench_test.go), never a timed unit test's.
func TestGenerated100k(t *testing.T) {
	if testing.Short() {
		t.Skip("short")
	}
	s, err := New(Options{Sessions: 100000, Seed: 1})
	require.NoError(t, err)
	_, ok := s.Session(sid(1))
	assert.True(t, ok)
}

func TestAddSessionAndAsset(t *testing.T) {
	s := startSim(t, Options{})
	s.srv.AddAsset(Asset{ID: "a-huge", Name: strings.Repeat("x", 5000), Type: "Linux"})
	s.srv.AddSession(Session{ID: "s-huge", AssetID: "a-huge", User: strings.Repeat("u", 10000), Channels: []string{"SSH", "Weird:New"}})
	got, ok := s.srv.Session("s-huge")
	require.True(t, ok)
	assert.Equal(t, strings.Repeat("x", 5000), got.AssetName, "the asset's name is filled in")
	assert.Equal(t, StateActive, got.State)
	assert.Equal(t, testNow, got.Created)
	require.Len(t, got.Events, 1)
	assert.Equal(t, "Start Session", got.Events[0].Type)

	r := s.do(t, "GET", "/api/session/list?limit=1&sort=created", "admin")
	assert.Equal(t, []string{"s-huge"}, r.ids(t), "the added session is the newest")
	a := s.do(t, "GET", "/api/asset/a-huge", "admin").object(t)
	assert.Equal(t, spaceRID, a["parentId"])
	r = s.do(t, "POST", "/api/session/terminate/s-huge", "admin")
	assert.Equal(t, 200, r.status, "an unknown channel counts as a web channel")
}

// clock is a settable test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

func TestChurn(t *testing.T) {
	c := &clock{t: testNow}
	s := startSim(t, Options{Sessions: 20, Seed: 3, Churn: time.Minute, Now: c.Now})
	total := func() int { return *s.do(t, "GET", "/api/session/list?limit=1", "admin").envelope(t).Total }
	activeGen := func() int {
		s.srv.mu.Lock()
		defer s.srv.mu.Unlock()
		n := 0
		for _, r := range s.srv.sessions {
			if r.generated && r.State == StateActive {
				n++
			}
		}
		return n
	}
	require.Equal(t, 20+fixtureSessions, total())
	before := activeGen()
	c.Add(3*time.Minute + time.Second)
	assert.Equal(t, 23+fixtureSessions, total(), "three sessions started")
	assert.Equal(t, before, activeGen(), "and three ended")
	newest := s.do(t, "GET", "/api/session/list?limit=1", "admin").object(t)["items"].([]any)[0].(map[string]any)
	assert.Equal(t, "2026-11-26T10:03:00Z", newest["created"])
	for _, n := range []int{1, 2, 3} {
		sess, _ := s.srv.Session(sid(n))
		assert.Equal(t, StateActive, sess.State, "churn never ends fixture sessions")
	}
}

func TestStartTLS(t *testing.T) {
	s, url, caFile := StartTLS(t, Options{})
	assert.True(t, strings.HasPrefix(url, "https://127.0.0.1:"))
	pemBytes, err := os.ReadFile(caFile)
	require.NoError(t, err)
	pool := x509.NewCertPool()
	require.True(t, pool.AppendCertsFromPEM(pemBytes))

	req, _ := http.NewRequest("GET", url+"/api/user/context", nil)
	req.Header.Set("Authorization", "Bearer "+s.Tokens().Admin)
	trusting := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	resp, err := trusting.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, 200, resp.StatusCode)

	_, err = (&http.Client{Transport: &http.Transport{}}).Do(req)
	var unknown x509.UnknownAuthorityError
	assert.ErrorAs(t, err, &unknown, "without the CA the certificate is not trusted")

	// localhost is in the certificate too.
	req, _ = http.NewRequest("GET", strings.Replace(url, "127.0.0.1", "localhost", 1)+"/api/user/context", nil)
	req.Header.Set("Authorization", "Bearer "+s.Tokens().Admin)
	resp, err = trusting.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, 200, resp.StatusCode)
}

func TestStartTLSDropStillWorks(t *testing.T) {
	s, url, caFile := StartTLS(t, Options{})
	pemBytes, err := os.ReadFile(caFile)
	require.NoError(t, err)
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(pemBytes)
	s.AddFault(Fault{Kind: FaultDrop, Times: 1})
	req, _ := http.NewRequest("POST", url+"/api/session/terminate/"+sid(1), nil)
	req.Header.Set("Authorization", "Bearer "+s.Tokens().Admin)
	_, err = (&http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}).Do(req)
	assert.Error(t, err)
}
