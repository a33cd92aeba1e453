// Package terminate implements `pamctl sessions terminate`: the command
// pamctl exists for. It mirrors the web UI's "Actions > Terminate, then
// confirm" and adds what a runbook needs: selectors, a refusal without a
// terminal, --max, bounded concurrency, an outcome that is verified against
// the Sessions Report and the Events Report, and a local audit journal.
//
// Safety rules, each covered by tests: nothing is sent before the operator
// confirmed (or passed --yes); nothing is sent on a refusal, a dry run, a
// bad ID or an ID that does not exist; a terminate request whose outcome is
// unknown is never resent blindly.
package terminate

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/pamctl/pamctl/pkg/api"
	"github.com/pamctl/pamctl/pkg/clock"
	"github.com/pamctl/pamctl/pkg/cmdutil"
	"github.com/pamctl/pamctl/pkg/iostreams"
	"github.com/pamctl/pamctl/pkg/output"
	"github.com/pamctl/pamctl/pkg/poll"
	"github.com/pamctl/pamctl/pkg/prompt"
)

// Defaults of the terminate procedure (docs/exit-codes.md, pamctl help exit-codes).
const (
	// DefaultMaxSelector bounds what a selector may match without --max.
	DefaultMaxSelector = 20
	// DefaultWaitTimeout bounds verification.
	DefaultWaitTimeout = 10 * time.Second
	// DefaultConcurrency is the number of terminate requests in flight.
	// See BenchmarkBulkTerminate200 for why it is 4.
	DefaultConcurrency = 4
	// maxConcurrency keeps --concurrency "small and bounded".
	maxConcurrency = 16
	// maxReasonLen bounds --reason (it goes into every journal line).
	maxReasonLen = 1000
)

// TerminateOptions are the inputs of sessions terminate.
type TerminateOptions struct {
	IO        *iostreams.IOStreams
	APIClient func() (*api.Client, error)
	Prompter  func() prompt.Prompter
	// Clock waits (verification polls, the grace before a retry); nil
	// is the system clock.
	Clock  clock.Clock
	Output func() (output.Options, error)
	// Interrupts carries a second Ctrl-C to the run (nil: none).
	Interrupts *cmdutil.Interrupts
	// LookupEnv finds the audit journal (XDG_STATE_HOME, HOME).
	LookupEnv func(string) (string, bool)

	IDs         []string
	Asset       string
	User        string
	Channel     string
	Yes         bool
	DryRun      bool
	NoWait      bool
	Max         int
	MaxSet      bool
	Reason      string
	WaitTimeout time.Duration
	Concurrency int
	// Hold keeps terminating new matching sessions for this long after
	// the run (selectors only); Interval is how often it looks.
	Hold     time.Duration
	Interval time.Duration

	// FanOut is --profiles/--all-profiles; Sites builds their clients.
	FanOut cmdutil.FanOut
	Sites  func(cmdutil.FanOut) ([]cmdutil.Site, error)

	// Plan is --plan-out and --apply (plan.go).
	Plan PlanOptions
}

func (o *TerminateOptions) clock() clock.Clock {
	if o.Clock == nil {
		return clock.Real{}
	}
	return o.Clock
}

// longHelp is the command's help text.
const longHelp = `Terminate the sessions named by ID, or every Active session matching the
selector flags --asset, --user and --channel (at least one ID or one
selector is required: there is no "terminate everything").

The sessions about to be terminated are shown first (on standard error),
with the server and site they live on; sessions that are not Active, or use
only native-client channels (RDPP, SSHP:*), are listed as skipped with the
reason. Then, as in the web UI's Actions > Terminate dialog, pamctl asks:
yes or no (default no) for one session, or the number of sessions typed out
for several. --yes skips the question. Without a terminal on standard input
and output and without --yes, pamctl refuses (exit 6) and sends nothing.
--dry-run shows what would be terminated and sends nothing, and exits with
the code the real run would give if every request succeeded (5 when a
session shown cannot be terminated, e.g. native-only). A selector that
matches more than --max sessions (default 20) is refused (exit 6).

The terminated user is disconnected and logged out of the PAM session, and
cannot reconnect to it. Up to --concurrency requests are in flight (for a
user without the Administrator site role, one per asset first: after a
refusal no other session of that asset is sent). Ctrl-C sends nothing new,
not even a retry, says what it waits for, and reports exactly what
happened (a session not yet verified: interrupted, and after how long,
counted to the Ctrl-C); a second Ctrl-C quits at once, journaling what was in flight as
"unknown". A request whose outcome is unknown (connection reset, timeout,
any 5xx) is never resent blindly: the session is read back,
Completed counts as terminated; still Active, pamctl waits a grace (or the
server's Retry-After), reads it back again, and only then asks once more
(said on standard error). No clear answer to that either, and still
Active: the result is unknown (exit 7; the requests may still land), never
failed.

Every answer is checked before it is acted on: sessions a selector query
returns that do not match the selector, an answer to a read by ID that is
another object, a list that is not the paging envelope: none of them is
ever sent a terminate (see docs/api-contract.md).

Unless --no-wait, each termination is verified: the session must read back
Completed and its "Terminate Session" event must be in the Events Report
(or, for operators who cannot read that report, the Session Events Report),
within --wait-timeout. Then containment is checked on the ground: every
terminated session is read back by ID (still Active is not contained, exit
5, whatever the Completed list or the Events Report say), and with a
selector the scope you may see is listed without the server's user and
channel filters and matched here, the run's own sessions included: a
session the server's filter left out, or one that started after the
preview (a reconnect), is named (exit 5), never terminated unconfirmed. A
terminate answered with another session's body is exit 7, naming both.
The event is printed.

Every session acted on is appended as one JSON line to the audit journal
$XDG_STATE_HOME/pamctl/audit.jsonl (mode 0600), the moment its outcome is
known, with the operator, server, session, asset, user, channels, --reason
and result: terminated, already-completed, skipped, failed (the server
refused, or a read-back shows it still Active) or unknown (sent, outcome
not known), and how many terminate requests were sent. A line that cannot
be written stops the run: nothing more is sent, exit 7, and every session
without a line is named.

--profiles a,b or --all-profiles terminates on several sites (profiles
of the config file) with one selector: each site is searched (4 at a
time), ONE preview shows every site's sessions under a "Site NAME:"
header, ONE question asks for the total (--max counts the total), then
each site is sent and verified with its own profile's server and token,
and each journal line carries that site's server. Results gain a SITE
column ("site" in JSON). Session IDs belong to one site and are refused
with the fan-out flags. Profiles that name the same server (the same
normalised URL) are one site, named in the preview: each session is
counted and sent once. --hold holds every site at once, each with its own
poll and token (--max counts over every site; Ctrl-C ends every hold). A
site that cannot be used or searched (no token stored, a malformed URL,
unreachable, token refused) is named on its own stderr line and the
others go on: exit 5. The exit code
is the worst of the sites': 130, then 1 or 3 only when every site failed
that way, then 5, then 7, then 0.

Two-person rule (docs/plans.md): --plan-out FILE does everything up to
the question (finds the sessions on every site, shows them, checks --max)
and sends nothing: it writes a plan (mode 0600) of the sessions as read,
the selector, --max, --hold, --reason (required), who planned it and an
expiry (--plan-ttl, default 1h), with a digest of its content; --sign KEY
signs it with an SSH key (PLAN.sig, namespace pamctl-plan). --two-person
lets only another token user apply it. --apply FILE shows the plan and who
made it, re-reads every target on its site (a profile, or PAMCTL_SERVER,
must name each site's server), skips those gone or no longer Active, names
and leaves alone new matching sessions (drift: exit 5, they need a new
plan; under the plan's --hold, sessions created after the plan are
reconnects it approves), then asks (or --yes), sends, verifies and holds
as above; every journal line names planner and approver. An expired,
edited, truncated or badly signed plan (--allowed-signers FILE), one for a
server without a profile, or one applied by its planner under
--two-person, is refused (exit 6), nothing sent. --dry-run --apply shows
what applying would do now.

Exit codes (docs/exit-codes.md): 0 contained (nothing targeted, nothing
matching the selector, is still Active); 1 error (network, server, an
answer that breaks the contract); 3 not permitted (only when every send
was refused for permission); 4 an ID does not exist; 5 not contained: a
targeted or matching session is still Active (failed, native-only, not
permitted, new since the preview), whether named by one ID, several or a
selector (one line on stderr names what is still connected and why); 6
refused for safety; 7 sent but not verified (unknown); 130 cancelled.`

// NewCmdTerminate builds the command; runF replaces the run in tests.
func NewCmdTerminate(f *cmdutil.Factory, runF func(*TerminateOptions) error) *cobra.Command {
	opts := &TerminateOptions{
		IO:         f.IOStreams,
		APIClient:  f.APIClient,
		Prompter:   f.Prompter,
		Clock:      f.Clock,
		Output:     f.OutputOptions,
		LookupEnv:  f.LookupEnv,
		Interrupts: f.Interrupts,
		Sites:      f.Sites,
		Plan:       PlanOptions{Config: f.Config, Dir: f.Dir},
	}
	cmd := &cobra.Command{
		Use:   "terminate [<session-id>...] [--asset <name|id>] [--user <name>] [--channel <channel>] [--yes] [--dry-run] [--max <n>] [--reason <text>] [--no-wait] [--plan-out <file> | --apply <file>]",
		Short: "Terminate active web sessions, after a confirmation",
		Long:  longHelp,
		Example: `  # end one session, after a yes/no confirmation
  $ pamctl sessions terminate 0c6f1f0e-3c1b-4c53-9d1e-1f0b7c8e2a11

  # see what a selector matches, send nothing
  $ pamctl sessions terminate --user bwilliams --dry-run

  # runbook: revoke a compromised account on every asset, no prompt
  $ pamctl sessions terminate --user bwilliams --yes --reason "INC-4312" -o json

  # more than 20 sessions on one asset
  $ pamctl sessions terminate --asset db-prod-01 --max 50 --yes

  # revoke an account on every site of the config file, one confirmation
  $ pamctl sessions terminate --user bwilliams --all-profiles --reason "INC-4312"

  # two-person rule: one operator plans (nothing sent), another applies
  $ pamctl sessions terminate --user bwilliams --reason INC-4312 --two-person --plan-out inc.plan
  $ pamctl sessions terminate --apply inc.plan --dry-run
  $ pamctl sessions terminate --apply inc.plan --yes`,
		Args: cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.IDs = dedupe(args)
			opts.MaxSet = cmd.Flags().Changed("max")
			err := validatePlan(cmd, opts)
			if err == nil {
				err = validate(opts)
			}
			if err != nil {
				var refused *cmdutil.ExitError
				if errors.As(err, &refused) {
					emptyResults(opts)
				}
				return err
			}
			if runF != nil {
				return runF(opts)
			}
			return terminateRun(cmd.Context(), opts)
		},
	}
	cmd.ValidArgsFunction = cmdutil.CompleteTerminableSessionIDs(f)
	fl := cmd.Flags()
	fl.StringVar(&opts.Asset, "asset", "", "every active session on this asset (`name` or ID)")
	fl.StringVar(&opts.User, "user", "", "every active session of this `user` (exact but for ASCII case)")
	fl.StringVar(&opts.Channel, "channel", "", "every active session using this `channel` (SSH, RDP, VNC, Telnet, ...)")
	fl.BoolVarP(&opts.Yes, "yes", "y", false, "do not ask for confirmation (for scripts and runbooks)")
	fl.BoolVar(&opts.DryRun, "dry-run", false, "show what would be terminated and send nothing")
	fl.IntVar(&opts.Max, "max", DefaultMaxSelector, "refuse when more than `n` sessions would be terminated (applies to selectors; to IDs only when given)")
	fl.StringVar(&opts.Reason, "reason", "", "why, recorded in the audit journal (a ticket number, say)")
	fl.BoolVar(&opts.NoWait, "no-wait", false, "do not verify the terminations")
	fl.DurationVar(&opts.WaitTimeout, "wait-timeout", DefaultWaitTimeout, "how long to wait for verification")
	fl.IntVar(&opts.Concurrency, "concurrency", DefaultConcurrency, "terminate requests in flight at once (1-16)")
	fl.DurationVar(&opts.Hold, "hold", 0, "after the run, keep terminating every new session matching the selector (a reconnect) for this `duration`, e.g. 30m")
	fl.DurationVar(&opts.Interval, "interval", poll.DefaultInterval, "with --hold, how often to look for new sessions (at least 1s)")
	cmdutil.AddFanOutFlags(cmd, &opts.FanOut)
	addPlanFlags(cmd, &opts.Plan)
	_ = cmd.RegisterFlagCompletionFunc("asset", cmdutil.CompleteAssetNames(f))
	_ = cmd.RegisterFlagCompletionFunc("channel", cmdutil.CompleteChannels)
	return cmd
}

// validate checks flags and arguments before anything touches the network:
// usage errors exit 2, the missing-terminal refusal exits 6.
func validate(opts *TerminateOptions) error {
	for _, id := range opts.IDs {
		if err := api.ValidateID("session", id); err != nil {
			return &cmdutil.FlagError{Err: fmt.Errorf("%v; nothing was sent", err)}
		}
	}
	selector := opts.Asset != "" || opts.User != "" || opts.Channel != ""
	switch {
	case opts.FanOut.Enabled() && len(opts.IDs) > 0:
		return cmdutil.FlagErrorf("session IDs belong to one site: with --profiles or --all-profiles select the sessions with --asset, --user or --channel (or give IDs with --profile NAME); nothing was sent")
	case len(opts.IDs) == 0 && !selector && opts.Plan.Apply == "":
		return cmdutil.FlagErrorf("name the sessions to terminate: give session IDs, or select them with --asset, --user or --channel (there is no \"terminate everything\")")
	case opts.Hold < 0:
		return cmdutil.FlagErrorf("--hold %s: want a positive duration such as 30m", opts.Hold)
	case opts.Hold > 0 && !selector:
		return cmdutil.FlagErrorf("--hold needs a selector (--asset, --user or --channel): it terminates the new sessions that match it; session IDs cannot reconnect")
	case opts.Hold > 0 && opts.DryRun:
		return cmdutil.FlagErrorf("--hold and --dry-run: a dry run sends nothing, so there is nothing to hold")
	case len(opts.IDs) > 0 && selector:
		return cmdutil.FlagErrorf("give either session IDs or selector flags (--asset, --user, --channel), not both")
	}
	for name, v := range map[string]string{"--asset": opts.Asset, "--user": opts.User, "--channel": opts.Channel} {
		if v != "" && strings.TrimSpace(v) == "" {
			return cmdutil.FlagErrorf("%s is blank", name)
		}
		if strings.ContainsAny(v, "\x00\r\n") {
			return cmdutil.FlagErrorf("%s contains a control character", name)
		}
	}
	if opts.Max < 1 {
		return cmdutil.FlagErrorf("--max %d: want at least 1", opts.Max)
	}
	if opts.WaitTimeout <= 0 {
		return cmdutil.FlagErrorf("--wait-timeout %s: want a positive duration such as 10s", opts.WaitTimeout)
	}
	if opts.Hold > 0 {
		if err := poll.ValidateInterval(opts.Interval); err != nil {
			return err
		}
	}
	if opts.Concurrency < 1 || opts.Concurrency > maxConcurrency {
		return cmdutil.FlagErrorf("--concurrency %d: want 1 to %d", opts.Concurrency, maxConcurrency)
	}
	if len(opts.Reason) > maxReasonLen {
		return cmdutil.FlagErrorf("--reason is %d bytes long; at most %d", len(opts.Reason), maxReasonLen)
	}
	if !opts.Yes && !opts.DryRun && opts.Plan.PlanOut == "" && !opts.IO.CanPrompt() {
		return cmdutil.Refusedf("refusing to terminate without confirmation: standard input and output are not a terminal, so pamctl cannot ask; pass --yes to confirm (or --dry-run to preview); nothing was sent")
	}
	return nil
}

// dedupe drops repeated IDs, compared case-insensitively: one session,
// one request, however it is spelled.
func dedupe(ids []string) []string {
	seen := make(map[string]bool, len(ids))
	out := make([]string, 0, len(ids))
	for _, id := range ids {
		if !seen[api.IDKey(id)] {
			seen[api.IDKey(id)] = true
			out = append(out, id)
		}
	}
	return out
}
