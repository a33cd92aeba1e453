package contain

import (
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestFold(t *testing.T) {
	ok := func() *Result { return &Result{Result: ResultTerminated, Verified: true} }
	fail := func() *Result { return &Result{Result: ResultFailed, stillActive: true, Error: "HTTP 500"} }
	perm := func() *Result { return &Result{Result: ResultFailed, stillActive: true, perm: true, Error: "HTTP 403"} }
	unknown := func() *Result { return &Result{Result: ResultUnknown, sent: true} }
	site := func(name string, rs ...*Result) *siteRun {
		return &siteRun{site: Site{Name: name}, p: &plan{results: rs}}
	}
	planFailed := &siteRun{site: Site{Name: "down"}, planErr: errors.New("HTTP 500")}
	cancelled := site("c", ok())
	cancelled.cancelled = true
	tests := []struct {
		name string
		runs []*siteRun
		want int
	}{
		{"all contained", []*siteRun{site("a", ok()), site("b", ok())}, 0},
		{"nothing matched anywhere", []*siteRun{site("a"), site("b")}, 0},
		{"every site failed", []*siteRun{site("a", fail()), site("b", fail())}, 5},
		{"every site not permitted", []*siteRun{site("a", perm()), site("b", perm())}, 3},
		{"failed and not permitted", []*siteRun{site("a", perm()), site("b", fail())}, 5},
		{"one site is its own outcome", []*siteRun{site("", fail())}, 5},
		{"one site not permitted", []*siteRun{site("", perm())}, 3},
		{"one failed, one contained", []*siteRun{site("a", fail()), site("b", ok())}, 5},
		{"one unverified", []*siteRun{site("a", ok()), site("b", unknown())}, 7},
		{"unverified and failed", []*siteRun{site("a", unknown()), site("b", fail())}, 5},
		{"a site not planned", []*siteRun{site("a", ok()), planFailed}, 5},
		{"a site not planned, the other unverified", []*siteRun{site("a", unknown()), planFailed}, 5},
		{"cancelled wins", []*siteRun{site("a", fail()), cancelled}, 130},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := &Config{WaitTimeout: 10 * time.Second}
			err := fold(io.Discard, opts, tt.runs)
			assert.Equal(t, tt.want, exitCode(t, err), "%v", err)
			if err != nil {
				assert.False(t, strings.Contains(err.Error(), "\n"))
			}
		})
	}
}

// A fan-out cancelled: the counts over every site that ran, only those
// not zero, each site's own line above it.
func TestFoldCancelledCounts(t *testing.T) {
	a := &siteRun{site: Site{Name: "a"}, p: &plan{results: []*Result{{Result: ResultTerminated}, {Result: ResultSkipped, Error: errNotSent}}}, cancelled: true}
	b := &siteRun{site: Site{Name: "b"}, p: &plan{results: []*Result{{Result: ResultTerminated}}}, cancelled: true}
	var w strings.Builder
	err := fold(&w, &Config{WaitTimeout: 10 * time.Second}, []*siteRun{a, b})
	assert.Equal(t, "cancelled on 2 sites: 2 terminated, 1 not sent (listed above)", err.Error())
	assert.Contains(t, w.String(), "site a: cancelled: 1 terminated, 1 not sent (listed above)")
	assert.Contains(t, w.String(), "site b: cancelled: 1 terminated (listed above)")
}
