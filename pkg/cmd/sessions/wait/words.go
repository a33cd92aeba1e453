package wait

import (
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/pamctl/pamctl/pkg/cmdutil"
	"github.com/pamctl/pamctl/pkg/poll"
	"github.com/pamctl/pamctl/pkg/text"
)

func describe(opts *WaitOptions) string {
	if len(opts.IDs) > 0 {
		what := "session " + opts.IDs[0]
		if len(opts.IDs) > 1 {
			what = text.Plural(len(opts.IDs), "session")
		}
		if opts.For == ForStarted {
			return what + " to start"
		}
		return what + " to end"
	}
	if opts.For == ForStarted {
		return "one of the " + opts.Selector.Describe() + " to start"
	}
	return "the active " + opts.Selector.Describe() + " to end"
}

func remain(opts *WaitOptions, st *state) string {
	if opts.For == ForStarted {
		return "none active yet"
	}
	return fmt.Sprintf("%d still active", len(st.active))
}

// maxListed bounds the IDs named in the timeout message.
const maxListed = 5

// timedOut is exit 8 at --timeout (err a poll.DeadlineError). Before the
// server answered once there is no state to tell: the line is watch's
// (poll.NoAnswerError). Otherwise it is the state of the last answered
// check, and whether a check after it failed.
func timedOut(opts *WaitOptions, st *state, err error) error {
	var de *poll.DeadlineError
	errors.As(err, &de)
	if !st.answered {
		last := err
		if de != nil && de.Last != nil {
			last = de.Last
		}
		return &poll.NoAnswerError{Timeout: opts.Timeout, Last: last}
	}
	msg := fmt.Sprintf("timed out after %s: %s", opts.Timeout, timeoutDetail(opts, st))
	if de != nil && de.Last != nil {
		msg += fmt.Sprintf("; the last check failed (%s), so this is the state of the check before", text.Safe(de.Last.Error()))
	}
	return &cmdutil.ExitError{Code: cmdutil.ExitTimeout, Message: msg}
}

// timeoutDetail is what the last answered check saw: with --for ended,
// the sessions still active, named (never an empty list: a check that saw
// none met the condition).
func timeoutDetail(opts *WaitOptions, st *state) string {
	if opts.For == ForStarted {
		return "none of the " + opts.Selector.Describe() + " is active"
	}
	if len(st.active) == 0 {
		return "the last check saw no session still active"
	}
	safe := make([]string, 0, maxListed)
	for _, id := range st.active[:min(len(st.active), maxListed)] {
		safe = append(safe, text.Safe(id))
	}
	return fmt.Sprintf("%s still active (%s)", text.Plural(len(st.active), "session"), text.Capped(safe, len(st.active), ", "))
}

func doneLine(opts *WaitOptions, st *state) string {
	switch {
	case opts.For == ForStarted:
		return fmt.Sprintf("%s active", text.Plural(len(st.active), "matching session"))
	case len(opts.IDs) > 0:
		return fmt.Sprintf("%s no longer active", text.Plural(len(opts.IDs), "named session"))
	}
	return "None of the " + opts.Selector.Describe() + " is active"
}

func round(d time.Duration) time.Duration { return d.Round(time.Second) }

// progress is one line on a terminal's stderr, rewritten in place.
type progress struct {
	w     io.Writer
	on    bool
	shown bool
}

func (p *progress) show(line string) {
	if !p.on {
		return
	}
	fmt.Fprintf(p.w, "\r\x1b[K%s", line)
	p.shown = true
}

func (p *progress) clear() {
	if p.on && p.shown {
		fmt.Fprint(p.w, "\r\x1b[K")
		p.shown = false
	}
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(b []byte) (int, error) { return f(b) }
