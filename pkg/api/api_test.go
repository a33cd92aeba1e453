package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pamctl/pamctl/pkg/httpmock"
)

const testToken = "tok-SECRET-1234567890"

func newTestClient(t *testing.T, reg *httpmock.Registry, mod ...func(*Options)) *Client {
	t.Helper()
	opts := Options{
		Server:    "https://pam.example.test:6443/ztna/acme/root",
		Token:     testToken,
		Transport: reg,
		Sleep:     func(context.Context, time.Duration) error { return nil },
	}
	for _, m := range mod {
		m(&opts)
	}
	c, err := New(opts)
	require.NoError(t, err)
	t.Cleanup(func() { reg.Verify(t) })
	return c
}

func TestTimeDecoding(t *testing.T) {
	tests := []struct {
		name, in string
		want     time.Time
		wantErr  string
	}{
		{"rfc3339", `"2026-11-26T09:15:02Z"`, time.Date(2026, 11, 26, 9, 15, 2, 0, time.UTC), ""},
		{"rfc3339 offset", `"2026-11-26T10:15:02+01:00"`, time.Date(2026, 11, 26, 9, 15, 2, 0, time.UTC), ""},
		{"epoch millis", `1795684502000`, time.UnixMilli(1795684502000).UTC(), ""},
		{"quoted millis", `"1795684502000"`, time.UnixMilli(1795684502000).UTC(), ""},
		{"null", `null`, time.Time{}, ""},
		{"empty string", `""`, time.Time{}, ""},
		{"garbage", `"yesterday"`, time.Time{}, "neither RFC 3339 nor epoch"},
		{"bool", `true`, time.Time{}, "neither RFC 3339 nor epoch"},
		{"huge", `1e300`, time.Time{}, "out of range"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got Time
			err := json.Unmarshal([]byte(tt.in), &got)
			if tt.wantErr != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.wantErr)
				return
			}
			require.NoError(t, err)
			assert.True(t, tt.want.Equal(got.Time), "got %v want %v", got.Time, tt.want)
		})
	}
	t.Run("absent field is unset and encodes null", func(t *testing.T) {
		var s Session
		require.NoError(t, json.Unmarshal([]byte(`{"id":"x","created":1795684502000}`), &s))
		assert.True(t, s.Completed.IsZero())
		b, err := json.Marshal(s)
		require.NoError(t, err)
		assert.Contains(t, string(b), `"completed":null`)
		assert.Contains(t, string(b), `"created":"2026-`)
	})
}

func TestValidateID(t *testing.T) {
	good := []string{"0c6f1f0e-3c1b-4c53-9d1e-1f0b7c8e2a11", "abc_DEF-123", "x"}
	for _, id := range good {
		assert.NoError(t, ValidateID("session", id), id)
	}
	bad := map[string]string{
		"":                       "empty",
		"a/b":                    "path separator",
		`a\b`:                    "path separator",
		"..":                     `".."`,
		"a..b":                   `".."`,
		"%2f":                    "escape",
		"a b":                    "whitespace",
		"a\nb":                   "whitespace",
		"a\x1b[2J":               "control",
		"a\u202eb":               "control",
		"\xff\xfe":               "UTF-8",
		strings.Repeat("a", 200): "bytes long",
	}
	for id, want := range bad {
		err := ValidateID("session", id)
		require.Error(t, err, "%q", id)
		assert.Contains(t, err.Error(), want, "%q", id)
		assert.NotContains(t, err.Error(), "\x1b", "error must not carry raw escapes")
	}
}

func TestParseServerURL(t *testing.T) {
	ok := map[string]string{
		"https://pam.example.com:6443/ztna/acme/root":     "https://pam.example.com:6443/ztna/acme/root",
		"https://pam.example.com:6443/ztna/acme/root/":    "https://pam.example.com:6443/ztna/acme/root",
		"https://pam.example.com:6443/ztna/acme/root/api": "https://pam.example.com:6443/ztna/acme/root",
		"http://127.0.0.1:8643/ztna/demo/root":            "http://127.0.0.1:8643/ztna/demo/root",
		"http://localhost:8643/ztna/demo/root":            "http://localhost:8643/ztna/demo/root",
		"http://[::1]:8643/ztna/demo/root":                "http://[::1]:8643/ztna/demo/root",
	}
	for in, want := range ok {
		u, err := ParseServerURL(in)
		require.NoError(t, err, in)
		assert.Equal(t, want, u.String())
	}
	bad := map[string]string{
		"":                                   "empty",
		"pam.example.com":                    "absolute URL",
		"http://pam.example.com/ztna/a/root": "plain http:// is refused",
		"http://10.0.0.5/ztna/a/root":        "plain http:// is refused",
		"ftp://pam.example.com/":             "scheme",
		"https://u:p@pam.example.com/":       "credentials",
		"https://pam.example.com/?x=1":       "query",
	}
	for in, want := range bad {
		_, err := ParseServerURL(in)
		require.Error(t, err, in)
		assert.Contains(t, err.Error(), want, in)
		assert.NotContains(t, err.Error(), ":p@", "credentials must not be echoed")
	}
}

func TestErrorsAndBodies(t *testing.T) {
	tests := []struct {
		name      string
		status    int
		ct, body  string
		check     func(error) bool
		wantInMsg string
	}{
		{"json 404", 404, "application/json", `{"message":"session not found"}`, IsNotFound, "session not found"},
		{"json 401", 401, "application/json", `{"message":"bad token"}`, IsUnauthorized, "bad token"},
		{"json 403", 403, "application/json", `{"message":"needs Asset Manager"}`, IsForbidden, "needs Asset Manager"},
		{"json 409", 409, "application/json", `{"message":"session is not active"}`, IsConflict, "not active"},
		{"html 401 from SSO", 401, "text/html", `<!DOCTYPE html><html><body>Sign in</body></html>`, IsUnauthorized, "HTML page"},
		{"empty 500", 500, "", ``, func(err error) bool { return !IsNotFound(err) }, "empty response body"},
		{"plain 500", 500, "text/plain", "internal \x1b[31merror", func(err error) bool { return true }, `\x1b[31merror`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			reg := &httpmock.Registry{}
			reg.Register("get", httpmock.REST("GET", "/api/session/abc"), httpmock.StringResponse(tt.status, tt.ct, tt.body))
			c := newTestClient(t, reg)
			_, err := c.GetSession(context.Background(), "abc")
			require.Error(t, err)
			var he *HTTPError
			require.ErrorAs(t, err, &he)
			assert.True(t, tt.check(err))
			assert.Contains(t, err.Error(), tt.wantInMsg)
			assert.Contains(t, err.Error(), "/api/session/abc", "names the URL")
			assert.NotContains(t, err.Error(), "\x1b")
		})
	}
}

func TestDecodeFailures(t *testing.T) {
	tests := []struct {
		name, ct, body, want string
	}{
		{"html login page", "text/html; charset=utf-8", "<!DOCTYPE html><html><title>Sign in</title></html>", "HTML page"},
		{"html without content type", "", "<html><body>login</body></html>", "HTML page"},
		{"truncated", "application/json", `{"id":"abc","assetId":"x","user":"bw`, "truncated"},
		{"empty", "application/json", ``, "empty body"},
		{"wrong type", "application/json", `{"id":42}`, `field "id"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			reg := &httpmock.Registry{}
			reg.Register("get", httpmock.REST("GET", "/api/session/abc"), httpmock.StringResponse(200, tt.ct, tt.body))
			c := newTestClient(t, reg)
			_, err := c.GetSession(context.Background(), "abc")
			var re *ResponseError
			require.ErrorAs(t, err, &re)
			assert.Contains(t, err.Error(), tt.want)
			assert.NotContains(t, err.Error(), "invalid character", "no raw JSON parser trace")
		})
	}
}

func TestRetries(t *testing.T) {
	t.Run("GET retried on 503 then succeeds", func(t *testing.T) {
		reg := &httpmock.Registry{}
		for i := 0; i < 2; i++ {
			reg.Register("503", httpmock.REST("GET", "/api/session/abc"), httpmock.StringResponse(503, "application/json", `{"message":"busy"}`))
		}
		reg.Register("ok", httpmock.REST("GET", "/api/session/abc"), httpmock.JSONResponse(200, map[string]any{"id": "abc", "state": "Active"}))
		c := newTestClient(t, reg)
		s, err := c.GetSession(context.Background(), "abc")
		require.NoError(t, err)
		assert.Equal(t, "abc", s.ID)
		assert.Equal(t, []string{}, s.Channels, "channels never nil")
	})
	t.Run("Retry-After honoured", func(t *testing.T) {
		reg := &httpmock.Registry{}
		reg.Register("429", httpmock.REST("GET", "/api/session/abc"), httpmock.WithHeader(httpmock.StringResponse(429, "application/json", `{"message":"slow down"}`), "Retry-After", "2"))
		reg.Register("ok", httpmock.REST("GET", "/api/session/abc"), httpmock.JSONResponse(200, map[string]any{"id": "abc", "state": "Active"}))
		var waits []time.Duration
		c := newTestClient(t, reg, func(o *Options) {
			o.Sleep = func(_ context.Context, d time.Duration) error { waits = append(waits, d); return nil }
		})
		_, err := c.GetSession(context.Background(), "abc")
		require.NoError(t, err)
		assert.Equal(t, []time.Duration{2 * time.Second}, waits)
	})
	t.Run("at most 3 tries", func(t *testing.T) {
		reg := &httpmock.Registry{}
		for i := 0; i < 3; i++ {
			reg.Register("502", httpmock.REST("GET", "/api/session/abc"), httpmock.StringResponse(502, "", ""))
		}
		c := newTestClient(t, reg)
		_, err := c.GetSession(context.Background(), "abc")
		require.Error(t, err)
		assert.Equal(t, 3, len(reg.Requests))
	})
	t.Run("404 not retried", func(t *testing.T) {
		reg := &httpmock.Registry{}
		reg.Register("404", httpmock.REST("GET", "/api/session/abc"), httpmock.StringResponse(404, "application/json", `{"message":"no"}`))
		c := newTestClient(t, reg)
		_, err := c.GetSession(context.Background(), "abc")
		assert.True(t, IsNotFound(err))
		assert.Equal(t, 1, len(reg.Requests))
	})
	t.Run("POST never retried, even on 503", func(t *testing.T) {
		reg := &httpmock.Registry{}
		reg.Register("503", httpmock.REST("POST", "/api/session/terminate/abc"), httpmock.StringResponse(503, "application/json", `{"message":"busy"}`))
		c := newTestClient(t, reg)
		_, err := c.TerminateSession(context.Background(), "abc")
		require.Error(t, err)
		assert.Equal(t, 1, len(reg.Requests))
	})
	t.Run("POST connection reset is an unknown outcome", func(t *testing.T) {
		reg := &httpmock.Registry{}
		reg.Register("reset", httpmock.REST("POST", "/api/session/terminate/abc"), httpmock.ErrorResponse(errors.New("read: connection reset by peer")))
		c := newTestClient(t, reg)
		_, err := c.TerminateSession(context.Background(), "abc")
		assert.True(t, IsUnknownOutcome(err))
		assert.Equal(t, 1, len(reg.Requests))
	})
	t.Run("POST dial failure is a known outcome", func(t *testing.T) {
		reg := &httpmock.Registry{}
		reg.Register("refused", httpmock.REST("POST", "/api/session/terminate/abc"), httpmock.ErrorResponse(&net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connection refused")}))
		c := newTestClient(t, reg)
		_, err := c.TerminateSession(context.Background(), "abc")
		require.Error(t, err)
		assert.False(t, IsUnknownOutcome(err))
		assert.Contains(t, err.Error(), "cannot connect to pam.example.test:6443")
	})
	t.Run("unknown host is not retried", func(t *testing.T) {
		reg := &httpmock.Registry{}
		reg.Register("dns", httpmock.REST("GET", "/api/session/abc"), httpmock.ErrorResponse(&net.OpError{Op: "dial", Net: "tcp", Err: &net.DNSError{Err: "no such host", Name: "pam.example.test", IsNotFound: true}}))
		c := newTestClient(t, reg)
		_, err := c.GetSession(context.Background(), "abc")
		require.Error(t, err)
		assert.Contains(t, err.Error(), `cannot resolve host "pam.example.test"`)
		assert.Len(t, reg.Requests, 1)
	})
	t.Run("connection refused is retried", func(t *testing.T) {
		reg := &httpmock.Registry{}
		for i := 0; i < 3; i++ {
			reg.Register("refused", httpmock.REST("GET", "/api/session/abc"), httpmock.ErrorResponse(&net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connection refused")}))
		}
		c := newTestClient(t, reg)
		_, err := c.GetSession(context.Background(), "abc")
		require.Error(t, err)
		assert.Len(t, reg.Requests, 3)
	})
	t.Run("invalid ID sends nothing", func(t *testing.T) {
		reg := &httpmock.Registry{}
		c := newTestClient(t, reg)
		_, err := c.TerminateSession(context.Background(), "../../user/context")
		require.Error(t, err)
		assert.Empty(t, reg.Requests)
	})
}

func TestIDsArePathEscaped(t *testing.T) {
	reg := &httpmock.Registry{}
	reg.Register("get", func(r *http.Request) bool {
		return r.URL.EscapedPath() == "/ztna/acme/root/api/session/a:b@c"
	}, httpmock.JSONResponse(200, map[string]any{"id": "a:b@c", "state": "Active"}))
	c := newTestClient(t, reg)
	_, err := c.GetSession(context.Background(), "a:b@c")
	require.NoError(t, err)
}

func TestPagingInOrderWithConcurrency(t *testing.T) {
	const total = 1234
	var inflight, peak atomic.Int32
	// The pages after the first are held until three are in flight: the
	// client is seen using its concurrency, and an unbounded one would
	// have sent more than three by then.
	full := make(chan struct{})
	var fullOnce sync.Once
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := inflight.Add(1)
		defer inflight.Add(-1)
		for {
			p := peak.Load()
			if n <= p || peak.CompareAndSwap(p, n) {
				break
			}
		}
		if n >= 3 {
			fullOnce.Do(func() { close(full) })
		}
		if r.URL.Query().Get("offset") != "0" {
			select {
			case <-full:
			case <-r.Context().Done():
				return
			}
		}
		var off, lim int
		fmt.Sscan(r.URL.Query().Get("offset"), &off)
		fmt.Sscan(r.URL.Query().Get("limit"), &lim)
		lim = min(lim, 100) // the server clamps below what we ask
		items := []map[string]any{}
		for i := off; i < min(off+lim, total); i++ {
			items = append(items, map[string]any{"id": fmt.Sprintf("s%05d", i), "state": "Active"})
		}
		json.NewEncoder(w).Encode(map[string]any{"total": total, "offset": off, "limit": lim, "items": items})
	}))
	defer srv.Close()
	c, err := New(Options{Server: srv.URL + "/ztna/t/root", Token: testToken, Concurrency: 3})
	require.NoError(t, err)
	got, err := c.ListSessions(context.Background(), ListSessionsParams{State: StateActive})
	require.NoError(t, err)
	require.Len(t, got, total)
	for i, s := range got {
		require.Equal(t, fmt.Sprintf("s%05d", i), s.ID)
	}
	assert.Equal(t, int32(3), peak.Load(), "three pages at a time, not more")

	limited, err := c.ListSessions(context.Background(), ListSessionsParams{Limit: 250})
	require.NoError(t, err)
	assert.Len(t, limited, 250)
}

func TestPagingStopsOnError(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		if r.URL.Query().Get("offset") != "0" {
			w.WriteHeader(403)
			w.Write([]byte(`{"message":"nope"}`))
			return
		}
		items := make([]map[string]any, 500)
		for i := range items {
			items[i] = map[string]any{"id": fmt.Sprint(i), "state": "Active"}
		}
		json.NewEncoder(w).Encode(map[string]any{"total": 100000, "offset": 0, "limit": 500, "items": items})
	}))
	defer srv.Close()
	c, err := New(Options{Server: srv.URL + "/x", Token: testToken})
	require.NoError(t, err)
	_, err = c.ListSessions(context.Background(), ListSessionsParams{})
	assert.True(t, IsForbidden(err))
	assert.Less(t, calls.Load(), int32(20), "stops early instead of fetching 200 pages")
}

func TestDebugRedactsToken(t *testing.T) {
	reg := &httpmock.Registry{}
	reg.Register("ctx", httpmock.REST("GET", "/api/user/context"),
		httpmock.StringResponse(200, "application/json", `{"user":{"name":"jdoe"},"space":{"rid":"r"},"roles":["Administrator"],"echo":"`+testToken+`"}`))
	var dbg bytes.Buffer
	c := newTestClient(t, reg, func(o *Options) { o.Debug = &dbg })
	_, err := c.UserContext(context.Background())
	require.NoError(t, err)
	assert.Contains(t, dbg.String(), "GET https://pam.example.test:6443/ztna/acme/root/api/user/context")
	assert.Contains(t, dbg.String(), "Authorization: Bearer [REDACTED]")
	assert.Contains(t, dbg.String(), "HTTP 200")
	assert.NotContains(t, dbg.String(), testToken)
	assert.NotContains(t, dbg.String(), testToken[:12], "no fragment either")
}

func TestTimeoutNamesTheTimeout(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(2 * time.Second):
		}
	}))
	defer srv.Close()
	c, err := New(Options{Server: srv.URL + "/x", Token: testToken, Timeout: 50 * time.Millisecond, MaxTries: 2, BaseBackoff: time.Millisecond})
	require.NoError(t, err)
	start := time.Now()
	_, err = c.GetSession(context.Background(), "abc")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "no answer within the 50ms timeout, 2 tries (raise it with --timeout)", "each try had the timeout: the whole took longer")
	assert.Less(t, time.Since(start), time.Second)
}

func TestRedirectRefused(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "https://sso.example.test/login", http.StatusFound)
	}))
	defer srv.Close()
	var calls atomic.Int32
	c, err := New(Options{Server: srv.URL + "/x", Token: testToken, Transport: countingTransport{&calls}})
	require.NoError(t, err)
	_, err = c.UserContext(context.Background())
	require.Error(t, err)
	assert.Contains(t, err.Error(), "the server redirected to https://sso.example.test/login; check the server URL")
	assert.Equal(t, int32(1), calls.Load(), "a redirect is not retried, and not followed")
}

type countingTransport struct{ n *atomic.Int32 }

func (c countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	c.n.Add(1)
	return http.DefaultTransport.RoundTrip(r)
}

func TestPagingRefusesAbsurdTotals(t *testing.T) {
	reg := &httpmock.Registry{}
	reg.Register("page0", httpmock.REST("GET", "/api/session/list"), httpmock.JSONResponse(200, map[string]any{
		"total": 2_000_000_000, "offset": 0, "limit": 500, "items": []map[string]any{{"id": "a", "state": "Active"}},
	}))
	c := newTestClient(t, reg)
	_, err := c.ListSessions(context.Background(), ListSessionsParams{})
	var re *ResponseError
	require.ErrorAs(t, err, &re)
	assert.Contains(t, err.Error(), "reports 2000000000 matching items")
	assert.Len(t, reg.Requests, 1)
}

func TestBodyLimit(t *testing.T) {
	big := strings.Repeat("x", 2<<20)
	reg := &httpmock.Registry{}
	reg.Register("get", httpmock.REST("GET", "/api/session/abc"), httpmock.StringResponse(200, "application/json", `{"id":"abc","user":"`+big+`"}`))
	c := newTestClient(t, reg, func(o *Options) { o.MaxBodyBytes = 1 << 20 })
	_, err := c.GetSession(context.Background(), "abc")
	var re *ResponseError
	require.ErrorAs(t, err, &re)
	assert.Contains(t, err.Error(), "larger than 1 MiB")
}

func TestErrorsNeverCarryTheToken(t *testing.T) {
	echo := `{"message":"bearer ` + testToken + ` lacks permission"}`
	tests := []struct {
		name string
		resp httpmock.Responder
	}{
		{"403 echoing the token", httpmock.StringResponse(403, "application/json", echo)},
		{"plain 500 echoing the token", httpmock.StringResponse(500, "text/plain", "auth="+testToken)},
		{"2xx garbage echoing the token", httpmock.StringResponse(200, "application/json", `{"id": "`+testToken+`", "created": "nope"}`)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			reg := &httpmock.Registry{}
			reg.Register("post", httpmock.REST("POST", "/api/session/terminate/abc"), tt.resp)
			c := newTestClient(t, reg)
			_, err := c.TerminateSession(context.Background(), "abc")
			require.Error(t, err)
			assert.NotContains(t, err.Error(), testToken)
		})
	}
}

func TestTerminateOutcomeClassification(t *testing.T) {
	tests := []struct {
		name    string
		resp    httpmock.Responder
		unknown bool
	}{
		{"502 from a gateway", httpmock.StringResponse(502, "text/html", "<html>bad gateway</html>"), true},
		{"504", httpmock.StringResponse(504, "", ""), true},
		{"503", httpmock.StringResponse(503, "application/json", `{"message":"busy"}`), true},
		{"429", httpmock.StringResponse(429, "application/json", `{"message":"slow down"}`), true},
		{"2xx HTML page", httpmock.StringResponse(200, "text/html", "<html>login</html>"), true},
		{"2xx truncated", httpmock.StringResponse(200, "application/json", `{"id":"abc","sta`), true},
		{"500", httpmock.StringResponse(500, "application/json", `{"message":"boom"}`), false},
		{"403", httpmock.StringResponse(403, "application/json", `{"message":"no"}`), false},
		{"409", httpmock.StringResponse(409, "application/json", `{"message":"not active"}`), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			reg := &httpmock.Registry{}
			reg.Register("post", httpmock.REST("POST", "/api/session/terminate/abc"), tt.resp)
			c := newTestClient(t, reg)
			_, err := c.TerminateSession(context.Background(), "abc")
			require.Error(t, err)
			assert.Equal(t, tt.unknown, IsUnknownOutcome(err), "%v", err)
			assert.Len(t, reg.Requests, 1, "never resent by the client")
		})
	}
}

// TestPagingRefusesOddEnvelopes: an answer that is not the paging
// envelope, or pages that contradict it, is an error naming what came
// back, never "nothing matched" and never an endless loop.
func TestPagingRefusesOddEnvelopes(t *testing.T) {
	active := func(ids ...string) []map[string]any {
		out := []map[string]any{}
		for _, id := range ids {
			out = append(out, map[string]any{"id": id, "state": "Active"})
		}
		return out
	}
	tests := []struct {
		name string
		body any
		want string
	}{
		{"spring page", map[string]any{"content": active("a"), "totalElements": 1}, `has no "items" (its keys: "content", "totalElements")`},
		{"null", nil, "the list answer is null"},
		{"array", active("a"), "the list answer is an array"},
		{"gateway message", map[string]any{"message": "ok"}, `has no "items"`},
		{"items object", map[string]any{"total": 1, "items": map[string]any{"id": "a"}}, `"items" as an object`},
		{"no total", map[string]any{"items": active("a")}, `has no "total"`},
		{"total string", map[string]any{"total": "1", "items": active("a")}, `"total" as "1"`},
		{"empty items before total", map[string]any{"total": 3, "items": []any{}}, `an empty page although "total" is 3`},
		{"more items than total", map[string]any{"total": 1, "items": active("a", "b")}, `"total" is 1`},
		{"item without state", map[string]any{"total": 1, "items": []map[string]any{{"id": "a"}}}, `without "state"`},
		{"item without id", map[string]any{"total": 1, "items": []map[string]any{{"state": "Active"}}}, `a session without "id"`},
		{"repeated id", map[string]any{"total": 2, "items": active("a", "A")}, "listed a more than once"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			reg := &httpmock.Registry{}
			reg.Register("list", httpmock.REST("GET", "/api/session/list"), httpmock.JSONResponse(200, tt.body))
			c := newTestClient(t, reg)
			got, err := c.ListSessions(context.Background(), ListSessionsParams{State: StateActive})
			var re *ResponseError
			require.ErrorAs(t, err, &re, "got %d sessions", len(got))
			assert.Contains(t, err.Error(), tt.want)
			assert.Len(t, reg.Requests, 1)
		})
	}
}

// TestPagingRefusesOversizeAndRepeatedPages: a page longer than the limit
// asked, or a server that ignores offset, stops the listing.
func TestPagingRefusesOversizeAndRepeatedPages(t *testing.T) {
	for _, mode := range []string{"oversize", "repeat"} {
		t.Run(mode, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				var off, lim int
				fmt.Sscan(r.URL.Query().Get("offset"), &off)
				fmt.Sscan(r.URL.Query().Get("limit"), &lim)
				n := lim
				if mode == "oversize" {
					n = lim + 1
				}
				if mode == "repeat" {
					off = 0
				}
				items := []map[string]any{}
				for i := off; i < off+n; i++ {
					items = append(items, map[string]any{"id": fmt.Sprint(i), "state": "Active"})
				}
				json.NewEncoder(w).Encode(map[string]any{"total": 1200, "items": items})
			}))
			defer srv.Close()
			c, err := New(Options{Server: srv.URL + "/x", Token: testToken})
			require.NoError(t, err)
			_, err = c.ListSessions(context.Background(), ListSessionsParams{})
			var re *ResponseError
			require.ErrorAs(t, err, &re)
			if mode == "oversize" {
				assert.Contains(t, err.Error(), "a page of 501 items although the limit asked was 500")
			} else {
				assert.Contains(t, err.Error(), "more than once")
			}
		})
	}
}

// TestReadByIDChecksIdentity: an object read by ID must carry that ID.
func TestReadByIDChecksIdentity(t *testing.T) {
	reg := &httpmock.Registry{}
	reg.Register("other", httpmock.REST("GET", "/api/session/abc"), httpmock.JSONResponse(200, map[string]any{"id": "xyz", "state": "Active"}))
	reg.Register("case", httpmock.REST("GET", "/api/session/def"), httpmock.JSONResponse(200, map[string]any{"id": "DEF", "state": "Active"}))
	reg.Register("asset", httpmock.REST("GET", "/api/asset/a1"), httpmock.JSONResponse(200, map[string]any{"id": "a2", "name": "other"}))
	c := newTestClient(t, reg)
	_, err := c.GetSession(context.Background(), "abc")
	var re *ResponseError
	require.ErrorAs(t, err, &re)
	assert.Contains(t, err.Error(), `asked for session abc, the server answered with session "xyz"`)
	s, err := c.GetSession(context.Background(), "def")
	require.NoError(t, err, "IDs compare case-insensitively")
	assert.Equal(t, "DEF", s.ID)
	_, err = c.GetAsset(context.Background(), "a1")
	require.ErrorAs(t, err, &re)
	assert.Contains(t, err.Error(), "asked for asset a1")
}

// TestRedactsEveryEncoding: the token echoed in any spelling never
// reaches an error message, a raw body or the debug log.
func TestRedactsEveryEncoding(t *testing.T) {
	const tok = "ab/c+d=e"
	forms := []string{tok, `ab\/c\u002bd\u003de`, "ab%2Fc%2Bd%3De", "ab%2fc%2bd%3de", "YWIvYytkPWU="}
	for _, f := range forms {
		var debug strings.Builder
		reg := &httpmock.Registry{}
		reg.Register("echo", httpmock.REST("GET", "/api/session/abc"), httpmock.StringResponse(400, "application/json", `{"message":"bad token `+f+`"}`))
		reg.Register("raw", httpmock.REST("GET", "/api/user/context"), httpmock.StringResponse(200, "application/json", `{"echo":"`+f+`"}`))
		c, err := New(Options{Server: "https://pam.example.test:6443/ztna/acme/root", Token: tok, Transport: reg, Debug: &debug, Sleep: func(context.Context, time.Duration) error { return nil }})
		require.NoError(t, err)
		_, err = c.GetSession(context.Background(), "abc")
		require.Error(t, err)
		raw, rerr := c.Raw(context.Background(), "GET", "/api/user/context", nil)
		require.NoError(t, rerr)
		for _, s := range []string{err.Error(), string(raw), debug.String()} {
			for _, leak := range forms {
				assert.NotContains(t, s, leak, "form %q", f)
			}
			assert.Contains(t, s, "[REDACTED]")
		}
	}
}

// TestRetryAfterBeyondCapFailsAtOnce: a Retry-After of an hour is not sat
// through in silence; the error names when to retry.
func TestRetryAfterBeyondCapFailsAtOnce(t *testing.T) {
	reg := &httpmock.Registry{}
	reg.Register("429", httpmock.REST("GET", "/api/session/abc"), httpmock.WithHeader(httpmock.StringResponse(429, "application/json", `{"message":"slow down"}`), "Retry-After", "3600"))
	var waits []time.Duration
	c := newTestClient(t, reg, func(o *Options) {
		o.Sleep = func(_ context.Context, d time.Duration) error { waits = append(waits, d); return nil }
	})
	_, err := c.GetSession(context.Background(), "abc")
	var rl *RetryLaterError
	require.ErrorAs(t, err, &rl)
	assert.Contains(t, err.Error(), "retry after 1h0m0s")
	assert.Empty(t, waits)
	assert.Len(t, reg.Requests, 1)
}

// TestRedactsSuccessfulAnswers: a token in a 2xx answer's data (an event
// message, a user name) is redacted before any command sees it.
func TestRedactsSuccessfulAnswers(t *testing.T) {
	const tok = "s3cr3t-t0ken-abcdef"
	reg := &httpmock.Registry{}
	reg.Register("events", httpmock.REST("GET", "/api/event/list"), httpmock.StringResponse(200, "application/json",
		`{"total":1,"items":[{"id":"e1","event":"Terminate Session","message":"via API token `+tok+` and s3cr3t%2Dt0ken"}]}`))
	c, err := New(Options{Server: "https://pam.example.test:6443/ztna/acme/root", Token: tok, Transport: reg})
	require.NoError(t, err)
	evs, err := c.ListEvents(context.Background(), ListEventsParams{})
	require.NoError(t, err)
	require.Len(t, evs, 1)
	assert.NotContains(t, evs[0].Message, tok)
	assert.Contains(t, evs[0].Message, "[REDACTED]")
}

// TestPagingRefusesShortMiddlePage: a page shorter than asked while its own
// total says more follow would lose sessions without a word.
func TestPagingRefusesShortMiddlePage(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var off int
		fmt.Sscan(r.URL.Query().Get("offset"), &off)
		n := 5
		if off > 0 {
			n = 1
		}
		items := []map[string]any{}
		for i := off; i < off+n; i++ {
			items = append(items, map[string]any{"id": fmt.Sprint(i), "state": "Active"})
		}
		json.NewEncoder(w).Encode(map[string]any{"total": 10, "items": items})
	}))
	defer srv.Close()
	c, err := New(Options{Server: srv.URL + "/x", Token: testToken, PageSize: 5})
	require.NoError(t, err)
	_, err = c.ListSessions(context.Background(), ListSessionsParams{})
	var re *ResponseError
	require.ErrorAs(t, err, &re)
	assert.Contains(t, err.Error(), `a page of 1 item at offset 5 although 5 were asked and "total" is 10`)
}
