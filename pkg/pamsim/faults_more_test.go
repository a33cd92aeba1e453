package pamsim

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestFaultIgnoreFilter(t *testing.T) {
	s := startSim(t, Options{})
	all := s.do(t, "GET", "/api/session/list", "admin").ids(t)
	require.Len(t, all, fixtureSessions)

	s.srv.AddFault(Fault{Path: "/api/session/list", Kind: FaultIgnoreFilter, Times: 1})
	r := s.do(t, "GET", "/api/session/list?user=bwilliams&state=Active", "admin")
	require.Equal(t, 200, r.status)
	assert.Equal(t, all, r.ids(t), "user and state are ignored: everyone's sessions")
	assert.Equal(t, fixtureSessions, *r.envelope(t).Total)
	assert.Equal(t, "user=bwilliams&state=Active", s.srv.Requests()[1].Query, "the log holds the query sent")

	s.srv.AddFault(Fault{Path: "/api/session/list", Kind: FaultIgnoreFilter, Param: "user", Times: 1})
	r = s.do(t, "GET", "/api/session/list?user=bwilliams&state=Completed", "admin")
	assert.Equal(t, sids(5, 10), r.ids(t), "only user is ignored; state still filters")

	s.srv.AddFault(Fault{Path: "/api/session/list", Kind: FaultIgnoreFilter, Param: "asset"})
	r = s.do(t, "GET", "/api/session/list?asset="+aid(1)+"&offset=3&limit=3", "admin")
	env := r.envelope(t)
	assert.Equal(t, fixtureSessions, *env.Total, "paging is that of the unfiltered list")
	assert.Equal(t, all[3:6], r.ids(t))
	assert.Equal(t, 3, env.Offset)

	s.srv.ClearFaults()
	s.srv.AddFault(Fault{Path: "/api/asset/list", Kind: FaultIgnoreFilter, Param: "name", Times: 1})
	r = s.do(t, "GET", "/api/asset/list?name=web-01&parent="+spaceRID, "admin")
	assert.Equal(t, 14, *r.envelope(t).Total, "name ignored; parent kept")

	assert.Equal(t, []string{sid(3)}, s.do(t, "GET", "/api/session/list?user=bwilliams&channel=RDP", "admin").ids(t), "faults cleared: filters work")
}

func TestFaultWrongBody(t *testing.T) {
	s := startSim(t, Options{})
	s.srv.AddFault(Fault{Path: "/api/session/", Method: "GET", Kind: FaultWrongBody})
	r := s.do(t, "GET", "/api/session/"+sid(1), "admin")
	require.Equal(t, 200, r.status)
	m := r.object(t)
	assert.NotEqual(t, sid(1), m["id"], "another session's body")
	assert.Equal(t, "Active", m["state"], "in the same state")
	other, ok := s.srv.Session(m["id"].(string))
	require.True(t, ok, "an existing session")
	assert.Equal(t, other.User, m["user"])

	r = s.do(t, "GET", "/api/session/"+sid(5), "admin")
	assert.Equal(t, "Completed", r.object(t)["state"])
	assert.NotEqual(t, sid(5), r.object(t)["id"])
	assert.Equal(t, 404, s.do(t, "GET", "/api/session/nope", "admin").status, "errors stay errors")

	s.srv.AddFault(Fault{Method: "POST", Path: "/api/session/terminate/", Kind: FaultWrongBody, Times: 1})
	r = s.do(t, "POST", "/api/session/terminate/"+sid(3), "admin")
	require.Equal(t, 200, r.status)
	assert.NotEqual(t, sid(3), r.object(t)["id"], "a terminate answered with another session")
	assert.Equal(t, "Completed", r.object(t)["state"])
	sess, _ := s.srv.Session(sid(3))
	assert.Equal(t, StateCompleted, sess.State, "the terminate itself was applied")

	s.srv.AddFault(Fault{Path: "/api/asset/", Kind: FaultWrongBody, Times: 1})
	r = s.do(t, "GET", "/api/asset/"+aid(7), "admin")
	require.Equal(t, 200, r.status)
	assert.NotEqual(t, aid(7), r.object(t)["id"])
	assert.Contains(t, r.object(t), "parentId")
}

func TestFaultEnvelope(t *testing.T) {
	for _, tc := range []struct {
		shape string
		want  func(page body) string
	}{
		{"content", func(b body) string {
			items, _ := json.Marshal(b.Items)
			return `{"content":` + string(items) + `,"totalElements":4}`
		}},
		{"empty-items", func(body) string { return `{"total":4,"offset":0,"limit":2,"items":[]}` }},
		{"message", func(body) string { return `{"message":"ok"}` }},
		{"null", func(body) string { return `null` }},
		{"no-total", func(b body) string {
			items, _ := json.Marshal(b.Items)
			return `{"offset":0,"limit":2,"items":` + string(items) + `}`
		}},
		{"items-object", func(b body) string {
			return `{"total":4,"offset":0,"limit":2,"items":{"0":` + string(b.Items[0]) + `,"1":` + string(b.Items[1]) + `}}`
		}},
		{"total-string", func(b body) string {
			items, _ := json.Marshal(b.Items)
			return `{"total":"4","offset":0,"limit":2,"items":` + string(items) + `}`
		}},
	} {
		t.Run(tc.shape, func(t *testing.T) {
			s := startSim(t, Options{})
			path := "/api/session/list?user=bwilliams&state=Active&limit=2"
			page := s.do(t, "GET", path, "admin").envelope(t)
			require.Equal(t, 4, *page.Total)
			s.srv.AddFault(Fault{Path: "/api/session/list", Kind: FaultEnvelope, Shape: tc.shape, Times: 1})
			r := s.do(t, "GET", path, "admin")
			require.Equal(t, 200, r.status)
			assert.Equal(t, "application/json", r.header.Get("Content-Type"))
			assert.JSONEq(t, tc.want(page), string(r.body))
		})
	}
	t.Run("errors pass through", func(t *testing.T) {
		s := startSim(t, Options{})
		s.srv.AddFault(Fault{Kind: FaultEnvelope, Shape: "null"})
		assert.Equal(t, 403, s.do(t, "GET", "/api/session/list", "viewer").status)
	})
}

func TestFaultPaging(t *testing.T) {
	t.Run("oversize-page holds more than the limit", func(t *testing.T) {
		s := startSim(t, Options{})
		all := s.do(t, "GET", "/api/session/list", "admin").ids(t)
		s.srv.AddFault(Fault{Path: "/api/session/list", Kind: FaultOversizePage})
		r := s.do(t, "GET", "/api/session/list?offset=2&limit=3", "admin")
		env := r.envelope(t)
		assert.Equal(t, 3, env.Limit)
		assert.Equal(t, 2, env.Offset)
		assert.Equal(t, fixtureSessions, *env.Total)
		assert.Equal(t, all[2:8], r.ids(t), "six items on a page of three")
	})
	t.Run("repeat-page answers the first page at every offset", func(t *testing.T) {
		s := startSim(t, Options{})
		first := s.do(t, "GET", "/api/session/list?limit=4", "admin").ids(t)
		s.srv.AddFault(Fault{Path: "/api/session/list", Kind: FaultRepeatPage})
		for _, off := range []int{0, 4, 8} {
			r := s.do(t, "GET", "/api/session/list?limit=4&offset="+strconv.Itoa(off), "admin")
			assert.Equal(t, first, r.ids(t))
			assert.Equal(t, off, r.envelope(t).Offset, "the offset asked is echoed")
			assert.Equal(t, fixtureSessions, *r.envelope(t).Total)
		}
	})
	t.Run("endless pages never run out and never repeat", func(t *testing.T) {
		s := startSim(t, Options{})
		s.srv.AddFault(Fault{Path: "/api/", Kind: FaultEndless})
		seen := map[string]bool{}
		for _, off := range []int{0, 500, 1000, 1_000_000} {
			r := s.do(t, "GET", "/api/session/list?limit=500&offset="+strconv.Itoa(off), "admin")
			require.Equal(t, 200, r.status)
			env := r.envelope(t)
			assert.Nil(t, env.Total, "no total")
			require.Len(t, env.Items, 500, "always a full page")
			for _, id := range r.ids(t) {
				assert.False(t, seen[id], "unique: %s", id)
				seen[id] = true
			}
			var first map[string]any
			require.NoError(t, json.Unmarshal(env.Items[0], &first))
			for _, k := range []string{"id", "assetId", "assetName", "user", "created", "updated", "completed", "state", "channels"} {
				assert.Contains(t, first, k)
			}
		}
		r := s.do(t, "GET", "/api/asset/list?parent="+spaceRID, "admin")
		assert.Len(t, r.envelope(t).Items, 100, "the default limit")
		assert.Len(t, s.do(t, "GET", "/api/event/list?limit=7", "admin").envelope(t).Items, 7)
		assert.Equal(t, 403, s.do(t, "GET", "/api/session/list", "viewer").status, "permissions still hold")
		assert.Equal(t, sid(1), s.do(t, "GET", "/api/session/"+sid(1), "admin").object(t)["id"], "other answers are real")
		s.srv.mu.Lock()
		assert.Len(t, s.srv.sessions, fixtureSessions, "nothing stored")
		s.srv.mu.Unlock()
	})
}

func TestFaultEchoToken(t *testing.T) {
	s := startSim(t, Options{})
	tok := s.tokens["admin"]
	require.Contains(t, tok, "/")
	require.Contains(t, tok, "+")
	require.True(t, strings.HasSuffix(tok, "="))

	s.srv.AddFault(Fault{Kind: FaultEchoToken, Times: 1})
	r := s.do(t, "GET", "/api/session/list", "admin")
	assert.Equal(t, 400, r.status)
	assert.Contains(t, string(r.body), tok, "raw: the token's bytes")

	s.srv.AddFault(Fault{Kind: FaultEchoToken, Mode: "json", Status: 401, Times: 1})
	r = s.do(t, "GET", "/api/session/list", "admin")
	assert.Equal(t, 401, r.status)
	assert.NotContains(t, string(r.body), tok, "json: the raw bytes differ")
	assert.Contains(t, string(r.body), `\/`)
	assert.Contains(t, string(r.body), `\u002b`)
	var m struct{ Message string }
	r.decode(t, &m)
	assert.Contains(t, m.Message, tok, "and decode to the token")

	s.srv.AddFault(Fault{Kind: FaultEchoToken, Mode: "url", Times: 1})
	r = s.do(t, "GET", "/api/session/list", "admin")
	assert.NotContains(t, string(r.body), tok)
	assert.Contains(t, string(r.body), url.QueryEscape(tok))
	for _, esc := range []string{"%2F", "%2B", "%3D"} {
		assert.Contains(t, string(r.body), esc)
	}

	s.srv.AddFault(Fault{Method: "POST", Kind: FaultEchoToken, Mode: "location", Times: 1})
	noFollow := &http.Client{Transport: s.client.Transport, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	req, _ := http.NewRequest("POST", s.url+"/api/session/terminate/"+sid(1), nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := noFollow.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, 302, resp.StatusCode)
	loc, err := url.Parse(resp.Header.Get("Location"))
	require.NoError(t, err)
	assert.Equal(t, tok, loc.Query().Get("token"))
	assert.NotContains(t, resp.Header.Get("Location"), tok)
	sess, _ := s.srv.Session(sid(1))
	assert.Equal(t, StateActive, sess.State, "echo-token never applies")
}

func TestFaultApplyLate(t *testing.T) {
	s := startSim(t, Options{})
	s.srv.AddFault(Fault{Method: "POST", Path: "/api/session/terminate/", Kind: FaultApplyLate, Delay: 100 * time.Millisecond, Times: 1})
	r := s.do(t, "POST", "/api/session/terminate/"+sid(1), "admin")
	require.Error(t, r.err, "no answer")
	sess, _ := s.srv.Session(sid(1))
	assert.Equal(t, StateActive, sess.State, "not applied yet")
	assert.Equal(t, 0, s.srv.Requests()[0].Status)
	require.Eventually(t, func() bool {
		sess, _ := s.srv.Session(sid(1))
		return sess.State == StateCompleted
	}, 5*time.Second, 10*time.Millisecond, "applied later")
	assert.Equal(t, "admin", s.srv.Events()[0].User)
	assert.Len(t, s.srv.Requests(), 1, "the late apply is the same request, logged once")
}

func TestFaultRenameField(t *testing.T) {
	s := startSim(t, Options{})
	s.srv.AddFault(Fault{Path: "/api/session/", Kind: FaultRenameField, From: "state", To: "status"})
	r := s.do(t, "GET", "/api/session/list?limit=2", "admin")
	require.Equal(t, 200, r.status)
	for _, it := range r.envelope(t).Items {
		assert.Contains(t, string(it), `"status":"`)
		assert.NotContains(t, string(it), `"state"`)
		assert.True(t, strings.HasPrefix(string(it), `{"id":`), "field order kept: %s", it)
	}
	one := s.do(t, "GET", "/api/session/"+sid(1), "admin")
	assert.JSONEq(t, `{"id":"`+sid(1)+`","assetId":"`+aid(1)+`","assetName":"db-prod-01","user":"bwilliams",
		"created":"2026-11-26T09:34:00Z","updated":"2026-11-26T09:59:00Z","completed":null,"status":"Active","channels":["SSH"]}`, string(one.body))
	assert.Equal(t, 404, s.do(t, "GET", "/api/session/nope", "admin").status)
	assert.JSONEq(t, `{"message":"session nope not found"}`, string(s.do(t, "GET", "/api/session/nope", "admin").body), "errors untouched")

	s.srv.AddFault(Fault{Path: "/api/event/", Kind: FaultRenameField, From: "sessionId", To: "session_id", Times: 1})
	ev := s.do(t, "GET", "/api/event/list?event=Start%20Session&limit=1", "admin")
	assert.Contains(t, string(ev.body), `"session_id":"`)
	assert.NotContains(t, string(ev.body), `"sessionId"`)
}

func TestFaultRetryAfterOnPost(t *testing.T) {
	for _, tc := range []struct {
		name  string
		fault Fault
		code  int
		check func(t *testing.T, h http.Header)
	}{
		{"503 with Retry-After seconds", Fault{Kind: FaultStatus, Status: 503, RetryAfter: 9}, 503, func(t *testing.T, h http.Header) {
			assert.Equal(t, "9", h.Get("Retry-After"))
		}},
		{"429 with Retry-After seconds", Fault{Kind: FaultTooManyRequests, RetryAfter: 4}, 429, func(t *testing.T, h http.Header) {
			assert.Equal(t, "4", h.Get("Retry-After"))
		}},
		{"503 with Retry-After as an HTTP-date", Fault{Kind: FaultStatus, RetryAfterDate: 30}, 503, func(t *testing.T, h http.Header) {
			assert.Equal(t, "Thu, 26 Nov 2026 10:00:30 GMT", h.Get("Retry-After"))
			at, err := http.ParseTime(h.Get("Retry-After"))
			require.NoError(t, err)
			assert.Equal(t, testNow.Add(30*time.Second), at)
		}},
		{"429 with Retry-After as an HTTP-date", Fault{Kind: FaultTooManyRequests, RetryAfterDate: 120}, 429, func(t *testing.T, h http.Header) {
			assert.Equal(t, "Thu, 26 Nov 2026 10:02:00 GMT", h.Get("Retry-After"))
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := startSim(t, Options{})
			tc.fault.Method, tc.fault.Path, tc.fault.Times = "POST", "/api/session/terminate/", 1
			s.srv.AddFault(tc.fault)
			r := s.do(t, "POST", "/api/session/terminate/"+sid(1), "admin")
			require.NoError(t, r.err)
			assert.Equal(t, tc.code, r.status)
			tc.check(t, r.header)
			sess, _ := s.srv.Session(sid(1))
			assert.Equal(t, StateActive, sess.State, "not applied: safe to retry")
			assert.NotEqual(t, "Terminate Session", s.srv.Events()[0].Event, "no event recorded")
			assert.Equal(t, 200, s.do(t, "POST", "/api/session/terminate/"+sid(1), "admin").status, "the retry goes through")
		})
	}
}

func TestFaultValidate(t *testing.T) {
	for _, f := range []Fault{
		{Kind: FaultKind(99)},
		{Kind: FaultEnvelope},
		{Kind: FaultEnvelope, Shape: "weird"},
		{Kind: FaultEchoToken, Mode: "rot13"},
		{Kind: FaultIgnoreFilter, Param: "offset"},
		{Kind: FaultRenameField, From: "state"},
		{Kind: FaultRenameField, From: "state", To: "state"},
		{Kind: FaultStatus, Status: 42},
		{Kind: FaultDelay, Delay: -time.Second},
	} {
		assert.Error(t, f.Validate(), "%+v", f)
	}
	for _, f := range []Fault{
		{Kind: FaultStatus}, {Kind: FaultEnvelope, Shape: "null"}, {Kind: FaultEchoToken}, {Kind: FaultIgnoreFilter},
		{Kind: FaultIgnoreFilter, Param: "channel"}, {Kind: FaultRenameField, From: "state", To: "status"},
	} {
		assert.NoError(t, f.Validate(), "%+v", f)
	}
	s := startSim(t, Options{})
	s.srv.AddFault(Fault{Kind: FaultEnvelope, Shape: "weird", Times: 1})
	r := s.do(t, "GET", "/api/session/list", "admin")
	assert.Equal(t, 500, r.status)
	assert.Contains(t, string(r.body), "bad simulated fault")
}

func TestHostileSpellingsDifferFromToken(t *testing.T) {
	tok := "pK7+q/Zr9TxWm2Lb8Vn4Hc1Rf6Jd0Ys3Ge5Ua="
	for _, m := range HostileEchoModes {
		sp := hostileSpelling(m, tok)
		assert.NotContains(t, sp, tok, m)
		assert.NoError(t, Fault{Kind: FaultEchoField, Mode: m}.Validate(), m)
	}
}
