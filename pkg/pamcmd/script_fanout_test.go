package pamcmd_test

import (
	"fmt"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/pamctl/pamctl/pkg/pamsim"
)

// secondSites holds each script's second simulator, by the script's $WORK
// (testscript values can only be set in Setup; this one starts on demand).
var secondSites sync.Map // string -> *pamsim.Server

// cmdSecondSite drives a second pamsim, a second site for fan-out scripts
// (--profiles, --all-profiles):
//
//	pamsim-second-site                      start it (site "east", on 127.0.0.1, closed with the
//	                                        script); sets PAMSIM2_SERVER and PAMSIM2_TOKEN (Administrator)
//	pamsim-second-site requests [method] <path-prefix> <n>   exactly n logged requests
//	pamsim-second-site reset                clear its request log
//	pamsim-second-site start-session <id> <asset> <user> [channel]
//	pamsim-second-site after [method] <path-prefix> <n> <action> <args...>   as pamsim-after
//	pamsim-second-site fault <kind> <path-prefix> [method=M] [times=N] [status=S]
//	pamsim-second-site clear-faults
//	pamsim-second-site state <session-id> <Active|Completed>
//	pamsim-second-site stop                 close it: every request is then refused
func cmdSecondSite(ts *testscript.TestScript, neg bool, args []string) {
	key := ts.Getenv("WORK")
	if len(args) == 0 {
		if _, ok := secondSites.Load(key); ok {
			ts.Fatalf("pamsim-second-site: already started")
		}
		s, err := pamsim.New(pamsim.Options{Seed: 2, Site: "east"})
		ts.Check(err)
		srv := httptest.NewServer(s)
		stop := sync.OnceFunc(srv.Close)
		ts.Defer(func() { stop(); secondSites.Delete(key) })
		secondSites.Store(key, s)
		secondStops.Store(key, stop)
		ts.Setenv("PAMSIM2_SERVER", srv.URL+s.BasePath())
		ts.Setenv("PAMSIM2_TOKEN", s.Tokens().Admin)
		return
	}
	v, ok := secondSites.Load(key)
	if !ok {
		ts.Fatalf("pamsim-second-site %s: start it first (pamsim-second-site)", args[0])
	}
	s := v.(*pamsim.Server)
	switch sub, args := args[0], args[1:]; sub {
	case "requests":
		method := ""
		if len(args) == 3 {
			method, args = args[0], args[1:]
		}
		if len(args) != 2 {
			ts.Fatalf("usage: pamsim-second-site requests [method] <path-prefix> <n>")
		}
		want, err := strconv.Atoi(args[1])
		ts.Check(err)
		if got := s.CountRequests(method, args[0]); (got == want) == neg {
			var log []string
			for _, r := range s.Requests() {
				log = append(log, fmt.Sprintf("%s %s?%s -> %d", r.Method, r.Path, r.Query, r.Status))
			}
			ts.Fatalf("second site: %d %s requests under %s, want %d (neg=%v); log:\n%s", got, method, args[0], want, neg, strings.Join(log, "\n"))
		}
	case "reset":
		s.ResetRequests()
	case "start-session":
		if len(args) < 3 || !startSession(s, args) {
			ts.Fatalf("usage: pamsim-second-site start-session <id> <asset> <user> [channel]")
		}
	case "after":
		method := ""
		if len(args) > 0 && !strings.HasPrefix(args[0], "/") {
			method, args = args[0], args[1:]
		}
		afterOn(ts, s, method, args)
	case "clear-faults":
		s.ClearFaults()
	case "fault":
		if len(args) < 2 {
			ts.Fatalf("usage: pamsim-second-site fault <kind> <path-prefix> [method=M] [times=N] [status=S]")
		}
		var f pamsim.Fault
		ts.Check(f.Kind.UnmarshalText([]byte(args[0])))
		f.Path = args[1]
		for _, kv := range args[2:] {
			k, val, _ := strings.Cut(kv, "=")
			var err error
			switch k {
			case "method":
				f.Method = val
			case "times":
				f.Times, err = strconv.Atoi(val)
			case "status":
				f.Status, err = strconv.Atoi(val)
			default:
				ts.Fatalf("pamsim-second-site fault: unknown key %q", k)
			}
			ts.Check(err)
		}
		ts.Check(f.Validate())
		s.AddFault(f)
	case "state":
		if len(args) != 2 {
			ts.Fatalf("usage: pamsim-second-site state <session-id> <state>")
		}
		sess, ok := s.Session(args[0])
		if !ok {
			ts.Fatalf("second site: no session %s", args[0])
		}
		if (sess.State == args[1]) == neg {
			ts.Fatalf("second site: session %s is %s, want %s (neg=%v)", args[0], sess.State, args[1], neg)
		}
	case "stop":
		if stop, ok := secondStops.Load(key); ok {
			stop.(func())()
		}
	default:
		ts.Fatalf("pamsim-second-site: unknown subcommand %q", sub)
	}
}

var secondStops sync.Map // string -> func()
