package contain

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pamctl/pamctl/pkg/api"
	"github.com/pamctl/pamctl/pkg/audit"
	"github.com/pamctl/pamctl/pkg/clock"
	"github.com/pamctl/pamctl/pkg/cmdutil"
)

// failingJournal writes `ok` lines, then fails every write (a full disk,
// a file size limit).
type failingJournal struct {
	mu    sync.Mutex
	ok    int
	lines []string
}

func (j *failingJournal) Append(entries ...audit.Entry) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	if len(j.lines) >= j.ok {
		return errors.New("audit journal /x/audit.jsonl: write: file too large")
	}
	for _, e := range entries {
		j.lines = append(j.lines, e.Session+" "+e.Result)
	}
	return nil
}

func (j *failingJournal) Close() error { return nil }

// A journal line that cannot be written stops the run: nothing new is
// sent, exit 7, and every session whose line is missing is named.
func TestJournalThatCannotBeWrittenStopsTheRun(t *testing.T) {
	ids := []string{"11111111-1111-4111-8111-000000000001", "11111111-1111-4111-8111-000000000002", "11111111-1111-4111-8111-000000000003"}
	f := &fakeAPI{
		get: func(id string) (*api.Session, error) { s := activeOf(id, "a1"); return &s, nil },
		term: func(id string) (*api.Session, error) {
			s := activeOf(id, "a1")
			s.State = api.StateCompleted
			return &s, nil
		},
	}
	j := &failingJournal{ok: 1}
	var notes []string
	var mu sync.Mutex
	h := &Helper{
		Config: Config{IDs: ids, Yes: true, NoWait: true, Concurrency: 1, Max: 20},
		Sites:  []Site{{API: f}},
		Clock:  clock.NewAuto(time.Now()),
		Callbacks: Callbacks{
			Note:        func(line string) { mu.Lock(); notes = append(notes, line); mu.Unlock() },
			OpenJournal: func() (Journal, error) { return j, nil },
		},
	}
	results, err := h.Run(context.Background())
	require.Error(t, err)
	assert.Equal(t, cmdutil.ExitUnverified, cmdutil.ExitCode(err))
	assert.Equal(t, "the audit journal could not be written (audit journal /x/audit.jsonl: write: file too large): nothing more was sent; no journal line for 2 sessions: "+ids[1]+", "+ids[2]+" (see the results above)", err.Error())
	assert.Equal(t, []string{ids[0], ids[1]}, f.posts, "nothing is sent after the line that failed")
	assert.Equal(t, []string{ids[0] + " terminated"}, j.lines)
	assert.Contains(t, notes, "pamctl: the audit journal could not be written (audit journal /x/audit.jsonl: write: file too large): sending nothing more")
	require.Len(t, results, 3)
	assert.Equal(t, ResultSkipped, results[2].Result)
	assert.Equal(t, errJournalHalt, results[2].Error)
}

// A session the server says it ended, the Completed list and the Events
// Report agree, but read by ID it is Active: not contained (5).
func TestReadBackByIDOverrulesTheCompletedList(t *testing.T) {
	id := "11111111-1111-4111-8111-000000000001"
	f := &fakeAPI{get: func(id string) (*api.Session, error) { s := activeOf(id, "a1"); return &s, nil }}
	o := fakeOpts()
	e := newEngine(f, clock.NewAuto(time.Now()), o, nil)
	r := &Result{ID: id, Result: ResultTerminated, Verified: true, readCompleted: true, eventLine: "Events Report: ..."}
	e.readBackByID(context.Background(), []*Result{r})
	assert.Equal(t, ResultFailed, r.Result)
	assert.False(t, r.Verified)
	err := outcome([]*Result{r}, false, o, nil)
	assert.Equal(t, cmdutil.ExitPartial, cmdutil.ExitCode(err))
	assert.Equal(t, "session "+id+" was not terminated: not contained: it reads back Active by ID, though the terminate was answered as done, the Completed list shows it and the Events Report has its Terminate Session event", err.Error())
}

// An interrupted terminate says why it is not verified, never an empty
// reason after the colon.
func TestInterruptedTerminateSaysWhy(t *testing.T) {
	id := "11111111-1111-4111-8111-000000000001"
	r := &Result{ID: id, User: "bwilliams", Asset: "db-prod-01", Result: ResultTerminated}
	interrupted([]*Result{r}, 3*time.Second+400*time.Millisecond, false)
	var b strings.Builder
	printReport(&b, []*Result{r}, false)
	assert.Equal(t, "Terminated "+id+" (bwilliams on db-prod-01), NOT verified: interrupted after 3s, before it was verified; check with `pamctl sessions get "+id+"`\n", b.String())
}

// A session nobody could read is named by its ID alone: no "( on )".
func TestReportLineWithoutUserOrAsset(t *testing.T) {
	id := "11111111-1111-4111-8111-000000000003"
	r := &Result{ID: id, Result: ResultSkipped, Error: "not permitted to read this session (HTTP 403), so it was not sent"}
	var b strings.Builder
	printReport(&b, []*Result{r}, false)
	assert.Equal(t, "Skipped "+id+": not permitted to read this session (HTTP 403), so it was not sent\n", b.String())
}
