// Package list implements `pamctl sessions list`: the Sessions Report of a
// site, or of one asset, in a terminal.
package list

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/pamctl/pamctl/pkg/api"
	"github.com/pamctl/pamctl/pkg/cmd/sessions/selector"
	"github.com/pamctl/pamctl/pkg/cmd/sessions/shared"
	"github.com/pamctl/pamctl/pkg/cmdutil"
	"github.com/pamctl/pamctl/pkg/iostreams"
	"github.com/pamctl/pamctl/pkg/output"
	"github.com/pamctl/pamctl/pkg/text"
)

// States of --state.
const (
	StateActive    = "active"
	StateCompleted = "completed"
	StateAll       = "all"
)

// sortFields are the --sort values the server knows.
var sortFields = []string{"created", "updated", "completed", "user", "asset"}

// ListOptions are the inputs of sessions list.
type ListOptions struct {
	IO        *iostreams.IOStreams
	APIClient func() (*api.Client, error)
	Output    func() (output.Options, error)
	Now       func() time.Time

	// Asset is an asset name or ID; empty for the site-wide report.
	Asset   string
	State   string // StateActive, StateCompleted or StateAll
	User    string
	Channel string
	Since   time.Time // zero: no lower bound on created
	Until   time.Time // zero: no upper bound on created
	Sort    string    // a field of sortFields; empty for the server's default
	Order   string    // asc or desc; empty for the server's default
	Limit   int       // 0: everything

	// FanOut is --profiles/--all-profiles; Sites builds their clients.
	FanOut cmdutil.FanOut
	Sites  func(cmdutil.FanOut) ([]cmdutil.Site, error)
}

// longHelp is the command's help text.
const longHelp = `List sessions as the Sessions Report shows them: SESSION ID, ASSET, USER,
CHANNELS, STATE, CREATED and UPDATED (ages on a terminal); -o wide adds
COMPLETED and ASSET ID with absolute times. Active sessions by default.

Without --asset this is the site-wide report, which needs the Administrator
or Auditor site role. With --asset (a name or an ID) it is that asset's
report, for anyone with a permission on the asset, such as its Asset
Manager. An asset name must match one asset: a name that matches several
is refused with the candidates, so pass the ID.

Every page is fetched (several at once) unless --limit says otherwise.
--since and --until bound the creation time: a duration before now (30m,
2h, 3d, 1w) or a time (2026-11-26T09:00:00Z, or a local 2026-11-26T09:00 or
2026-11-26). --sort takes created, updated, completed, user or asset, with
:asc or :desc (time fields default to newest first, names to A to Z).

On a terminal a count follows the table on stderr; an empty result says so
on stderr and exits 0. -o json and -o yaml print [] when nothing matches.

--profiles a,b or --all-profiles lists several sites (profiles of the
config file) at once, up to 4 at a time: every row gains a SITE column
first ("site" in JSON, the profile's name), each site's sessions in the
order its server gave them (--limit applies per site). A site that fails
is named on its own stderr line ("pamctl: site NAME: ...") and the others
are still listed; the exit code is then 1. Each site uses its profile's
server and stored token: --server and --token are refused, PAMCTL_SERVER
and PAMCTL_TOKEN are not used.`

// NewCmdList builds the command; runF replaces the run in tests.
func NewCmdList(f *cmdutil.Factory, runF func(*ListOptions) error) *cobra.Command {
	opts := &ListOptions{IO: f.IOStreams, APIClient: f.APIClient, Output: f.OutputOptions, Now: f.Now, Sites: f.Sites}
	var since, until, sortBy string
	cmd := &cobra.Command{
		Use:     "list [--asset <name|id>] [--state active|completed|all] [--user <name>] [--channel <channel>] [--since <duration|time>] [--until <time>]",
		Aliases: []string{"ls"},
		Short:   "List sessions, site-wide or on one asset",
		Long:    longHelp,
		Example: `  # who is connected to an asset right now
  $ pamctl sessions list --asset db-prod-01

  # every session of one user in the last two days, site-wide
  $ pamctl sessions list --state all --user bwilliams --since 2d

  # the 20 most recently completed sessions, as JSON
  $ pamctl sessions list --state completed --sort completed --limit 20 -o json

  # who is connected, on every site of the config file
  $ pamctl sessions list --all-profiles`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			state := strings.ToLower(strings.TrimSpace(opts.State))
			switch state {
			case StateActive, StateCompleted, StateAll:
				opts.State = state
			default:
				return cmdutil.FlagErrorf("--state %q: want active, completed or all", opts.State)
			}
			if cmd.Flags().Changed("asset") && strings.TrimSpace(opts.Asset) == "" {
				return cmdutil.FlagErrorf("--asset is empty: give an asset name or ID")
			}
			if cmd.Flags().Changed("user") && strings.TrimSpace(opts.User) == "" {
				return cmdutil.FlagErrorf("--user is empty: give a user name")
			}
			if cmd.Flags().Changed("channel") && strings.TrimSpace(opts.Channel) == "" {
				return cmdutil.FlagErrorf("--channel is empty: give a channel such as SSH or RDP")
			}
			if opts.Limit < 0 {
				return cmdutil.FlagErrorf("--limit %d: want 0 (everything) or more", opts.Limit)
			}
			now := time.Now
			if opts.Now != nil {
				now = opts.Now
			}
			var err error
			if cmd.Flags().Changed("since") {
				if opts.Since, err = cmdutil.ParseTimeFlag("since", since, now()); err != nil {
					return err
				}
			}
			if cmd.Flags().Changed("until") {
				if opts.Until, err = cmdutil.ParseTimeFlag("until", until, now()); err != nil {
					return err
				}
			}
			if !opts.Since.IsZero() && !opts.Until.IsZero() && !opts.Since.Before(opts.Until) {
				return cmdutil.FlagErrorf("--since (%s) must be before --until (%s)", output.RFC3339(opts.Since), output.RFC3339(opts.Until))
			}
			if cmd.Flags().Changed("sort") {
				if opts.Sort, opts.Order, err = parseSort(sortBy); err != nil {
					return err
				}
			}
			if runF != nil {
				return runF(opts)
			}
			return listRun(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.Asset, "asset", "", "only the sessions of this asset (`name|id`)")
	fl.StringVar(&opts.State, "state", StateActive, "`state`: active, completed or all")
	fl.StringVar(&opts.User, "user", "", "only the sessions of this user (`name`, exact but for ASCII case)")
	fl.StringVar(&opts.Channel, "channel", "", "only sessions over this `channel` (SSH, RDP, VNC, Telnet, RDPP, SSHP:Shell, ...)")
	fl.StringVar(&since, "since", "", "only sessions created at or after this `duration|time` (2h, 3d, 2026-11-26T09:00:00Z)")
	fl.StringVar(&until, "until", "", "only sessions created before this `duration|time`")
	fl.StringVar(&sortBy, "sort", "", "sort by `field`[:asc|desc]: created, updated, completed, user, asset (default created, newest first)")
	fl.IntVar(&opts.Limit, "limit", 0, "show at most `N` sessions (0: all)")
	cmdutil.AddFanOutFlags(cmd, &opts.FanOut)
	_ = cmd.RegisterFlagCompletionFunc("asset", cmdutil.CompleteAssetNames(f))
	_ = cmd.RegisterFlagCompletionFunc("state", cmdutil.CompleteStates)
	_ = cmd.RegisterFlagCompletionFunc("channel", cmdutil.CompleteChannels)
	_ = cmd.RegisterFlagCompletionFunc("sort", completeSort)
	_ = cmd.RegisterFlagCompletionFunc("user", cobra.NoFileCompletions)
	_ = cmd.RegisterFlagCompletionFunc("since", cobra.NoFileCompletions)
	_ = cmd.RegisterFlagCompletionFunc("until", cobra.NoFileCompletions)
	_ = cmd.RegisterFlagCompletionFunc("limit", cobra.NoFileCompletions)
	return cmd
}

// parseSort reads FIELD[:asc|desc]. Without a direction, times sort newest
// first (the report's order) and names A to Z.
func parseSort(v string) (field, order string, err error) {
	field, order, _ = strings.Cut(strings.ToLower(strings.TrimSpace(v)), ":")
	known := false
	for _, s := range sortFields {
		if field == s {
			known = true
		}
	}
	if !known {
		return "", "", cmdutil.FlagErrorf("--sort %q: want one of %s, optionally with :asc or :desc", v, strings.Join(sortFields, ", "))
	}
	switch order {
	case "asc", "desc":
	case "":
		order = "desc"
		if field == "user" || field == "asset" {
			order = "asc"
		}
	default:
		return "", "", cmdutil.FlagErrorf("--sort %q: the direction after %q must be asc or desc", v, field+":")
	}
	return field, order, nil
}

func completeSort(_ *cobra.Command, _ []string, _ string) ([]cobra.Completion, cobra.ShellCompDirective) {
	var out []cobra.Completion
	for _, s := range sortFields {
		out = append(out, s, s+":asc", s+":desc")
	}
	return out, cobra.ShellCompDirectiveNoFileComp
}

func listRun(ctx context.Context, opts *ListOptions) error {
	out, err := opts.Output()
	if err != nil {
		return err
	}
	if opts.Now != nil && out.Now == nil {
		out.Now = opts.Now
	}
	sites, err := cmdutil.SitesFor(opts.FanOut, opts.APIClient, opts.Sites)
	if err != nil {
		return err
	}
	if cmdutil.One(sites) && out.Streams() {
		return streamOne(ctx, opts, out, sites[0].Client)
	}
	var asset *api.Asset // one site's, resolved
	rows, errs, err := cmdutil.ListSites(ctx, sites, func(ctx context.Context, s cmdutil.Site) ([]api.Session, error) {
		note := ""
		if s.Name != "" {
			note = "site " + s.Name + ": "
		}
		sessions, a, err := fetch(ctx, s.Client, opts, note)
		if cmdutil.One(sites) {
			asset = a
		}
		return sessions, err
	})
	if err != nil {
		return err
	}
	cmdutil.PrintSiteErrors(opts.IO.ErrOut, errs)
	if err := printRows(opts, out, sites, rows, asset); err != nil {
		return err
	}
	return cmdutil.FailedSites(cmdutil.ExitFailure, errs, "their sessions are not listed")
}

// printRows prints the sessions, and for a person the count (or that
// there is none), across the sites in a fan-out.
func printRows(opts *ListOptions, out output.Options, sites []cmdutil.Site, rows []cmdutil.SiteRow[api.Session], asset *api.Asset) error {
	human := out.Format == output.Table || out.Format == output.Wide || out.Format == ""
	across := ""
	if !cmdutil.One(sites) {
		across = ", across " + siteWords(sites)
		if opts.Asset != "" {
			asset = &api.Asset{Name: opts.Asset}
		}
	}
	if len(rows) == 0 && human {
		fmt.Fprintf(opts.IO.ErrOut, "No %s%s\n", describe(0, opts, asset), across)
		return nil
	}
	if err := cmdutil.PrintSiteList(opts.IO.Out, out, sites, rows, shared.SessionColumns()); err != nil {
		return err
	}
	if human && out.TTY {
		line := fmt.Sprintf("%d %s%s", len(rows), describe(len(rows), opts, asset), across)
		if cmdutil.One(sites) && opts.Limit > 0 && len(rows) == opts.Limit {
			line += fmt.Sprintf(" (--limit %d reached; there may be more)", opts.Limit)
		}
		fmt.Fprintln(opts.IO.ErrOut, line)
	}
	return nil
}

// streamOne is one site's list in a streaming format (json, ndjson, csv):
// page by page, in order, so memory does not grow with the count and
// there is no million-item cap.
func streamOne(ctx context.Context, opts *ListOptions, out output.Options, client *api.Client) error {
	p := params(opts)
	var asset *api.Asset
	var err error
	if opts.Asset != "" {
		asset, err = cmdutil.ResolveAsset(ctx, client, opts.Asset)
		if err != nil {
			if api.IsAuth(err) {
				return assetLookupError(opts.Asset, err)
			}
			return err
		}
		p.AssetID = asset.ID
	}
	listErr := func(err error) error {
		switch {
		case api.IsAuth(err):
			return permissionError(ctx, client, asset, err)
		case api.IsNotFound(err) && asset != nil:
			return &cmdutil.NotFoundError{Err: fmt.Errorf("asset %s (%s) is gone: %w", text.Safe(asset.Name), asset.ID, err)}
		}
		return err
	}
	// What is printed honours the flags, whatever the server's filtering.
	sieve := &api.Sieve{P: p}
	lw := output.NewListWriter(opts.IO.Out, out, shared.SessionColumns())
	started := false
	err = client.EachSessionPage(ctx, p, func(page []api.Session) error {
		started = true
		return lw.Write(sieve.Keep(page))
	})
	if sieve.Dropped > 0 {
		fmt.Fprintln(opts.IO.ErrOut, selector.Mismatch(sieve.Dropped, "the filters", "not shown", sieve))
	}
	if err != nil {
		if started {
			// Pages already went out: close the array so stdout still
			// parses; the exit code says the list is cut short.
			_ = lw.Close()
		}
		return listErr(err)
	}
	return lw.Close()
}

// params is the Sessions Report query the flags ask for.
func params(opts *ListOptions) api.ListSessionsParams {
	p := api.ListSessionsParams{
		User: opts.User, Channel: opts.Channel,
		From: opts.Since, To: opts.Until,
		Sort: opts.Sort, Order: opts.Order, Limit: opts.Limit,
	}
	switch opts.State {
	case StateActive, "":
		p.State = api.StateActive
	case StateCompleted:
		p.State = api.StateCompleted
	}
	return p
}

// fetch lists one site's sessions as the flags ask; warnings start with
// note (the site, in a fan-out). It also returns the resolved asset (nil
// without --asset).
func fetch(ctx context.Context, client *api.Client, opts *ListOptions, note string) ([]api.Session, *api.Asset, error) {
	p := params(opts)
	var asset *api.Asset
	var err error
	if opts.Asset != "" {
		asset, err = cmdutil.ResolveAsset(ctx, client, opts.Asset)
		if err != nil {
			if api.IsAuth(err) {
				return nil, nil, assetLookupError(opts.Asset, err)
			}
			return nil, nil, err
		}
		p.AssetID = asset.ID
	}
	sessions, err := client.ListSessions(ctx, p)
	if err != nil {
		if api.IsAuth(err) {
			return nil, nil, permissionError(ctx, client, asset, err)
		}
		if api.IsNotFound(err) && asset != nil {
			return nil, nil, &cmdutil.NotFoundError{Err: fmt.Errorf("asset %s (%s) is gone: %w", text.Safe(asset.Name), asset.ID, err)}
		}
		return nil, nil, err
	}
	// What is printed honours the flags, whatever the server's filtering.
	sieve := &api.Sieve{P: p}
	kept := sieve.Keep(sessions)
	if sieve.Dropped > 0 {
		fmt.Fprintln(opts.IO.ErrOut, note+selector.Mismatch(sieve.Dropped, "the filters", "not shown", sieve))
	}
	return kept, asset, nil
}

func siteWords(sites []cmdutil.Site) string {
	if len(sites) == 1 {
		return "1 site"
	}
	return fmt.Sprintf("%d sites", len(sites))
}

// describe words what was listed: "active sessions on db-prod-01", "session
// of user jdoe site-wide".
func describe(n int, opts *ListOptions, asset *api.Asset) string {
	var b strings.Builder
	switch opts.State {
	case StateActive, "":
		b.WriteString("active ")
	case StateCompleted:
		b.WriteString("completed ")
	}
	b.WriteString("session")
	if n != 1 {
		b.WriteString("s")
	}
	if opts.User != "" {
		fmt.Fprintf(&b, " of user %s", text.Safe(opts.User))
	}
	if opts.Channel != "" {
		fmt.Fprintf(&b, " over %s", text.Safe(opts.Channel))
	}
	if !opts.Since.IsZero() {
		fmt.Fprintf(&b, " since %s", output.RFC3339(opts.Since))
	}
	if !opts.Until.IsZero() {
		fmt.Fprintf(&b, " until %s", output.RFC3339(opts.Until))
	}
	if asset != nil {
		fmt.Fprintf(&b, " on %s", text.Safe(asset.Name))
	} else {
		b.WriteString(" site-wide")
	}
	return b.String()
}

// permissionError says what the token's user lacks. The server answers 401
// or 403 for a missing permission alike, so the user context tells a
// refused token (it fails too) from a missing role.
// assetLookupError: the operator passed --asset, and looking it up was
// refused; telling them to pass --asset would contradict what they did.
func assetLookupError(ref string, err error) error {
	if notAPI(err) {
		return &cmdutil.AuthError{Err: &explained{cause: err, msg: fmt.Sprintf("looking up asset %q was answered by a page that is not the 12Port API (HTTP %d; a proxy or SSO login?): check the server URL and that the API is reachable without a browser login", text.Safe(ref), statusOf(err))}}
	}
	return &cmdutil.AuthError{Err: &explained{cause: err, msg: fmt.Sprintf("permission denied (HTTP %d) looking up asset %q: your user cannot read it or list assets; pass the asset's ID, or ask for the Viewer permission on it", statusOf(err), text.Safe(ref))}}
}

// notAPI reports an error answer that was not the API's JSON (an SSO or
// proxy page): it says nothing about the user's roles.
func notAPI(err error) bool {
	var he *api.HTTPError
	return errors.As(err, &he) && he.NotJSON
}

func permissionError(ctx context.Context, client *api.Client, asset *api.Asset, err error) error {
	status := statusOf(err)
	if notAPI(err) {
		return &cmdutil.AuthError{Err: &explained{cause: err, msg: fmt.Sprintf("HTTP %d from a page that is not the 12Port API (a proxy or SSO login?), whatever your roles: check the server URL and that the API is reachable without a browser login", status)}}
	}
	uc, uerr := client.UserContext(ctx)
	if uerr != nil {
		if api.IsAuth(uerr) {
			return &cmdutil.AuthError{Err: &explained{cause: err, msg: fmt.Sprintf(
				"the server refused the token (HTTP %d): it is invalid or expired, or its user lacks permission; check it with `pamctl auth status`", statusOf(uerr))}}
		}
		return &cmdutil.AuthError{Err: err}
	}
	who := "user " + text.Safe(uc.User.Name)
	has := "has no site role"
	if len(uc.Roles) > 0 {
		has = "has only the site role(s) " + text.Safe(strings.Join(uc.Roles, ", "))
	}
	if asset == nil {
		return &cmdutil.AuthError{Err: &explained{cause: err, msg: fmt.Sprintf(
			"permission denied (HTTP %d): the site-wide sessions report needs the Administrator or Auditor site role, and %s %s; to list the sessions of an asset you manage or view, pass --asset <name|id>",
			status, who, has)}}
	}
	return &cmdutil.AuthError{Err: &explained{cause: err, msg: fmt.Sprintf(
		"permission denied (HTTP %d): the sessions of asset %s need a permission on it (Viewer or higher) or the Administrator or Auditor site role, which %s lacks",
		status, text.Safe(asset.Name), who)}}
}

// explained rewords an API error for the operator and keeps it in the
// chain, so exit-code mapping still sees the HTTP status.
type explained struct {
	cause error
	msg   string
}

func (e *explained) Error() string { return e.msg }
func (e *explained) Unwrap() error { return e.cause }

func statusOf(err error) int {
	var he *api.HTTPError
	if errors.As(err, &he) {
		return he.StatusCode
	}
	return 0
}
