package export

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pamctl/pamctl/pkg/api"
	"github.com/pamctl/pamctl/pkg/audit"
	"github.com/pamctl/pamctl/pkg/clock"
	"github.com/pamctl/pamctl/pkg/cmdutil"
	"github.com/pamctl/pamctl/pkg/iostreams"
	"github.com/pamctl/pamctl/pkg/output"
	"github.com/pamctl/pamctl/pkg/pamsim"
)

var now = time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)

const (
	sess01 = "11111111-1111-4111-8111-000000000001" // bwilliams, db-prod-01, Active, 26m
	sess02 = "11111111-1111-4111-8111-000000000002" // jdoe, db-prod-01, Active, 2h
	sess05 = "11111111-1111-4111-8111-000000000005" // asmith, db-prod-02, Completed 3h ago
	sess10 = "11111111-1111-4111-8111-000000000010" // jdoe, web-02, created 1d ago, Completed 23h ago
	sess11 = "11111111-1111-4111-8111-000000000011" // tparker, created 2d ago, Active
)

func TestNewCmdExport(t *testing.T) {
	tests := []struct {
		name    string
		args    string
		want    ExportOptions
		wantErr string
	}{
		{name: "user to a directory", args: "--user bwilliams --out b", want: ExportOptions{User: "bwilliams", Out: "b"}},
		{name: "window", args: "--asset db-prod-01 --since 2h --until 2026-11-26T09:30:00Z --out b.tar.gz --force",
			want: ExportOptions{Asset: "db-prod-01", Since: now.Add(-2 * time.Hour), Until: time.Date(2026, 11, 26, 9, 30, 0, 0, time.UTC), Out: "b.tar.gz", Force: true}},
		{name: "ids, deduplicated however spelled", args: sess01 + " " + strings.ToUpper(sess01) + " " + sess02 + " --out b",
			want: ExportOptions{IDs: []string{sess01, sess02}, Out: "b"}},
		{name: "verify", args: "--verify b.tar.gz", want: ExportOptions{Verify: "b.tar.gz"}},
		{name: "no out", args: "--user bwilliams", wantErr: "--out is required"},
		{name: "empty user", args: "--user= --out b", wantErr: "--user is empty"},
		{name: "empty asset", args: "--asset= --out b", wantErr: "--asset is empty"},
		{name: "ids and a selector", args: sess01 + " --user bwilliams --out b", wantErr: "not both"},
		{name: "bad id", args: "../x --out b", wantErr: "path separator"},
		{name: "since after until", args: "--since 1h --until 2h --out b", wantErr: "must be before --until"},
		{name: "bad since", args: "--since yesterday --out b", wantErr: `--since "yesterday"`},
		{name: "verify with out", args: "--verify b --out c", wantErr: "takes no --out"},
		{name: "verify with ids", args: "--verify b " + sess01, wantErr: "takes no session IDs"},
		{name: "empty verify", args: "--verify=", wantErr: "--verify is empty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ios, _, _, _ := iostreams.Test()
			f := &cmdutil.Factory{IOStreams: ios, Clock: clock.NewFake(now)}
			var got *ExportOptions
			cmd := NewCmdExport(f, func(o *ExportOptions) error { got = o; return nil })
			cmd.SetArgs(strings.Fields(tt.args))
			cmd.SetOut(&bytes.Buffer{})
			cmd.SetErr(&bytes.Buffer{})
			_, err := cmd.ExecuteC()
			if tt.wantErr != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.wantErr)
				var fe *cmdutil.FlagError
				assert.ErrorAs(t, err, &fe)
				assert.Nil(t, got, "run must not be called")
				return
			}
			require.NoError(t, err)
			require.NotNil(t, got)
			assert.Equal(t, tt.want.IDs, got.IDs)
			assert.Equal(t, tt.want.Asset, got.Asset)
			assert.Equal(t, tt.want.User, got.User)
			assert.Equal(t, tt.want.Out, got.Out)
			assert.Equal(t, tt.want.Force, got.Force)
			assert.Equal(t, tt.want.Verify, got.Verify)
			assert.True(t, tt.want.Since.Equal(got.Since), "since: want %v, got %v", tt.want.Since, got.Since)
			assert.True(t, tt.want.Until.Equal(got.Until), "until: want %v, got %v", tt.want.Until, got.Until)
		})
	}
}

// fixture is a simulator on a fake clock and the options of a run against
// it, with its own state directory for the journal.
type fixture struct {
	sim    *pamsim.Server
	opts   *ExportOptions
	out    *bytes.Buffer
	errOut *bytes.Buffer
	dir    string
	state  string
}

func newFixture(t *testing.T, wrap func(http.RoundTripper) http.RoundTripper) *fixture {
	t.Helper()
	return newFixtureAs(t, wrap, func(tk pamsim.Tokens) string { return tk.Admin })
}

func newFixtureAs(t *testing.T, wrap func(http.RoundTripper) http.RoundTripper, token func(pamsim.Tokens) string) *fixture {
	t.Helper()
	clk := clock.NewFake(now)
	sim, base := pamsim.Start(t, pamsim.Options{Now: clk.Now})
	ios, _, out, errOut := iostreams.Test()
	dir := t.TempDir()
	state := filepath.Join(dir, "state")
	rt := http.DefaultTransport
	if wrap != nil {
		rt = wrap(rt)
	}
	client, err := api.New(api.Options{Server: base, Token: token(sim.Tokens()), MaxTries: 1, Transport: rt, Now: clk.Now})
	require.NoError(t, err)
	fx := &fixture{sim: sim, out: out, errOut: errOut, dir: filepath.Join(dir, "work"), state: state}
	require.NoError(t, os.Mkdir(fx.dir, 0o755))
	fx.opts = &ExportOptions{
		IO:        ios,
		APIClient: func() (*api.Client, error) { return client, nil },
		Clock:     clk,
		LookupEnv: func(k string) (string, bool) {
			return map[string]string{"XDG_STATE_HOME": state}[k], k == "XDG_STATE_HOME"
		},
		Interrupts: &cmdutil.Interrupts{},
	}
	return fx
}

func (fx *fixture) path(name string) string { return filepath.Join(fx.dir, name) }

// entries lists fx.dir, to prove no temporary was left behind.
func (fx *fixture) entries(t *testing.T) []string {
	t.Helper()
	es, err := os.ReadDir(fx.dir)
	require.NoError(t, err)
	var names []string
	for _, e := range es {
		names = append(names, e.Name())
	}
	return names
}

func readJSON(t *testing.T, path string, v any) {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(b, v), "%s: %s", path, b)
}

func sessionIDs(ss []api.Session) []string {
	var ids []string
	for _, s := range ss {
		ids = append(ids, s.ID)
	}
	return ids
}

func TestExportUserToDirectory(t *testing.T) {
	fx := newFixture(t, nil)
	// The journal: a terminate of a bwilliams session, an unrelated one
	// in the window, an old line for bwilliams outside it, and one for
	// an exported session long ago (kept: its session is exported).
	// Lines of another site (another server) are never kept, not even
	// for the same session ID or user.
	j, err := audit.Open(filepath.Join(fx.state, "pamctl", audit.FileName))
	require.NoError(t, err)
	client, err := fx.opts.APIClient()
	require.NoError(t, err)
	server, other := client.Server(), "https://pam.other.example:6443/ztna/demo/east"
	require.NoError(t, j.Append(
		audit.Entry{Time: now.Add(-10 * time.Minute), Operator: "admin", Server: server, Session: "99999999-9999-4999-8999-000000000001", User: "BWilliams", Asset: "web-01", Result: "terminated"},
		audit.Entry{Time: now.Add(-10 * time.Minute), Operator: "admin", Server: server, Session: sess05, User: "asmith", Asset: "db-prod-02-not-exported", Result: "terminated"},
		audit.Entry{Time: now.Add(-48 * time.Hour), Operator: "admin", Server: server, Session: "99999999-9999-4999-8999-000000000002", User: "bwilliams", Result: "terminated"},
		audit.Entry{Time: now.Add(-72 * time.Hour), Operator: "admin", Server: server, Session: sess01, User: "bwilliams", Result: "failed"},
		audit.Entry{Time: now.Add(-10 * time.Minute), Operator: "admin", Server: other, Session: sess01, User: "bwilliams", Result: "terminated"},
		audit.Entry{Time: now.Add(-10 * time.Minute), Operator: "admin", Server: other, Session: "99999999-9999-4999-8999-000000000003", User: "bwilliams", Result: "terminated"},
	))
	require.NoError(t, j.Close())

	fx.opts.User, fx.opts.Out = "bwilliams", fx.path("bundle")
	require.NoError(t, exportRun(context.Background(), fx.opts))
	assert.Equal(t, fx.path("bundle")+"\n", fx.out.String())
	assert.Equal(t, "Exported 4 sessions, 4 events, 2 journal lines (", fx.errOut.String()[:len("Exported 4 sessions, 4 events, 2 journal lines (")])
	assert.Equal(t, []string{"bundle"}, fx.entries(t), "no temporary is left beside the bundle")

	m, err := Verify(fx.path("bundle"))
	require.NoError(t, err)
	// The checksums, recomputed here without Verify.
	for _, f := range m.Files {
		data, err := os.ReadFile(filepath.Join(fx.path("bundle"), filepath.FromSlash(f.Path)))
		require.NoError(t, err)
		sum := sha256.Sum256(data)
		assert.Equal(t, hex.EncodeToString(sum[:]), f.SHA256, f.Path)
		assert.Equal(t, int64(len(data)), f.Bytes, f.Path)
	}
	assert.Equal(t, "admin", m.Operator)
	assert.Equal(t, "root", m.Site)
	assert.Equal(t, "2026-11-26T10:00:00Z", m.CreatedAt)
	assert.Equal(t, Query{IDs: []string{}, User: "bwilliams", Since: "2026-11-25T10:00:00Z", Until: "2026-11-26T10:00:00Z",
		EventsFrom: "2026-11-25T09:55:00Z", EventsTo: "2026-11-26T10:05:00Z"}, m.Query)
	assert.Equal(t, Counts{Sessions: 4, SessionEvents: m.Counts.SessionEvents, Events: 4, JournalLines: 2}, m.Counts)
	assert.Positive(t, m.Counts.SessionEvents)
	assert.Empty(t, m.Notes)
	assert.NotContains(t, m.Server, fx.sim.Tokens().Admin)

	var ss []api.Session
	readJSON(t, fx.path("bundle/sessions.json"), &ss)
	// Oldest first: 45m, 26m, 15m, 10m.
	assert.Equal(t, []string{"11111111-1111-4111-8111-000000000003", sess01, "11111111-1111-4111-8111-000000000007", "11111111-1111-4111-8111-000000000004"}, sessionIDs(ss))
	var paths []string
	for _, f := range m.Files {
		paths = append(paths, f.Path)
	}
	assert.Equal(t, []string{SessionsFile,
		"session-events/11111111-1111-4111-8111-000000000003.json", "session-events/" + sess01 + ".json",
		"session-events/11111111-1111-4111-8111-000000000007.json", "session-events/11111111-1111-4111-8111-000000000004.json",
		EventsFile, JournalFile, JournalProofFile}, paths)
	var evs []api.SessionEvent
	readJSON(t, fx.path("bundle/session-events/"+sess01+".json"), &evs)
	assert.NotEmpty(t, evs)

	// Events: bwilliams' own, and those on the assets bwilliams used
	// (jdoe's session on db-prod-01), oldest first; not asmith's login.
	var events []api.Event
	readJSON(t, fx.path("bundle/events.json"), &events)
	var got []string
	for _, e := range events {
		got = append(got, e.ID[len(e.ID)-2:]+" "+e.User)
	}
	assert.Equal(t, []string{"03 asmith", "05 jdoe", "07 bwilliams", "08 bwilliams"}, got)

	journal, err := os.ReadFile(fx.path("bundle/journal.jsonl"))
	require.NoError(t, err)
	lines := strings.Split(strings.TrimSuffix(string(journal), "\n"), "\n")
	require.Len(t, lines, 2)
	assert.Contains(t, lines[0], `"session":"99999999-9999-4999-8999-000000000001"`, "in the window, user matches case-insensitively")
	assert.Contains(t, lines[1], `"session":"`+sess01+`"`, "an exported session's line, whatever its time")

	// Modes: 0700 directories, 0600 files.
	require.NoError(t, filepath.Walk(fx.path("bundle"), func(p string, fi os.FileInfo, err error) error {
		require.NoError(t, err)
		if fi.IsDir() {
			assert.Equal(t, os.FileMode(0o700), fi.Mode().Perm(), p)
		} else {
			assert.Equal(t, os.FileMode(0o600), fi.Mode().Perm(), p)
		}
		return nil
	}))
	// HTML characters are kept as they are; JSON is indented.
	b, err := os.ReadFile(fx.path("bundle/manifest.json"))
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(string(b), "{\n  \"server\": "), string(b[:40]))
}

func TestExportWindowOverlap(t *testing.T) {
	fx := newFixture(t, nil)
	fx.opts.Since, fx.opts.Out = now.Add(-2*time.Hour), fx.path("b")
	require.NoError(t, exportRun(context.Background(), fx.opts))
	var ss []api.Session
	readJSON(t, fx.path("b/sessions.json"), &ss)
	ids := sessionIDs(ss)
	assert.Contains(t, ids, sess11, "created 2 days ago and still Active: it overlaps")
	assert.Contains(t, ids, sess02, "created exactly at --since")
	assert.NotContains(t, ids, sess05, "completed 3h ago, before the window")
	assert.NotContains(t, ids, sess10, "completed 23h ago")
	assert.Equal(t, sess11, ids[0], "oldest first")

	// --until bounds creation: nothing created at or after it.
	fx2 := newFixture(t, nil)
	fx2.opts.Until, fx2.opts.Out = now.Add(-20*time.Minute), fx2.path("b")
	require.NoError(t, exportRun(context.Background(), fx2.opts))
	readJSON(t, fx2.path("b/sessions.json"), &ss)
	assert.NotContains(t, sessionIDs(ss), "11111111-1111-4111-8111-000000000004", "created 10m ago, after --until")
	assert.Contains(t, sessionIDs(ss), sess10, "completed 23h ago, within the 24h before --until")
}

func TestExportByID(t *testing.T) {
	fx := newFixture(t, nil)
	fx.opts.IDs, fx.opts.Out = []string{strings.ToUpper(sess10)}, fx.path("b")
	require.NoError(t, exportRun(context.Background(), fx.opts))
	m, err := Verify(fx.path("b"))
	require.NoError(t, err)
	assert.Equal(t, []string{strings.ToUpper(sess10)}, m.Query.IDs)
	assert.Equal(t, "2026-11-25T10:00:00Z", m.Query.Since, "widened back to the session's creation")
	// jdoe's events in the window: the session's start a day ago, and a
	// login and another session's start 2h ago.
	assert.Equal(t, Counts{Sessions: 1, SessionEvents: m.Counts.SessionEvents, Events: 3}, m.Counts)
	_, err = os.Stat(fx.path("b/session-events/" + sess10 + ".json"))
	require.NoError(t, err)
	assert.Len(t, m.Notes, 1)
	assert.Contains(t, m.Notes[0], "no audit journal")

	fx2 := newFixture(t, nil)
	fx2.opts.IDs, fx2.opts.Out = []string{"11111111-1111-4111-8111-999999999999"}, fx2.path("b")
	err = exportRun(context.Background(), fx2.opts)
	require.Error(t, err)
	assert.Equal(t, cmdutil.ExitNotFound, cmdutil.ExitCode(err))
	assert.Empty(t, fx2.entries(t))
}

func TestExportAsset(t *testing.T) {
	fx := newFixture(t, nil)
	fx.opts.Asset, fx.opts.Out = "db-prod-01", fx.path("b")
	require.NoError(t, exportRun(context.Background(), fx.opts))
	var ss []api.Session
	readJSON(t, fx.path("b/sessions.json"), &ss)
	assert.Equal(t, []string{sess02, sess01}, sessionIDs(ss))
	m, err := Verify(fx.path("b"))
	require.NoError(t, err)
	assert.Equal(t, "22222222-2222-4222-8222-000000000001", m.Query.AssetID)

	// A server that ignores the asset filter lists another asset's
	// sessions as this one's: a contract violation, no bundle.
	fx2 := newFixture(t, nil)
	fx2.sim.AddFault(pamsim.Fault{Kind: pamsim.FaultIgnoreFilter, Path: "/api/session/list", Param: "asset"})
	fx2.opts.Asset, fx2.opts.Out = "db-prod-01", fx2.path("b")
	err = exportRun(context.Background(), fx2.opts)
	var ce *api.ContractError
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, "assetId", ce.Field)
	assert.Equal(t, cmdutil.ExitFailure, cmdutil.ExitCode(err))
	assert.NoDirExists(t, fx2.path("b"))
}

func TestExportAsAssetManager(t *testing.T) {
	// The Asset Manager of db-prod-01 may read its sessions but not the
	// Events Report: the bundle has the rest, and says what it lacks.
	fx := newFixtureAs(t, nil, func(tk pamsim.Tokens) string { return tk.AssetManager })
	fx.opts.Asset, fx.opts.Out = "db-prod-01", fx.path("b")
	require.NoError(t, exportRun(context.Background(), fx.opts))
	assert.Contains(t, fx.errOut.String(), "warning: the Events Report was refused to amanager (HTTP 403; it needs the Administrator or Auditor site role): events.json is empty\n")
	m, err := Verify(fx.path("b"))
	require.NoError(t, err)
	assert.Equal(t, "amanager", m.Operator)
	assert.Equal(t, 2, m.Counts.Sessions)
	assert.Equal(t, 0, m.Counts.Events)
	require.Len(t, m.Notes, 2)
	assert.Contains(t, m.Notes[0], "the Events Report was refused")
	var events []api.Event
	readJSON(t, fx.path("b/events.json"), &events)
	assert.Empty(t, events)

	// Site-wide, the same token is refused the Sessions Report: exit 3,
	// nothing left behind.
	fx2 := newFixtureAs(t, nil, func(tk pamsim.Tokens) string { return tk.AssetManager })
	fx2.opts.Out = fx2.path("b")
	err = exportRun(context.Background(), fx2.opts)
	require.Error(t, err)
	assert.Equal(t, cmdutil.ExitAuth, cmdutil.ExitCode(err))
	assert.Empty(t, fx2.entries(t))
}

func TestExportTarballIsReproducible(t *testing.T) {
	fx := newFixture(t, nil)
	fx.opts.User, fx.opts.Out = "bwilliams", fx.path("one.tar.gz")
	require.NoError(t, exportRun(context.Background(), fx.opts))
	fx.opts.Out = fx.path("two.TGZ")
	require.NoError(t, exportRun(context.Background(), fx.opts))
	one, err := os.ReadFile(fx.path("one.tar.gz"))
	require.NoError(t, err)
	two, err := os.ReadFile(fx.path("two.TGZ"))
	require.NoError(t, err)
	assert.Equal(t, one, two, "the same content at the same time makes the same bytes")
	fi, err := os.Stat(fx.path("one.tar.gz"))
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), fi.Mode().Perm())

	gz, err := gzip.NewReader(bytes.NewReader(one))
	require.NoError(t, err)
	tr := tar.NewReader(gz)
	var names []string
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		require.NoError(t, err)
		names = append(names, h.Name)
		assert.Equal(t, 0, h.Uid, h.Name)
		assert.Equal(t, 0, h.Gid, h.Name)
		assert.Empty(t, h.Uname, h.Name)
		assert.Empty(t, h.Gname, h.Name)
		assert.True(t, h.ModTime.Equal(now), h.Name)
		if h.Typeflag == tar.TypeDir {
			assert.Equal(t, int64(0o700), h.Mode, h.Name)
		} else {
			assert.Equal(t, int64(0o600), h.Mode, h.Name)
		}
	}
	assert.Equal(t, SessionsFile, names[0])
	assert.Equal(t, "session-events/", names[1])
	assert.Equal(t, ManifestFile, names[len(names)-1])
	m, err := Verify(fx.path("one.tar.gz"))
	require.NoError(t, err)
	assert.Equal(t, 4, m.Counts.Sessions)
}

func TestExportRefusesToOverwrite(t *testing.T) {
	for _, name := range []string{"b", "b.tar.gz"} {
		t.Run(name, func(t *testing.T) {
			fx := newFixture(t, nil)
			require.NoError(t, os.WriteFile(fx.path(name), []byte("precious"), 0o600))
			fx.opts.User, fx.opts.Out = "bwilliams", fx.path(name)
			err := exportRun(context.Background(), fx.opts)
			require.Error(t, err)
			assert.Equal(t, cmdutil.ExitUsage, cmdutil.ExitCode(err))
			assert.Contains(t, err.Error(), fx.path(name)+" already exists; pass --force")
			assert.Empty(t, fx.sim.Requests(), "nothing is requested before the check")
			b, _ := os.ReadFile(fx.path(name))
			assert.Equal(t, "precious", string(b))

			fx.opts.Force = true
			require.NoError(t, exportRun(context.Background(), fx.opts))
			_, err = Verify(fx.path(name))
			require.NoError(t, err)
			assert.Equal(t, []string{name}, fx.entries(t), "the old one is gone, no temporary left")
		})
	}
	fx := newFixture(t, nil)
	fx.opts.Out = filepath.Join(fx.dir, "missing", "b")
	err := exportRun(context.Background(), fx.opts)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "does not exist; create it first")
	assert.Empty(t, fx.sim.Requests())
}

func TestExportFailureLeavesNothing(t *testing.T) {
	for _, name := range []string{"b", "b.tar.gz"} {
		t.Run(name, func(t *testing.T) {
			fx := newFixture(t, nil)
			fx.sim.AddFault(pamsim.Fault{Kind: pamsim.FaultStatus, Status: 500, Path: "/api/session/" + sess01 + "/events"})
			fx.opts.User, fx.opts.Out = "bwilliams", fx.path(name)
			err := exportRun(context.Background(), fx.opts)
			require.Error(t, err)
			assert.Equal(t, cmdutil.ExitFailure, cmdutil.ExitCode(err))
			assert.Empty(t, fx.entries(t), "no bundle and no temporary")
			assert.Empty(t, fx.out.String())

			// With --force, the old bundle survives a failed replacement.
			require.NoError(t, os.WriteFile(fx.path(name), []byte("old"), 0o600))
			fx.opts.Force = true
			require.Error(t, exportRun(context.Background(), fx.opts))
			b, _ := os.ReadFile(fx.path(name))
			assert.Equal(t, "old", string(b))
			assert.Equal(t, []string{name}, fx.entries(t))
		})
	}
}

type rtFunc func(*http.Request) (*http.Response, error)

func (f rtFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func TestExportCancelledLeavesNothing(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	// Ctrl-C while the Events Report is read: the context ends.
	fx := newFixture(t, func(rt http.RoundTripper) http.RoundTripper {
		return rtFunc(func(r *http.Request) (*http.Response, error) {
			if strings.HasSuffix(r.URL.Path, "/api/event/list") {
				cancel()
			}
			return rt.RoundTrip(r)
		})
	})
	fx.opts.User, fx.opts.Out = "bwilliams", fx.path("b.tgz")
	err := exportRun(ctx, fx.opts)
	require.Error(t, err)
	assert.Equal(t, cmdutil.ExitCancelled, cmdutil.ExitCode(err))
	assert.Empty(t, fx.entries(t))
}

func TestExportSecondSignalRemovesTemporary(t *testing.T) {
	var fx *fixture
	var during []string
	fx = newFixture(t, func(rt http.RoundTripper) http.RoundTripper {
		return rtFunc(func(r *http.Request) (*http.Response, error) {
			if strings.HasSuffix(r.URL.Path, "/api/event/list") {
				during = fx.entries(t)
				fx.opts.Interrupts.Quit()
			}
			return rt.RoundTrip(r)
		})
	})
	fx.opts.User, fx.opts.Out = "bwilliams", fx.path("b")
	err := exportRun(context.Background(), fx.opts)
	require.Error(t, err, "the abandoned bundle is not committed")
	require.Len(t, during, 1)
	assert.True(t, strings.HasPrefix(during[0], ".b.tmp-"), during[0])
	assert.Empty(t, fx.entries(t))
}

func TestVerifyDetectsTampering(t *testing.T) {
	fx := newFixture(t, nil)
	fx.opts.User, fx.opts.Out = "bwilliams", fx.path("b")
	require.NoError(t, exportRun(context.Background(), fx.opts))
	_, err := Verify(fx.path("b"))
	require.NoError(t, err)

	events := fx.path("b/events.json")
	orig, err := os.ReadFile(events)
	require.NoError(t, err)
	altered := bytes.Replace(orig, []byte("bwilliams"), []byte("bwilliamz"), 1)
	require.NoError(t, os.WriteFile(events, altered, 0o600))
	_, err = Verify(fx.path("b"))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "events.json has sha256")

	require.NoError(t, os.WriteFile(events, orig, 0o600))
	require.NoError(t, os.WriteFile(fx.path("b/extra.txt"), []byte("x"), 0o600))
	_, err = Verify(fx.path("b"))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "extra.txt is not in the manifest")

	require.NoError(t, os.Remove(fx.path("b/extra.txt")))
	require.NoError(t, os.Remove(fx.path("b/journal.jsonl")))
	_, err = Verify(fx.path("b"))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "journal.jsonl is missing")

	// --verify through the command: exit 1 on a bad bundle, 2 on none.
	ios, _, out, errOut := iostreams.Test()
	err = verifyRun(&ExportOptions{IO: ios, Verify: fx.path("b")})
	require.Error(t, err)
	assert.Equal(t, cmdutil.ExitFailure, cmdutil.ExitCode(err))
	err = verifyRun(&ExportOptions{IO: ios, Verify: fx.path("nope")})
	assert.Equal(t, cmdutil.ExitUsage, cmdutil.ExitCode(err))
	require.NoError(t, os.WriteFile(fx.path("b/journal.jsonl"), nil, 0o600))
	require.NoError(t, verifyRun(&ExportOptions{IO: ios, Verify: fx.path("b")}))
	assert.Equal(t, fx.path("b")+"\n", out.String())
	assert.Contains(t, errOut.String(), "ok: the manifest matches 7 files")
}

func TestExportJSONResult(t *testing.T) {
	fx := newFixture(t, nil)
	fx.opts.Output = func() (output.Options, error) { return output.Options{Format: output.JSON}, nil }
	fx.opts.User, fx.opts.Out = "nobody", fx.path("b.tar.gz")
	require.NoError(t, exportRun(context.Background(), fx.opts))
	var r Result
	require.NoError(t, json.Unmarshal(fx.out.Bytes(), &r), fx.out.String())
	assert.Equal(t, fx.path("b.tar.gz"), r.Path)
	assert.Equal(t, Counts{}, r.Counts, "no session, no event of the user: an empty bundle")
	fi, err := os.Stat(r.Path)
	require.NoError(t, err)
	assert.Equal(t, fi.Size(), r.Bytes)
	assert.Len(t, r.Notes, 1)
}

func TestAddJSONKeepsHTMLAndEscapesTerminalControls(t *testing.T) {
	dir := t.TempDir()
	b, err := createBundle(filepath.Join(dir, "b"), now)
	require.NoError(t, err)
	require.NoError(t, addJSON(b, "x.json", map[string]string{"name": "<a&b>\u202e\x1b[2J"}))
	require.NoError(t, b.commit(false))
	got, err := os.ReadFile(filepath.Join(dir, "b", "x.json"))
	require.NoError(t, err)
	assert.Equal(t, "{\n  \"name\": \"<a&b>\\u202e\\u001b[2J\"\n}\n", string(got))
}

func TestSelection(t *testing.T) {
	s := newSelection()
	s.add(s.users, "BWilliams")
	s.queryUser = "bwilliams"
	s.add(s.assetIDs, "22222222-2222-4222-8222-00000000000A")
	s.add(s.sessions, sess01)
	assert.True(t, s.event(&api.Event{User: "bwilliams"}))
	assert.True(t, s.event(&api.Event{AssetID: "22222222-2222-4222-8222-00000000000a"}))
	assert.True(t, s.event(&api.Event{SessionID: strings.ToUpper(sess01)}))
	assert.False(t, s.event(&api.Event{User: "jdoe"}))
	assert.False(t, s.event(&api.Event{}), "empty fields match nothing")
	since, until := now.Add(-time.Hour), now
	assert.True(t, s.journal(&audit.Entry{Time: now.Add(-time.Minute), User: "bwilliams"}, since, until))
	assert.False(t, s.journal(&audit.Entry{Time: now, User: "bwilliams"}, since, until), "until is exclusive")
	assert.True(t, s.journal(&audit.Entry{Time: since, User: "bwilliams"}, since, until), "since is inclusive")
	assert.True(t, s.journal(&audit.Entry{Time: now.Add(-99 * time.Hour), Session: sess01}, since, until))
	assert.False(t, s.journal(&audit.Entry{Time: now.Add(-time.Minute), Server: "https://other.example", Session: sess01}, since, until), "another server's line, same session ID")
	assert.False(t, s.journal(&audit.Entry{Time: now.Add(-time.Minute), User: "jdoe", Asset: "web-01"}, since, until), "not the query's user")
	// Exporting by asset: a line of another asset is not kept because an
	// exported session's user shares its name.
	a := newSelection()
	a.add(a.users, "bwilliams")
	a.queryAssetID = "22222222-2222-4222-8222-00000000000a"
	assert.False(t, a.journal(&audit.Entry{Time: now.Add(-time.Minute), User: "bwilliams", AssetID: "22222222-2222-4222-8222-00000000000b"}, since, until))
	assert.True(t, a.journal(&audit.Entry{Time: now.Add(-time.Minute), User: "bwilliams", AssetID: "22222222-2222-4222-8222-00000000000A"}, since, until))

	names := []string{}
	for k := range s.users {
		names = append(names, k)
	}
	sort.Strings(names)
	assert.Equal(t, []string{"bwilliams"}, names)
}
