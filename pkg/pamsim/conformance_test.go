package pamsim

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestContractReads walks CONTRACT.md's read-only endpoints case by case against the
// fixtures. Sessions by creation, newest first: 06 04 07 01 09 03 08 02 05 10 11.
func TestContractReads(t *testing.T) {
	s := startSim(t, Options{})
	from := testNow.Add(-time.Hour).Format(time.RFC3339)
	to := testNow.Add(-15 * time.Minute).Format(time.RFC3339)

	cases := []struct {
		name   string
		as     string
		method string
		path   string
		status int
		ids    []string // expected item IDs in order, when not nil
		total  int      // expected total, when ids is not nil
		limit  int      // expected envelope limit, when not 0
		msg    string   // substring of the error message
		check  func(t *testing.T, r result)
	}{
		// Identity.
		{name: "user context of the Administrator", as: "admin", path: "/api/user/context", status: 200, check: func(t *testing.T, r result) {
			m := r.object(t)
			assert.Equal(t, map[string]any{"id": "33333333-3333-4333-8333-000000000001", "name": "admin", "displayName": "Site Admin"}, m["user"])
			assert.Equal(t, map[string]any{"rid": spaceRID, "name": "root"}, m["space"])
			assert.Equal(t, []any{"Administrator"}, m["roles"])
		}},
		{name: "user context of the Auditor", as: "auditor", path: "/api/user/context", status: 200, check: func(t *testing.T, r result) {
			assert.Equal(t, []any{"Auditor"}, r.object(t)["roles"])
		}},
		{name: "user context without a site role has roles []", as: "amanager", path: "/api/user/context", status: 200, check: func(t *testing.T, r result) {
			assert.Equal(t, []any{}, r.object(t)["roles"])
			assert.Contains(t, string(r.body), `"roles":[]`)
		}},
		{name: "user context of the viewer", as: "viewer", path: "/api/user/context", status: 200, check: func(t *testing.T, r result) {
			assert.Equal(t, "View Only", r.object(t)["user"].(map[string]any)["displayName"])
		}},

		// Authentication.
		{name: "no Authorization header is 401", as: "none", path: "/api/user/context", status: 401, msg: "Bearer"},
		{name: "an unknown token is 401", as: "bad", path: "/api/session/list", status: 401, msg: "invalid or expired token"},

		// Session list: envelope, default order, filters.
		{name: "list: newest first by default", as: "admin", path: "/api/session/list", status: 200, ids: sids(6, 4, 7, 1, 9, 3, 8, 2, 5, 10, 11), total: 11, limit: 100},
		{name: "list: state=Active", as: "admin", path: "/api/session/list?state=Active", status: 200, ids: sids(6, 4, 7, 1, 9, 3, 8, 2, 11), total: 9},
		{name: "list: state=Completed", as: "auditor", path: "/api/session/list?state=Completed", status: 200, ids: sids(5, 10), total: 2},
		{name: "list: another state is 400", as: "admin", path: "/api/session/list?state=Running", status: 400, msg: "state"},
		{name: "list: state is case-sensitive", as: "admin", path: "/api/session/list?state=active", status: 400},
		{name: "list: asset filter", as: "admin", path: "/api/session/list?asset=" + aid(1), status: 200, ids: sids(1, 2), total: 2},
		{name: "list: asset filter, unknown asset is 404", as: "admin", path: "/api/session/list?asset=99999999-0000-4000-8000-000000000000", status: 404},
		{name: "list: user filter is exact and case-insensitive", as: "admin", path: "/api/session/list?user=BWilliams", status: 200, ids: sids(4, 7, 1, 3), total: 4},
		{name: "list: user filter is not a substring match", as: "admin", path: "/api/session/list?user=bwill", status: 200, ids: []string{}, total: 0},
		{name: "list: channel filter", as: "admin", path: "/api/session/list?channel=SSH", status: 200, ids: sids(7, 1, 5, 10, 11), total: 5},
		{name: "list: channel filter matches any of a session's channels", as: "admin", path: "/api/session/list?channel=SSHP:SFTP", status: 200, ids: sids(7), total: 1},
		{name: "list: from/to select created within [from, to)", as: "admin", path: "/api/session/list?from=" + from + "&to=" + to, status: 200, ids: sids(1, 9, 3, 8), total: 4},
		{name: "list: a bad from is 400", as: "admin", path: "/api/session/list?from=yesterday", status: 400, msg: "from"},
		{name: "list: a bad to is 400", as: "admin", path: "/api/session/list?to=2026-11-26", status: 400, msg: "to"},
		{name: "list: filters combine", as: "admin", path: "/api/session/list?user=bwilliams&state=Active&channel=RDP", status: 200, ids: sids(3), total: 1},

		// Sort and order.
		{name: "list: order=asc", as: "admin", path: "/api/session/list?order=asc", status: 200, ids: sids(11, 10, 5, 2, 8, 3, 9, 1, 7, 4, 6), total: 11},
		{name: "list: sort=updated&order=asc", as: "admin", path: "/api/session/list?sort=updated&order=asc", status: 200, ids: sids(10, 5, 8, 4, 9, 7, 6, 2, 3, 1, 11), total: 11},
		{name: "list: sort=completed, unset last when descending", as: "admin", path: "/api/session/list?sort=completed&limit=3", status: 200, ids: sids(5, 10, 11), total: 11},
		{name: "list: sort=user&order=asc, ties by id", as: "admin", path: "/api/session/list?sort=user&order=asc", status: 200, ids: sids(5, 1, 3, 4, 7, 2, 10, 6, 8, 9, 11), total: 11},
		{name: "list: sort=asset&order=asc", as: "admin", path: "/api/session/list?sort=asset&order=asc", status: 200, ids: sids(11, 1, 2, 9, 5, 7, 6, 8, 3, 10, 4), total: 11},
		{name: "list: another sort is 400", as: "admin", path: "/api/session/list?sort=state", status: 400, msg: "sort"},
		{name: "list: another order is 400", as: "admin", path: "/api/session/list?order=up", status: 400, msg: "order"},

		// Paging edges.
		{name: "paging: first page", as: "admin", path: "/api/session/list?limit=3", status: 200, ids: sids(6, 4, 7), total: 11, limit: 3},
		{name: "paging: second page", as: "admin", path: "/api/session/list?offset=3&limit=3", status: 200, ids: sids(1, 9, 3), total: 11, limit: 3},
		{name: "paging: last partial page", as: "admin", path: "/api/session/list?offset=10&limit=3", status: 200, ids: sids(11), total: 11},
		{name: "paging: offset past the end gives items []", as: "admin", path: "/api/session/list?offset=100", status: 200, ids: []string{}, total: 11, check: func(t *testing.T, r result) {
			assert.Contains(t, string(r.body), `"items":[]`)
			assert.Equal(t, 100, r.envelope(t).Offset)
		}},
		{name: "paging: limit=0 means the default 100", as: "admin", path: "/api/session/list?limit=0", status: 200, total: 11, ids: sids(6, 4, 7, 1, 9, 3, 8, 2, 5, 10, 11), limit: 100},
		{name: "paging: limit=501 is clamped to 500", as: "admin", path: "/api/session/list?limit=501", status: 200, total: 11, ids: sids(6, 4, 7, 1, 9, 3, 8, 2, 5, 10, 11), limit: 500},
		{name: "paging: negative limit is 400", as: "admin", path: "/api/session/list?limit=-1", status: 400, msg: "limit"},
		{name: "paging: non-integer limit is 400", as: "admin", path: "/api/session/list?limit=ten", status: 400, msg: "limit"},
		{name: "paging: negative offset is 400", as: "admin", path: "/api/session/list?offset=-1", status: 400, msg: "offset"},

		// Session list permissions.
		{name: "list perm: Auditor reads the site-wide report", as: "auditor", path: "/api/session/list", status: 200, total: 11, ids: sids(6, 4, 7, 1, 9, 3, 8, 2, 5, 10, 11)},
		{name: "list perm: Asset Manager without a site role is 403 site-wide", as: "amanager", path: "/api/session/list", status: 403, msg: "the site-wide sessions report requires the Administrator or Auditor site role"},
		{name: "list perm: Viewer is 403 site-wide", as: "viewer", path: "/api/session/list", status: 403, msg: "the site-wide sessions report requires the Administrator or Auditor site role"},
		{name: "list perm: Viewer reads its asset's report", as: "viewer", path: "/api/session/list?asset=" + aid(1), status: 200, ids: sids(1, 2), total: 2},
		{name: "list perm: Viewer is 403 on another asset", as: "viewer", path: "/api/session/list?asset=" + aid(2), status: 403},
		{name: "list perm: Asset Manager reads its asset's report", as: "amanager", path: "/api/session/list?asset=" + aid(2), status: 200, ids: sids(7, 5), total: 2},
		{name: "list perm: Asset Manager is 403 on another asset", as: "amanager", path: "/api/session/list?asset=" + aid(4), status: 403},
		{name: "list perm: Auditor reads any asset's report", as: "auditor", path: "/api/session/list?asset=" + aid(4), status: 200, ids: sids(3), total: 1},
		{name: "list perm: unknown asset is 404 even for a Viewer", as: "viewer", path: "/api/session/list?asset=nope", status: 404},

		// One session.
		{name: "get: a session object with the contract's fields", as: "admin", path: "/api/session/" + sid(1), status: 200, check: func(t *testing.T, r result) {
			assert.JSONEq(t, `{"id":"`+sid(1)+`","assetId":"`+aid(1)+`","assetName":"db-prod-01","user":"bwilliams",
				"created":"2026-11-26T09:34:00Z","updated":"2026-11-26T09:59:00Z","completed":null,"state":"Active","channels":["SSH"]}`, string(r.body))
		}},
		{name: "get: a Completed session has completed set", as: "auditor", path: "/api/session/" + sid(5), status: 200, check: func(t *testing.T, r result) {
			m := r.object(t)
			assert.Equal(t, "Completed", m["state"])
			assert.Equal(t, "2026-11-26T07:00:00Z", m["completed"])
		}},
		{name: "get: the hostile names come back verbatim", as: "admin", path: "/api/session/" + sid(6), status: 200, check: func(t *testing.T, r result) {
			m := r.object(t)
			assert.Equal(t, "mallory\x1b[31mRED\x1b]0;pwned\x07", m["user"])
			assert.Equal(t, "evil\x1b[2J\rasset\u202e", m["assetName"])
		}},
		{name: "get: unknown session is 404", as: "admin", path: "/api/session/11111111-1111-4111-8111-999999999999", status: 404, msg: "not found"},
		{name: "get perm: Viewer on its asset", as: "viewer", path: "/api/session/" + sid(2), status: 200},
		{name: "get perm: Viewer on another asset is 403", as: "viewer", path: "/api/session/" + sid(3), status: 403},
		{name: "get perm: Asset Manager on its asset", as: "amanager", path: "/api/session/" + sid(7), status: 200},
		{name: "get perm: Asset Manager on another asset is 403", as: "amanager", path: "/api/session/" + sid(3), status: 403},
		{name: "get perm: unknown session is 404 for a Viewer too", as: "viewer", path: "/api/session/unknown", status: 404},

		// Session events.
		{name: "session events: a Start Session item", as: "admin", path: "/api/session/" + sid(1) + "/events", status: 200, check: func(t *testing.T, r result) {
			assert.JSONEq(t, `{"total":1,"offset":0,"limit":100,"items":[{"start":"2026-11-26T09:34:00Z","finish":"2026-11-26T09:34:00Z",
				"type":"Start Session","details":"message=Session started, channel=SSH"}]}`, string(r.body))
		}},
		{name: "session events: unknown session is 404", as: "admin", path: "/api/session/nope/events", status: 404},
		{name: "session events: Viewer on another asset is 403", as: "viewer", path: "/api/session/" + sid(3) + "/events", status: 403},

		// Assets.
		{name: "assets: parent is required", as: "admin", path: "/api/asset/list", status: 400, msg: "parent"},
		{name: "assets: an unknown parent is 404", as: "admin", path: "/api/asset/list?parent=0000", status: 404},
		{name: "assets: Administrator sees all, by name", as: "admin", path: "/api/asset/list?parent=" + spaceRID, status: 200, total: 14,
			ids: []string{aid(9), aid(13), aid(12), aid(14), aid(10), aid(1), aid(3), aid(2), aid(8), aid(7), aid(11), aid(4), aid(5), aid(6)}},
		{name: "assets: name is a case-insensitive substring", as: "admin", path: "/api/asset/list?name=DB-PROD&parent=" + spaceRID, status: 200, total: 3,
			ids: []string{aid(1), aid(3), aid(2)}},
		{name: "assets: the exact name is among the matches of a shared prefix", as: "auditor", path: "/api/asset/list?name=db-prod-01&parent=" + spaceRID, status: 200, total: 2,
			ids: []string{aid(1), aid(3)}},
		{name: "assets: paging", as: "admin", path: "/api/asset/list?parent=" + spaceRID + "&offset=7&limit=2", status: 200, total: 14, ids: []string{aid(2), aid(8)}, limit: 2},
		{name: "assets: Asset Manager sees the assets it manages", as: "amanager", path: "/api/asset/list?parent=" + spaceRID, status: 200, total: 2, ids: []string{aid(1), aid(2)}},
		{name: "assets: Viewer sees its asset", as: "viewer", path: "/api/asset/list?parent=" + spaceRID, status: 200, total: 1, ids: []string{aid(1)}},
		{name: "assets: item fields", as: "admin", path: "/api/asset/list?name=web-01&parent=" + spaceRID, status: 200, check: func(t *testing.T, r result) {
			assert.JSONEq(t, `{"total":1,"offset":0,"limit":100,"items":[{"id":"`+aid(4)+`","name":"web-01","type":"Windows","parentId":"`+spaceRID+`"}]}`, string(r.body))
		}},
		{name: "assets: names hostile to shells, paths and format strings come back verbatim", as: "admin", path: "/api/asset/list?limit=5&parent=" + spaceRID, status: 200, check: func(t *testing.T, r result) {
			var names []string
			for _, it := range r.envelope(t).Items {
				var a Asset
				require.NoError(t, json.Unmarshal(it, &a))
				names = append(names, a.Name)
			}
			assert.Equal(t, []string{"$(touch x)-prod", "..", "50%off", "`id`-box", "a;b|c"}, names)
		}},
		{name: "assets: a name with a slash", as: "admin", path: "/api/asset/" + aid(11), status: 200, check: func(t *testing.T, r result) {
			assert.Equal(t, "name with/slash", r.object(t)["name"])
		}},
		{name: "list: the Active web session on a shell-hostile asset", as: "admin", path: "/api/session/list?asset=" + aid(9), status: 200, ids: sids(11), total: 1, check: func(t *testing.T, r result) {
			var sess map[string]any
			require.NoError(t, json.Unmarshal(r.envelope(t).Items[0], &sess))
			assert.Equal(t, "$(touch x)-prod", sess["assetName"])
			assert.Equal(t, "Active", sess["state"])
			assert.Equal(t, []any{"SSH"}, sess["channels"])
		}},
		{name: "asset: one asset", as: "admin", path: "/api/asset/" + aid(7), status: 200, check: func(t *testing.T, r result) {
			assert.Equal(t, "linux-jump-01", r.object(t)["name"])
		}},
		{name: "asset: unknown is 404", as: "admin", path: "/api/asset/nope", status: 404},
		{name: "asset: one the user holds no permission on is 404", as: "viewer", path: "/api/asset/" + aid(2), status: 404},

		// Events Report.
		{name: "events: newest first", as: "admin", path: "/api/event/list", status: 200, total: 8, ids: []string{
			"44444444-4444-4444-8444-000000000008", "44444444-4444-4444-8444-000000000007", "44444444-4444-4444-8444-000000000006",
			"44444444-4444-4444-8444-000000000005", "44444444-4444-4444-8444-000000000004", "44444444-4444-4444-8444-000000000003",
			"44444444-4444-4444-8444-000000000002", "44444444-4444-4444-8444-000000000001"}},
		{name: "events: event filter is exact and case-insensitive", as: "auditor", path: "/api/event/list?event=login", status: 200, total: 2,
			ids: []string{"44444444-4444-4444-8444-000000000004", "44444444-4444-4444-8444-000000000002"}},
		{name: "events: category filter", as: "admin", path: "/api/event/list?category=SECURITY&limit=1", status: 200, total: 3,
			ids: []string{"44444444-4444-4444-8444-000000000006"}, limit: 1},
		{name: "events: from/to", as: "admin", path: "/api/event/list?from=" + from + "&to=" + to, status: 200, total: 2,
			ids: []string{"44444444-4444-4444-8444-000000000007", "44444444-4444-4444-8444-000000000006"}},
		{name: "events: a bad from is 400", as: "admin", path: "/api/event/list?from=now", status: 400},
		{name: "events: a bad limit is 400", as: "admin", path: "/api/event/list?limit=x", status: 400},
		{name: "events: Asset Manager is 403", as: "amanager", path: "/api/event/list", status: 403},
		{name: "events: Viewer is 403", as: "viewer", path: "/api/event/list", status: 403},

		// Routing.
		{name: "an unknown path is 404", as: "admin", path: "/api/nothing/here", status: 404},
		{name: "the base path alone is 404", as: "admin", path: "", status: 404},
		{name: "a path outside /api is 404", as: "admin", path: "/ui/index.html", status: 404},
		{name: "a trailing slash is 404", as: "admin", path: "/api/session/list/", status: 404},
		{name: "terminate without an id is 404", as: "admin", method: "POST", path: "/api/session/terminate/", status: 404},
		{name: "POST on the session list is 405", as: "admin", method: "POST", path: "/api/session/list", status: 405, msg: "POST", check: func(t *testing.T, r result) {
			assert.Equal(t, "GET", r.header.Get("Allow"))
		}},
		{name: "GET on terminate is 405", as: "admin", path: "/api/session/terminate/" + sid(1), status: 405},
		{name: "DELETE on a session is 405", as: "admin", method: "DELETE", path: "/api/session/" + sid(1), status: 405},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			method := tc.method
			if method == "" {
				method = "GET"
			}
			r := s.do(t, method, tc.path, tc.as)
			require.NoError(t, r.err)
			require.Equal(t, tc.status, r.status, "body: %s", r.body)
			assert.Equal(t, "application/json", r.header.Get("Content-Type"))
			if tc.status >= 300 {
				var e struct {
					Message string `json:"message"`
				}
				r.decode(t, &e)
				assert.NotEmpty(t, e.Message, "errors are {\"message\": ...}")
				assert.Contains(t, e.Message, tc.msg)
			}
			if tc.ids != nil {
				env := r.envelope(t)
				require.NotNil(t, env.Total)
				assert.Equal(t, tc.total, *env.Total, "total")
				got := r.ids(t)
				if got == nil {
					got = []string{}
				}
				assert.Equal(t, tc.ids, got)
			}
			if tc.limit != 0 {
				assert.Equal(t, tc.limit, r.envelope(t).Limit, "limit")
			}
			if tc.check != nil {
				tc.check(t, r)
			}
		})
	}
	// Reads never change state: the same list comes back after the whole table.
	assert.Equal(t, sids(6, 4, 7, 1, 9, 3, 8, 2, 5, 10, 11), s.do(t, "GET", "/api/session/list", "admin").ids(t))
}

// TestContractTerminate walks terminate's permissions and statuses, each on a fresh server.
func TestContractTerminate(t *testing.T) {
	cases := []struct {
		name    string
		as      string
		session string
		status  int
		msg     string
		channel string // the channel named in the Terminate Session event, on 200
	}{
		{name: "Administrator terminates an active web session", as: "admin", session: sid(1), status: 200, channel: "SSH"},
		{name: "the session on a shell-hostile asset is terminated like any other", as: "admin", session: sid(11), status: 200, channel: "SSH"},
		{name: "Asset Manager terminates on its asset", as: "amanager", session: sid(2), status: 200, channel: "RDP"},
		{name: "Asset Manager on another asset is 403", as: "amanager", session: sid(3), status: 403},
		{name: "Auditor can list but not terminate", as: "auditor", session: sid(1), status: 403},
		{name: "Viewer cannot terminate", as: "viewer", session: sid(1), status: 403},
		{name: "no token is 401", as: "none", session: sid(1), status: 401},
		{name: "an unknown token is 401", as: "bad", session: sid(1), status: 401},
		{name: "unknown session is 404", as: "admin", session: "11111111-1111-4111-8111-999999999999", status: 404},
		{name: "a Completed session is 409", as: "admin", session: sid(5), status: 409, msg: "session is not active"},
		{name: "a native-only RDPP session is 409", as: "admin", session: sid(4), status: 409, msg: "only web sessions can be terminated"},
		{name: "a native-only SSHP:Shell session is 409", as: "admin", session: sid(9), status: 409, msg: "only web sessions can be terminated"},
		{name: "a mixed web and native session terminates, naming its web channel", as: "admin", session: sid(7), status: 200, channel: "SSH"},
		{name: "the hostile session terminates", as: "admin", session: sid(6), status: 200, channel: "VNC"},
		{name: "a Telnet session terminates", as: "admin", session: sid(8), status: 200, channel: "Telnet"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := startSim(t, Options{})
			before, _ := s.srv.Session(tc.session)
			r := s.do(t, "POST", "/api/session/terminate/"+tc.session, tc.as)
			require.NoError(t, r.err)
			require.Equal(t, tc.status, r.status, "body: %s", r.body)
			after, _ := s.srv.Session(tc.session)
			if tc.status != 200 {
				assert.Contains(t, r.envelope(t).Message, tc.msg)
				assert.Equal(t, before, after, "a refused terminate changes nothing")
				assert.Len(t, s.srv.Events(), 8, "a refused terminate records no event")
				return
			}
			m := r.object(t)
			assert.Equal(t, tc.session, m["id"])
			assert.Equal(t, "Completed", m["state"])
			assert.Equal(t, "2026-11-26T10:00:00Z", m["completed"])
			assert.Equal(t, "2026-11-26T10:00:00Z", m["updated"])
			assert.Equal(t, StateCompleted, after.State)
			assert.Equal(t, testNow, after.Completed)

			ev := s.srv.Events()[0]
			assert.Equal(t, "Terminate Session", ev.Event)
			assert.Equal(t, "message=Session terminated, channel="+tc.channel, ev.Message)
			assert.Equal(t, tc.as, ev.User, "the terminating user")
		})
	}
}

func TestTerminateEffects(t *testing.T) {
	s := startSim(t, Options{})
	r := s.do(t, "POST", "/api/session/terminate/"+sid(7), "amanager")
	require.Equal(t, 200, r.status, "body: %s", r.body)
	assert.JSONEq(t, `{"id":"`+sid(7)+`","assetId":"`+aid(2)+`","assetName":"db-prod-02","user":"bwilliams",
		"created":"2026-11-26T09:45:00Z","updated":"2026-11-26T10:00:00Z","completed":"2026-11-26T10:00:00Z",
		"state":"Completed","channels":["SSH","SSHP:SFTP"]}`, string(r.body))

	t.Run("the Events Report records exactly the documented item", func(t *testing.T) {
		r := s.do(t, "GET", "/api/event/list?event=Terminate%20Session", "auditor")
		require.Equal(t, 200, r.status)
		env := r.envelope(t)
		require.Len(t, env.Items, 1)
		var ev map[string]any
		require.NoError(t, json.Unmarshal(env.Items[0], &ev))
		assert.NotEmpty(t, ev["id"])
		delete(ev, "id")
		assert.Equal(t, map[string]any{
			"created": "2026-11-26T10:00:00Z", "level": "Information", "category": "Operation", "event": "Terminate Session",
			"message": "message=Session terminated, channel=SSH", "user": "amanager",
			"assetId": aid(2), "assetName": "db-prod-02", "sessionId": sid(7),
		}, ev)
		newest := s.do(t, "GET", "/api/event/list?limit=1", "admin").ids(t)
		assert.Equal(t, []string{s.srv.Events()[0].ID}, newest, "newest first")
	})
	t.Run("the Session Events Report holds a Terminate Session item", func(t *testing.T) {
		r := s.do(t, "GET", "/api/session/"+sid(7)+"/events", "amanager")
		require.Equal(t, 200, r.status)
		var env struct {
			Total int              `json:"total"`
			Items []map[string]any `json:"items"`
		}
		r.decode(t, &env)
		require.Equal(t, 2, env.Total)
		assert.Equal(t, "Start Session", env.Items[0]["type"])
		assert.Equal(t, "Terminate Session", env.Items[1]["type"])
		assert.Equal(t, "2026-11-26T10:00:00Z", env.Items[1]["start"])
		assert.Equal(t, "2026-11-26T10:00:00Z", env.Items[1]["finish"])
		assert.Contains(t, env.Items[1]["details"], "message=Session terminated, channel=SSH")
	})
	t.Run("the Sessions Report shows the new state", func(t *testing.T) {
		assert.Equal(t, sids(7, 5, 10), s.do(t, "GET", "/api/session/list?state=Completed", "admin").ids(t))
		assert.Equal(t, sids(7), s.do(t, "GET", "/api/session/list?sort=updated&limit=1", "admin").ids(t), "sort by updated sees the change")
		assert.Equal(t, sids(7, 5, 10), s.do(t, "GET", "/api/session/list?sort=completed&limit=3", "admin").ids(t))
	})
	t.Run("terminating again is 409", func(t *testing.T) {
		r := s.do(t, "POST", "/api/session/terminate/"+sid(7), "admin")
		assert.Equal(t, 409, r.status)
		assert.Equal(t, "session is not active", r.envelope(t).Message)
		assert.Len(t, s.srv.Events(), 9, "one event only")
	})
}

func TestConcurrentTerminateOfOneSession(t *testing.T) {
	s := startSim(t, Options{})
	const n = 16
	statuses := make(chan int, n)
	start := make(chan struct{})
	for range n {
		go func() {
			<-start
			statuses <- s.do(t, "POST", "/api/session/terminate/"+sid(1), "admin").status
		}()
	}
	close(start)
	counts := map[int]int{}
	for range n {
		counts[<-statuses]++
	}
	assert.Equal(t, map[int]int{200: 1, 409: n - 1}, counts)
	terminates := 0
	for _, e := range s.srv.Events() {
		if e.Event == "Terminate Session" {
			terminates++
		}
	}
	assert.Equal(t, 1, terminates)
}

func TestTimestampFormats(t *testing.T) {
	t.Run("RFC 3339 by default", func(t *testing.T) {
		s := startSim(t, Options{})
		m := s.do(t, "GET", "/api/session/"+sid(1), "admin").object(t)
		assert.Equal(t, "2026-11-26T09:34:00Z", m["created"])
		assert.Nil(t, m["completed"])
	})
	t.Run("EpochMillis emits numbers", func(t *testing.T) {
		s := startSim(t, Options{EpochMillis: true})
		r := s.do(t, "GET", "/api/session/"+sid(1), "admin")
		assert.Contains(t, string(r.body), `"created":`+itoa(testNow.Add(-26*time.Minute).UnixMilli())+`,`)
		assert.Contains(t, string(r.body), `"completed":null`)
		r = s.do(t, "POST", "/api/session/terminate/"+sid(1), "admin")
		require.Equal(t, 200, r.status)
		assert.Contains(t, string(r.body), `"completed":`+itoa(testNow.UnixMilli()))
		r = s.do(t, "GET", "/api/event/list?limit=1", "admin")
		assert.Contains(t, string(r.body), `"created":`+itoa(testNow.UnixMilli()))
		r = s.do(t, "GET", "/api/session/"+sid(1)+"/events", "admin")
		assert.Contains(t, string(r.body), `"start":`+itoa(testNow.Add(-26*time.Minute).UnixMilli()))
	})
}

func itoa(n int64) string {
	b, _ := json.Marshal(n)
	return string(b)
}

func TestTenantAndSite(t *testing.T) {
	s := startSim(t, Options{Tenant: "acme", Site: "eu"})
	assert.Equal(t, "/ztna/acme/eu", s.srv.BasePath())
	assert.True(t, strings.HasSuffix(s.url, "/ztna/acme/eu"))
	r := s.do(t, "GET", "/api/user/context", "admin")
	require.Equal(t, 200, r.status)
	assert.Equal(t, "eu", r.object(t)["space"].(map[string]any)["name"])

	other := strings.TrimSuffix(s.url, "/ztna/acme/eu")
	for _, p := range []string{"/ztna/demo/root/api/user/context", "/ztna/acme/root/api/user/context", "/ztna/acme/eux/api/user/context", "/"} {
		req, _ := http.NewRequest("GET", other+p, nil)
		req.Header.Set("Authorization", "Bearer "+s.tokens["admin"])
		resp, err := s.client.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		assert.Equal(t, 404, resp.StatusCode, p)
		assert.Equal(t, "application/json", resp.Header.Get("Content-Type"))
	}
}
