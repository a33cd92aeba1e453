package contain

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/pamctl/pamctl/pkg/api"
	query "github.com/pamctl/pamctl/pkg/cmd/sessions/selector"
	"github.com/pamctl/pamctl/pkg/cmdutil"
	"github.com/pamctl/pamctl/pkg/output"
	"github.com/pamctl/pamctl/pkg/text"
)

// The web UI's dialog (Sessions Report, Actions > Terminate, then
// confirm), in words: who is disconnected, and that they cannot come back
// to that session.
const (
	// questionOne is the yes/no question for one session (user, asset, ID, user).
	questionOne = "Terminate the session of %s on %s (%s)? %s will be disconnected and logged out of the PAM session, and cannot reconnect to this session."
	// warningMany precedes the typed count for several sessions.
	warningMany = "The users of these %d sessions will be disconnected and logged out of their PAM sessions, and cannot reconnect to them.\n"
	// questionHoldOnly is asked when nothing matches yet but a hold was asked for.
	questionHoldOnly = "Nothing matches now. Hold: terminate %s?"
	// questionMany asks for the count, typed out.
	questionMany = "Type the number of sessions to terminate (%s):"
	// roleNote is said before the question when the user has no
	// Administrator site role.
	roleNote = "note: %s has no Administrator site role: only sessions on assets where %s is Asset Manager can be terminated; the others will be refused by the server (and pamctl stops sending for an asset after its first refusal).\n"
)

// printPreview shows what will be terminated and what is skipped, and
// where, on stderr. A name shown escaped is marked as in the question
// (text.Marked), so "db-prod-01\u3164" is not read as db-prod-01.
func (e *engine) printPreview(w io.Writer, uc *api.UserContext, p *plan, send []*Result) {
	now := e.clock.Now
	fmt.Fprintf(w, "Server: %s (as %s)\n", siteLabel(e.api, uc), text.Safe(uc.User.Name))
	for _, n := range p.notes {
		fmt.Fprintln(w, n)
	}
	tableOpts := output.Options{Format: output.Table, Now: now}
	if len(send) > 0 {
		verb := "To terminate"
		if e.opts.DryRun {
			verb = "Would terminate"
		}
		fmt.Fprintf(w, "%s: %s\n", verb, text.Plural(len(send), "session"))
		_ = output.PrintList(w, tableOpts, send, []output.Column[*Result]{
			{Header: "SESSION ID", Value: func(r *Result) any { return r.ID }},
			{Header: "ASSET", Value: func(r *Result) any { return text.Marked(r.Asset) }},
			{Header: "USER", Value: func(r *Result) any { return text.Marked(r.User) }},
			{Header: "CHANNELS", Value: func(r *Result) any { return r.channels() }},
			{Header: "STARTED", Value: func(r *Result) any { return started(r, now()) }},
		})
	}
	var skipped []*Result
	for _, r := range p.results {
		if !r.pending() {
			// Said here, with its reason; nothing happens to it after,
			// so the report does not say it again.
			r.reported = true
			skipped = append(skipped, r)
		}
	}
	if len(skipped) > 0 {
		fmt.Fprintf(w, "Skipped: %s\n", text.Plural(len(skipped), "session"))
		_ = output.PrintList(w, tableOpts, skipped, []output.Column[*Result]{
			{Header: "SESSION ID", Value: func(r *Result) any { return r.ID }},
			{Header: "ASSET", Value: func(r *Result) any { return text.Marked(r.Asset) }},
			{Header: "USER", Value: func(r *Result) any { return text.Marked(r.User) }},
			{Header: "CHANNELS", Value: func(r *Result) any { return r.channels() }},
			{Header: "REASON", Value: func(r *Result) any { return skipReason(r) }},
		})
	}
	if len(send) == 0 {
		fmt.Fprintln(w, "Nothing to terminate.")
		return
	}
	if !isAdmin(uc) {
		name := text.Safe(uc.User.Name)
		fmt.Fprintf(w, roleNote, name, name)
	}
}

// confirm asks the web UI's question. One session: yes/no, default no,
// naming who will be disconnected. Several: the number, typed out. A
// signal while the question is open cancels it: nothing is sent.
func (e *engine) confirm(ctx context.Context, send []*Result) error {
	p := e.prompter
	type answer struct {
		ok  bool
		err error
	}
	ask := func(q func() (bool, error)) error {
		ch := make(chan answer, 1)
		go func() {
			ok, err := q()
			ch <- answer{ok, err}
		}()
		select {
		case <-ctx.Done():
			return &cmdutil.ExitError{Code: cmdutil.ExitCancelled, Message: "cancelled at the confirmation; nothing was sent"}
		case a := <-ch:
			if a.err != nil {
				return a.err
			}
			if ctx.Err() != nil {
				return &cmdutil.ExitError{Code: cmdutil.ExitCancelled, Message: "cancelled at the confirmation; nothing was sent"}
			}
			if !a.ok {
				return errNotConfirmed
			}
			return nil
		}
	}
	hold := ""
	if e.opts.Hold > 0 {
		hold = " and " + holdWords(&query.Selector{Asset: e.opts.Asset, User: e.opts.User, Channel: e.opts.Channel}, e.opts.Hold)
	}
	if len(send) == 0 {
		return ask(func() (bool, error) {
			return p.Confirm(fmt.Sprintf(questionHoldOnly, strings.TrimSpace(hold)), false)
		})
	}
	if len(send) == 1 {
		r := send[0]
		user, asset := text.Marked(r.User), text.Marked(r.Asset)
		q := fmt.Sprintf(questionOne, user, asset, r.ID, user)
		if hold != "" {
			q = fmt.Sprintf("Terminate the session of %s on %s (%s)%s? They will be disconnected and logged out of the PAM session.", user, asset, r.ID, hold)
		}
		return ask(func() (bool, error) { return p.Confirm(q, false) })
	}
	if hold != "" {
		fmt.Fprintf(e.errOut, "With --hold: %s.\n", strings.TrimSpace(hold))
	}
	fmt.Fprintf(e.errOut, warningMany, len(send))
	want := strconv.Itoa(len(send))
	var typed string
	err := ask(func() (bool, error) {
		got, err := p.Input(fmt.Sprintf(questionMany, want), "")
		typed = strings.TrimSpace(got)
		return typed == want, err
	})
	if errors.Is(err, errNotConfirmed) {
		return &cmdutil.ExitError{Code: cmdutil.ExitCancelled, Message: fmt.Sprintf("you typed %q, not %s; nothing was sent", text.Safe(typed), want)}
	}
	return err
}

var errNotConfirmed = &cmdutil.ExitError{Code: cmdutil.ExitCancelled, Message: "not confirmed; nothing was sent"}

func siteLabel(c API, uc *api.UserContext) string {
	site := uc.Space.Name
	if site == "" {
		site = "?"
	}
	return fmt.Sprintf("site %s at %s", text.Safe(site), c.Server())
}

func started(r *Result, now time.Time) string {
	if r.sess == nil || r.sess.Created.IsZero() {
		return ""
	}
	t := r.sess.Created.UTC()
	return output.RFC3339(t) + " (" + output.Age(t, now) + ")"
}
