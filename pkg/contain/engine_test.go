package contain

import (
	"context"
	"fmt"
	"net/http"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pamctl/pamctl/pkg/api"
	"github.com/pamctl/pamctl/pkg/audit"
	"github.com/pamctl/pamctl/pkg/clock"
	query "github.com/pamctl/pamctl/pkg/cmd/sessions/selector"
	"github.com/pamctl/pamctl/pkg/cmdutil"
)

// fakeAPI is the engine's API in 30 lines: each test says what the server
// answers; the simulator-backed tests are the integration layer.
type fakeAPI struct {
	mu   sync.Mutex
	list func(call int, p api.ListSessionsParams) ([]api.Session, error)
	get  func(id string) (*api.Session, error)
	term func(id string) (*api.Session, error)
	// events answers the Events Report (nil: no event).
	events    func(ctx context.Context) ([]api.Event, error)
	listCalls int
	posts     []string
}

func (f *fakeAPI) UserContext(context.Context) (*api.UserContext, error) {
	return &api.UserContext{User: api.UserRef{Name: "admin"}, Roles: []string{"Administrator"}}, nil
}
func (f *fakeAPI) GetSession(_ context.Context, id string) (*api.Session, error) { return f.get(id) }
func (f *fakeAPI) ListSessions(_ context.Context, p api.ListSessionsParams) ([]api.Session, error) {
	f.mu.Lock()
	f.listCalls++
	n := f.listCalls
	f.mu.Unlock()
	return f.list(n, p)
}
func (f *fakeAPI) TerminateSession(_ context.Context, id string) (*api.Session, error) {
	f.mu.Lock()
	f.posts = append(f.posts, id)
	f.mu.Unlock()
	return f.term(id)
}
func (f *fakeAPI) ListEvents(ctx context.Context, _ api.ListEventsParams) ([]api.Event, error) {
	if f.events != nil {
		return f.events(ctx)
	}
	return nil, nil
}
func (f *fakeAPI) SessionEvents(context.Context, string) ([]api.SessionEvent, error) { return nil, nil }
func (f *fakeAPI) GetAsset(context.Context, string) (*api.Asset, error)              { return nil, nil }
func (f *fakeAPI) ListAssets(context.Context, string, int) ([]api.Asset, error)      { return nil, nil }
func (f *fakeAPI) Server() string                                                    { return "http://127.0.0.1:1/ztna/demo/root" }
func (f *fakeAPI) Host() string                                                      { return "127.0.0.1:1" }
func (f *fakeAPI) Timeout() time.Duration                                            { return time.Second }

func fakeOpts() *Config {
	return &Config{User: "bob", Yes: true, Max: 20, WaitTimeout: time.Second,
		Concurrency: 4, Hold: time.Minute, Interval: 5 * time.Second, NoWait: true}
}

func activeOf(id, asset string) api.Session {
	return api.Session{ID: id, AssetID: asset, User: "bob", State: api.StateActive, Channels: []string{"SSH"}}
}

func selectorPlan() *plan {
	return &plan{selector: &query.Selector{User: "bob"}, scopes: []api.ListSessionsParams{{State: api.StateActive, User: "bob"}}}
}

// A hold whose last polls failed did not see the selector at the end: not
// contained, never exit 0.
func TestHoldLastPollFailedIsNotContained(t *testing.T) {
	f := &fakeAPI{list: func(int, api.ListSessionsParams) ([]api.Session, error) {
		return nil, &api.HTTPError{StatusCode: http.StatusServiceUnavailable, Method: "GET", URL: "x"}
	}}
	o := fakeOpts()
	e := newEngine(f, clock.NewAuto(time.Now()), o, nil)
	p := selectorPlan()
	_, err := e.hold(context.Background(), p, e.clock.Now().Add(time.Minute), new(atomic.Int64))
	require.Error(t, err)
	assert.Equal(t, cmdutil.ExitUnverified, cmdutil.ExitCode(outcome(p.results, false, o, err)))
}

// A reconnect whose ID pamctl cannot use is reported and journaled, and
// the run is not contained.
func TestHoldReportsUnusableID(t *testing.T) {
	f := &fakeAPI{list: func(int, api.ListSessionsParams) ([]api.Session, error) {
		return []api.Session{activeOf("bad id with space", "a1")}, nil
	}}
	o := fakeOpts()
	var journaled []Result
	e := newEngine(f, clock.NewAuto(time.Now()), o, func(r Result) { journaled = append(journaled, r) })
	p := selectorPlan()
	_, err := e.hold(context.Background(), p, e.clock.Now().Add(time.Minute), new(atomic.Int64))
	require.NoError(t, err)
	require.Len(t, p.results, 1)
	assert.Len(t, journaled, 1)
	assert.Equal(t, cmdutil.ExitPartial, cmdutil.ExitCode(outcome(p.results, false, o, nil)))
	assert.Empty(t, f.posts)
}

// With several scopes, a scope that fails leaves no other scope's new
// session marked known but never sent: the next poll takes it.
func TestHoldScopeErrorKeepsReconnect(t *testing.T) {
	f := &fakeAPI{
		list: func(n int, p api.ListSessionsParams) ([]api.Session, error) {
			if p.AssetID == "a2" && n == 2 {
				return nil, &api.HTTPError{StatusCode: 502, Method: "GET", URL: "x"}
			}
			if p.AssetID == "a1" {
				return []api.Session{activeOf("s-new", "a1")}, nil
			}
			return nil, nil
		},
		term: func(id string) (*api.Session, error) { return &api.Session{ID: id, State: api.StateCompleted}, nil },
	}
	o := fakeOpts()
	e := newEngine(f, clock.NewAuto(time.Now()), o, nil)
	p := &plan{selector: &query.Selector{User: "bob"}, partial: true, scopes: []api.ListSessionsParams{
		{State: api.StateActive, User: "bob", AssetID: "a1"}, {State: api.StateActive, User: "bob", AssetID: "a2"}}}
	_, err := e.hold(context.Background(), p, e.clock.Now().Add(time.Minute), new(atomic.Int64))
	require.NoError(t, err)
	assert.Equal(t, []string{"s-new"}, f.posts, "sent at the next poll")
	require.Len(t, p.results, 1)
	assert.Equal(t, ResultTerminated, p.results[0].Result)
}

// A terminate answered 404 whose read-back fails is not "gone": the
// session may still be connected.
func TestTerminate404ReadBackFailedIsNotContained(t *testing.T) {
	id := "11111111-1111-4111-8111-000000000001"
	f := &fakeAPI{
		get: func(string) (*api.Session, error) {
			return nil, &api.HTTPError{StatusCode: 500, Method: "GET", URL: "x"}
		},
		term: func(string) (*api.Session, error) {
			return nil, &api.HTTPError{StatusCode: 404, Method: "POST", URL: "x"}
		},
	}
	o := fakeOpts()
	o.Hold, o.User, o.IDs = 0, "", []string{id}
	e := newEngine(f, clock.NewAuto(time.Now()), o, nil)
	s := activeOf(id, "a1")
	r := &Result{ID: id, named: true}
	r.setSession(&s)
	e.sendAll(context.Background(), []*Result{r})
	assert.Equal(t, ResultFailed, r.Result)
	assert.Contains(t, r.Error, "reading the session back failed")
	assert.Equal(t, cmdutil.ExitPartial, cmdutil.ExitCode(outcome([]*Result{r}, false, o, nil)))
}

// A session in a state the contract does not have is not sent, and not
// counted as ended.
func TestUnknownStateIsNotContained(t *testing.T) {
	id := "11111111-1111-4111-8111-000000000001"
	f := &fakeAPI{get: func(string) (*api.Session, error) {
		s := activeOf(id, "a1")
		s.State = "ACTIVE"
		return &s, nil
	}}
	o := fakeOpts()
	o.Hold, o.User, o.IDs = 0, "", []string{id}
	e := newEngine(f, clock.NewAuto(time.Now()), o, nil)
	p, err := e.planIDs(context.Background())
	require.NoError(t, err)
	assert.Empty(t, p.toSend())
	assert.NotEqual(t, 0, cmdutil.ExitCode(outcome(p.results, false, o, nil)))
}

// An unusable ID shown escaped is still one session to the re-list.
func TestUnusableIDIsOneResult(t *testing.T) {
	f := &fakeAPI{list: func(int, api.ListSessionsParams) ([]api.Session, error) {
		return []api.Session{activeOf("s\u200b1", "a1")}, nil
	}}
	o := fakeOpts()
	o.Hold = 0
	e := newEngine(f, clock.NewAuto(time.Now()), o, nil)
	p, err := e.planSelector(context.Background())
	require.NoError(t, err)
	require.Len(t, p.results, 1)
	listed, err := e.listGround(context.Background(), p, groundScopes(p, nil))
	require.NoError(t, err)
	assert.Empty(t, e.judgeGround(p, listed, time.Now()))
}

// IDs fold in ASCII only: "ſess-1" is not "sess-1", so the answer to a
// read of sess-1 that carries ſess-1 is refused by the client (see
// TestReadByIDChecksIdentity), and the POST never goes to another spelling.
func TestIDsFoldInASCIIOnly(t *testing.T) {
	assert.False(t, api.SameID("\u017fess-1", "sess-1"))
	assert.True(t, api.SameID("ABC-def", "abc-DEF"))
	assert.Equal(t, "abc-def-\u017f", api.IDKey("ABC-Def-\u017f"))
}

// The quit hook never finds a session settled whose journal line is not
// written yet: it waits for the line.
func TestQuitWaitsForTheLineBeingWritten(t *testing.T) {
	o := fakeOpts()
	inJournal, release := make(chan struct{}), make(chan struct{})
	var mu sync.Mutex
	lines := 0
	e := newEngine(&fakeAPI{}, clock.NewAuto(time.Now()), o, func(Result) {
		select {
		case <-inJournal:
		default:
			close(inJournal)
			<-release
		}
		mu.Lock()
		lines++
		mu.Unlock()
	})
	r := &Result{ID: "s1", sent: true, Result: ResultTerminated}
	e.record(r)
	go e.settle(r)
	<-inJournal
	atReturn := make(chan int)
	go func() {
		e.quitJournal()
		mu.Lock()
		defer mu.Unlock()
		atReturn <- lines
	}()
	close(release)
	assert.Equal(t, 1, <-atReturn, "when the hook returns (and main exits), the line is written, once")
}

// The callbacks: Planned once per site before anything is sent, Sent per
// request, Settled per session after its journal line; Note gets whole
// lines, Results the results once.
func TestHelperCallbacks(t *testing.T) {
	var mu sync.Mutex
	var events []string
	add := func(s string) { mu.Lock(); events = append(events, s); mu.Unlock() }
	f := &fakeAPI{
		get: func(id string) (*api.Session, error) { s := activeOf(id, "a1"); return &s, nil },
		term: func(id string) (*api.Session, error) {
			s := activeOf(id, "a1")
			s.State = api.StateCompleted
			return &s, nil
		},
	}
	h := &Helper{
		Config: Config{IDs: []string{"11111111-1111-4111-8111-000000000001"}, Yes: true, NoWait: true, Concurrency: 1, Max: 20},
		Sites:  []Site{{API: f}},
		Clock:  clock.NewAuto(time.Now()),
		Callbacks: Callbacks{
			Note:    func(line string) { assert.NotContains(t, line, "\n") },
			Results: func(rs []*Result, fanOut bool) error { add(fmt.Sprintf("results %d %v", len(rs), fanOut)); return nil },
			OpenJournal: func() (Journal, error) {
				return audit.Open(filepath.Join(t.TempDir(), "audit.jsonl"))
			},
			Planned: func(site string, targets []Result) { add(fmt.Sprintf("planned %q %d", site, len(targets))) },
			Sent:    func(r Result) { add("sent " + r.ID) },
			Settled: func(r Result) { add("settled " + r.ID + " " + r.Result) },
		},
	}
	_, err := h.Run(context.Background())
	require.NoError(t, err)
	assert.Equal(t, []string{
		`planned "" 1`,
		"sent 11111111-1111-4111-8111-000000000001",
		"settled 11111111-1111-4111-8111-000000000001 terminated",
		"results 1 false",
	}, events)
}
