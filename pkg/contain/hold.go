package contain

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"time"

	"github.com/pamctl/pamctl/pkg/api"
	query "github.com/pamctl/pamctl/pkg/cmd/sessions/selector"
	"github.com/pamctl/pamctl/pkg/cmdutil"
	"github.com/pamctl/pamctl/pkg/poll"
	"github.com/pamctl/pamctl/pkg/text"
)

// Containing an account is a period, not a moment: with --hold, after the
// run the selector's reports are polled every --interval until the hold
// ends (or Ctrl-C), and every new matching session (a reconnect) is
// terminated, verified and journaled like the others. Nobody confirms each
// one: the operator confirmed the hold itself, whose words say so
// (holdWords). --max caps the total.

// holdWords names what a hold covers: "any new session of bwilliams on any
// asset for the next 30m". The confirmation adds it after "and"; the Hold
// line before it says "terminate", so neither reads with a dangling word.
func holdWords(sel *query.Selector, d time.Duration) string {
	who := "matching " + sel.Flags()
	if sel.User != "" && sel.Asset == "" && sel.Channel == "" {
		who = "of " + text.Safe(sel.User) + " on any asset"
	}
	return fmt.Sprintf("any new session %s for the next %s", who, d)
}

// holdStats is the hold's evidence for the report: every reconnect seen.
type holdStats struct {
	// ran is how long the hold ran; interrupted: Ctrl-C ended it.
	ran         time.Duration
	interrupted bool
	polls       int
	unanswered  int // polls whose listing failed: the hold was blind then
	reconnects  int
	terminated  int
	capped      int // new sessions not sent because --max was reached
}

// hold polls the selector until the hold ends, terminating each new
// matching session; budget counts the sessions sent over every site
// (--max caps it). Each termination's report line is printed when it is
// known. It returns the hold's evidence, and context.Canceled when
// Ctrl-C cut it short.
func (e *engine) hold(ctx context.Context, p *plan, until time.Time, budget *atomic.Int64) (*holdStats, error) {
	st := &holdStats{}
	holdStart := e.clock.Now()
	known := make(map[string]bool, len(p.results))
	for _, r := range p.results {
		known[r.key()] = true
	}
	for _, id := range e.opts.holdKnown {
		known[api.IDKey(id)] = true
	}
	fmt.Fprintf(e.errOut, "Holding until %s: every new session matching %s is terminated (Ctrl-C ends the hold).\n",
		until.UTC().Format(time.RFC3339), p.selector.Flags())
	loop := &poll.Loop{Clock: e.clock, Interval: e.opts.Interval, ErrOut: e.errOut, What: "the Sessions Report", Deadline: until}
	err := loop.Run(ctx, func(ctx context.Context) (bool, error) {
		if e.halted() {
			return true, nil // a journal line could not be written
		}
		st.polls++
		var fresh []*Result
		// Every scope is listed, without the server's filter, before any
		// session is taken in: a scope that fails must not leave another's
		// new sessions marked known but never sent (ground.go).
		sessions, err := e.listGround(ctx, p, groundScopes(p, e.uc))
		if err != nil {
			st.unanswered++
			return false, err
		}
		e.againActive(p, sessions, known)
		for i := range sessions {
			s := &sessions[i]
			if known[api.IDKey(s.ID)] {
				continue
			}
			known[api.IDKey(s.ID)] = true
			r := &Result{ID: s.ID, Held: true}
			r.setSession(s)
			if err := api.ValidateID("session", s.ID); err != nil {
				// Never sent, but still connected: reported, and the
				// run is not contained.
				r.ID, r.Result, r.stillActive = text.Safe(s.ID), ResultSkipped, true
				r.Error = "the server listed an unusable session ID: " + err.Error()
				p.results = append(p.results, r)
				st.reconnects++
				e.settle(r)
				continue
			}
			r.classify(e.clock.Now())
			p.results = append(p.results, r)
			st.reconnects++
			fmt.Fprintf(e.errOut, "New session %s (%s on %s, %s)\n", r.ID, text.Safe(r.User), text.Safe(r.Asset), text.Safe(strings.Join(r.channels(), ",")))
			if !r.pending() {
				e.settle(r)
				continue
			}
			if budget.Add(1) > int64(e.opts.Max) {
				budget.Add(-1)
				r.Result, r.stillActive = ResultSkipped, true
				r.Error = fmt.Sprintf("not sent: --max %d reached during the hold", e.opts.Max)
				st.capped++
				e.settle(r)
				continue
			}
			fresh = append(fresh, r)
		}
		return false, e.holdSend(ctx, p, fresh, st)
	})
	st.ran = e.clock.Now().Sub(holdStart)
	if st.interrupted = errors.Is(err, context.Canceled); st.interrupted {
		st.ran = e.stop.since(holdStart, e.clock.Now())
	}
	var de *poll.DeadlineError
	if errors.As(err, &de) {
		// The hold ended; if its last look failed, nobody saw the
		// selector at the end: that is not "contained".
		err = de.Last
	}
	return st, err
}

// holdSend terminates a poll's new sessions, verifies them and says
// what became of each; context.Canceled when Ctrl-C stopped the sending.
func (e *engine) holdSend(ctx context.Context, p *plan, fresh []*Result, st *holdStats) error {
	if len(fresh) == 0 {
		return nil
	}
	start := e.clock.Now()
	for _, wave := range waves(fresh, e.admin) {
		if e.sendAll(ctx, wave) {
			// Interrupted: what was terminated counts all the same.
			st.terminated += countTerminated(fresh)
			return ctx.Err()
		}
	}
	if !e.opts.NoWait {
		e.verify(ctx, &plan{results: fresh, scopes: p.scopes, selector: p.selector}, start)
		e.readBackByID(ctx, fresh)
	}
	st.terminated += countTerminated(fresh)
	for _, r := range fresh {
		e.settle(r)
	}
	printReport(e.errOut, fresh, e.opts.NoWait)
	return nil
}

func countTerminated(rs []*Result) int {
	n := 0
	for _, r := range rs {
		if r.Result == ResultTerminated {
			n++
		}
	}
	return n
}

// summary is the hold's line in the report: the reconnect attempts are
// evidence too.
func (st *holdStats) summary(d time.Duration) string {
	ended := "ended"
	if st.interrupted {
		ended = "interrupted after " + st.ran.Round(time.Second).String()
	}
	polls := text.Plural(st.polls, "poll")
	if st.unanswered > 0 {
		// A poll that got no list saw nothing: say so, not "0 new".
		polls += fmt.Sprintf(" (%d unanswered)", st.unanswered)
	}
	s := fmt.Sprintf("Hold of %s %s: %s, %s seen, %d of them terminated", d, ended, polls, text.Plural(st.reconnects, "new session"), st.terminated)
	if st.capped > 0 {
		s += fmt.Sprintf(", %d not sent (--max reached)", st.capped)
	}
	return s + "."
}

// againActive is the hold's count of its own targets: one answered as
// ended that the unfiltered list shows Active again is not contained.
func (e *engine) againActive(p *plan, listed []api.Session, known map[string]bool) {
	for i := range listed {
		key := api.IDKey(listed[i].ID)
		if !known[key] {
			continue
		}
		for _, r := range p.results {
			if r.key() == key && r.Result == ResultTerminated && !e.opts.NoWait {
				e.stillActiveAfterEnd(r, "the Sessions Report, read without its filters, lists it Active again during the hold")
				e.record(r)
				cmdutil.Notef(e.errOut, "%s (%s on %s) was terminated, yet is listed Active again: not contained", r.ID, text.Safe(r.User), text.Safe(r.Asset))
			}
		}
	}
}
