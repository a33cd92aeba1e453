package contain

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/pamctl/pamctl/pkg/api"
	"github.com/pamctl/pamctl/pkg/audit"
	"github.com/pamctl/pamctl/pkg/cmdutil"
	"github.com/pamctl/pamctl/pkg/text"
)

// Results of one session (docs/exit-codes.md; -o json "result").
const (
	ResultTerminated       = "terminated"
	ResultAlreadyCompleted = "already-completed"
	ResultSkipped          = "skipped"
	ResultFailed           = "failed"
	// ResultUnknown is a request that was sent but whose outcome is not
	// known: never reported as "failed" unless a read-back shows it.
	ResultUnknown = "unknown"
	ResultDryRun  = "dry-run"
)

// Result is one session's outcome, the element of -o json's array and of
// the audit journal.
type Result struct {
	// Site is the profile the session lives on, in a fan-out
	// (--profiles, --all-profiles); absent otherwise.
	Site     string `json:"site,omitempty"`
	ID       string `json:"id"`
	Asset    string `json:"asset"`
	User     string `json:"user"`
	Result   string `json:"result"`
	Verified bool   `json:"verified"`
	Error    string `json:"error"`
	// Event is the verified Terminate Session event's message.
	Event string `json:"event,omitempty"`
	// Held marks a session that appeared during --hold (a reconnect).
	Held bool `json:"held,omitempty"`

	sess  *api.Session // as read before terminating; nil when unreadable
	named bool         // named by ID (a skip then counts as a failure)
	perm  bool         // failed or skipped for lack of permission
	sent  bool         // a terminate request was sent
	// stillActive: as far as pamctl knows, the session is still connected
	// (failed, native-only, not permitted, not sent, new since the preview).
	stillActive bool
	reconnect   bool // matched the selector after the preview
	// completed is the server's completion time from its answer.
	completed time.Time
	// readCompleted and eventLine are verification evidence.
	readCompleted bool
	eventLine     string
	// reported: its report line is printed (under --hold, when known).
	reported bool
	// requests counts the terminate requests sent for it (the journal
	// line says how many: 2 after the one resend).
	requests int
	// readByID: a read of the session by its ID showed it Completed
	// (verification by ID, or the read-back after it); readActive: the
	// last read by ID showed it Active.
	readByID, readActive bool
	// other: the terminate was answered with another session's body
	// (exit 7, both named in Error).
	other bool
}

func (r *Result) setSession(s *api.Session) {
	r.sess = s
	r.Asset = s.AssetName
	if r.Asset == "" {
		r.Asset = s.AssetID
	}
	r.User = s.User
}

func (r *Result) channels() []string {
	if r.sess == nil {
		return []string{}
	}
	return r.sess.Channels
}

// key is the session's ID as the server spells it, for comparisons: an
// unusable ID is shown escaped (r.ID), but a later listing sends it raw.
func (r *Result) key() string {
	if r.sess != nil && r.sess.ID != "" {
		return api.IDKey(r.sess.ID)
	}
	return api.IDKey(r.ID)
}

func (r *Result) assetID() string {
	if r.sess == nil {
		return ""
	}
	return r.sess.AssetID
}

// pending reports a result still to be sent.
func (r *Result) pending() bool { return r.Result == "" }

// entry is r's audit journal line.
func (r *Result) entry(now time.Time, operator string, site API, reason string) audit.Entry {
	return audit.Entry{
		Time: now, Operator: operator, Server: site.Server(), Contract: contractDigest(site), Session: r.ID,
		Asset: r.Asset, AssetID: r.assetID(), User: r.User, Channels: r.channels(),
		Reason: reason, Result: r.Result, Verified: r.Verified, Error: r.Error,
		Requests: r.requests,
	}
}

// contractDigest is the digest of the client's contract overlay ("" for a
// client without one, such as a test's fake).
func contractDigest(site API) string {
	if c, ok := site.(interface{ ContractDigest() string }); ok {
		return c.ContractDigest()
	}
	return ""
}

func skipReason(r *Result) string {
	if r.Result == ResultAlreadyCompleted {
		if r.eventLine != "" {
			return "already " + r.eventLine
		}
		return "already completed"
	}
	return r.Error
}

// printReport tells, on stderr, what happened to each session not
// reported yet.
func printReport(w io.Writer, results []*Result, noWait bool) {
	for _, r := range results {
		if r.reported || r.pending() {
			continue
		}
		r.reported = true
		who := r.who()
		switch r.Result {
		case ResultTerminated:
			switch {
			case r.Verified:
				fmt.Fprintf(w, "Terminated %s; verified: %s\n", who, text.Safe(r.eventLine))
			case noWait:
				fmt.Fprintf(w, "Terminated %s (not verified: --no-wait)\n", who)
			default:
				// One "not verified": the reason's own, when it has one
				// ("not verified within 30s: ...").
				why := pick(r.Error != "", r.Error, "not checked")
				if rest, ok := strings.CutPrefix(why, "not verified "); ok {
					fmt.Fprintf(w, "Terminated %s, NOT verified %s\n", who, rest)
				} else {
					fmt.Fprintf(w, "Terminated %s, NOT verified: %s\n", who, why)
				}
			}
		case ResultAlreadyCompleted:
			fmt.Fprintf(w, "Already completed: %s\n", who)
		case ResultSkipped:
			fmt.Fprintf(w, "Skipped %s: %s\n", who, r.Error)
		case ResultFailed:
			fmt.Fprintf(w, "FAILED %s: %s\n", who, r.Error)
		case ResultUnknown:
			fmt.Fprintf(w, "UNKNOWN %s: %s\n", who, r.Error)
		}
	}
}

// who names a session for a report line: "ID (user on asset)", or the
// ID alone when neither is known (a session that could not be read).
func (r *Result) who() string {
	user, asset := text.Safe(r.User), text.Safe(r.Asset)
	switch {
	case user == "" && asset == "":
		return r.ID
	case asset == "":
		return fmt.Sprintf("%s (%s)", r.ID, user)
	case user == "":
		return fmt.Sprintf("%s (on %s)", r.ID, asset)
	}
	return fmt.Sprintf("%s (%s on %s)", r.ID, user, asset)
}

// whyStill is "ID (user on asset: why)" for the not-contained line.
func (r *Result) whyStill() string {
	who := r.who()
	if who == r.ID {
		return fmt.Sprintf("%s (%s)", r.ID, r.why())
	}
	return strings.TrimSuffix(who, ")") + ": " + r.why() + ")"
}

// why is r's reason in the run's last line. A refusal for lack of
// permission is said in full once, in the preview or the report line above
// (and the results' row): here it is named, not repeated.
func (r *Result) why() string {
	if r.perm {
		return "not permitted (listed above)"
	}
	return r.Error
}

// outcome turns the results into the exit code of docs/exit-codes.md.
// 0 means contained: nothing the run targeted, and nothing matching a
// selector, is still Active as far as pamctl can tell, and every
// termination is verified (or --no-wait). Known still-connected sessions
// make 5, however the targets were named (one ID, several, a selector),
// or 3 when every target was refused for lack of permission; sent but
// unknown or unverified make 7.
func outcome(results []*Result, cancelled bool, o *Config, containErr error) error {
	var targets, failures, still, unsure int
	allPerm := true
	var firstFail, firstUnsure, other *Result
	var stillList []string
	for _, r := range results {
		if r.Result == ResultDryRun {
			continue
		}
		targets++
		if r.other && other == nil {
			other = r
		}
		switch {
		case r.Result == ResultTerminated && (r.Verified || o.NoWait):
		case r.Result == ResultTerminated || r.Result == ResultUnknown:
			unsure++
			if firstUnsure == nil {
				firstUnsure = r
			}
		case r.stillActive:
			still++
			if len(stillList) < maxNamed {
				stillList = append(stillList, r.whyStill())
			}
			if r.Result == ResultFailed || r.named || r.perm {
				failures++
				if firstFail == nil {
					firstFail = r
				}
				if !r.perm {
					allPerm = false
				}
			}
		}
	}
	switch {
	case cancelled:
		return &cmdutil.ExitError{Code: cmdutil.ExitCancelled, Message: cancelledLine("cancelled", results)}
	case other != nil:
		return &cmdutil.ExitError{Code: cmdutil.ExitUnverified, Message: fmt.Sprintf("session %s: %s", other.ID, other.Error)}
	case failures > 0 && failures == targets:
		code := cmdutil.ExitPartial
		if allPerm {
			code = cmdutil.ExitAuth
		}
		// A dry run says what the real run would do.
		if failures == 1 {
			return &cmdutil.ExitError{Code: code, Message: fmt.Sprintf("session %s %s: %s", firstFail.ID, pick(o.DryRun, "would not be terminated", "was not terminated"), firstFail.why())}
		}
		return &cmdutil.ExitError{Code: code, Message: fmt.Sprintf("none of the %d sessions %s (listed above)", failures, pick(o.DryRun, "would be terminated", "was terminated"))}
	case still > 0:
		return &cmdutil.ExitError{Code: cmdutil.ExitPartial, Message: fmt.Sprintf("%s: %s %s: %s", pick(o.DryRun, "would not be contained", "not contained"), text.Plural(still, "session"), pick(o.DryRun, "would stay connected", "still connected"), text.Capped(stillList, still, "; "))}
	case containErr != nil:
		return &cmdutil.ExitError{Code: cmdutil.ExitUnverified, Message: fmt.Sprintf("containment not known: listing the selector again after the run failed (%s); check with `pamctl sessions list`", api.Reason(containErr))}
	case unsure == 1 && firstUnsure.Result == ResultUnknown:
		// "outcome unknown" once: most reasons say it themselves.
		msg := "session " + firstUnsure.ID + ": " + firstUnsure.Error
		if !strings.Contains(firstUnsure.Error, "outcome unknown") {
			msg = "session " + firstUnsure.ID + ": outcome unknown: " + firstUnsure.Error
		}
		return &cmdutil.ExitError{Code: cmdutil.ExitUnverified, Message: msg}
	case unsure > 0:
		return &cmdutil.ExitError{Code: cmdutil.ExitUnverified, Message: fmt.Sprintf("%s sent but not verified within %s (listed above); check with `pamctl sessions get ID` and `pamctl events list --event \"Terminate Session\"`", text.Plural(unsure, "session"), o.WaitTimeout)}
	}
	return nil
}

// cancelledLine is an interrupted run's last line, after what: what
// became of the sessions it targeted, only the counts that are not zero
// (each session is in a report line above), or that nothing was
// terminated.
func cancelledLine(what string, results []*Result) string {
	var terminated, unknown, failed, notSent int
	for _, r := range results {
		switch {
		case r.Result == ResultTerminated:
			terminated++
		case r.Result == ResultUnknown:
			unknown++
		case r.Result == ResultFailed:
			failed++
		case r.Error == errNotSent:
			notSent++
		}
	}
	var parts []string
	for _, p := range []struct {
		n    int
		what string
	}{{terminated, "terminated"}, {unknown, "outcome unknown"}, {failed, "failed"}, {notSent, "not sent"}} {
		if p.n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", p.n, p.what))
		}
	}
	if len(parts) == 0 {
		return what + ": nothing was terminated"
	}
	return what + ": " + strings.Join(parts, ", ") + " (listed above)"
}

// maxNamed bounds the sessions named in one line.
const maxNamed = 5

func pick[T any](cond bool, a, b T) T {
	if cond {
		return a
	}
	return b
}
