package doctor

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pamctl/pamctl/pkg/api"
	"github.com/pamctl/pamctl/pkg/clock"
	"github.com/pamctl/pamctl/pkg/cmdutil"
	"github.com/pamctl/pamctl/pkg/config"
	"github.com/pamctl/pamctl/pkg/iostreams"
	"github.com/pamctl/pamctl/pkg/output"
	"github.com/pamctl/pamctl/pkg/pamsim"
)

func TestNewCmdDoctor(t *testing.T) {
	ios, _, _, _ := iostreams.Test()
	f := &cmdutil.Factory{IOStreams: ios, Clock: clock.Real{}}
	var got *DoctorOptions
	cmd := NewCmdDoctor(f, func(o *DoctorOptions) error { got = o; return nil })
	cmd.SetOut(&bytes.Buffer{})
	cmd.SetErr(&bytes.Buffer{})
	cmd.SetArgs([]string{"extra"})
	require.Error(t, cmd.Execute(), "no arguments accepted")
	assert.Nil(t, got)
	cmd.SetArgs([]string{"--openapi", "doc.json"})
	require.NoError(t, cmd.Execute())
	require.NotNil(t, got)
	assert.Equal(t, "doc.json", got.OpenAPI)
	assert.NotNil(t, got.Resolver)
	assert.NotNil(t, got.Dialer)
}

// fakeResolver answers from a table; no lookup leaves the machine.
type fakeResolver map[string][]string

func (r fakeResolver) LookupHost(_ context.Context, host string) ([]string, error) {
	if a, ok := r[host]; ok {
		return a, nil
	}
	return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
}

type run struct {
	report Report
	out    string
	errOut string
	err    error
}

// doctorAgainst runs doctor against server with token, as a Factory would.
func doctorAgainst(t *testing.T, server, token string, format output.Format, mod func(*DoctorOptions, *config.Settings)) run {
	t.Helper()
	return doctorWithin(context.Background(), t, server, token, format, mod)
}

func doctorWithin(ctx context.Context, t *testing.T, server, token string, format output.Format, mod func(*DoctorOptions, *config.Settings)) run {
	t.Helper()
	opts, s, out, errOut := testOptions(server, token, format)
	if mod != nil {
		mod(opts, s)
	}
	r := run{err: doctorRun(ctx, opts)}
	r.out, r.errOut = out.String(), errOut.String()
	if format == output.JSON && (r.err == nil || exitCode(r.err) > 0) {
		dec := json.NewDecoder(strings.NewReader(r.out))
		dec.DisallowUnknownFields()
		require.NoError(t, dec.Decode(&r.report), r.out)
	}
	return r
}

// testOptions are doctor's options as a Factory would make them.
func testOptions(server, token string, format output.Format) (*DoctorOptions, *config.Settings, *bytes.Buffer, *bytes.Buffer) {
	ios, _, out, errOut := iostreams.Test()
	s := &config.Settings{Server: server, Token: token, Timeout: 5 * time.Second, Output: string(format)}
	newClient := func(s *config.Settings, token string) (*api.Client, error) {
		return api.New(api.Options{Server: s.Server, Token: token, CAFile: s.CAFile, Timeout: s.Timeout, MaxTries: 1})
	}
	opts := &DoctorOptions{
		IO:       ios,
		Settings: func() (*config.Settings, error) { return s, nil },
		APIClient: func() (*api.Client, error) {
			if s.Token == "" {
				return nil, &cmdutil.AuthError{Err: errors.New("no API token")}
			}
			return newClient(s, s.Token)
		},
		NewClient: newClient,
		Output:    func() (output.Options, error) { return output.Options{Format: format}, nil },
		Clock:     clock.Real{},
		Resolver:  fakeResolver{"localhost": {"127.0.0.1"}},
		Dialer:    &net.Dialer{},
		ReadFile:  os.ReadFile,
		Version:   "1.2.3",
	}
	return opts, s, out, errOut
}

func (r run) row(name string) []Check {
	var out []Check
	for _, c := range r.report.Checks {
		if c.Name == name {
			out = append(out, c)
		}
	}
	return out
}

func exitCode(err error) int {
	var ee *cmdutil.ExitError
	if errors.As(err, &ee) {
		return ee.Code
	}
	if err != nil {
		return -1
	}
	return 0
}

// TestDoctorJSONAgainstPamsim: the bug report's schema, every check ok, and
// not one POST.
func TestDoctorJSONAgainstPamsim(t *testing.T) {
	sim, base := pamsim.Start(t, pamsim.Options{Seed: 1, EpochMillis: true})
	r := doctorAgainst(t, base, sim.Tokens().Auditor, output.JSON, nil)
	require.NoError(t, r.err, r.out)
	assert.Equal(t, base, r.report.Server)
	assert.Equal(t, "1.2.3", r.report.PamctlVersion)
	var names []string
	for _, c := range r.report.Checks {
		names = append(names, c.Name)
		assert.Equal(t, StatusOK, c.Status, "%s: %s", c.Name, c.Detail)
		assert.Empty(t, c.Fix, c.Name)
		assert.NotEmpty(t, c.Detail, c.Name)
	}
	assert.Equal(t, []string{"server URL", "DNS", "TCP", "TLS", "token", "clock", "permissions",
		"GET /api/user/context", "GET /api/session/list", "GET /api/session/{id}", "GET /api/session/{id}/events",
		"GET /api/asset/list", "GET /api/asset/{id}", "GET /api/event/list", "openapi document"}, names)
	assert.Contains(t, r.row("GET /api/session/list")[0].Detail, "timestamps epoch milliseconds")
	assert.Contains(t, r.row("permissions")[0].Detail, "cannot terminate")
	assert.Equal(t, 0, sim.CountRequests(http.MethodPost, ""), "doctor never sends a POST")
	assert.NotContains(t, r.out+r.errOut, sim.Tokens().Auditor)
}

// renaming wraps a handler and renames a JSON field in every answer: the
// list answers and the OpenAPI document alike, as a server whose contract
// differs from the model would.
func renaming(h http.Handler, from, to string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		for k, v := range rec.Header() {
			if k != "Content-Length" {
				w.Header()[k] = v
			}
		}
		w.WriteHeader(rec.Code)
		_, _ = w.Write(bytes.ReplaceAll(rec.Body.Bytes(), []byte(`"`+from+`"`), []byte(`"`+to+`"`)))
	})
}

func TestDoctorRenamedField(t *testing.T) {
	sim, err := pamsim.New(pamsim.Options{Seed: 1})
	require.NoError(t, err)
	srv := httptest.NewServer(renaming(sim, "assetName", "assetTitle"))
	t.Cleanup(srv.Close)
	r := doctorAgainst(t, srv.URL+sim.BasePath(), sim.Tokens().Admin, output.JSON, nil)
	assert.Equal(t, cmdutil.ExitFailure, exitCode(r.err))

	live := r.row("GET /api/session/list")
	require.Len(t, live, 1)
	assert.Equal(t, StatusFail, live[0].Status)
	assert.Contains(t, live[0].Detail, `field "assetName" (Session.AssetName) is missing or null in 5 of 5 items (fields pamctl does not read: assetTitle)`)
	assert.Contains(t, live[0].Fix, "change the json tag of Session.AssetName in pkg/api/contract.go (`json:\"assetName\"`)")

	doc := r.row("openapi: GET /api/session/list")
	require.Len(t, doc, 1)
	assert.Contains(t, doc[0].Detail, `response field "assetName" (Session.AssetName) is not in the server's schema`)
	assert.Contains(t, doc[0].Fix, "probably `json:\"assetTitle\"`")
	assert.Equal(t, StatusFail, r.row("openapi document")[0].Status)
	assert.Equal(t, 0, sim.CountRequests(http.MethodPost, ""))
}

func TestDoctorTable(t *testing.T) {
	sim, base := pamsim.Start(t, pamsim.Options{Seed: 1})
	r := doctorAgainst(t, base, "wrong-token", output.Table, nil)
	assert.Equal(t, cmdutil.ExitAuth, exitCode(r.err))
	assert.Regexp(t, `(?m)^CHECK +STATUS +DETAIL$`, r.out)
	assert.Regexp(t, `(?m)^token +fail +the server refused the token \(HTTP 401`, r.out)
	assert.Regexp(t, `(?m)^ +fix: create an API token in 12Port`, r.out, "the fix on a line of its own")
	for _, l := range strings.Split(r.out, "\n") {
		assert.LessOrEqual(t, len(l), 100, "fits 100 columns: %q", l)
	}
	assert.NotContains(t, r.out, "GET /api/session/list", "no endpoint is judged with a refused token")
	assert.NotContains(t, r.out+r.errOut+r.err.Error(), "wrong-token")

	r = doctorAgainst(t, base, "", output.Table, nil)
	assert.Equal(t, cmdutil.ExitAuth, exitCode(r.err))
	assert.Regexp(t, `(?m)^token +fail +no API token configured\n +fix: run .pamctl auth login.`, r.out)

	// -o wide: the four columns, a row per line.
	r = doctorAgainst(t, base, "", output.Wide, nil)
	assert.Regexp(t, `(?m)^CHECK +STATUS +DETAIL +FIX$`, r.out)
	assert.Regexp(t, `(?m)^token +fail +no API token configured +run .pamctl auth login.`, r.out)
	assert.Regexp(t, `(?m)^openapi document +ok`, r.out, "what needs no token is still checked")
	_ = sim
}

// TestDoctorSSOPage: a gateway's login page instead of the API is named
// as such at the token check, and nothing after it is judged.
func TestDoctorSSOPage(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		_, _ = w.Write([]byte("<!DOCTYPE html><html><body>Sign in</body></html>"))
	}))
	t.Cleanup(srv.Close)
	r := doctorAgainst(t, srv.URL+"/ztna/acme/root", "tok", output.JSON, func(_ *DoctorOptions, s *config.Settings) { s.Timeout = 0 })
	assert.Equal(t, cmdutil.ExitFailure, exitCode(r.err))
	tok := r.row("token")
	require.Len(t, tok, 1)
	assert.Equal(t, "GET /api/user/context: the answer is an HTML page, not JSON (a proxy or SSO login page?)", tok[0].Detail)
	assert.Contains(t, tok[0].Fix, "reachable without a browser login")
	assert.Empty(t, r.row("GET /api/session/list"))
	assert.Contains(t, r.row("openapi document")[0].Detail, "(HTTP 200, not an OpenAPI document")
}

func TestDoctorConnection(t *testing.T) {
	// A port nothing listens on.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	closed := l.Addr().String()
	require.NoError(t, l.Close())

	plain := httptest.NewServer(http.NotFoundHandler())
	t.Cleanup(plain.Close)
	tlsSrv := httptest.NewTLSServer(http.NotFoundHandler())
	t.Cleanup(tlsSrv.Close)

	tests := []struct {
		name   string
		server string
		row    string
		want   string
	}{
		{"not a URL", "pam.example.test", "server URL", "is not an absolute URL"},
		{"plain http to another host", "http://pam.example.test/ztna/a/root", "server URL", "plain http:// is refused"},
		{"unknown host", "https://pam.example.test:6443/ztna/a/root", "DNS", `cannot resolve "pam.example.test"`},
		{"nothing listens", "http://" + closed + "/ztna/a/root", "TCP", "cannot connect to " + closed},
		{"https:// to a plain-HTTP port", strings.Replace(plain.URL, "http://", "https://", 1) + "/ztna/a/root", "TLS", "https:// to a plain-HTTP port: " + strings.TrimPrefix(plain.URL, "http://") + " answered the TLS handshake with plain HTTP"},
		{"http:// to a TLS port", strings.Replace(tlsSrv.URL, "https://", "http://", 1) + "/ztna/a/root", "TLS", "http:// to a TLS port: " + strings.TrimPrefix(tlsSrv.URL, "https://") + " speaks TLS, but the URL says http://"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := doctorAgainst(t, tt.server, "tok", output.JSON, nil)
			assert.Equal(t, cmdutil.ExitFailure, exitCode(r.err))
			last := r.report.Checks[len(r.report.Checks)-1]
			assert.Equal(t, tt.row, last.Name, "the run stops at the first check the others need")
			assert.Equal(t, StatusFail, last.Status)
			assert.Contains(t, last.Detail, tt.want)
			assert.NotEmpty(t, last.Fix)
		})
	}
}

func TestDoctorDNSAndPath(t *testing.T) {
	sim, base := pamsim.Start(t, pamsim.Options{Seed: 1})
	r := doctorAgainst(t, strings.Replace(base, "127.0.0.1", "localhost", 1), sim.Tokens().Admin, output.JSON, nil)
	require.NoError(t, r.err)
	assert.Equal(t, "localhost resolves to 127.0.0.1", r.row("DNS")[0].Detail)

	r = doctorAgainst(t, strings.Replace(base, "/ztna/demo/root", "/pam", 1), sim.Tokens().Admin, output.JSON, nil)
	assert.Equal(t, StatusWarn, r.row("server URL")[0].Status)
	assert.Contains(t, r.row("server URL")[0].Detail, `the path "/pam" is not /ztna/<tenant>/<site>`)
	assert.Contains(t, r.row("token")[0].Detail, "the URL's tenant or site is wrong")
	assert.Equal(t, cmdutil.ExitFailure, exitCode(r.err))
}

func TestDoctorTLSExpiry(t *testing.T) {
	_, base, caFile := pamsim.StartTLS(t, pamsim.Options{Seed: 1})
	withCA := func(clk clock.Clock) func(*DoctorOptions, *config.Settings) {
		return func(o *DoctorOptions, s *config.Settings) { s.CAFile, o.Clock = caFile, clk }
	}
	r := doctorAgainst(t, base, "tok", output.JSON, withCA(clock.Real{}))
	tlsRow := r.row("TLS")[0]
	assert.Equal(t, StatusWarn, tlsRow.Status, "pamsim's certificate lives 7 days: under 30")
	assert.Regexp(t, `issued by "[^"]+", expiring on \d{4}-\d\d-\d\d, in [67] days$`, tlsRow.Detail)
	assert.Len(t, regexp.MustCompile(`\d{4}-\d\d-\d\d`).FindAllString(tlsRow.Detail, -1), 1, "the date once: %s", tlsRow.Detail)

	r = doctorAgainst(t, base, "tok", output.JSON, withCA(clock.NewFake(time.Now().Add(10*24*time.Hour))))
	tlsRow = r.row("TLS")[0]
	assert.Equal(t, StatusFail, tlsRow.Status)
	assert.Contains(t, tlsRow.Detail, "the certificate is expired or not yet valid")
}

func TestCheckClock(t *testing.T) {
	now := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		date   string
		status string
		want   string
	}{
		{now.Format(http.TimeFormat), StatusOK, "in step"},
		{now.Add(30 * time.Second).Format(http.TimeFormat), StatusOK, "30s ahead of this machine's (within 1m0s)"},
		{now.Add(-2 * time.Minute).Format(http.TimeFormat), StatusWarn, "the server's clock is 2m0s behind this machine's"},
		{"", StatusWarn, "no Date header"},
		{"yesterday", StatusWarn, "not an HTTP date"},
	}
	for _, tt := range tests {
		d := &doctor{}
		a := &api.Answer{Header: http.Header{}}
		if tt.date != "" {
			a.Header.Set("Date", tt.date)
		}
		d.checkClock(a, now.Add(-100*time.Millisecond), now.Add(100*time.Millisecond))
		require.Len(t, d.report.Checks, 1)
		assert.Equal(t, tt.status, d.report.Checks[0].Status, tt.date)
		assert.Contains(t, d.report.Checks[0].Detail, tt.want)
	}
}

// TestPrintTableFitsWidth: a long detail and a long fix, continuation
// lines included, stay within tableWidth columns.
func TestPrintTableFitsWidth(t *testing.T) {
	long := strings.Repeat("word ", 60)
	var b strings.Builder
	require.NoError(t, printTable(&b, []Check{
		{Name: "openapi document", Status: StatusFail, Detail: long, Fix: "this is not a document pamctl can compare; ask your 12Port administrator for the server's own OpenAPI document " + long},
		{Name: "GET /api/session/{id}/events/with/a/very/long/name", Status: StatusWarn, Detail: long, Fix: long},
	}, false))
	lines := strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n")
	require.Greater(t, len(lines), 10)
	for _, l := range lines {
		assert.LessOrEqual(t, len(l), tableWidth, "%q", l)
	}
	assert.Regexp(t, `(?m)^ +fix: this is not`, b.String())
}
