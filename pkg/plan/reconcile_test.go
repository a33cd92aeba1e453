package plan

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pamctl/pamctl/pkg/api"
)

// fakeSite is a site's sessions now. It answers GetSession by ID and
// ListSessions with its list as is (a server that ignores filters), so the
// tests prove the client-side re-check.
type fakeSite struct {
	mu       sync.Mutex
	sessions map[string]api.Session
	list     []api.Session
	getErr   error
	listErr  error
	gets     []string
	lists    []api.ListSessionsParams
}

func (f *fakeSite) GetSession(_ context.Context, id string) (*api.Session, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.gets = append(f.gets, id)
	if f.getErr != nil {
		return nil, f.getErr
	}
	s, ok := f.sessions[id]
	if !ok {
		return nil, &api.HTTPError{StatusCode: http.StatusNotFound, Method: "GET", URL: "/api/session/" + id}
	}
	return &s, nil
}

func (f *fakeSite) ListSessions(_ context.Context, p api.ListSessionsParams) ([]api.Session, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.lists = append(f.lists, p)
	return f.list, f.listErr
}

func newFake(sessions ...api.Session) *fakeSite {
	f := &fakeSite{sessions: map[string]api.Session{}}
	for _, s := range sessions {
		f.sessions[s.ID] = s
		if s.State == api.StateActive {
			f.list = append(f.list, s)
		}
	}
	return f
}

func completed(s api.Session) api.Session {
	s.State = api.StateCompleted
	return s
}

func ids(ss []api.Session) []string {
	out := []string{}
	for _, s := range ss {
		out = append(out, s.ID)
	}
	return out
}

func findingIDs(fs []Finding) []string {
	out := []string{}
	for _, f := range fs {
		out = append(out, f.ID)
	}
	return out
}

func TestReconcileAllStillActive(t *testing.T) {
	p := build(t, userInput())
	f := newFake(sess("S-1", "bwilliams", "A-1", t0.Add(-time.Hour), "web"), sess("S-2", "bwilliams", "A-2", t0, "web", "ssh"))
	r, err := Reconcile(context.Background(), f, p, 0)
	require.NoError(t, err)
	assert.Equal(t, []string{"S-1", "S-2"}, ids(r.Send))
	assert.Empty(t, r.Skipped)
	assert.Empty(t, r.Drift)
	assert.Empty(t, r.Reconnects)
	assert.ElementsMatch(t, []string{"S-1", "S-2"}, f.gets)
	assert.Equal(t, []api.ListSessionsParams{{State: api.StateActive, User: "bwilliams"}}, f.lists)
	assert.Equal(t, "2 to send", r.Summary())
}

// A target ended between plan and apply is reported and skipped.
func TestReconcileTargetEnded(t *testing.T) {
	p := build(t, userInput())
	f := newFake(completed(sess("S-1", "bwilliams", "A-1", t0, "web")))
	r, err := Reconcile(context.Background(), f, p, 0)
	require.NoError(t, err)
	assert.Empty(t, r.Send)
	require.Len(t, r.Skipped, 2)
	assert.Equal(t, "S-1", r.Skipped[0].ID)
	assert.Equal(t, "no longer Active (state Completed)", r.Skipped[0].Why)
	assert.Equal(t, "bwilliams", r.Skipped[0].Planned.User)
	assert.Equal(t, "S-2", r.Skipped[1].ID)
	assert.Nil(t, r.Skipped[1].Session)
	assert.Contains(t, r.Skipped[1].Why, "gone")
	assert.Equal(t, "0 to send, 2 skipped (gone or no longer Active)", r.Summary())
}

// A session that now matches the selector and is not in the plan is drift:
// reported, never a target. So is one the server lists that does not
// match (a server ignoring the filter): that one is not even drift.
func TestReconcileDriftLeftAlone(t *testing.T) {
	p := build(t, userInput())
	f := newFake(
		sess("S-1", "bwilliams", "A-1", t0, "web"),
		sess("S-2", "bwilliams", "A-2", t0, "web"),
		sess("S-NEW", "BWilliams", "A-5", t0.Add(10*time.Minute), "web"),
		sess("S-OTHER", "jsmith", "A-1", t0.Add(10*time.Minute), "web"),
		sess("S-KELVIN", "bwilliam\u212a", "A-1", t0.Add(10*time.Minute), "web"),
	)
	r, err := Reconcile(context.Background(), f, p, 0)
	require.NoError(t, err)
	assert.Equal(t, []string{"S-1", "S-2"}, ids(r.Send))
	assert.Equal(t, []string{"S-NEW"}, findingIDs(r.Drift))
	assert.Contains(t, r.Drift[0].Why, "not in the plan; left alone (it needs a new plan)")
	assert.Empty(t, r.Reconnects, "no hold: nothing new is approved")
	assert.Equal(t, "2 to send, 1 drift (not in the plan, left alone)", r.Summary())
}

// Under --hold, a matching session created after the plan was made is a
// reconnect the plan approves; one older than the plan is still drift.
func TestReconcileHoldApprovesReconnects(t *testing.T) {
	in := userInput()
	in.Sites = in.Sites[:1]
	in.Hold = 15 * time.Minute
	p := build(t, in)
	f := newFake(
		sess("S-1", "bwilliams", "A-1", t0, "web"),
		sess("S-2", "bwilliams", "A-2", t0, "web"),
		sess("S-RECONNECT", "bwilliams", "A-1", t0.Add(5*time.Minute), "web"),
		sess("S-MISSED", "bwilliams", "A-1", t0.Add(-5*time.Minute), "web"),
		sess("S-UNDATED", "bwilliams", "A-1", time.Time{}, "web"),
	)
	r, err := Reconcile(context.Background(), f, p, 0)
	require.NoError(t, err)
	assert.Equal(t, []string{"S-1", "S-2"}, ids(r.Send))
	assert.Equal(t, []string{"S-RECONNECT"}, findingIDs(r.Reconnects))
	assert.Contains(t, r.Reconnects[0].Why, "approved by the plan's --hold 15m0s")
	assert.Equal(t, []string{"S-MISSED", "S-UNDATED"}, findingIDs(r.Drift))
	assert.Contains(t, r.Drift[0].Why, "created before the plan was made")
}

func TestReconcileAssetAndChannel(t *testing.T) {
	in := userInput()
	in.Selector = Selector{Asset: "web-01", Channel: "web"}
	in.Sites = in.Sites[:1]
	in.Sites[0].AssetID = "A-1"
	in.Sites[0].Sessions = []api.Session{sess("S-1", "bwilliams", "A-1", t0, "web"), sess("S-4", "jsmith", "A-1", t0, "WEB", "ssh")}
	p := build(t, in)
	f := newFake(
		sess("S-1", "bwilliams", "A-1", t0, "ssh"), // no longer on the selector's channel
		sess("S-4", "jsmith", "a-1", t0, "Web"),
		sess("S-5", "kdoe", "A-1", t0, "web"),
		sess("S-6", "kdoe", "A-2", t0, "web"),
	)
	r, err := Reconcile(context.Background(), f, p, 0)
	require.NoError(t, err)
	assert.Equal(t, []string{"S-4"}, ids(r.Send))
	assert.Equal(t, []string{"S-1"}, findingIDs(r.Skipped))
	assert.Contains(t, r.Skipped[0].Why, "no longer matches the plan's selector --asset web-01 --channel web")
	assert.Equal(t, []string{"S-5"}, findingIDs(r.Drift))
	assert.Equal(t, []api.ListSessionsParams{{State: api.StateActive, AssetID: "A-1", Channel: "web"}}, f.lists)
}

// A session that now reads as someone else's is not the one planned.
func TestReconcileIdentityChanged(t *testing.T) {
	p := build(t, userInput())
	f := newFake(sess("S-1", "jsmith", "A-1", t0, "web"), sess("S-2", "bwilliams", "A-9", t0, "web"))
	r, err := Reconcile(context.Background(), f, p, 0)
	require.NoError(t, err)
	assert.Empty(t, r.Send)
	assert.Equal(t, []string{"S-1", "S-2"}, findingIDs(r.Skipped))
	assert.Contains(t, r.Skipped[0].Why, "now reads as user jsmith on asset A-1, not bwilliams on A-1")
	assert.Contains(t, r.Skipped[1].Why, "on asset A-9")
}

func TestReconcileIDsNoDrift(t *testing.T) {
	in := userInput()
	in.Selector = Selector{IDs: []string{"S-1", "S-2"}}
	in.Sites = in.Sites[:1]
	p := build(t, in)
	f := newFake(sess("S-1", "bwilliams", "A-1", t0, "web"), sess("S-2", "bwilliams", "A-2", t0, "web"), sess("S-3", "bwilliams", "A-1", t0, "web"))
	r, err := Reconcile(context.Background(), f, p, 0)
	require.NoError(t, err)
	assert.Equal(t, []string{"S-1", "S-2"}, ids(r.Send))
	assert.Empty(t, f.lists, "a plan of IDs lists nothing")
	assert.Empty(t, r.Drift)
}

func TestReconcileSiteDown(t *testing.T) {
	p := build(t, userInput())
	f := newFake()
	f.getErr = errors.New("dial tcp 10.0.0.1:6443: connection refused")
	_, err := Reconcile(context.Background(), f, p, 1)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "re-reading session S-3 on "+serverB)
	assert.Contains(t, err.Error(), "connection refused; nothing was sent there")

	f = newFake(sess("S-3", "bwilliams", "A-3", t0, "web"))
	f.listErr = &api.HTTPError{StatusCode: 502, Method: "GET", URL: "/api/session/list"}
	_, err = Reconcile(context.Background(), f, p, 1)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "listing the sessions matching --user bwilliams on "+serverB)
}

// An Asset Manager cannot read the site-wide report: drift is not looked
// for, and Reconciled says so; the targets go on.
func TestReconcileDriftUnchecked(t *testing.T) {
	p := build(t, userInput())
	f := newFake(sess("S-3", "bwilliams", "A-3", t0, "web"))
	f.listErr = &api.HTTPError{StatusCode: http.StatusForbidden, Method: "GET", URL: "/api/session/list"}
	r, err := Reconcile(context.Background(), f, p, 1)
	require.NoError(t, err)
	assert.Equal(t, []string{"S-3"}, ids(r.Send))
	assert.Contains(t, r.DriftUnchecked, "cannot read the site-wide Sessions Report of "+serverB)
}

func TestReconcileCancelled(t *testing.T) {
	p := build(t, userInput())
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := Reconcile(ctx, newFake(), p, 0)
	assert.ErrorIs(t, err, context.Canceled)
	_, err = Reconcile(context.Background(), newFake(), p, 5)
	assert.Error(t, err)
}
