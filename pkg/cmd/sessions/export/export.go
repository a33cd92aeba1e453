// Package export implements `pamctl sessions export`: an evidence bundle
// of the sessions that overlap a time window (the sessions, the Session
// Events Report of each, the Events Report around them, the matching
// lines of the local audit journal, and a manifest with the sha256 of
// every file), and `--verify`, which checks a bundle against its manifest.
package export

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/pamctl/pamctl/pkg/api"
	"github.com/pamctl/pamctl/pkg/audit"
	"github.com/pamctl/pamctl/pkg/build"
	"github.com/pamctl/pamctl/pkg/clock"
	"github.com/pamctl/pamctl/pkg/cmd/sessions/selector"
	"github.com/pamctl/pamctl/pkg/cmdutil"
	"github.com/pamctl/pamctl/pkg/config"
	"github.com/pamctl/pamctl/pkg/iostreams"
	"github.com/pamctl/pamctl/pkg/output"
	"github.com/pamctl/pamctl/pkg/prompt"
	"github.com/pamctl/pamctl/pkg/text"
)

// The files of a bundle.
const (
	SessionsFile      = "sessions.json"
	SessionEventsDir  = "session-events"
	EventsFile        = "events.json"
	JournalFile       = "journal.jsonl"
	ManifestFile      = "manifest.json"
	defaultWindow     = 24 * time.Hour
	eventsMargin      = 5 * time.Minute
	manifestTimestamp = time.RFC3339
)

// ExportOptions are the inputs of sessions export.
type ExportOptions struct {
	IO        *iostreams.IOStreams
	APIClient func() (*api.Client, error)
	Output    func() (output.Options, error)
	Clock     clock.Clock
	// LookupEnv finds the audit journal (XDG_STATE_HOME, HOME).
	LookupEnv func(string) (string, bool)
	// Dir is the user's working directory: --out, --verify, --sign and
	// --allowed-signers are read and written relative to it (cmdutil.InDir),
	// and named in messages as given.
	Dir string
	// Interrupts carries a second Ctrl-C: the temporary bundle is removed
	// before the process exits.
	Interrupts *cmdutil.Interrupts

	IDs   []string
	Asset string
	User  string
	// Since and Until bound the window; zero when the flag was not given.
	Since time.Time
	Until time.Time
	Out   string
	Force bool
	// Verify, when set, is a bundle to check instead of exporting.
	Verify string
	// Sign is the SSH key (a private key file, or the public key of a key
	// in ssh-agent) that signs the manifest; AllowedSigners is the
	// allowed-signers file --verify checks the signature against.
	Sign           string
	AllowedSigners string
	// Prompter asks for an encrypted --sign key's passphrase.
	Prompter func() prompt.Prompter
}

// Manifest is manifest.json.
type Manifest struct {
	Server        string   `json:"server"`
	Site          string   `json:"site"`
	Operator      string   `json:"operator"`
	PamctlVersion string   `json:"pamctlVersion"`
	CreatedAt     string   `json:"createdAt"`
	Query         Query    `json:"query"`
	Counts        Counts   `json:"counts"`
	Notes         []string `json:"notes"`
	Files         []File   `json:"files"`
}

// Query is what was asked, and the window it became.
type Query struct {
	IDs     []string `json:"ids"`
	Asset   string   `json:"asset"`
	AssetID string   `json:"assetId,omitempty"`
	User    string   `json:"user"`
	Since   string   `json:"since"`
	Until   string   `json:"until"`
	// EventsFrom and EventsTo are the Events Report's window: the query's,
	// 5 minutes wider either side.
	EventsFrom string `json:"eventsFrom"`
	EventsTo   string `json:"eventsTo"`
}

// Counts are the numbers of records in the bundle.
type Counts struct {
	Sessions      int `json:"sessions"`
	SessionEvents int `json:"sessionEvents"`
	Events        int `json:"events"`
	JournalLines  int `json:"journalLines"`
}

// Result is what -o json and -o yaml print after an export.
type Result struct {
	Path   string   `json:"path"`
	Bytes  int64    `json:"bytes"`
	Counts Counts   `json:"counts"`
	Notes  []string `json:"notes"`
}

// NewCmdExport builds the command; runF replaces the run in tests.
func NewCmdExport(f *cmdutil.Factory, runF func(*ExportOptions) error) *cobra.Command {
	opts := &ExportOptions{IO: f.IOStreams, APIClient: f.APIClient, Output: f.OutputOptions, Clock: f.Clock, LookupEnv: f.LookupEnv, Dir: f.Dir, Interrupts: f.Interrupts, Prompter: f.Prompter}
	var since, until string
	cmd := &cobra.Command{
		Use:   "export [<session-id>...] [--asset <name|id>] [--user <name>] [--since <duration|time>] [--until <time>] --out <path>",
		Short: "Write an evidence bundle of the sessions in a time window",
		Long: `Write an evidence bundle for an incident: every session, in any state, that
overlaps the window (created before --until and not completed before
--since; by default the last 24 hours), optionally only those of one asset
(--asset, a name or an ID) or one user (--user), or the sessions named by
ID. With IDs the window is the last 24 hours, widened back to the earliest
named session unless --since is given.

The bundle is a directory, or a gzipped tarball when --out ends in .tar.gz
or .tgz, holding:

  sessions.json             the sessions, as sessions list -o json prints them
  session-events/<id>.json  the Session Events Report of each session (a
                            lower-case ID as is; any other byte as %XX)
  events.json               the Events Report over the window, 5 minutes wider
                            either side, kept to the events of those users,
                            assets and sessions (empty, with a note and a
                            warning, when the token may not read it: the
                            report needs the Administrator or Auditor role)
  journal.jsonl             the lines of the local audit journal of this
                            server for those sessions, or in the window
                            matching the query's --user/--asset (a hold's
                            reconnects); never another site's line (empty,
                            with a note, when there is no journal)
  manifest.json             server, site, operator, pamctl version, creation
                            time, the query, counts, and the sha256 and size
                            of every other file

Records are oldest first. Files are 0600 and directories 0700; the tarball
is reproducible (fixed order, the bundle's time, no owners). The bundle is
built in a temporary sibling of --out and renamed into place at the end, so
a failure or Ctrl-C leaves nothing under that name. An existing --out is
refused (exit 2) unless --force, before anything is requested.

The path of the bundle goes to stdout (with -o json or yaml: the path, its
size, the counts and the notes), a summary to stderr.
--verify <path> checks a bundle against its manifest instead (exit 1 when
a file is missing, altered or unlisted, each problem named); with -o json
or yaml it prints a report (bundle, ok, problems, files, ...) on stdout.

journal-proof.json holds each journal line's place in the journal's hash
chain (seq, its SHA-256, the hash the next journal line recorded for it);
--verify checks journal.jsonl against it. --sign KEY signs manifest.json
with an SSH key (a private key file, or the public key of a key held by
ssh-agent; an encrypted key asks for its passphrase on a terminal) as
manifest.json.sig, in the format of ssh-keygen -Y sign, namespace
pamctl-evidence. --verify with --allowed-signers FILE checks the signature
and names the signer; without pamctl:
  ssh-keygen -Y verify -f FILE -I <principal> -n pamctl-evidence \
    -s manifest.json.sig < manifest.json`,
		Example: `  # everything bwilliams did in the last day, as a tarball for the ticket
  $ pamctl sessions export --user bwilliams --out INC-4312.tar.gz

  # the sessions on one asset during an incident window, as a directory
  $ pamctl sessions export --asset db-prod-01 --since 2026-11-26T08:00:00Z --until 2026-11-26T12:00:00Z --out evidence/

  # two sessions by ID, replacing an earlier bundle
  $ pamctl sessions export 0c6f1f0e-3c1b-4c53-9d1e-1f0b7c8e2a11 5d2e8a90-77c1-4f0e-b3a4-2c9e6b1d0f33 --out bundle --force

  # check a bundle received from someone else
  $ pamctl sessions export --verify INC-4312.tar.gz

  # sign it, and check who signed it
  $ pamctl sessions export --user bwilliams --out INC-4312.tar.gz --sign ~/.ssh/id_ed25519
  $ pamctl sessions export --verify INC-4312.tar.gz --allowed-signers allowed_signers`,
		Args:              cobra.ArbitraryArgs,
		ValidArgsFunction: cobra.NoFileCompletions,
		RunE: func(cmd *cobra.Command, args []string) error {
			fl := cmd.Flags()
			if opts.Verify != "" || fl.Changed("verify") {
				if opts.Verify == "" {
					return cmdutil.FlagErrorf("--verify is empty: give the path of a bundle")
				}
				for _, other := range []string{"out", "force", "asset", "user", "since", "until", "sign"} {
					if fl.Changed(other) {
						return cmdutil.FlagErrorf("--verify checks a bundle; it takes no --%s", other)
					}
				}
				if len(args) > 0 {
					return cmdutil.FlagErrorf("--verify checks a bundle; it takes no session IDs")
				}
				if runF != nil {
					return runF(opts)
				}
				return verifyRun(opts)
			}
			if fl.Changed("allowed-signers") {
				return cmdutil.FlagErrorf("--allowed-signers goes with --verify: it checks a bundle's signature")
			}
			if fl.Changed("sign") && strings.TrimSpace(opts.Sign) == "" {
				return cmdutil.FlagErrorf("--sign is empty: give an SSH private key file, or the public key of a key in ssh-agent")
			}
			if strings.TrimSpace(opts.Out) == "" {
				return cmdutil.FlagErrorf("--out is required: the directory or .tar.gz file to write the bundle to")
			}
			if fl.Changed("asset") && strings.TrimSpace(opts.Asset) == "" {
				return cmdutil.FlagErrorf("--asset is empty: give an asset name or ID")
			}
			if fl.Changed("user") && strings.TrimSpace(opts.User) == "" {
				return cmdutil.FlagErrorf("--user is empty: give a user name")
			}
			if len(args) > 0 && (opts.Asset != "" || opts.User != "") {
				return cmdutil.FlagErrorf("give session IDs or --asset/--user, not both")
			}
			seen := map[string]bool{}
			opts.IDs = nil
			for _, id := range args {
				if err := api.ValidateID("session", id); err != nil {
					return &cmdutil.FlagError{Err: err}
				}
				if k := strings.ToLower(id); !seen[k] {
					seen[k] = true
					opts.IDs = append(opts.IDs, id)
				}
			}
			clk := opts.Clock
			if clk == nil {
				clk = clock.Real{}
			}
			now := clk.Now()
			var err error
			if fl.Changed("since") {
				if opts.Since, err = cmdutil.ParseTimeFlag("since", since, now); err != nil {
					return err
				}
			}
			if fl.Changed("until") {
				if opts.Until, err = cmdutil.ParseTimeFlag("until", until, now); err != nil {
					return err
				}
			}
			if !opts.Since.IsZero() && !opts.Until.IsZero() && !opts.Since.Before(opts.Until) {
				return cmdutil.FlagErrorf("--since (%s) must be before --until (%s)", output.RFC3339(opts.Since), output.RFC3339(opts.Until))
			}
			if runF != nil {
				return runF(opts)
			}
			return exportRun(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.Asset, "asset", "", "only the sessions of this asset (`name|id`)")
	fl.StringVar(&opts.User, "user", "", "only the sessions of this user (`name`, exact but for ASCII case)")
	fl.StringVar(&since, "since", "", "start of the window, a `duration|time` (2h, 3d, 2026-11-26T09:00:00Z); default 24h")
	fl.StringVar(&until, "until", "", "end of the window, a `duration|time`; default now")
	fl.StringVar(&opts.Out, "out", "", "write the bundle to `path`: a directory, or a .tar.gz/.tgz file")
	fl.BoolVar(&opts.Force, "force", false, "replace an existing --out")
	fl.StringVar(&opts.Verify, "verify", "", "check the bundle at `path` against its manifest instead of exporting")
	fl.StringVar(&opts.Sign, "sign", "", "sign the manifest with the SSH `key` (a private key file, or a key in ssh-agent) as manifest.json.sig")
	fl.StringVar(&opts.AllowedSigners, "allowed-signers", "", "with --verify, check manifest.json.sig against this allowed-signers `file` (ssh-keygen format)")
	_ = cmd.RegisterFlagCompletionFunc("asset", cmdutil.CompleteAssetNames(f))
	_ = cmd.RegisterFlagCompletionFunc("user", cobra.NoFileCompletions)
	_ = cmd.RegisterFlagCompletionFunc("since", cobra.NoFileCompletions)
	_ = cmd.RegisterFlagCompletionFunc("until", cobra.NoFileCompletions)
	return cmd
}

// VerifyReport is what --verify prints with -o json, yaml or ndjson.
type VerifyReport struct {
	Bundle    string   `json:"bundle" yaml:"bundle"`
	OK        bool     `json:"ok" yaml:"ok"`
	Problems  []string `json:"problems" yaml:"problems"`
	Files     int      `json:"files,omitempty" yaml:"files,omitempty"`
	Server    string   `json:"server,omitempty" yaml:"server,omitempty"`
	CreatedAt string   `json:"createdAt,omitempty" yaml:"createdAt,omitempty"`
	Operator  string   `json:"operator,omitempty" yaml:"operator,omitempty"`
	Journal   string   `json:"journal,omitempty" yaml:"journal,omitempty"`
	Signature string   `json:"signature,omitempty" yaml:"signature,omitempty"`
}

// outputOf is the -o options, or the zero options when the command was
// built without them (tests).
func outputOf(opts *ExportOptions) (output.Options, error) {
	if opts.Output == nil {
		return output.Options{}, nil
	}
	return opts.Output()
}

func verifyRun(opts *ExportOptions) error {
	out, err := outputOf(opts)
	if err != nil {
		return err
	}
	rep := VerifyReport{Bundle: opts.Verify, Problems: []string{}}
	m, err := verifyAt(cmdutil.InDir(opts.Dir, opts.Verify), opts.Verify)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return cmdutil.FlagErrorf("--verify %s: no such bundle", opts.Verify)
		}
		var ve *VerifyError
		if errors.As(err, &ve) && out.Format.IsStructured() {
			// The report says what failed; the exit code and stderr too.
			rep.Problems = ve.Problems
			if perr := output.PrintObject(opts.IO.Out, out, rep, nil); perr != nil {
				return perr
			}
		}
		return fmt.Errorf("bundle does not verify: %w", err)
	}
	signature, journal, err := verifyExtras(opts)
	if err != nil {
		return err
	}
	if out.Format.IsStructured() {
		rep.OK, rep.Files, rep.Server, rep.CreatedAt, rep.Operator = true, len(m.Files), m.Server, m.CreatedAt, m.Operator
		rep.Journal, rep.Signature = journal, signature
		return output.PrintObject(opts.IO.Out, out, rep, nil)
	}
	fmt.Fprintln(opts.IO.Out, opts.Verify)
	fmt.Fprintf(opts.IO.ErrOut, "ok: the manifest matches %s (%s, exported %s by %s)\n",
		text.Plural(len(m.Files), "file"), text.Safe(m.Server), text.Safe(m.CreatedAt), text.Safe(m.Operator))
	fmt.Fprintf(opts.IO.ErrOut, "ok: %s; %s\n", text.Safe(journal), text.Safe(signature))
	return nil
}

// checkOut refuses an --out that exists (without --force) or whose
// directory does not; it runs before any request.
func checkOut(wd, out string, force bool) error {
	clean := filepath.Clean(cmdutil.InDir(wd, out))
	if b := filepath.Base(clean); b == "." || b == ".." || b == string(filepath.Separator) {
		return cmdutil.FlagErrorf("--out %s: name a new directory or .tar.gz file, not %s", out, b)
	}
	if fi, err := os.Lstat(clean); err == nil {
		if !force {
			return cmdutil.FlagErrorf("--out %s already exists; pass --force to replace it, or choose another path", out)
		}
		if fi.Mode()&os.ModeSymlink != 0 {
			return cmdutil.FlagErrorf("--out %s is a symbolic link; refusing to replace it, even with --force", out)
		}
	} else if !errors.Is(err, fs.ErrNotExist) {
		return cmdutil.FlagErrorf("--out %s: %v", out, err)
	}
	if fi, err := os.Stat(filepath.Dir(clean)); err != nil || !fi.IsDir() {
		return cmdutil.FlagErrorf("--out %s: directory %s does not exist; create it first", out, filepath.Dir(filepath.Clean(out)))
	}
	return nil
}

// selection is what the exported sessions are: their users, assets and
// IDs (lower-cased), to pick the events and journal lines that belong.
type selection struct {
	users, assetIDs, assetNames, sessions map[string]bool
	// The journal slice: only lines of this server (normalised), whose
	// session is exported, or, in the window, that match the query's own
	// selector (a hold's reconnects): never a line picked by a user or
	// asset name an exported session shares with another site's.
	server                  string
	queryUser, queryAssetID string
}

func newSelection() *selection {
	return &selection{users: map[string]bool{}, assetIDs: map[string]bool{}, assetNames: map[string]bool{}, sessions: map[string]bool{}}
}

// Names and IDs are keyed as api.SameName compares them: ASCII case only.
func (s *selection) add(set map[string]bool, v string) {
	if v != "" {
		set[api.IDKey(v)] = true
	}
}

func (s *selection) has(set map[string]bool, v string) bool {
	return v != "" && set[api.IDKey(v)]
}

func (s *selection) event(e *api.Event) bool {
	return s.has(s.sessions, e.SessionID) || s.has(s.users, e.User) ||
		s.has(s.assetIDs, e.AssetID) || s.has(s.assetNames, e.AssetName)
}

func (s *selection) journal(e *audit.Entry, since, until time.Time) bool {
	if config.NormalizeServer(e.Server) != config.NormalizeServer(s.server) {
		return false
	}
	if s.has(s.sessions, e.Session) {
		return true
	}
	if s.queryUser == "" && s.queryAssetID == "" || e.Time.Before(since) || !e.Time.Before(until) {
		return false
	}
	return (s.queryUser == "" || s.queryUser == strings.ToLower(e.User)) &&
		(s.queryAssetID == "" || s.queryAssetID == strings.ToLower(e.AssetID))
}

// overlaps: created before until, and not completed before since.
func overlaps(s *api.Session, since, until time.Time) bool {
	if !s.Created.IsZero() && !s.Created.Before(until) {
		return false
	}
	return s.Completed.IsZero() || !s.Completed.Before(since)
}

func exportRun(ctx context.Context, opts *ExportOptions) (err error) {
	if err := checkOut(opts.Dir, opts.Out, opts.Force); err != nil {
		return err
	}
	signer, err := loadSigner(opts)
	if err != nil {
		return err
	}
	outOpts, err := outputOf(opts)
	if err != nil {
		return err
	}
	clk := opts.Clock
	if clk == nil {
		clk = clock.Real{}
	}
	now := clk.Now().UTC()
	client, err := opts.APIClient()
	if err != nil {
		return err
	}
	uc, err := client.UserContext(ctx)
	if err != nil {
		return err
	}

	since, until := opts.Since, opts.Until
	if until.IsZero() {
		until = now
	}
	if since.IsZero() {
		since = until.Add(-defaultWindow)
	}
	sel := newSelection()
	sel.server = client.Server()
	var sessions []api.Session
	var asset *api.Asset
	if len(opts.IDs) > 0 {
		for _, id := range opts.IDs {
			s, err := client.GetSession(ctx, id)
			if err != nil {
				if api.IsNotFound(err) {
					return cmdutil.NotFoundf("no session with ID %s", id)
				}
				return err
			}
			sessions = append(sessions, *s)
			// Named sessions are exported whatever the window; the window
			// widens back to cover them unless --since says otherwise.
			if opts.Since.IsZero() && !s.Created.IsZero() && s.Created.Before(since) {
				since = s.Created.UTC()
			}
		}
	} else {
		p := api.ListSessionsParams{User: opts.User, To: until}
		if opts.Asset != "" {
			if asset, err = cmdutil.ResolveAsset(ctx, client, opts.Asset); err != nil {
				return err
			}
			p.AssetID = asset.ID
			sel.add(sel.assetIDs, asset.ID)
			sel.add(sel.assetNames, asset.Name)
			sel.queryAssetID = strings.ToLower(asset.ID)
		}
		sel.add(sel.users, opts.User)
		sel.queryUser = strings.ToLower(opts.User)
		// The server filters on creation time only: a session created
		// before the window that ran into it is read and kept here.
		all, err := client.ListSessions(ctx, p)
		if err != nil {
			return err
		}
		sieve := &api.Sieve{P: p}
		for _, s := range sieve.Keep(all) {
			if overlaps(&s, since, until) {
				sessions = append(sessions, s)
			}
		}
		if sieve.Dropped > 0 {
			fmt.Fprintln(opts.IO.ErrOut, selector.Mismatch(sieve.Dropped, "the query", "not exported", sieve))
		}
	}
	sort.SliceStable(sessions, func(i, j int) bool {
		a, b := sessions[i], sessions[j]
		if !a.Created.Equal(b.Created.Time) {
			return a.Created.Before(b.Created.Time)
		}
		return strings.ToLower(a.ID) < strings.ToLower(b.ID)
	})
	for i := range sessions {
		s := &sessions[i]
		sel.add(sel.sessions, s.ID)
		sel.add(sel.users, s.User)
		sel.add(sel.assetIDs, s.AssetID)
		sel.add(sel.assetNames, s.AssetName)
	}

	b, err := createBundle(filepath.Clean(cmdutil.InDir(opts.Dir, opts.Out)), now)
	if err != nil {
		return err
	}
	b.redact = func(p []byte) []byte { return opts.IO.Redactor().Bytes([]byte(client.Redact(string(p)))) }
	removeHook := opts.Interrupts.OnQuit(b.abort)
	defer removeHook()
	defer func() {
		if err != nil {
			b.abort()
		}
	}()

	if sessions == nil {
		sessions = []api.Session{}
	}
	if err := addJSON(b, SessionsFile, sessions); err != nil {
		return err
	}
	counts := Counts{Sessions: len(sessions)}
	for i := range sessions {
		id := sessions[i].ID
		evs, err := client.SessionEvents(ctx, id)
		if err != nil {
			return err
		}
		if evs == nil {
			evs = []api.SessionEvent{}
		}
		sort.SliceStable(evs, func(i, j int) bool { return evs[i].Start.Before(evs[j].Start.Time) })
		counts.SessionEvents += len(evs)
		// One file per session, named by an encoding of its ID that
		// cannot collide or leave the bundle (names.go).
		if err := addJSON(b, sessionEventsName(id), evs); err != nil {
			return err
		}
	}

	notes := []string{}
	from, to := since.Add(-eventsMargin), until.Add(eventsMargin)
	report, err := client.ListEvents(ctx, api.ListEventsParams{From: from, To: to})
	if err != nil {
		// The Events Report needs the Administrator or Auditor site role;
		// an Asset Manager exporting their own asset still gets the rest,
		// and the bundle says what it lacks.
		if !api.IsAuth(err) {
			return err
		}
		note := fmt.Sprintf("the Events Report was refused to %s (%s; it needs the Administrator or Auditor site role): %s is empty", uc.User.Name, statusText(err), EventsFile)
		notes = append(notes, note)
		fmt.Fprintf(opts.IO.ErrOut, "warning: %s\n", text.Safe(note))
		report = nil
	}
	events := []api.Event{}
	for i := range report {
		if sel.event(&report[i]) {
			events = append(events, report[i])
		}
	}
	sort.SliceStable(events, func(i, j int) bool {
		a, b := events[i], events[j]
		if !a.Created.Equal(b.Created.Time) {
			return a.Created.Before(b.Created.Time)
		}
		return strings.ToLower(a.ID) < strings.ToLower(b.ID)
	})
	counts.Events = len(events)
	if err := addJSON(b, EventsFile, events); err != nil {
		return err
	}

	var journal bytes.Buffer
	jpath, err := audit.Path(opts.LookupEnv)
	if err != nil {
		return err
	}
	proof := newProofBuilder(jpath)
	st, err := audit.Scan(jpath, func(raw []byte, e audit.Entry) error {
		selected := sel.journal(&e, since, until)
		proof.observe(raw, &e, selected)
		if selected {
			journal.Write(raw)
			journal.WriteByte('\n')
			counts.JournalLines++
		}
		return nil
	})
	switch {
	case errors.Is(err, fs.ErrNotExist):
		notes = append(notes, fmt.Sprintf("no audit journal at %s: %s is empty", jpath, JournalFile))
	case err != nil:
		return err
	case st.Unreadable > 0:
		notes = append(notes, fmt.Sprintf("%d unreadable lines of the audit journal %s were skipped", st.Unreadable, jpath))
	}
	if err := b.add(JournalFile, journal.Bytes()); err != nil {
		return err
	}
	if counts.JournalLines > 0 {
		if err := addJSON(b, JournalProofFile, proof.p); err != nil {
			return err
		}
	}

	ids := opts.IDs
	if ids == nil {
		ids = []string{}
	}
	m := Manifest{
		Server:        client.Server(),
		Site:          uc.Space.Name,
		Operator:      uc.User.Name,
		PamctlVersion: build.Get().Version,
		CreatedAt:     now.Format(manifestTimestamp),
		Query: Query{
			IDs: ids, Asset: opts.Asset, User: opts.User,
			Since: since.UTC().Format(time.RFC3339), Until: until.UTC().Format(time.RFC3339),
			EventsFrom: from.UTC().Format(time.RFC3339), EventsTo: to.UTC().Format(time.RFC3339),
		},
		Counts: counts,
		Notes:  notes,
		Files:  append([]File(nil), b.files...),
	}
	if asset != nil {
		m.Query.AssetID = asset.ID
	}
	manifest, err := jsonBytes(ManifestFile, m)
	if err != nil {
		return err
	}
	if err := b.add(ManifestFile, manifest); err != nil {
		return err
	}
	if signer != nil {
		if err := signManifest(b, signer, manifest); err != nil {
			return err
		}
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := b.commit(opts.Force); err != nil {
		return err
	}
	size := b.size()
	fmt.Fprintf(opts.IO.ErrOut, "Exported %s, %s, %s (%d bytes) to %s\n",
		text.Plural(counts.Sessions, "session"), text.Plural(counts.Events, "event"), text.Plural(counts.JournalLines, "journal line"), size, opts.Out)
	if outOpts.Format.IsStructured() {
		return output.PrintObject(opts.IO.Out, outOpts, Result{Path: opts.Out, Bytes: size, Counts: counts, Notes: notes}, nil)
	}
	_, err = fmt.Fprintln(opts.IO.Out, opts.Out)
	return err
}

// addJSON adds v as indented JSON: HTML characters kept as they are (an
// evidence file is not a web page), and characters a terminal would act
// on escaped, as every pamctl JSON output is.
func addJSON(b *bundle, name string, v any) error {
	data, err := jsonBytes(name, v)
	if err != nil {
		return err
	}
	return b.add(name, data)
}

// jsonBytes is v as addJSON writes it.
func jsonBytes(name string, v any) ([]byte, error) {
	var compact bytes.Buffer
	enc := json.NewEncoder(&compact)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, fmt.Errorf("encoding %s: %w", name, err)
	}
	var out bytes.Buffer
	if err := output.WriteRawJSON(&out, bytes.TrimSpace(compact.Bytes())); err != nil {
		return nil, fmt.Errorf("encoding %s: %w", name, err)
	}
	return out.Bytes(), nil
}

// statusText is "HTTP 403" for an API error.
func statusText(err error) string {
	var he *api.HTTPError
	if errors.As(err, &he) {
		return fmt.Sprintf("HTTP %d", he.StatusCode)
	}
	return "refused"
}
