package pamcmd_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
	"github.com/zalando/go-keyring"

	"github.com/pamctl/pamctl/pkg/clock"
	"github.com/pamctl/pamctl/pkg/pamcmd"
	"github.com/pamctl/pamctl/pkg/pamsim"
	"github.com/pamctl/pamctl/pkg/redact"
)

// TestMain lets testscript run pamctl as a process, pamctl-exec (on the
// scripts' PATH too): the test binary re-executes itself. Scripts run
// pamctl in-process (script_pamctl_test.go); pamctl-exec is for what needs
// a process (a shell building the arguments, ssh-agent, a real stdin).
// The OS keyring is replaced by go-keyring's in-memory mock there, so no
// test ever touches a developer's real keyring; its clock is an auto clock,
// as runPamctl's.
func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"pamctl-exec": func() {
			keyring.MockInit()
			start := time.Now()
			if d, err := time.ParseDuration(os.Getenv("PAMCTL_TEST_CLOCK_AHEAD")); err == nil {
				start = start.Add(d)
			}
			os.Exit(pamcmd.MainWith(context.Background(), pamcmd.Deps{Clock: clock.NewAuto(start)}))
		},
	})
}

type simKey struct{}

// TestScripts runs the end-to-end scripts in testdata/script against a
// fresh pamsim per script, over real HTTP on 127.0.0.1.
//
// Each script gets: PAMCTL_SERVER and PAMCTL_TOKEN (the Administrator),
// TOKEN_ADMIN, TOKEN_AUDITOR, TOKEN_AMANAGER, TOKEN_VIEWER, a private
// XDG_CONFIG_HOME, XDG_STATE_HOME and HOME under $WORK, PAMCTL_TOKEN_STORE=file,
// and these commands:
//
//	pamsim-requests [method] <path-prefix> <n>   exactly n logged requests (path relative to the site base)
//	pamsim-reset                                 clear the request log
//	pamsim-fault <kind> <path-prefix> [key=value...]  inject a fault (pamsim.Fault documents the kinds):
//	                                             method=M times=N status=S retry-after=SEC
//	                                             retry-after-date=SEC (an HTTP-date SEC from now) delay=D
//	                                             param=P (ignore-filter) shape=S (envelope) mode=M (echo-token)
//	                                             from=F to=T (rename-field); a "/" path-prefix is every path
//	pamsim-clear-faults
//	pamsim-state <session-id> <Active|Completed>  the server-side state
//	pamsim-add-sessions <n> <asset-name> <user> [channel]  add n Active sessions, IDs
//	                                             22222222-2222-4222-8222-<n, zero-padded to 12>, counting on
//	pamsim-events <event> <n>                    exactly n Events Report items named <event>
//	pamsim-tls [host...]                         serve the same simulator over TLS with a fresh CA whose
//	                                             certificate names hosts (default 127.0.0.1 localhost);
//	                                             sets PAMSIM_TLS_SERVER and PAMSIM_CA_FILE
//	pamctl [args...]                             pamctl in-process (script_pamctl_test.go)
//	without-env <VAR>... pamctl [args...]        pamctl in-process with those variables unset
//	pamctl-stdin <file>                          the next in-process pamctl's stdin
//	exits <code> <command> [args...]             run command; its exit code must be code
//	                                             (stdout and stderr are then checked as after exec)
//	writeenv <file> <VAR>                        write $VAR's value and a newline to file (for stdin)
//	json-len [file] <n>                          stdout (or file) is a JSON array of exactly n elements
func TestScripts(t *testing.T) {
	strayFilesFail(t)
	testscript.Run(t, ScriptParams(t, "../../testdata/script"))
}

// ScriptParams are the testscript parameters shared by script suites.
func ScriptParams(t *testing.T, dir string) testscript.Params {
	return testscript.Params{
		Dir:                 dir,
		RequireExplicitExec: false,
		Setup: func(env *testscript.Env) error {
			sim, err := pamsim.New(pamsim.Options{Seed: 1})
			if err != nil {
				return err
			}
			srv := httptest.NewServer(sim)
			env.Defer(srv.Close)
			tok := sim.Tokens()
			work := env.WorkDir
			env.Setenv("PAMCTL_SERVER", srv.URL+sim.BasePath())
			env.Setenv("PAMCTL_TOKEN", tok.Admin)
			env.Setenv("TOKEN_ADMIN", tok.Admin)
			env.Setenv("TOKEN_AUDITOR", tok.Auditor)
			env.Setenv("TOKEN_AMANAGER", tok.AssetManager)
			env.Setenv("TOKEN_VIEWER", tok.Viewer)
			env.Setenv("PAMSIM_URL", srv.URL)
			env.Setenv("HOME", filepath.Join(work, "home"))
			env.Setenv("XDG_CONFIG_HOME", filepath.Join(work, "config"))
			env.Setenv("XDG_STATE_HOME", filepath.Join(work, "state"))
			env.Setenv("PAMCTL_TOKEN_STORE", "file")
			env.Setenv("NO_COLOR", "1")
			// The race runtime sleeps 1 s at every successful exit of a
			// re-executed pamctl-exec.
			env.Setenv("GORACE", "atexit_sleep_ms=0")
			env.Values[simKey{}] = sim
			env.Values[stateKey{}] = newScriptState(env)
			return nil
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"pamctl":              cmdPamctl, // script_pamctl_test.go
			"without-env":         cmdWithoutEnv,
			"pamctl-stdin":        cmdPamctlStdin,
			"pamsim-requests":     cmdRequests,
			"pamsim-reset":        func(ts *testscript.TestScript, neg bool, args []string) { sim(ts).ResetRequests() },
			"pamsim-fault":        cmdFault,
			"pamsim-clear-faults": func(ts *testscript.TestScript, neg bool, args []string) { sim(ts).ClearFaults() },
			"pamsim-state":        cmdState,
			"pamsim-add-sessions": cmdAddSessions,
			"pamsim-events":       cmdEvents,
			"writeenv":            cmdWriteEnv,
			"json-len":            cmdJSONLen,
			"pamsim-tls":          cmdTLS,
			"exits":               cmdExits,
			"no-secret":           cmdNoSecret,
			// script_lifecycle_test.go
			"pamsim-start-session": cmdStartSession,
			"pamsim-end-session":   cmdEndSession,
			"pamsim-reconnect":     cmdReconnect,
			"pamsim-after":         cmdAfter,
			"pamsim-second-site":   cmdSecondSite, // script_fanout_test.go
			"pamsim-shape":         cmdShape,      // script_shape_test.go
		},
	}
}

func sim(ts *testscript.TestScript) *pamsim.Server {
	return ts.Value(simKey{}).(*pamsim.Server)
}

func cmdRequests(ts *testscript.TestScript, neg bool, args []string) {
	method := ""
	if len(args) == 3 {
		method, args = args[0], args[1:]
	}
	if len(args) != 2 {
		ts.Fatalf("usage: pamsim-requests [method] <path-prefix> <n>")
	}
	want, err := strconv.Atoi(args[1])
	ts.Check(err)
	got := sim(ts).CountRequests(method, args[0])
	if (got == want) == neg {
		var log []string
		for _, r := range sim(ts).Requests() {
			log = append(log, fmt.Sprintf("%s %s?%s -> %d", r.Method, r.Path, r.Query, r.Status))
		}
		ts.Fatalf("pamsim: %d %s requests under %s, want %d (neg=%v); log:\n%s", got, method, args[0], want, neg, strings.Join(log, "\n"))
	}
}

func cmdFault(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) < 2 {
		ts.Fatalf("usage: pamsim-fault <kind> <path-prefix> [method=M] [times=N] [status=S] [retry-after=SEC] [retry-after-date=SEC] [delay=D] [param=P] [shape=S] [mode=M] [from=F to=T]")
	}
	var f pamsim.Fault
	ts.Check(f.Kind.UnmarshalText([]byte(args[0])))
	f.Path = args[1]
	for _, kv := range args[2:] {
		k, v, ok := strings.Cut(kv, "=")
		if !ok {
			ts.Fatalf("pamsim-fault: %q is not key=value", kv)
		}
		var err error
		switch k {
		case "method":
			f.Method = v
		case "times":
			f.Times, err = strconv.Atoi(v)
		case "status":
			f.Status, err = strconv.Atoi(v)
		case "retry-after":
			f.RetryAfter, err = strconv.Atoi(v)
		case "retry-after-date":
			f.RetryAfterDate, err = strconv.Atoi(v)
		case "delay":
			f.Delay, err = time.ParseDuration(v)
		case "param":
			f.Param = v
		case "shape":
			f.Shape = v
		case "mode":
			f.Mode = v
		case "from":
			f.From = v
		case "to":
			f.To = v
		default:
			ts.Fatalf("pamsim-fault: unknown key %q", k)
		}
		ts.Check(err)
	}
	ts.Check(f.Validate())
	sim(ts).AddFault(f)
}

func cmdState(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 2 {
		ts.Fatalf("usage: pamsim-state <session-id> <state>")
	}
	s, ok := sim(ts).Session(args[0])
	if !ok {
		ts.Fatalf("pamsim: no session %s", args[0])
	}
	if (s.State == args[1]) == neg {
		ts.Fatalf("pamsim: session %s is %s, want %s (neg=%v)", args[0], s.State, args[1], neg)
	}
}

func cmdAddSessions(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) < 3 {
		ts.Fatalf("usage: pamsim-add-sessions <n> <asset-name> <user> [channel]")
	}
	n, err := strconv.Atoi(args[0])
	ts.Check(err)
	channel := "SSH"
	if len(args) > 3 {
		channel = args[3]
	}
	s := sim(ts)
	assetID := ""
	// Find the asset's ID through the public API shape of a session on it.
	for _, a := range assetsOf(ts, s) {
		if a.Name == args[1] {
			assetID = a.ID
		}
	}
	if assetID == "" {
		ts.Fatalf("pamsim: no asset %q", args[1])
	}
	now := time.Now().UTC()
	// IDs continue after the sessions earlier calls added.
	first := 1
	for {
		if _, ok := s.Session(addedID(first)); !ok {
			break
		}
		first++
	}
	for i := 0; i < n; i++ {
		created := now.Add(-time.Duration(i+1) * time.Second)
		s.AddSession(pamsim.Session{
			ID:        addedID(first + i),
			AssetID:   assetID,
			AssetName: args[1],
			User:      args[2],
			Created:   created,
			Updated:   created,
			State:     pamsim.StateActive,
			Channels:  []string{channel},
		})
	}
}

// addedID is the ID of the n-th session pamsim-add-sessions added.
func addedID(n int) string { return fmt.Sprintf("22222222-2222-4222-8222-%012d", n) }

func assetsOf(ts *testscript.TestScript, s *pamsim.Server) []pamsim.Asset {
	rec := httptest.NewRecorder()
	req := httptest.NewRequest("GET", s.BasePath()+"/api/asset/list?limit=500&parent="+s.SpaceRID(), nil)
	req.Header.Set("Authorization", "Bearer "+s.Tokens().Admin)
	s.ServeHTTP(rec, req)
	var page struct {
		Items []pamsim.Asset `json:"items"`
	}
	ts.Check(json.Unmarshal(rec.Body.Bytes(), &page))
	return page.Items
}

func cmdEvents(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 2 {
		ts.Fatalf("usage: pamsim-events <event> <n>")
	}
	want, err := strconv.Atoi(args[1])
	ts.Check(err)
	got := 0
	for _, e := range sim(ts).Events() {
		if e.Event == args[0] {
			got++
		}
	}
	if (got == want) == neg {
		ts.Fatalf("pamsim: %d %q events, want %d", got, args[0], want)
	}
}

func cmdWriteEnv(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 2 {
		ts.Fatalf("usage: writeenv <file> <VAR>")
	}
	ts.Check(os.WriteFile(ts.MkAbs(args[0]), []byte(ts.Getenv(args[1])+"\n"), 0o600))
}

func cmdTLS(ts *testscript.TestScript, neg bool, args []string) {
	s := sim(ts)
	dir, err := os.MkdirTemp(ts.Getenv("WORK"), "tls")
	ts.Check(err)
	cfg, caFile, err := pamsim.NewTLS(dir, args...)
	ts.Check(err)
	srv := httptest.NewUnstartedServer(s)
	srv.TLS = cfg
	srv.StartTLS()
	ts.Defer(srv.Close)
	ts.Setenv("PAMSIM_TLS_SERVER", srv.URL+s.BasePath())
	ts.Setenv("PAMSIM_CA_FILE", caFile)
}

func cmdExits(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) < 2 {
		ts.Fatalf("usage: exits <code> <command> [args...]")
	}
	want, err := strconv.Atoi(args[0])
	ts.Check(err)
	got := runCommand(ts, args[1], args[2:])
	if (got == want) == neg {
		ts.Fatalf("%s exited %d, want %d (neg=%v)", args[1], got, want, neg)
	}
}

// cmdNoSecret: no-secret <VAR> [file...]: the value of $VAR appears, in no
// spelling a leak could take (as is, JSON-escaped, URL-encoded, base64),
// in the last command's stdout and stderr, nor in the files named. Tokens
// hold + / =, so regexp-based stdout checks cannot be used for them.
func cmdNoSecret(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 1 {
		ts.Fatalf("usage: no-secret <VAR> [file...]")
	}
	secret := ts.Getenv(args[0])
	if len(secret) < 8 {
		ts.Fatalf("no-secret: $%s is not a token (%d bytes)", args[0], len(secret))
	}
	js, _ := json.Marshal(secret)
	forms := []string{secret, strings.Trim(string(js), `"`), strings.ReplaceAll(secret, "/", `\/`),
		url.QueryEscape(secret), url.PathEscape(secret), base64.StdEncoding.EncodeToString([]byte(secret)), secret[:len(secret)/2]}
	// And every spelling pkg/redact knows (hex, base64 at any alignment,
	// HTML references, double URL-encoding, another case, invisibles).
	red := redact.New(secret)
	check := func(name, text string) {
		for _, f := range forms {
			if strings.Contains(text, f) {
				ts.Fatalf("%s holds $%s (as %q)", name, args[0], f)
			}
		}
		if red.String(text) != text {
			ts.Fatalf("%s holds $%s in another spelling:\n%s", name, args[0], text)
		}
	}
	check("stdout", ts.ReadFile("stdout"))
	check("stderr", ts.ReadFile("stderr"))
	for _, f := range args[1:] {
		check(f, ts.ReadFile(f))
	}
}
