package pamsim

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestFaultKinds(t *testing.T) {
	list := "/api/session/list"
	cases := []struct {
		name  string
		fault Fault
		check func(t *testing.T, s *sim, r result)
	}{
		{name: "status answers the code with a JSON message and Retry-After", fault: Fault{Kind: FaultStatus, Status: 502, RetryAfter: 7},
			check: func(t *testing.T, s *sim, r result) {
				assert.Equal(t, 502, r.status)
				assert.Equal(t, "7", r.header.Get("Retry-After"))
				assert.JSONEq(t, `{"message":"simulated 502"}`, string(r.body))
			}},
		{name: "status defaults to 503", fault: Fault{Kind: FaultStatus},
			check: func(t *testing.T, s *sim, r result) {
				assert.Equal(t, 503, r.status)
				assert.Empty(t, r.header.Get("Retry-After"))
			}},
		{name: "too-many-requests is 429 with Retry-After", fault: Fault{Kind: FaultTooManyRequests, RetryAfter: 3},
			check: func(t *testing.T, s *sim, r result) {
				assert.Equal(t, 429, r.status)
				assert.Equal(t, "3", r.header.Get("Retry-After"))
				assert.JSONEq(t, `{"message":"simulated 429"}`, string(r.body))
			}},
		{name: "html is a 200 SSO login page", fault: Fault{Kind: FaultHTML},
			check: func(t *testing.T, s *sim, r result) {
				assert.Equal(t, 200, r.status)
				assert.Equal(t, "text/html; charset=utf-8", r.header.Get("Content-Type"))
				assert.True(t, strings.HasPrefix(string(r.body), "<!DOCTYPE html><html>"))
				assert.Contains(t, string(r.body), "Sign in")
			}},
		{name: "truncated is the real JSON body cut in half", fault: Fault{Kind: FaultTruncated},
			check: func(t *testing.T, s *sim, r result) {
				full := s.do(t, "GET", list, "admin")
				assert.Equal(t, 200, r.status)
				assert.Equal(t, "application/json", r.header.Get("Content-Type"))
				assert.Equal(t, full.body[:len(full.body)/2], r.body)
				assert.False(t, json.Valid(r.body))
			}},
		{name: "drop closes the connection without an answer", fault: Fault{Kind: FaultDrop},
			check: func(t *testing.T, s *sim, r result) {
				assert.Error(t, r.err)
			}},
		{name: "empty is a 502 without a body", fault: Fault{Kind: FaultEmpty},
			check: func(t *testing.T, s *sim, r result) {
				assert.Equal(t, 502, r.status)
				assert.Empty(t, r.body)
			}},
		{name: "delay answers normally, late", fault: Fault{Kind: FaultDelay, Delay: 150 * time.Millisecond},
			check: func(t *testing.T, s *sim, r result) {
				assert.Equal(t, 200, r.status)
				assert.Equal(t, fixtureSessions, *r.envelope(t).Total)
			}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := startSim(t, Options{})
			tc.fault.Times = 1
			s.srv.AddFault(tc.fault)
			began := time.Now()
			r := s.do(t, "GET", list, "admin")
			if tc.fault.Kind == FaultDelay {
				assert.GreaterOrEqual(t, time.Since(began), tc.fault.Delay)
			}
			tc.check(t, s, r)
			log := s.srv.Requests()
			require.NotEmpty(t, log)
			if tc.fault.Kind == FaultDrop {
				assert.Equal(t, 0, log[0].Status, "a dropped request is logged with status 0")
			} else {
				assert.Equal(t, r.status, log[0].Status, "the log holds the status actually sent")
			}
			after := s.do(t, "GET", list, "admin")
			assert.Equal(t, 200, after.status, "Times: 1 affects one request")
		})
	}
}

func TestFaultDropBeforeAndAfterApply(t *testing.T) {
	t.Run("drop does not apply the terminate", func(t *testing.T) {
		s := startSim(t, Options{})
		s.srv.AddFault(Fault{Method: "POST", Path: "/api/session/terminate/", Kind: FaultDrop, Times: 1})
		r := s.do(t, "POST", "/api/session/terminate/"+sid(1), "admin")
		require.Error(t, r.err)
		sess, _ := s.srv.Session(sid(1))
		assert.Equal(t, StateActive, sess.State)
		assert.Equal(t, []Request{{Time: testNow, Method: "POST", Path: "/api/session/terminate/" + sid(1), Status: 0, User: "admin"}}, s.srv.Requests())
	})
	t.Run("drop-after-apply terminates, then drops", func(t *testing.T) {
		s := startSim(t, Options{})
		s.srv.AddFault(Fault{Method: "POST", Path: "/api/session/terminate/", Kind: FaultDropAfterApply, Times: 1})
		r := s.do(t, "POST", "/api/session/terminate/"+sid(1), "admin")
		require.Error(t, r.err)
		sess, _ := s.srv.Session(sid(1))
		assert.Equal(t, StateCompleted, sess.State)
		assert.Equal(t, "Terminate Session", s.srv.Events()[0].Event)
		assert.Equal(t, 0, s.srv.Requests()[0].Status)
		// A retry now meets the already-terminated session.
		assert.Equal(t, 409, s.do(t, "POST", "/api/session/terminate/"+sid(1), "admin").status)
	})
	t.Run("a delayed request the client abandons is not applied", func(t *testing.T) {
		s := startSim(t, Options{})
		s.srv.AddFault(Fault{Kind: FaultDelay, Delay: time.Minute})
		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		defer cancel()
		req, _ := http.NewRequestWithContext(ctx, "POST", s.url+"/api/session/terminate/"+sid(1), nil)
		req.Header.Set("Authorization", "Bearer "+s.tokens["admin"])
		_, err := s.client.Do(req)
		require.Error(t, err)
		require.Eventually(t, func() bool { return len(s.srv.Requests()) == 1 }, 5*time.Second, 10*time.Millisecond)
		assert.Equal(t, 0, s.srv.Requests()[0].Status)
		sess, _ := s.srv.Session(sid(1))
		assert.Equal(t, StateActive, sess.State)
	})
}

func TestFaultMatching(t *testing.T) {
	s := startSim(t, Options{})
	s.srv.AddFault(Fault{Method: "POST", Path: "/api/session/terminate/", Kind: FaultStatus, Status: 504, Times: 2})
	s.srv.AddFault(Fault{Path: "/api/event/", Kind: FaultStatus, Status: 500})

	assert.Equal(t, 200, s.do(t, "GET", "/api/session/list", "admin").status, "another path is not affected")
	assert.Equal(t, 405, s.do(t, "GET", "/api/session/terminate/"+sid(1), "admin").status, "another method is not affected")
	assert.Equal(t, 504, s.do(t, "POST", "/api/session/terminate/"+sid(1), "admin").status)
	assert.Equal(t, 504, s.do(t, "POST", "/api/session/terminate/"+sid(2), "admin").status)
	assert.Equal(t, 200, s.do(t, "POST", "/api/session/terminate/"+sid(1), "admin").status, "Times: 2 is used up")
	for range 3 {
		assert.Equal(t, 500, s.do(t, "GET", "/api/event/list", "admin").status, "Times: 0 is every request")
	}
	s.srv.ClearFaults()
	assert.Equal(t, 200, s.do(t, "GET", "/api/event/list", "admin").status)
}

func TestFaultRateAndLatency(t *testing.T) {
	t.Run("FaultRate 1 fails every request", func(t *testing.T) {
		s := startSim(t, Options{FaultRate: 1})
		r := s.do(t, "GET", "/api/user/context", "admin")
		assert.Equal(t, 503, r.status)
		assert.JSONEq(t, `{"message":"simulated fault"}`, string(r.body))
	})
	t.Run("FaultRate 0.5 fails some", func(t *testing.T) {
		s := startSim(t, Options{FaultRate: 0.5, Seed: 7})
		counts := map[int]int{}
		for range 60 {
			counts[s.do(t, "GET", "/api/user/context", "admin").status]++
		}
		assert.Equal(t, 60, counts[200]+counts[503])
		assert.Greater(t, counts[200], 10)
		assert.Greater(t, counts[503], 10)
	})
	t.Run("faults added with AddFault come first", func(t *testing.T) {
		s := startSim(t, Options{FaultRate: 1})
		s.srv.AddFault(Fault{Kind: FaultTooManyRequests, Times: 1})
		assert.Equal(t, 429, s.do(t, "GET", "/api/user/context", "admin").status)
		assert.Equal(t, 503, s.do(t, "GET", "/api/user/context", "admin").status)
	})
	t.Run("Latency delays every API request", func(t *testing.T) {
		s := startSim(t, Options{Latency: 80 * time.Millisecond})
		began := time.Now()
		assert.Equal(t, 200, s.do(t, "GET", "/api/user/context", "admin").status)
		assert.GreaterOrEqual(t, time.Since(began), 80*time.Millisecond)
	})
}

func TestRequestLog(t *testing.T) {
	s := startSim(t, Options{})
	s.do(t, "GET", "/api/session/list?state=Active&limit=5", "auditor")
	s.do(t, "GET", "/api/user/context", "none")
	s.do(t, "POST", "/api/session/terminate/"+sid(1), "viewer")
	s.do(t, "POST", "/api/session/terminate/"+sid(1), "admin")
	resp, err := s.client.Get(strings.TrimSuffix(s.url, s.srv.BasePath()) + "/_pamsim/requests")
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, 200, resp.StatusCode, "admin endpoints are not logged")

	assert.Equal(t, []Request{
		{Time: testNow, Method: "GET", Path: "/api/session/list", Query: "state=Active&limit=5", Status: 200, User: "auditor"},
		{Time: testNow, Method: "GET", Path: "/api/user/context", Status: 401, User: ""},
		{Time: testNow, Method: "POST", Path: "/api/session/terminate/" + sid(1), Status: 403, User: "viewer"},
		{Time: testNow, Method: "POST", Path: "/api/session/terminate/" + sid(1), Status: 200, User: "admin"},
	}, s.srv.Requests())
	assert.Equal(t, 2, s.srv.CountRequests("POST", "/api/session/terminate/"))
	assert.Equal(t, 2, s.srv.CountRequests("post", "/api/session/terminate/"+sid(1)))
	assert.Equal(t, 0, s.srv.CountRequests("GET", "/api/session/terminate/"))
	assert.Equal(t, 4, s.srv.CountRequests("", ""))
	assert.Equal(t, 1, s.srv.CountRequests("", "/api/session/list"))

	s.srv.ResetRequests()
	assert.Empty(t, s.srv.Requests())
	assert.Equal(t, 0, s.srv.CountRequests("", ""))
}

func TestAdminEndpoints(t *testing.T) {
	s := startSim(t, Options{})
	root := strings.TrimSuffix(s.url, s.srv.BasePath())
	send := func(method, path, body string) (int, []byte) {
		t.Helper()
		req, err := http.NewRequest(method, root+path, strings.NewReader(body))
		require.NoError(t, err)
		resp, err := s.client.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		var b bytes.Buffer
		_, _ = b.ReadFrom(resp.Body)
		return resp.StatusCode, b.Bytes()
	}

	code, _ := send("POST", "/_pamsim/faults", `{"method":"GET","path":"/api/session/list","kind":"too-many-requests","retryAfter":3,"times":1}`)
	require.Equal(t, 204, code)
	r := s.do(t, "GET", "/api/session/list", "admin")
	assert.Equal(t, 429, r.status)
	assert.Equal(t, "3", r.header.Get("Retry-After"))
	assert.Equal(t, 200, s.do(t, "GET", "/api/session/list", "admin").status)

	code, _ = send("POST", "/_pamsim/faults", `{"kind":"delay","delay":"120ms"}`)
	require.Equal(t, 204, code)
	began := time.Now()
	assert.Equal(t, 200, s.do(t, "GET", "/api/user/context", "admin").status)
	assert.GreaterOrEqual(t, time.Since(began), 120*time.Millisecond)
	code, _ = send("DELETE", "/_pamsim/faults", "")
	require.Equal(t, 204, code)

	code, b := send("POST", "/_pamsim/faults", `{"kind":"explode"}`)
	assert.Equal(t, 400, code)
	assert.Contains(t, string(b), "unknown fault kind")
	code, _ = send("POST", "/_pamsim/faults", `{"kind":"delay","delay":"soon"}`)
	assert.Equal(t, 400, code)
	code, b = send("POST", "/_pamsim/faults", `{"kind":"envelope","shape":"weird"}`)
	assert.Equal(t, 400, code)
	assert.Contains(t, string(b), "envelope shape")

	code, b = send("GET", "/_pamsim/requests", "")
	require.Equal(t, 200, code)
	var log []map[string]any
	require.NoError(t, json.Unmarshal(b, &log))
	require.Len(t, log, 3)
	assert.Equal(t, "GET", log[0]["method"])
	assert.Equal(t, "/api/session/list", log[0]["path"])
	assert.Equal(t, float64(429), log[0]["status"])
	assert.Equal(t, "admin", log[0]["user"])
	assert.Contains(t, log[0], "query")
	assert.Contains(t, log[0], "time")

	code, _ = send("DELETE", "/_pamsim/requests", "")
	assert.Equal(t, 204, code)
	assert.Empty(t, s.srv.Requests())
	code, _ = send("PUT", "/_pamsim/requests", "")
	assert.Equal(t, 405, code)
	code, _ = send("GET", "/_pamsim/nothing", "")
	assert.Equal(t, 404, code)
}

func TestFaultJSON(t *testing.T) {
	f := Fault{Method: "POST", Path: "/api/session/terminate/", Kind: FaultDropAfterApply, Delay: 2 * time.Second, Times: 1}
	b, err := json.Marshal(f)
	require.NoError(t, err)
	assert.JSONEq(t, `{"method":"POST","path":"/api/session/terminate/","kind":"drop-after-apply","delay":"2s","times":1}`, string(b))
	var back Fault
	require.NoError(t, json.Unmarshal(b, &back))
	assert.Equal(t, f, back)
	f = Fault{Path: "/api/", Kind: FaultRenameField, From: "state", To: "status", Param: "user", Shape: "null", Mode: "url", RetryAfterDate: 30, Status: 401}
	b, err = json.Marshal(f)
	require.NoError(t, err)
	assert.JSONEq(t, `{"method":"","path":"/api/","kind":"rename-field","status":401,"retryAfterDate":30,"param":"user","shape":"null","mode":"url","from":"state","to":"status"}`, string(b))
	back = Fault{}
	require.NoError(t, json.Unmarshal(b, &back))
	assert.Equal(t, f, back)
	for k := FaultStatus; int(k) < len(faultKindNames); k++ {
		var got FaultKind
		require.NoError(t, got.UnmarshalText([]byte(k.String())))
		assert.Equal(t, k, got)
	}
}
