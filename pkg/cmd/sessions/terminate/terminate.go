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
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/pamctl/pamctl/pkg/api"
	"github.com/pamctl/pamctl/pkg/audit"
	"github.com/pamctl/pamctl/pkg/cmd/sessions/shared"
	"github.com/pamctl/pamctl/pkg/cmdutil"
	"github.com/pamctl/pamctl/pkg/iostreams"
	"github.com/pamctl/pamctl/pkg/output"
	"github.com/pamctl/pamctl/pkg/prompt"
	"github.com/pamctl/pamctl/pkg/text"
)

// Defaults of spec/CLI.md "Terminate".
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

// Results of one session (spec/CLI.md, -o json "result").
const (
	ResultTerminated       = "terminated"
	ResultAlreadyCompleted = "already-completed"
	ResultSkipped          = "skipped"
	ResultFailed           = "failed"
	ResultDryRun           = "dry-run"
)

// TerminateOptions are the inputs of sessions terminate.
type TerminateOptions struct {
	IO        *iostreams.IOStreams
	APIClient func() (*api.Client, error)
	Prompter  func() prompt.Prompter
	Now       func() time.Time
	Output    func() (output.Options, error)
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
}

// NewCmdTerminate builds the command; runF replaces the run in tests.
func NewCmdTerminate(f *cmdutil.Factory, runF func(*TerminateOptions) error) *cobra.Command {
	opts := &TerminateOptions{
		IO:        f.IOStreams,
		APIClient: f.APIClient,
		Prompter:  f.Prompter,
		Now:       f.Now,
		Output:    f.OutputOptions,
		LookupEnv: f.LookupEnv,
	}
	cmd := &cobra.Command{
		Use:   "terminate [<session-id>...] [--asset <name|id>] [--user <name>] [--channel <channel>] [--yes] [--dry-run] [--max <n>] [--reason <text>] [--no-wait]",
		Short: "Terminate active web sessions, after a confirmation",
		Long: `Terminate the sessions named by ID, or every Active session matching the
selector flags --asset, --user and --channel (at least one ID or one
selector is required: there is no "terminate everything").

The sessions about to be terminated are shown first (on standard error),
with the server and site they live on; sessions that are not Active, or use
only native-client channels (RDPP, SSHP:*), are listed as skipped with the
reason. Then, as in the web UI's Actions > Terminate dialog, pamctl asks:
yes or no (default no) for one session, or the number of sessions typed out
for several. --yes skips the question. Without a terminal on standard input
and output and without --yes, pamctl refuses (exit 6) and sends nothing.
--dry-run shows what would be terminated and sends nothing. A selector that
matches more than --max sessions (default 20) is refused (exit 6).

The terminated user is disconnected and logged out of the PAM session, and
cannot reconnect to it. Up to --concurrency requests are in flight; Ctrl-C
stops starting new ones and reports exactly which sessions were terminated.
A request whose outcome is unknown (connection reset, timeout) is never
resent blindly: the session is read back, Completed counts as terminated,
and only a session still Active is asked once more.

Unless --no-wait, each termination is verified: the session must read back
Completed and its "Terminate Session" event must be in the Events Report
(or, for operators who cannot read that report, the Session Events Report),
within --wait-timeout. The event is printed.

Every session acted on is appended as one JSON line to the audit journal
$XDG_STATE_HOME/pamctl/audit.jsonl (mode 0600) with the operator, server,
session, asset, user, channels, --reason and result.

Exit codes: 0 all terminated or already completed; 1 one session could not
be terminated; 3 not permitted; 4 an ID does not exist; 5 some of several
failed; 6 refused for safety; 7 terminated but not verified; 130 cancelled.`,
		Example: `  # end one session, after a yes/no confirmation
  $ pamctl sessions terminate 0c6f1f0e-3c1b-4c53-9d1e-1f0b7c8e2a11

  # see what a selector matches, send nothing
  $ pamctl sessions terminate --user bwilliams --dry-run

  # runbook: revoke a compromised account on every asset, no prompt
  $ pamctl sessions terminate --user bwilliams --yes --reason "INC-4312" -o json

  # more than 20 sessions on one asset
  $ pamctl sessions terminate --asset db-prod-01 --max 50 --yes`,
		Args: cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.IDs = dedupe(args)
			opts.MaxSet = cmd.Flags().Changed("max")
			if err := validate(opts); err != nil {
				var refused *cmdutil.ExitError
				if errors.As(err, &refused) {
					emptyResults(opts)
				}
				return err
			}
			if runF != nil {
				return runF(opts)
			}
			return runWithResults(cmd.Context(), opts)
		},
	}
	cmd.ValidArgsFunction = shared.CompleteActiveSessionIDs(f)
	fl := cmd.Flags()
	fl.StringVar(&opts.Asset, "asset", "", "every active session on this asset (`name` or ID)")
	fl.StringVar(&opts.User, "user", "", "every active session of this `user`")
	fl.StringVar(&opts.Channel, "channel", "", "every active session using this `channel` (SSH, RDP, VNC, Telnet, ...)")
	fl.BoolVarP(&opts.Yes, "yes", "y", false, "do not ask for confirmation (for scripts and runbooks)")
	fl.BoolVar(&opts.DryRun, "dry-run", false, "show what would be terminated and send nothing")
	fl.IntVar(&opts.Max, "max", DefaultMaxSelector, "refuse when more than `n` sessions would be terminated (applies to selectors; to IDs only when given)")
	fl.StringVar(&opts.Reason, "reason", "", "why, recorded in the audit journal (a ticket number, say)")
	fl.BoolVar(&opts.NoWait, "no-wait", false, "do not verify the terminations")
	fl.DurationVar(&opts.WaitTimeout, "wait-timeout", DefaultWaitTimeout, "how long to wait for verification")
	fl.IntVar(&opts.Concurrency, "concurrency", DefaultConcurrency, "terminate requests in flight at once (1-16)")
	_ = cmd.RegisterFlagCompletionFunc("asset", shared.CompleteAssetNames(f))
	_ = cmd.RegisterFlagCompletionFunc("channel", shared.CompleteChannels)
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
	case len(opts.IDs) == 0 && !selector:
		return cmdutil.FlagErrorf("name the sessions to terminate: give session IDs, or select them with --asset, --user or --channel (there is no \"terminate everything\")")
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
	if opts.Concurrency < 1 || opts.Concurrency > maxConcurrency {
		return cmdutil.FlagErrorf("--concurrency %d: want 1 to %d", opts.Concurrency, maxConcurrency)
	}
	if len(opts.Reason) > maxReasonLen {
		return cmdutil.FlagErrorf("--reason is %d bytes long; at most %d", len(opts.Reason), maxReasonLen)
	}
	if !opts.Yes && !opts.DryRun && !opts.IO.CanPrompt() {
		return cmdutil.Refusedf("refusing to terminate without confirmation: standard input and output are not a terminal, so pamctl cannot ask; pass --yes to confirm (or --dry-run to preview); nothing was sent")
	}
	return nil
}

func dedupe(ids []string) []string {
	seen := make(map[string]bool, len(ids))
	out := make([]string, 0, len(ids))
	for _, id := range ids {
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}

// Result is one session's outcome, the element of -o json's array.
type Result struct {
	ID       string `json:"id"`
	Asset    string `json:"asset"`
	User     string `json:"user"`
	Result   string `json:"result"`
	Verified bool   `json:"verified"`
	Error    string `json:"error"`
	// Event is the verified Terminate Session event's message.
	Event string `json:"event,omitempty"`

	sess    *api.Session // as read before terminating; nil when unreadable
	named   bool         // named by ID (a skip then counts as a failure)
	perm    bool         // failed for lack of permission
	unknown bool         // the terminate request's outcome was unknown
	sent    bool         // a terminate request was sent
	// completed is the server's completion time from its answer.
	completed time.Time
	// readCompleted and eventLine are verification evidence.
	readCompleted bool
	eventLine     string
}

func (r *Result) channels() []string {
	if r.sess == nil {
		return []string{}
	}
	return r.sess.Channels
}

// pending reports a result still to be sent.
func (r *Result) pending() bool { return r.Result == "" }

// failedRun reports whether r makes the run fail: sessions
// named by ID always do; sessions a selector matched only when a request
// was (or would have been) sent.
func (r *Result) failedRun() bool {
	switch r.Result {
	case ResultTerminated, ResultAlreadyCompleted, ResultDryRun:
		return false
	case ResultSkipped:
		return r.named
	}
	return true
}

// plan is what resolution found: every session and, for selectors, the
// report queries that found them (verification reads them back the same
// way).
type plan struct {
	results  []*Result
	scopes   []api.ListSessionsParams
	selector bool
	note     string // how the selector was resolved, when it matters
	// partial is set when the selector could only be searched on the
	// assets the token can see: success there is not success "everywhere".
	partial bool
}

// scopeError is exit 5 when the selector could not be searched site-wide:
// a runbook revoking access "everywhere" must not read success when part
// of the site was out of its sight.
func (p *plan) scopeError() error {
	if !p.partial {
		return nil
	}
	return &cmdutil.ExitError{Code: cmdutil.ExitPartial, Message: "only the assets your token can see were searched; sessions elsewhere were not considered (the site-wide report needs the Administrator or Auditor role)"}
}

func (p *plan) toSend() []*Result {
	var out []*Result
	for _, r := range p.results {
		if r.pending() {
			out = append(out, r)
		}
	}
	return out
}

// runWithResults is terminateRun with one promise kept for runbooks: with
// -o json or yaml, stdout always holds a results array, also when the run
// was refused, declined or failed before any result existed ("[]").
func runWithResults(ctx context.Context, opts *TerminateOptions) error {
	ios := *opts.IO
	out := &countingWriter{w: ios.Out}
	ios.Out = out
	o := *opts
	o.IO = &ios
	err := terminateRun(ctx, &o)
	if err != nil && out.n == 0 {
		emptyResults(opts)
	}
	return err
}

// emptyResults prints the empty results array of a run that ended before
// any result existed, when the output format is JSON or YAML.
func emptyResults(opts *TerminateOptions) {
	if oo, err := opts.Output(); err == nil && oo.Format.IsStructured() {
		fmt.Fprintln(opts.IO.Out, "[]")
	}
}

type countingWriter struct {
	w io.Writer
	n int
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += n
	return n, err
}

func terminateRun(ctx context.Context, opts *TerminateOptions) error {
	outOpts, err := opts.Output()
	if err != nil {
		return err
	}
	client, err := opts.APIClient()
	if err != nil {
		return err
	}
	// Who we are (for the preview and the journal) is asked while the
	// targets are resolved: one round trip less before anything happens.
	type ucResult struct {
		uc  *api.UserContext
		err error
	}
	ucCh := make(chan ucResult, 1)
	go func() {
		uc, err := client.UserContext(ctx)
		ucCh <- ucResult{uc, err}
	}()
	var p *plan
	if len(opts.IDs) > 0 {
		p, err = resolveIDs(ctx, client, opts)
	} else {
		p, err = resolveSelector(ctx, client, opts)
	}
	ucr := <-ucCh
	if ucr.err != nil {
		if api.IsAuth(ucr.err) {
			return &cmdutil.AuthError{Err: fmt.Errorf("%s refused the token (HTTP %s); nothing was sent: check it with `pamctl auth status`", client.Host(), statusOf(ucr.err))}
		}
		return ucr.err
	}
	if err != nil {
		return err
	}
	uc := ucr.uc
	errOut := opts.IO.ErrOut
	send := p.toSend()

	if len(p.results) == 0 {
		fmt.Fprintf(errOut, "No active session on %s matches %s; nothing to terminate.\n", siteLabel(client, uc), describeSelector(opts))
		if p.note != "" {
			fmt.Fprintln(errOut, p.note)
		}
		if err := printResults(opts.IO.Out, outOpts, p.results); err != nil {
			return err
		}
		return p.scopeError()
	}
	printPreview(errOut, opts, client, uc, p, send)

	limit := 0
	if p.selector || opts.MaxSet {
		limit = opts.Max
	}
	if limit > 0 && len(send) > limit {
		return cmdutil.Refusedf("refusing: %d sessions would be terminated, more than --max %d; nothing was sent (check the list above, then raise --max to at least %d)", len(send), limit, len(send))
	}
	if opts.DryRun {
		for _, r := range send {
			r.Result = ResultDryRun
		}
		fmt.Fprintf(errOut, "Dry run: %s would be terminated; nothing was sent.\n", plural(len(send), "session"))
		return printResults(opts.IO.Out, outOpts, p.results)
	}
	if len(send) > 0 && !opts.Yes {
		if err := confirm(opts, send); err != nil {
			return err
		}
	}

	// The journal is opened before anything is sent: a run that could not
	// be recorded does not start.
	jpath, err := audit.Path(opts.LookupEnv)
	if err != nil {
		return fmt.Errorf("%w; nothing was sent", err)
	}
	journal, err := audit.Open(jpath)
	if err != nil {
		return fmt.Errorf("%w; nothing was sent", err)
	}
	defer journal.Close()

	start := opts.Now()
	cancelled := false
	if len(send) > 0 {
		if len(send) > 1 {
			fmt.Fprintf(errOut, "Terminating %s (%d at a time)...\n", plural(len(send), "session"), min(opts.Concurrency, len(send)))
		}
		cancelled = terminateAll(ctx, client, send, opts.Concurrency)
	}
	// With a selector, list its reports again while verification runs
	// (it costs no wall time): who matches now that was not in the preview?
	var reconnected <-chan []string
	if p.selector && !opts.NoWait && !cancelled {
		ch := make(chan []string, 1)
		go func() { ch <- stillMatching(ctx, client, p) }()
		reconnected = ch
	}
	if !opts.NoWait && !cancelled {
		verify(ctx, client, p, opts, start)
		// Ctrl-C while verifying is still Ctrl-C (130); the report says
		// what was terminated.
		cancelled = ctx.Err() != nil
	}

	entries := make([]audit.Entry, 0, len(p.results))
	now := opts.Now()
	for _, r := range p.results {
		entries = append(entries, audit.Entry{
			Time: now, Operator: uc.User.Name, Server: client.Server(), Session: r.ID,
			Asset: r.Asset, AssetID: assetID(r), User: r.User, Channels: r.channels(),
			Reason: opts.Reason, Result: r.Result, Verified: r.Verified, Error: r.Error,
		})
	}
	jerr := journal.Append(entries...)

	printReport(errOut, p.results, opts.NoWait)
	if reconnected != nil {
		warnStillMatching(opts, <-reconnected)
	}
	if err := printResults(opts.IO.Out, outOpts, p.results); err != nil {
		return err
	}
	if jerr != nil {
		fmt.Fprintf(errOut, "warning: could not write the audit journal: %v\n", jerr)
	}
	if err := outcome(p.results, cancelled, opts); err != nil {
		return err
	}
	return p.scopeError()
}

func assetID(r *Result) string {
	if r.sess == nil {
		return ""
	}
	return r.sess.AssetID
}

func statusOf(err error) string {
	var he *api.HTTPError
	if errors.As(err, &he) {
		return strconv.Itoa(he.StatusCode)
	}
	return "?"
}

// outcome turns the results into the exit code of spec/CLI.md.
func outcome(results []*Result, cancelled bool, opts *TerminateOptions) error {
	var failed, counted, terminated, unverified int
	allPerm := true
	var firstFail *Result
	for _, r := range results {
		if r.named || r.sent || r.Result == ResultTerminated || r.Result == ResultAlreadyCompleted {
			counted++
		}
		if r.Result == ResultTerminated {
			terminated++
			if !opts.NoWait && !r.Verified {
				unverified++
			}
		}
		if r.failedRun() {
			failed++
			if firstFail == nil {
				firstFail = r
			}
			if !r.perm {
				allPerm = false
			}
		}
	}
	switch {
	case cancelled:
		notSent := 0
		for _, r := range results {
			if r.Result == ResultSkipped && r.Error == errNotSent {
				notSent++
			}
		}
		return &cmdutil.ExitError{Code: cmdutil.ExitCancelled, Message: fmt.Sprintf("cancelled: %d terminated, %d not sent (listed above)", terminated, notSent)}
	case failed > 0 && failed == counted:
		code := cmdutil.ExitFailure
		if allPerm {
			code = cmdutil.ExitAuth
		}
		if failed == 1 {
			return &cmdutil.ExitError{Code: code, Message: fmt.Sprintf("session %s was not terminated: %s", firstFail.ID, firstFail.Error)}
		}
		return &cmdutil.ExitError{Code: code, Message: fmt.Sprintf("none of the %d sessions was terminated (listed above)", failed)}
	case failed > 0:
		return &cmdutil.ExitError{Code: cmdutil.ExitPartial, Message: fmt.Sprintf("%d of %d sessions were not terminated (listed above)", failed, counted)}
	case unverified > 0:
		return &cmdutil.ExitError{Code: cmdutil.ExitUnverified, Message: fmt.Sprintf("%s terminated but not verified within %s (listed above); check with `pamctl sessions get ID` and `pamctl events list --event \"Terminate Session\"`", plural(unverified, "session"), opts.WaitTimeout)}
	}
	return nil
}

// confirm asks the web UI's question. One session: yes/no, default no,
// naming who will be disconnected. Several: the number, typed out.
func confirm(opts *TerminateOptions, send []*Result) error {
	p := opts.Prompter()
	if len(send) == 1 {
		r := send[0]
		user, asset := text.Safe(r.User), text.Safe(r.Asset)
		msg := fmt.Sprintf("Terminate the session of %s on %s (%s)? %s will be disconnected and logged out of the PAM session, and cannot reconnect to this session.", user, asset, r.ID, user)
		ok, err := p.Confirm(msg, false)
		if err != nil {
			return err
		}
		if !ok {
			return &cmdutil.ExitError{Code: cmdutil.ExitCancelled, Message: "not confirmed; nothing was sent"}
		}
		return nil
	}
	fmt.Fprintf(opts.IO.ErrOut, "The users of these %d sessions will be disconnected and logged out of their PAM sessions, and cannot reconnect to them.\n", len(send))
	want := strconv.Itoa(len(send))
	got, err := p.Input(fmt.Sprintf("Type the number of sessions to terminate (%s):", want), "")
	if err != nil {
		return err
	}
	if strings.TrimSpace(got) != want {
		return &cmdutil.ExitError{Code: cmdutil.ExitCancelled, Message: fmt.Sprintf("you typed %q, not %s; nothing was sent", text.Safe(strings.TrimSpace(got)), want)}
	}
	return nil
}

// resolveIDs reads every named session. An ID that does not exist stops
// the run before anything is sent (a typo must not terminate the rest).
func resolveIDs(ctx context.Context, c *api.Client, opts *TerminateOptions) (*plan, error) {
	p := &plan{results: make([]*Result, len(opts.IDs))}
	errs := make([]error, len(opts.IDs))
	forEach(ctx, len(opts.IDs), opts.Concurrency, func(i int) {
		id := opts.IDs[i]
		r := &Result{ID: id, named: true}
		p.results[i] = r
		s, err := c.GetSession(ctx, id)
		switch {
		case err == nil:
			setSession(r, s)
			classify(r, opts.Now())
		case api.IsAuth(err):
			r.Result, r.perm = ResultFailed, true
			r.Error = "not permitted to read this session (HTTP " + statusOf(err) + "): terminating needs the Asset Manager permission on its asset or the Administrator site role"
		default:
			errs[i] = err
		}
	})
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var missing []string
	for i, err := range errs {
		if err == nil {
			continue
		}
		if api.IsNotFound(err) {
			missing = append(missing, opts.IDs[i])
			continue
		}
		return nil, fmt.Errorf("reading session %s: %w; nothing was sent", opts.IDs[i], err)
	}
	if len(missing) > 0 {
		return nil, cmdutil.NotFoundf("no session with ID %s; nothing was sent", strings.Join(missing, ", "))
	}
	// Two spellings of one ID (a server may match UUIDs case-insensitively)
	// must not become two terminate requests: keep the server's ID, once.
	seen := make(map[string]bool, len(p.results))
	kept := p.results[:0]
	for _, r := range p.results {
		if r.sess != nil && r.sess.ID != "" && api.ValidateID("session", r.sess.ID) == nil {
			r.ID = r.sess.ID
		}
		if seen[r.ID] {
			continue
		}
		seen[r.ID] = true
		kept = append(kept, r)
	}
	p.results = kept
	return p, nil
}

// resolveSelector lists the Active sessions the selector matches. Without
// --asset that is the site-wide Sessions Report, which needs the
// Administrator or Auditor site role; an operator without it (an Asset
// Manager) gets the asset-level reports of every asset they can see, and a
// warning that sessions elsewhere were not considered.
func resolveSelector(ctx context.Context, c *api.Client, opts *TerminateOptions) (*plan, error) {
	p := &plan{selector: true}
	base := api.ListSessionsParams{State: api.StateActive, User: opts.User, Channel: opts.Channel}
	if opts.Asset != "" {
		a, err := shared.ResolveAsset(ctx, c, opts.Asset)
		if err != nil {
			return nil, err
		}
		base.AssetID = a.ID
	}
	p.scopes = []api.ListSessionsParams{base}
	sessions, err := c.ListSessions(ctx, base)
	if err != nil && base.AssetID == "" && api.IsAuth(err) {
		assets, aerr := c.ListAssets(ctx, "", 0)
		if aerr != nil || len(assets) == 0 {
			return nil, permissionErr(err)
		}
		p.scopes = p.scopes[:0]
		lists := make([][]api.Session, len(assets))
		denied := make([]bool, len(assets))
		errs := make([]error, len(assets))
		forEach(ctx, len(assets), opts.Concurrency, func(i int) {
			q := base
			q.AssetID = assets[i].ID
			lists[i], errs[i] = c.ListSessions(ctx, q)
			denied[i] = api.IsAuth(errs[i])
		})
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		sessions, err = nil, nil
		searched := 0
		for i := range assets {
			if denied[i] {
				continue
			}
			if errs[i] != nil {
				return nil, errs[i]
			}
			searched++
			q := base
			q.AssetID = assets[i].ID
			p.scopes = append(p.scopes, q)
			sessions = append(sessions, lists[i]...)
		}
		if searched == 0 {
			return nil, permissionErr(err)
		}
		p.partial = true
		p.note = fmt.Sprintf("warning: your token cannot read the site-wide Sessions Report (it needs the Administrator or Auditor site role); only the %s you can see were searched, and sessions on other assets were NOT considered.", plural(searched, "asset"))
	}
	if err != nil {
		if api.IsAuth(err) {
			return nil, permissionErr(err)
		}
		return nil, err
	}
	seen := map[string]bool{}
	for i := range sessions {
		s := &sessions[i]
		if seen[s.ID] {
			continue
		}
		seen[s.ID] = true
		if err := api.ValidateID("session", s.ID); err != nil {
			// A server-supplied ID that cannot be placed in a URL (or
			// printed raw) is shown escaped and never sent.
			r := &Result{ID: text.Safe(s.ID), Result: ResultSkipped, Error: "the server listed an unusable session ID: " + err.Error()}
			setSession(r, s)
			p.results = append(p.results, r)
			continue
		}
		r := &Result{ID: s.ID}
		setSession(r, s)
		classify(r, opts.Now())
		p.results = append(p.results, r)
	}
	return p, nil
}

func permissionErr(err error) error {
	return &cmdutil.AuthError{Err: fmt.Errorf("cannot list the sessions to terminate: %v; nothing was sent (with --asset, the Viewer or Asset Manager permission on the asset is enough)", oneLine(err))}
}

func oneLine(err error) string {
	var he *api.HTTPError
	if errors.As(err, &he) {
		return fmt.Sprintf("HTTP %d: %s", he.StatusCode, he.Message)
	}
	return err.Error()
}

func setSession(r *Result, s *api.Session) {
	r.sess = s
	r.Asset = s.AssetName
	if r.Asset == "" {
		r.Asset = s.AssetID
	}
	r.User = s.User
}

// classify decides from the session as read whether it is sent or skipped.
func classify(r *Result, now time.Time) {
	s := r.sess
	switch {
	case s.State == api.StateCompleted:
		r.Result = ResultAlreadyCompleted
		r.Error = ""
		if !s.Completed.IsZero() {
			r.eventLine = "completed " + output.RFC3339(s.Completed.Time) + " (" + output.Age(s.Completed.UTC(), now) + ")"
		}
	case s.State != api.StateActive:
		r.Result = ResultSkipped
		r.Error = fmt.Sprintf("not Active (state %q)", text.Safe(s.State))
	case !api.IsTerminable(s):
		r.Result = ResultSkipped
		r.Error = fmt.Sprintf("native-only (%s): only web sessions can be terminated; end it on the asset", text.Safe(strings.Join(s.Channels, ", ")))
		if len(s.Channels) == 0 {
			r.Error = "no channels: only web sessions can be terminated"
		}
	}
}

func describeSelector(opts *TerminateOptions) string {
	var parts []string
	if opts.Asset != "" {
		parts = append(parts, "--asset "+text.Safe(opts.Asset))
	}
	if opts.User != "" {
		parts = append(parts, "--user "+text.Safe(opts.User))
	}
	if opts.Channel != "" {
		parts = append(parts, "--channel "+text.Safe(opts.Channel))
	}
	return strings.Join(parts, " ")
}

func siteLabel(c *api.Client, uc *api.UserContext) string {
	site := uc.Space.Name
	if site == "" {
		site = "?"
	}
	return fmt.Sprintf("site %s at %s", text.Safe(site), c.Server())
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return strconv.Itoa(n) + " " + word + "s"
}

func started(r *Result, now time.Time) string {
	if r.sess == nil || r.sess.Created.IsZero() {
		return ""
	}
	t := r.sess.Created.UTC()
	return output.RFC3339(t) + " (" + output.Age(t, now) + ")"
}

// printPreview shows what will be terminated and what is skipped, and
// where, on stderr.
func printPreview(w io.Writer, opts *TerminateOptions, c *api.Client, uc *api.UserContext, p *plan, send []*Result) {
	now := opts.Now()
	fmt.Fprintf(w, "Server: %s (as %s)\n", siteLabel(c, uc), text.Safe(uc.User.Name))
	if p.note != "" {
		fmt.Fprintln(w, p.note)
	}
	tableOpts := output.Options{Format: output.Table, Now: opts.Now}
	if len(send) > 0 {
		verb := "To terminate"
		if opts.DryRun {
			verb = "Would terminate"
		}
		fmt.Fprintf(w, "%s: %s\n", verb, plural(len(send), "session"))
		_ = output.PrintList(w, tableOpts, send, []output.Column[*Result]{
			{Header: "SESSION ID", Value: func(r *Result) any { return r.ID }},
			{Header: "ASSET", Value: func(r *Result) any { return r.Asset }},
			{Header: "USER", Value: func(r *Result) any { return r.User }},
			{Header: "CHANNELS", Value: func(r *Result) any { return r.channels() }},
			{Header: "STARTED", Value: func(r *Result) any { return started(r, now) }},
		})
	}
	var skipped []*Result
	for _, r := range p.results {
		if !r.pending() {
			skipped = append(skipped, r)
		}
	}
	if len(skipped) > 0 {
		fmt.Fprintf(w, "Skipped: %s\n", plural(len(skipped), "session"))
		_ = output.PrintList(w, tableOpts, skipped, []output.Column[*Result]{
			{Header: "SESSION ID", Value: func(r *Result) any { return r.ID }},
			{Header: "ASSET", Value: func(r *Result) any { return r.Asset }},
			{Header: "USER", Value: func(r *Result) any { return r.User }},
			{Header: "CHANNELS", Value: func(r *Result) any { return r.channels() }},
			{Header: "REASON", Value: func(r *Result) any { return skipReason(r) }},
		})
	}
	if len(send) == 0 {
		fmt.Fprintln(w, "Nothing to terminate.")
	}
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

// printReport tells, on stderr, what happened to each session.
func printReport(w io.Writer, results []*Result, noWait bool) {
	for _, r := range results {
		who := fmt.Sprintf("%s (%s on %s)", r.ID, text.Safe(r.User), text.Safe(r.Asset))
		switch r.Result {
		case ResultTerminated:
			switch {
			case r.Verified:
				fmt.Fprintf(w, "Terminated %s; verified: %s\n", who, text.Safe(r.eventLine))
			case noWait:
				fmt.Fprintf(w, "Terminated %s (not verified: --no-wait)\n", who)
			default:
				fmt.Fprintf(w, "Terminated %s, NOT verified: %s\n", who, r.Error)
			}
		case ResultAlreadyCompleted:
			fmt.Fprintf(w, "Already completed: %s\n", who)
		case ResultSkipped:
			fmt.Fprintf(w, "Skipped %s: %s\n", who, r.Error)
		case ResultFailed:
			fmt.Fprintf(w, "FAILED %s: %s\n", who, r.Error)
		}
	}
}

// printResults writes the per-session results to stdout in the -o format.
func printResults(w io.Writer, o output.Options, results []*Result) error {
	if results == nil {
		results = []*Result{}
	}
	return output.PrintList(w, o, results, []output.Column[*Result]{
		{Header: "SESSION ID", Value: func(r *Result) any { return r.ID }},
		{Header: "ASSET", Value: func(r *Result) any { return r.Asset }},
		{Header: "USER", Value: func(r *Result) any { return r.User }},
		{Header: "RESULT", Value: func(r *Result) any { return r.Result }},
		{Header: "VERIFIED", Value: func(r *Result) any { return strconv.FormatBool(r.Verified) }},
		{Header: "DETAIL", Value: func(r *Result) any {
			if r.Error != "" {
				return r.Error
			}
			return r.Event
		}},
	})
}

// stillMatching lists the selector's reports once more after the
// terminate requests: an account being revoked may already have
// reconnected, or a session may have started after the preview. Those
// sessions were not confirmed, so they are only reported, never
// terminated. A failed listing reports nothing: it is only a warning.
func stillMatching(ctx context.Context, c *api.Client, p *plan) []string {
	known := make(map[string]bool, len(p.results))
	for _, r := range p.results {
		known[r.ID] = true
	}
	var extra []string
	for _, scope := range p.scopes {
		sessions, err := c.ListSessions(ctx, scope)
		if err != nil {
			return nil
		}
		for i := range sessions {
			s := &sessions[i]
			if !known[s.ID] && api.IsTerminable(s) {
				known[s.ID] = true
				extra = append(extra, fmt.Sprintf("%s (%s on %s)", text.Safe(s.ID), text.Safe(s.User), text.Safe(s.AssetName)))
			}
		}
	}
	return extra
}

// warnStillMatching tells the operator about them on stderr; they run
// again (after disabling the account, if that is the point).
func warnStillMatching(opts *TerminateOptions, extra []string) {
	if len(extra) == 0 {
		return
	}
	fmt.Fprintf(opts.IO.ErrOut, "warning: %s now %s %s and %s not terminated (started after the preview; not confirmed): %s; run again to end %s\n",
		plural(len(extra), "more active session"), pick(len(extra) == 1, "matches", "match"), describeSelector(opts),
		pick(len(extra) == 1, "was", "were"), strings.Join(extra, ", "), pick(len(extra) == 1, "it", "them"))
}

func pick(cond bool, a, b string) string {
	if cond {
		return a
	}
	return b
}
