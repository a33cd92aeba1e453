package pamsim

import (
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestLifecycle(t *testing.T) {
	s := startSim(t, Options{})
	const id = "44444444-4444-4444-8444-000000000001"
	got := s.srv.StartSession(Session{ID: id, AssetName: "web-01", User: "carol", Channels: []string{"SSH"}})
	assert.Equal(t, aid(4), got.AssetID, "the asset is looked up by name")
	assert.Equal(t, StateActive, got.State)
	assert.True(t, got.Created.Equal(testNow))
	assert.Contains(t, s.do(t, "GET", "/api/session/list?user=carol", "admin").ids(t), id, "a started session is in the Sessions Report at once")

	require.True(t, s.srv.EndSession(id))
	ended, _ := s.srv.Session(id)
	assert.Equal(t, StateCompleted, ended.State)
	assert.True(t, ended.Completed.Equal(testNow))
	assert.Equal(t, "End Session", ended.Events[len(ended.Events)-1].Type)
	assert.Empty(t, s.do(t, "GET", "/api/session/list?user=carol&state=Active", "admin").ids(t), "an ended session leaves the Active report")
	for _, e := range s.srv.Events() {
		assert.NotEqual(t, "Terminate Session", e.Event, "a user logging out is not a termination")
	}
	assert.False(t, s.srv.EndSession(id), "ending twice")
	assert.False(t, s.srv.EndSession("44444444-4444-4444-8444-00000000ffff"), "unknown session")

	again, ok := s.srv.Reconnect(id, "")
	require.True(t, ok)
	assert.NotEqual(t, id, again.ID)
	assert.Equal(t, "carol", again.User)
	assert.Equal(t, aid(4), again.AssetID)
	assert.Equal(t, []string{"SSH"}, again.Channels)
	assert.Equal(t, []string{again.ID}, s.do(t, "GET", "/api/session/list?user=carol&state=Active", "admin").ids(t))
	_, ok = s.srv.Reconnect("44444444-4444-4444-8444-00000000ffff", "")
	assert.False(t, ok)
}

func TestLifecycleAdmin(t *testing.T) {
	s := startSim(t, Options{})
	post := func(path, body string) *http.Response {
		t.Helper()
		resp, err := s.client.Post(strings.TrimSuffix(s.url, s.srv.BasePath())+path, "application/json", strings.NewReader(body))
		require.NoError(t, err)
		resp.Body.Close()
		return resp
	}
	const id = "44444444-4444-4444-8444-000000000002"
	assert.Equal(t, http.StatusCreated, post("/_pamsim/sessions", `{"id":"`+id+`","assetName":"web-01","user":"dave"}`).StatusCode)
	sess, ok := s.srv.Session(id)
	require.True(t, ok)
	assert.Equal(t, []string{"SSH"}, sess.Channels)
	assert.Equal(t, http.StatusBadRequest, post("/_pamsim/sessions", `{"user":"dave"}`).StatusCode)
	assert.Equal(t, http.StatusNotFound, post("/_pamsim/sessions", `{"user":"dave","assetName":"nope"}`).StatusCode)
	assert.Equal(t, http.StatusCreated, post("/_pamsim/sessions/"+id+"/reconnect", "").StatusCode)
	assert.Equal(t, http.StatusNoContent, post("/_pamsim/sessions/"+id+"/end", "").StatusCode)
	assert.Equal(t, http.StatusConflict, post("/_pamsim/sessions/"+id+"/end", "").StatusCode)
	assert.Equal(t, http.StatusNotFound, post("/_pamsim/sessions/"+strings.Repeat("0", 8)+"/end", "").StatusCode)
	assert.Equal(t, 0, s.srv.CountRequests("", "/"), "admin requests are not logged")
}

func TestAfter(t *testing.T) {
	s := startSim(t, Options{})
	const id = "44444444-4444-4444-8444-000000000005"
	s.srv.StartSession(Session{ID: id, AssetName: "web-01", User: "erin", Channels: []string{"SSH"}})
	list := func() []string { return s.do(t, "GET", "/api/session/list?user=erin&state=Active", "admin").ids(t) }
	s.srv.After("GET", "/api/session/list", 2, func() { s.srv.EndSession(id) })
	s.srv.After("POST", "/api/session/list", 1, func() { t.Error("the method must match") })
	assert.Equal(t, []string{id}, list(), "first request")
	assert.Equal(t, []string{id}, list(), "the second request still saw the session: the action runs after its answer was made")
	assert.Empty(t, list(), "the third sees it ended")
	assert.Empty(t, list(), "and the action ran once")
	assert.True(t, s.srv.TerminateAsAdmin(sid(1)))
	got, _ := s.srv.Session(sid(1))
	assert.Equal(t, StateCompleted, got.State)
	assert.Equal(t, "Terminate Session", s.srv.Events()[0].Event)
	assert.False(t, s.srv.TerminateAsAdmin(sid(1)), "not Active any more")
}
