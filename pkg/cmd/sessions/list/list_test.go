package list

import (
	"bytes"
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pamctl/pamctl/pkg/api"
	"github.com/pamctl/pamctl/pkg/cmdutil"
	"github.com/pamctl/pamctl/pkg/httpmock"
	"github.com/pamctl/pamctl/pkg/iostreams"
	"github.com/pamctl/pamctl/pkg/output"
	"github.com/pamctl/pamctl/pkg/output/golden"
)

var now = time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)

func TestNewCmdList(t *testing.T) {
	tests := []struct {
		name    string
		args    string
		want    ListOptions
		wantErr string
	}{
		{name: "defaults", args: "", want: ListOptions{State: StateActive}},
		{name: "every filter", args: "--asset db-prod-01 --state ALL --user bwilliams --channel SSHP:SFTP --since 2h --until 2026-11-26T09:30:00Z --sort user --limit 5",
			want: ListOptions{Asset: "db-prod-01", State: StateAll, User: "bwilliams", Channel: "SSHP:SFTP",
				Since: now.Add(-2 * time.Hour), Until: time.Date(2026, 11, 26, 9, 30, 0, 0, time.UTC), Sort: "user", Order: "asc", Limit: 5}},
		{name: "completed by completion time", args: "--state completed --sort completed", want: ListOptions{State: StateCompleted, Sort: "completed", Order: "desc"}},
		{name: "explicit order", args: "--sort created:asc", want: ListOptions{State: StateActive, Sort: "created", Order: "asc"}},
		{name: "since days and a local date", args: "--since 1w --until 2026-11-26", want: ListOptions{State: StateActive, Since: now.Add(-7 * 24 * time.Hour), Until: time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC)}},
		{name: "bad state", args: "--state running", wantErr: `--state "running": want active, completed or all`},
		{name: "bad sort", args: "--sort name", wantErr: `--sort "name": want one of created, updated, completed, user, asset`},
		{name: "bad sort order", args: "--sort user:up", wantErr: "must be asc or desc"},
		{name: "bad since", args: "--since yesterday", wantErr: `--since "yesterday": want a duration before now`},
		{name: "bad duration unit", args: "--since 5x", wantErr: `"5x" is not a duration`},
		{name: "signed duration", args: "--since -2h", wantErr: "must not be signed"},
		{name: "since after until", args: "--since 1h --until 2h", wantErr: "must be before --until"},
		{name: "negative limit", args: "--limit -1", wantErr: "--limit -1"},
		{name: "empty asset", args: "--asset=", wantErr: "--asset is empty"},
		{name: "empty user", args: "--user=", wantErr: "--user is empty"},
		{name: "arguments", args: "db-prod-01", wantErr: "unknown command"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ios, _, _, _ := iostreams.Test()
			f := &cmdutil.Factory{IOStreams: ios, Now: func() time.Time { return now }}
			var got *ListOptions
			cmd := NewCmdList(f, func(o *ListOptions) error { got = o; return nil })
			cmd.SetArgs(strings.Fields(tt.args))
			cmd.SetOut(&bytes.Buffer{})
			cmd.SetErr(&bytes.Buffer{})
			_, err := cmd.ExecuteC()
			if tt.wantErr != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.wantErr)
				if !strings.Contains(tt.wantErr, "unknown command") {
					var fe *cmdutil.FlagError
					assert.ErrorAs(t, err, &fe)
				}
				assert.Nil(t, got, "run must not be called")
				return
			}
			require.NoError(t, err)
			require.NotNil(t, got)
			assert.Equal(t, tt.want.Asset, got.Asset)
			assert.Equal(t, tt.want.State, got.State)
			assert.Equal(t, tt.want.User, got.User)
			assert.Equal(t, tt.want.Channel, got.Channel)
			assert.True(t, tt.want.Since.Equal(got.Since), "since: want %v, got %v", tt.want.Since, got.Since)
			assert.True(t, tt.want.Until.Equal(got.Until), "until: want %v, got %v", tt.want.Until, got.Until)
			assert.Equal(t, tt.want.Sort, got.Sort)
			assert.Equal(t, tt.want.Order, got.Order)
			assert.Equal(t, tt.want.Limit, got.Limit)
		})
	}
}

func ts(s string) api.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return api.NewTime(t)
}

// sessions are three rows of the Sessions Report, one of them with a hostile
// user and asset name.
func sessions() []api.Session {
	return []api.Session{
		{ID: "11111111-1111-4111-8111-000000000001", AssetID: "22222222-2222-4222-8222-000000000001", AssetName: "db-prod-01",
			User: "bwilliams", Channels: []string{"SSH"}, State: "Active", Created: ts("2026-11-26T09:34:00Z"), Updated: ts("2026-11-26T09:59:00Z")},
		{ID: "11111111-1111-4111-8111-000000000006", AssetID: "22222222-2222-4222-8222-000000000008", AssetName: "evil\x1b[2J\rasset\u202e",
			User: "mallory\x1b[31mRED\x1b]0;pwned\a", Channels: []string{"SSH", "SSHP:SFTP"}, State: "Active", Created: ts("2026-11-26T09:55:00Z"), Updated: ts("2026-11-26T09:56:00Z")},
		{ID: "11111111-1111-4111-8111-000000000005", AssetID: "22222222-2222-4222-8222-000000000002", AssetName: "db-prod-02",
			User: "asmith", Channels: []string{}, State: "Completed", Created: ts("2026-11-24T05:00:00Z"), Updated: ts("2026-11-26T07:00:00Z"), Completed: ts("2026-11-26T07:00:00Z")},
	}
}

func page(items []api.Session) map[string]any {
	return map[string]any{"total": len(items), "offset": 0, "limit": 500, "items": items}
}

var userCtx = map[string]any{
	"user":  map[string]string{"id": "u1", "name": "amanager", "displayName": "Asset Mgr"},
	"space": map[string]string{"rid": "4d1946f9-8aa3-4e89-8b6a-fa835969fc1d", "name": "root"},
	"roles": []string{},
}

func newClient(t *testing.T, reg *httpmock.Registry) *api.Client {
	t.Helper()
	c, err := api.New(api.Options{
		Server: "https://pam.example.com:6443/ztna/acme/root", Token: "test-token-0123456789", Transport: reg,
		Sleep: func(context.Context, time.Duration) error { return nil },
	})
	require.NoError(t, err)
	return c
}

func TestListRun(t *testing.T) {
	sessionList := httpmock.REST(http.MethodGet, "/api/session/list")
	tests := []struct {
		name       string
		opts       ListOptions
		format     output.Format
		tty        bool
		noHeaders  bool
		stubs      func(*httpmock.Registry)
		wantErr    string
		wantCode   any // *cmdutil.AuthError, *cmdutil.NotFoundError, ...
		wantStderr string
		golden     bool
	}{
		{name: "table", opts: ListOptions{State: StateAll}, format: output.Table, golden: true, stubs: func(r *httpmock.Registry) {
			r.Register("list", httpmock.QueryMatcher(http.MethodGet, "/api/session/list", map[string]string{"state": "", "asset": "", "offset": "0"}),
				httpmock.JSONResponse(200, page(sessions())))
		}},
		{name: "table tty", opts: ListOptions{State: StateAll}, format: output.Table, tty: true, golden: true, wantStderr: "3 sessions site-wide\n", stubs: func(r *httpmock.Registry) {
			r.Register("list", sessionList, httpmock.JSONResponse(200, page(sessions())))
		}},
		{name: "table no headers", opts: ListOptions{State: StateAll}, format: output.Table, noHeaders: true, golden: true, stubs: func(r *httpmock.Registry) {
			r.Register("list", sessionList, httpmock.JSONResponse(200, page(sessions())))
		}},
		{name: "wide", opts: ListOptions{State: StateAll}, format: output.Wide, golden: true, stubs: func(r *httpmock.Registry) {
			r.Register("list", sessionList, httpmock.JSONResponse(200, page(sessions())))
		}},
		{name: "wide tty", opts: ListOptions{State: StateAll}, format: output.Wide, tty: true, golden: true, wantStderr: "3 sessions site-wide\n", stubs: func(r *httpmock.Registry) {
			r.Register("list", sessionList, httpmock.JSONResponse(200, page(sessions())))
		}},
		{name: "json", opts: ListOptions{State: StateAll}, format: output.JSON, golden: true, stubs: func(r *httpmock.Registry) {
			r.Register("list", sessionList, httpmock.JSONResponse(200, page(sessions())))
		}},
		{name: "json tty", opts: ListOptions{State: StateAll}, format: output.JSON, tty: true, golden: true, stubs: func(r *httpmock.Registry) {
			r.Register("list", sessionList, httpmock.JSONResponse(200, page(sessions())))
		}},
		{name: "yaml", opts: ListOptions{State: StateAll}, format: output.YAML, golden: true, stubs: func(r *httpmock.Registry) {
			r.Register("list", sessionList, httpmock.JSONResponse(200, page(sessions())))
		}},
		{name: "yaml tty", opts: ListOptions{State: StateAll}, format: output.YAML, tty: true, golden: true, stubs: func(r *httpmock.Registry) {
			r.Register("list", sessionList, httpmock.JSONResponse(200, page(sessions())))
		}},
		{name: "csv", opts: ListOptions{State: StateAll}, format: output.CSV, golden: true, stubs: func(r *httpmock.Registry) {
			r.Register("list", sessionList, httpmock.JSONResponse(200, page(sessions())))
		}},
		{name: "server ignores the user filter", opts: ListOptions{User: "BWILLIAMS"}, format: output.CSV, noHeaders: true,
			wantStderr: "warning: the server returned 2 sessions that do not match the filters; its filtering differs from the contract (see docs/api-contract.md), so they are not shown\n",
			stubs: func(r *httpmock.Registry) {
				r.Register("list", sessionList, httpmock.JSONResponse(200, page(sessions())))
			}},
		{name: "csv tty", opts: ListOptions{State: StateAll}, format: output.CSV, tty: true, golden: true, stubs: func(r *httpmock.Registry) {
			r.Register("list", sessionList, httpmock.JSONResponse(200, page(sessions())))
		}},
		{name: "empty table", format: output.Table, tty: true, wantStderr: "No active sessions of user nobody site-wide\n",
			opts: ListOptions{User: "nobody"}, stubs: func(r *httpmock.Registry) {
				r.Register("list", httpmock.QueryMatcher(http.MethodGet, "/api/session/list", map[string]string{"user": "nobody"}), httpmock.JSONResponse(200, page(nil)))
			}},
		{name: "empty json", format: output.JSON, golden: true, stubs: func(r *httpmock.Registry) {
			r.Register("list", sessionList, httpmock.JSONResponse(200, page(nil)))
		}},
		{name: "empty yaml", format: output.YAML, golden: true, stubs: func(r *httpmock.Registry) {
			r.Register("list", sessionList, httpmock.JSONResponse(200, page(nil)))
		}},
		{name: "asset by name with filters", format: output.Table, tty: true, golden: true,
			opts:       ListOptions{Asset: "DB-PROD-01", State: StateAll, Channel: "SSH", Since: now.Add(-2 * time.Hour), Sort: "user", Order: "asc", Limit: 1},
			wantStderr: "1 session over SSH since 2026-11-26T08:00:00Z on db-prod-01 (--limit 1 reached; there may be more)\n",
			stubs: func(r *httpmock.Registry) {
				r.Register("context", httpmock.REST(http.MethodGet, "/api/user/context"), httpmock.JSONResponse(200, userCtx))
				r.Register("assets", httpmock.QueryMatcher(http.MethodGet, "/api/asset/list", map[string]string{"name": "DB-PROD-01", "parent": "4d1946f9-8aa3-4e89-8b6a-fa835969fc1d"}),
					httpmock.JSONResponse(200, map[string]any{"total": 2, "offset": 0, "limit": 500, "items": []api.Asset{
						{ID: "22222222-2222-4222-8222-000000000001", Name: "db-prod-01", Type: "Database"},
						{ID: "22222222-2222-4222-8222-000000000003", Name: "db-prod-01-replica", Type: "Database"},
					}}))
				r.Register("read back", httpmock.REST(http.MethodGet, "/api/asset/22222222-2222-4222-8222-000000000001"),
					httpmock.JSONResponse(200, api.Asset{ID: "22222222-2222-4222-8222-000000000001", Name: "db-prod-01", Type: "Database"}))
				r.Register("list", httpmock.QueryMatcher(http.MethodGet, "/api/session/list", map[string]string{
					"asset": "22222222-2222-4222-8222-000000000001", "state": "", "channel": "SSH", "from": "2026-11-26T08:00:00Z",
					"sort": "user", "order": "asc", "limit": "1",
				}), httpmock.JSONResponse(200, map[string]any{"total": 2, "offset": 0, "limit": 1, "items": sessions()[:1]}))
			}},
		{name: "ambiguous asset", format: output.Table, opts: ListOptions{Asset: "db-prod"}, wantErr: `"db-prod" matches 2 assets`, wantCode: &cmdutil.FlagError{},
			stubs: func(r *httpmock.Registry) {
				r.Register("context", httpmock.REST(http.MethodGet, "/api/user/context"), httpmock.JSONResponse(200, userCtx))
				r.Register("assets", httpmock.REST(http.MethodGet, "/api/asset/list"), httpmock.JSONResponse(200, map[string]any{"total": 2, "offset": 0, "limit": 500, "items": []api.Asset{
					{ID: "22222222-2222-4222-8222-000000000001", Name: "db-prod-01"}, {ID: "22222222-2222-4222-8222-000000000002", Name: "db-prod-02"},
				}}))
			}},
		{name: "asset lookup refused: no advice to pass --asset", format: output.Table, opts: ListOptions{Asset: "db-prod-01"}, wantErr: `permission denied (HTTP 403) looking up asset "db-prod-01"`, wantCode: &cmdutil.AuthError{},
			stubs: func(r *httpmock.Registry) {
				r.Register("context", httpmock.REST(http.MethodGet, "/api/user/context"), httpmock.JSONResponse(200, userCtx))
				r.Register("assets", httpmock.REST(http.MethodGet, "/api/asset/list"), httpmock.JSONResponse(403, map[string]string{"message": "no"}))
			}},
		{name: "SSO page: no claim about roles", format: output.Table, wantErr: "from a page that is not the 12Port API", wantCode: &cmdutil.AuthError{},
			stubs: func(r *httpmock.Registry) {
				r.Register("list", sessionList, httpmock.StringResponse(403, "text/html", "<html><body>Sign in</body></html>"))
			}},
		{name: "unknown asset", format: output.Table, opts: ListOptions{Asset: "nope"}, wantErr: `no asset named or with ID "nope"`, wantCode: &cmdutil.NotFoundError{},
			stubs: func(r *httpmock.Registry) {
				r.Register("context", httpmock.REST(http.MethodGet, "/api/user/context"), httpmock.JSONResponse(200, userCtx))
				r.Register("assets", httpmock.REST(http.MethodGet, "/api/asset/list"), httpmock.JSONResponse(200, map[string]any{"total": 0, "offset": 0, "limit": 500, "items": []api.Asset{}}))
			}},
		{name: "site-wide refused for an asset manager", format: output.JSON,
			wantErr:  "the site-wide sessions report needs the Administrator or Auditor site role, and user amanager has no site role; to list the sessions of an asset you manage or view, pass --asset <name|id>",
			wantCode: &cmdutil.AuthError{},
			stubs: func(r *httpmock.Registry) {
				r.Register("list", sessionList, httpmock.JSONResponse(403, map[string]string{"message": "the site-wide sessions report requires the Administrator or Auditor site role"}))
				r.Register("context", httpmock.REST(http.MethodGet, "/api/user/context"), httpmock.JSONResponse(200, userCtx))
			}},
		{name: "asset refused", format: output.Table, opts: ListOptions{Asset: "22222222-2222-4222-8222-000000000004"},
			wantErr: "the sessions of asset web-01 need a permission on it (Viewer or higher) or the Administrator or Auditor site role, which user amanager lacks", wantCode: &cmdutil.AuthError{},
			stubs: func(r *httpmock.Registry) {
				r.Register("asset by id", httpmock.REST(http.MethodGet, "/api/asset/22222222-2222-4222-8222-000000000004"),
					httpmock.JSONResponse(200, api.Asset{ID: "22222222-2222-4222-8222-000000000004", Name: "web-01"}))
				r.Register("list", sessionList, httpmock.JSONResponse(401, map[string]string{"message": "no"}))
				r.Register("context", httpmock.REST(http.MethodGet, "/api/user/context"), httpmock.JSONResponse(200, userCtx))
			}},
		{name: "token refused", format: output.Table, wantErr: "the server refused the token (HTTP 401)", wantCode: &cmdutil.AuthError{},
			stubs: func(r *httpmock.Registry) {
				r.Register("list", sessionList, httpmock.JSONResponse(401, map[string]string{"message": "no"}))
				r.Register("context", httpmock.REST(http.MethodGet, "/api/user/context"), httpmock.JSONResponse(401, map[string]string{"message": "no"}))
			}},
		{name: "server error", format: output.JSON, wantErr: "HTTP 500", stubs: func(r *httpmock.Registry) {
			r.Register("list", sessionList, httpmock.JSONResponse(500, map[string]string{"message": "boom"}))
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			reg := &httpmock.Registry{}
			t.Cleanup(func() { reg.Verify(t) })
			if tt.stubs != nil {
				tt.stubs(reg)
			}
			ios, _, stdout, stderr := iostreams.Test()
			ios.SetStdoutTTY(tt.tty)
			opts := tt.opts
			if opts.State == "" {
				opts.State = StateActive
			}
			opts.IO = ios
			opts.Now = func() time.Time { return now }
			opts.APIClient = func() (*api.Client, error) { return newClient(t, reg), nil }
			opts.Output = func() (output.Options, error) {
				return output.Options{Format: tt.format, TTY: tt.tty, NoHeaders: tt.noHeaders}, nil
			}
			err := listRun(context.Background(), &opts)
			if tt.wantErr != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.wantErr)
				switch want := tt.wantCode.(type) {
				case *cmdutil.AuthError:
					assert.ErrorAs(t, err, &want)
				case *cmdutil.NotFoundError:
					assert.ErrorAs(t, err, &want)
				case *cmdutil.FlagError:
					assert.ErrorAs(t, err, &want)
				}
				assert.Empty(t, stdout.String(), "nothing on stdout on error")
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.wantStderr, stderr.String())
			if tt.golden {
				golden.Assert(t, stdout.Bytes())
			}
			assert.NotContains(t, stdout.String(), "\x1b", "no raw ESC on stdout")
		})
	}
}

func TestListRunPages(t *testing.T) {
	// 1,234 sessions arrive in pages of 500 (fetched concurrently); the
	// output keeps the server's order.
	const total = 1234
	all := make([]api.Session, total)
	for i := range all {
		all[i] = api.Session{ID: "s-" + strings.Repeat("0", 4-len(itoa(i))) + itoa(i), AssetName: "a", User: "u", State: "Active", Channels: []string{"SSH"}}
	}
	reg := &httpmock.Registry{}
	t.Cleanup(func() { reg.Verify(t) })
	for _, off := range []int{0, 500, 1000} {
		end := min(off+500, total)
		reg.Register("page "+itoa(off), httpmock.QueryMatcher(http.MethodGet, "/api/session/list", map[string]string{"offset": itoa(off)}),
			httpmock.JSONResponse(200, map[string]any{"total": total, "offset": off, "limit": 500, "items": all[off:end]}))
	}
	ios, _, stdout, _ := iostreams.Test()
	opts := &ListOptions{IO: ios, State: StateAll, Now: func() time.Time { return now },
		APIClient: func() (*api.Client, error) { return newClient(t, reg), nil },
		Output:    func() (output.Options, error) { return output.Options{Format: output.CSV, NoHeaders: true}, nil },
	}
	require.NoError(t, listRun(context.Background(), opts))
	lines := strings.Split(strings.TrimSpace(stdout.String()), "\n")
	require.Len(t, lines, total)
	for i, l := range lines {
		require.True(t, strings.HasPrefix(l, all[i].ID+","), "line %d is %q", i, l)
	}
}

func itoa(i int) string { return strconv.Itoa(i) }

func TestCompletion(t *testing.T) {
	ios, _, _, _ := iostreams.Test()
	f := &cmdutil.Factory{IOStreams: ios, Now: func() time.Time { return now },
		APIClient: func() (*api.Client, error) { return nil, &cmdutil.AuthError{} }}
	cmd := NewCmdList(f, nil)
	for flag, want := range map[string][]string{"state": {"active", "completed", "all"}} {
		fn, ok := cmd.GetFlagCompletionFunc(flag)
		require.True(t, ok, flag)
		got, dir := fn(cmd, nil, "")
		assert.Equal(t, want, got)
		assert.Equal(t, cobra.ShellCompDirectiveNoFileComp, dir)
	}
	fn, ok := cmd.GetFlagCompletionFunc("channel")
	require.True(t, ok)
	got, _ := fn(cmd, nil, "sshp")
	assert.Equal(t, []string{"SSHP:Shell", "SSHP:Exec", "SSHP:SFTP"}, got)
	// Without credentials, --asset completes nothing and says nothing.
	fn, ok = cmd.GetFlagCompletionFunc("asset")
	require.True(t, ok)
	got, dir := fn(cmd, nil, "db")
	assert.Empty(t, got)
	assert.Equal(t, cobra.ShellCompDirectiveNoFileComp, dir)
}
