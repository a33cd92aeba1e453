package pamsim

import (
	"encoding/json"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func stateOf(t *testing.T, s *sim, id string) string {
	t.Helper()
	sess, ok := s.srv.Session(id)
	require.True(t, ok, id)
	return sess.State
}

func TestFaultPathsDiffer(t *testing.T) {
	s := startSim(t, Options{})
	s.srv.AddFault(Fault{Path: "/", Kind: FaultPathsDiffer})
	assert.Equal(t, 404, s.do(t, "POST", "/api/session/terminate/"+sid(1), "admin").status)
	assert.Equal(t, StateActive, stateOf(t, s, sid(1)), "never applied")
	assert.Equal(t, 404, s.do(t, "GET", "/api/session/"+sid(1), "admin").status)
	assert.Equal(t, 404, s.do(t, "GET", "/api/session/"+sid(1)+"/events", "admin").status)
	r := s.do(t, "GET", "/api/session/list?state=Active", "admin")
	require.Equal(t, 200, r.status, "lists work")
	assert.Contains(t, r.ids(t), sid(1))
	assert.Equal(t, 200, s.do(t, "GET", "/api/asset/"+aid(1), "admin").status)
	assert.NotContains(t, eventNames(s), "Terminate Session")
}

func eventNames(s *sim) []string {
	var out []string
	for _, e := range s.srv.Events() {
		out = append(out, e.Event)
	}
	return out
}

func TestFaultStateSpelling(t *testing.T) {
	for _, tc := range []struct{ to, completed string }{{"ACTIVE", "COMPLETED"}, {"active", "completed"}, {"Running", "Completed"}} {
		t.Run(tc.to, func(t *testing.T) {
			s := startSim(t, Options{})
			s.srv.AddFault(Fault{Path: "/api/session/", Kind: FaultStateSpelling, To: tc.to})
			states := map[string]string{}
			for _, it := range s.do(t, "GET", "/api/session/list", "admin").envelope(t).Items {
				var x struct{ ID, State string }
				require.NoError(t, json.Unmarshal(it, &x))
				states[x.ID] = x.State
			}
			assert.Equal(t, tc.to, states[sid(1)])
			assert.Equal(t, tc.completed, states[sid(5)])
			assert.Equal(t, tc.to, s.do(t, "GET", "/api/session/"+sid(1), "admin").object(t)["state"])
			assert.Equal(t, []string{sid(3)}, s.do(t, "GET", "/api/session/list?user=bwilliams&channel=RDP&state=Active", "admin").ids(t),
				"the server's own filter still works")
		})
	}
	assert.Error(t, Fault{Kind: FaultStateSpelling}.Validate())
	assert.Error(t, Fault{Kind: FaultStateSpelling, To: "Active"}.Validate())
}

func TestFaultLiar(t *testing.T) {
	s := startSim(t, Options{})
	s.srv.AddFault(Fault{Path: "/", Kind: FaultLiar})
	r := s.do(t, "POST", "/api/session/terminate/"+sid(1), "admin")
	require.Equal(t, 200, r.status)
	assert.Equal(t, "Completed", r.object(t)["state"], "the answer claims it")
	assert.NotNil(t, r.object(t)["completed"])
	assert.Equal(t, StateActive, stateOf(t, s, sid(1)), "not applied")
	require.Equal(t, "Terminate Session", s.srv.Events()[0].Event, "the Events Report claims it")
	assert.Equal(t, sid(1), s.srv.Events()[0].SessionID)

	assert.Contains(t, s.do(t, "GET", "/api/session/list?state=Completed", "admin").ids(t), sid(1), "the Completed list claims it")
	done := s.do(t, "GET", "/api/session/list?state=Completed&user=bwilliams&limit=1&offset=0", "admin")
	assert.Equal(t, 1, *done.envelope(t).Total, "bwilliams has no really Completed session")
	assert.Equal(t, []string{sid(1)}, done.ids(t))
	page2 := s.do(t, "GET", "/api/session/list?state=Completed&limit=2&offset=2", "admin")
	assert.Equal(t, 3, *page2.envelope(t).Total, "sids 5 and 10, and the claim")
	assert.Len(t, page2.ids(t), 1)
	for _, it := range s.do(t, "GET", "/api/session/list?state=Completed", "admin").envelope(t).Items {
		assert.NotContains(t, string(it), `"state":"Active"`)
	}
	assert.Equal(t, "Active", s.do(t, "GET", "/api/session/"+sid(1), "admin").object(t)["state"], "GET tells the truth")
	assert.Contains(t, s.do(t, "GET", "/api/session/list?state=Active", "admin").ids(t), sid(1), "the Active list tells the truth")

	assert.Equal(t, 409, s.do(t, "POST", "/api/session/terminate/"+sid(5), "admin").status, "a Completed session is refused as usual")
	assert.Equal(t, 409, s.do(t, "POST", "/api/session/terminate/"+sid(4), "admin").status, "native-only as usual")
}

func TestFaultCaseSensitiveFilter(t *testing.T) {
	s := startSim(t, Options{})
	s.srv.StartSession(Session{ID: sid(40), AssetName: "web-02", User: "BWilliams", Channels: []string{"SSH"}})
	assert.Contains(t, s.do(t, "GET", "/api/session/list?user=bwilliams&state=Active", "admin").ids(t), sid(40), "the contract: case-insensitive")

	s.srv.AddFault(Fault{Path: "/api/session/list", Kind: FaultCaseSensitive})
	r := s.do(t, "GET", "/api/session/list?user=bwilliams&state=Active&limit=2", "admin")
	assert.Equal(t, 4, *r.envelope(t).Total, "sids 1, 3, 4, 7: not BWilliams")
	assert.Len(t, r.ids(t), 2)
	all := append(r.ids(t), s.do(t, "GET", "/api/session/list?user=bwilliams&state=Active&limit=2&offset=2", "admin").ids(t)...)
	assert.ElementsMatch(t, sids(1, 3, 4, 7), all)
	assert.Equal(t, []string{sid(40)}, s.do(t, "GET", "/api/session/list?user=BWilliams", "admin").ids(t))
}

func TestFaultLookalikeUsers(t *testing.T) {
	s := startSim(t, Options{})
	s.srv.AddFault(Fault{Path: "/", Kind: FaultLookalikeUsers})
	ids := s.do(t, "GET", "/api/session/list?user=bwilliams&state=Active", "admin").ids(t)
	assert.Contains(t, ids, LookalikeLongS)
	assert.Contains(t, ids, LookalikeKelvin)
	assert.Contains(t, ids, sid(2), "the user filter is ignored")
	long, ok := s.srv.Session(LookalikeLongS)
	require.True(t, ok)
	assert.Equal(t, "bwilliam\u017f", long.User)
	assert.Equal(t, aid(1), long.AssetID)
	kelvin, _ := s.srv.Session(LookalikeKelvin)
	assert.Equal(t, "\u212awilliams", kelvin.User)
	// They are real sessions: terminating one ends it; adding them again does not revive it.
	assert.Equal(t, 200, s.do(t, "POST", "/api/session/terminate/"+LookalikeKelvin, "admin").status)
	s.do(t, "GET", "/api/session/list", "admin")
	assert.Equal(t, StateCompleted, stateOf(t, s, LookalikeKelvin))
}

func TestFaultAssetSwap(t *testing.T) {
	lookup := func(t *testing.T, s *sim) map[string]any {
		t.Helper()
		r := s.do(t, "GET", "/api/asset/list?parent="+spaceRID+"&name="+url.QueryEscape("db-prod-01"), "admin")
		for _, it := range r.envelope(t).Items {
			var m map[string]any
			require.NoError(t, json.Unmarshal(it, &m))
			if m["name"] == "db-prod-01" || m["id"] == aid(7) {
				return m
			}
		}
		t.Fatalf("no swapped item in %s", r.body)
		return nil
	}
	t.Run("id", func(t *testing.T) {
		s := startSim(t, Options{})
		s.srv.AddFault(Fault{Path: "/api/asset/", Kind: FaultAssetSwap, From: "db-prod-01", To: "linux-jump-01"})
		m := lookup(t, s)
		assert.Equal(t, "db-prod-01", m["name"])
		assert.Equal(t, aid(7), m["id"], "linux-jump-01's ID")
		assert.Equal(t, "linux-jump-01", s.do(t, "GET", "/api/asset/"+aid(7), "admin").object(t)["name"], "a read by ID tells the truth")
	})
	t.Run("object", func(t *testing.T) {
		s := startSim(t, Options{})
		s.srv.AddFault(Fault{Path: "/api/asset/", Kind: FaultAssetSwap, From: "db-prod-01", To: "linux-jump-01", Mode: "object"})
		m := lookup(t, s)
		assert.Equal(t, "linux-jump-01", m["name"])
		assert.Equal(t, aid(7), m["id"])
	})
	t.Run("consistent", func(t *testing.T) {
		s := startSim(t, Options{})
		s.srv.AddFault(Fault{Path: "/api/asset/", Kind: FaultAssetSwap, From: "db-prod-01", To: "linux-jump-01", Mode: "consistent"})
		assert.Equal(t, aid(7), lookup(t, s)["id"])
		one := s.do(t, "GET", "/api/asset/"+aid(7), "admin").object(t)
		assert.Equal(t, map[string]any{"id": aid(7), "name": "db-prod-01", "type": "Linux", "parentId": spaceRID}, one)
		r := s.do(t, "GET", "/api/session/list?asset="+aid(7), "admin")
		assert.Equal(t, []string{sid(8)}, r.ids(t), "sessions tell the truth")
		assert.Contains(t, string(r.body), `"assetName":"linux-jump-01"`)
	})
	for _, f := range []Fault{{Kind: FaultAssetSwap}, {Kind: FaultAssetSwap, From: "a", To: "a"}, {Kind: FaultAssetSwap, From: "a", To: "b", Mode: "raw"}} {
		assert.Error(t, f.Validate(), "%+v", f)
	}
}

func TestFaultTerminateOther(t *testing.T) {
	s := startSim(t, Options{})
	s.srv.AddFault(Fault{Method: "POST", Path: "/api/session/terminate/", Kind: FaultTerminateOther, Times: 1})
	r := s.do(t, "POST", "/api/session/terminate/"+sid(1), "admin")
	require.Equal(t, 200, r.status)
	m := r.object(t)
	assert.Equal(t, sid(2), m["id"], "jdoe's session on the same asset")
	assert.Equal(t, "Completed", m["state"])
	assert.Equal(t, StateActive, stateOf(t, s, sid(1)), "the one asked is left alone")
	assert.Equal(t, StateCompleted, stateOf(t, s, sid(2)), "the other really ended")
	assert.Equal(t, sid(2), s.srv.Events()[0].SessionID)
	assert.Equal(t, "/api/session/terminate/"+sid(1), s.srv.Requests()[0].Path, "the log holds what was asked")

	s.srv.AddFault(Fault{Method: "POST", Path: "/api/session/terminate/", Kind: FaultTerminateOther, To: sid(8), Times: 1})
	assert.Equal(t, sid(8), s.do(t, "POST", "/api/session/terminate/"+sid(3), "admin").object(t)["id"])
	assert.Equal(t, StateActive, stateOf(t, s, sid(3)))
}

func TestFaultApplyThenStatus(t *testing.T) {
	s := startSim(t, Options{})
	s.srv.AddFault(Fault{Method: "POST", Path: "/api/session/terminate/", Kind: FaultApplyThenStatus, Times: 1})
	r := s.do(t, "POST", "/api/session/terminate/"+sid(1), "admin")
	assert.Equal(t, 500, r.status)
	assert.JSONEq(t, `{"message":"simulated 500"}`, string(r.body))
	assert.Equal(t, StateCompleted, stateOf(t, s, sid(1)), "applied")
	assert.Equal(t, "Terminate Session", s.srv.Events()[0].Event)

	// The plain status kind is the 500 that did not happen.
	s.srv.AddFault(Fault{Method: "POST", Path: "/api/session/terminate/", Kind: FaultStatus, Status: 500, Times: 1})
	assert.Equal(t, 500, s.do(t, "POST", "/api/session/terminate/"+sid(3), "admin").status)
	assert.Equal(t, StateActive, stateOf(t, s, sid(3)), "not applied")
}

func TestFaultLateLanding(t *testing.T) {
	s := startSim(t, Options{})
	s.srv.AddFault(Fault{Method: "POST", Path: "/api/session/terminate/", Kind: FaultLateLanding, Delay: 300 * time.Millisecond, Times: 1})
	req, err := http.NewRequest("POST", s.url+"/api/session/terminate/"+sid(1), nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+s.tokens["admin"])
	c := &http.Client{Timeout: 100 * time.Millisecond, Transport: &http.Transport{DisableKeepAlives: true}}
	resp, err := c.Do(req)
	if resp != nil {
		resp.Body.Close()
	}
	require.Error(t, err, "never answered in time")
	assert.Equal(t, StateActive, stateOf(t, s, sid(1)), "not landed while the client waited")
	require.Eventually(t, func() bool {
		sess, _ := s.srv.Session(sid(1))
		return sess.State == StateCompleted
	}, 5*time.Second, 10*time.Millisecond, "lands later")
	require.Len(t, s.srv.Requests(), 1)
	assert.Equal(t, 0, s.srv.Requests()[0].Status, "logged once, unanswered")
}

func TestGroundKindNames(t *testing.T) {
	for _, n := range []string{"paths-differ", "state-spelling", "liar", "case-sensitive-filter", "lookalike-users", "asset-swap",
		"terminate-other", "apply-then-status", "late-landing"} {
		var k FaultKind
		require.NoError(t, k.UnmarshalText([]byte(n)), n)
		assert.Equal(t, n, k.String())
		b, err := json.Marshal(Fault{Kind: k})
		require.NoError(t, err)
		var back Fault
		require.NoError(t, json.Unmarshal(b, &back))
		assert.Equal(t, k, back.Kind)
	}
	assert.Contains(t, FaultKindNames(), "status")
	assert.Contains(t, FaultKindNames(), "late-landing")
	_, err := FaultKind(63).MarshalText()
	assert.Error(t, err)
}
