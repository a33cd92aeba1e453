package contain

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pamctl/pamctl/pkg/api"
	"github.com/pamctl/pamctl/pkg/audit"
	"github.com/pamctl/pamctl/pkg/clock"
	"github.com/pamctl/pamctl/pkg/cmdutil"
	pamplan "github.com/pamctl/pamctl/pkg/plan"
)

const (
	idA = "11111111-1111-4111-8111-000000000001"
	idB = "11111111-1111-4111-8111-000000000002"
	idD = "11111111-1111-4111-8111-000000000009" // drift
)

// otherUser is a site whose token is another user than the planner.
type otherUser struct{ *fakeAPI }

func (otherUser) UserContext(context.Context) (*api.UserContext, error) {
	return &api.UserContext{User: api.UserRef{ID: "u2", Name: "bob.ops"}, Roles: []string{"Administrator"}}, nil
}

func testPlan(t *testing.T, clk clock.Clock, twoPerson bool, hold time.Duration) *pamplan.Plan {
	t.Helper()
	sess := []api.Session{activeOf(idA, "a1"), activeOf(idB, "a1")}
	for i := range sess {
		sess[i].Created = api.Time{Time: clk.Now().Add(-time.Hour)}
	}
	p, err := pamplan.Build(pamplan.BuildInput{
		Clock: clk, TwoPerson: twoPerson, Reason: "INC-1", Max: 20, Hold: hold, LocalUser: "alice",
		Selector: pamplan.Selector{User: "bob"},
		Sites:    []pamplan.SiteInput{{Server: "http://127.0.0.1:1/ztna/demo/root", Planner: api.UserRef{ID: "u1", Name: "admin"}, Sessions: sess}},
	})
	require.NoError(t, err)
	return p
}

// b was terminated since the plan, d matches now but is not in it.
func reconciledSite() *fakeAPI {
	return &fakeAPI{
		get: func(id string) (*api.Session, error) {
			s := activeOf(id, "a1")
			if id == idB {
				s.State = api.StateCompleted
			}
			return &s, nil
		},
		list: func(int, api.ListSessionsParams) ([]api.Session, error) {
			return []api.Session{activeOf(idA, "a1"), activeOf(idD, "a1")}, nil
		},
		term: func(id string) (*api.Session, error) { return &api.Session{ID: id, State: api.StateCompleted}, nil },
	}
}

func TestPrepareApplySortsTheSite(t *testing.T) {
	clk := clock.NewAuto(time.Now())
	p := testPlan(t, clk, false, 0)
	ap, err := PrepareApply(context.Background(), p, []PlanSite{{API: reconciledSite()}}, "bob", "")
	require.NoError(t, err)
	require.Len(t, ap.Sites, 1)
	assert.Equal(t, []string{idA}, ap.Sites[0].IDs, "only the target still Active is sent")
	assert.Equal(t, 1, ap.Drift)
	require.NotNil(t, ap.Sites[0].Approval)
	assert.Equal(t, "admin", ap.Sites[0].Approval.Planner.User)
	assert.Equal(t, "admin", ap.Sites[0].Approval.Approver.User)
	assert.Equal(t, p.Digest, ap.Sites[0].Approval.PlanDigest)
	assert.Nil(t, ap.Sites[0].Hold)
}

// Under --two-person the planner's own token refuses the whole plan (6),
// before any site is sent anything.
func TestPrepareApplyRefusesThePlanner(t *testing.T) {
	clk := clock.NewAuto(time.Now())
	p := testPlan(t, clk, true, 0)
	f := reconciledSite()
	_, err := PrepareApply(context.Background(), p, []PlanSite{{API: f}}, "alice", "")
	require.Error(t, err)
	assert.Equal(t, cmdutil.ExitRefused, cmdutil.ExitCode(err))
	assert.True(t, errors.Is(err, pamplan.ErrSamePerson))
	assert.Zero(t, f.listCalls, "refused before reconciling")
	assert.Empty(t, f.posts)
}

// A site that cannot be used is handed on with its error, unwrapped (the
// engine names the site itself).
func TestPrepareApplyFailedSiteGoesOn(t *testing.T) {
	clk := clock.NewAuto(time.Now())
	p := testPlan(t, clk, false, 0)
	down := errors.New("connection refused")
	ap, err := PrepareApply(context.Background(), p, []PlanSite{{Name: "east", Err: down}}, "bob", "")
	require.NoError(t, err)
	require.Len(t, ap.Sites, 1)
	assert.Same(t, down, ap.Sites[0].Err)
	assert.Nil(t, ap.Sites[0].API)
}

// Applied end to end through the engine: the target is sent, the drift
// is not, and the journal line carries both people; under the plan's
// hold, the drift stays alone for the hold's whole length.
func TestApplyThroughTheEngine(t *testing.T) {
	clk := clock.NewAuto(time.Now())
	p := testPlan(t, clk, true, time.Minute)
	f := reconciledSite()
	ap, err := PrepareApply(context.Background(), p, []PlanSite{{API: otherUser{f}}}, "bob", "alice@example.com")
	require.NoError(t, err)
	require.NotNil(t, ap.Sites[0].Hold)
	assert.Equal(t, []string{idD}, ap.Sites[0].Hold.Known)
	jpath := filepath.Join(t.TempDir(), "audit.jsonl")
	h := &Helper{
		Config: Config{Yes: true, NoWait: true, Concurrency: 1, Max: p.Max, MaxSet: true, Reason: p.Reason,
			Hold: p.HoldDuration(), Interval: 5 * time.Second, WaitTimeout: time.Second},
		Sites: ap.Sites, Clock: clk,
		Callbacks: Callbacks{OpenJournal: func() (Journal, error) { return audit.Open(jpath) }},
	}
	_, err = h.Run(context.Background())
	require.NoError(t, err)
	assert.Equal(t, []string{idA}, f.posts, "the drift is never sent, not even by the hold")
	fh, err := os.Open(jpath)
	require.NoError(t, err)
	defer fh.Close()
	sc := bufio.NewScanner(fh)
	require.True(t, sc.Scan())
	var line map[string]any
	require.NoError(t, json.Unmarshal(sc.Bytes(), &line))
	assert.Equal(t, p.Digest, line["planDigest"])
	assert.Equal(t, map[string]any{"user": "admin", "localUser": "alice"}, line["planner"])
	assert.Equal(t, map[string]any{"user": "bob.ops", "localUser": "bob"}, line["approver"])
	assert.Equal(t, "alice@example.com", line["signedBy"])
	assert.False(t, sc.Scan(), "one line: the drift is not journaled as acted on")
}
