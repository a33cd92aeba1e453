package pamcmd_test

import (
	"strconv"
	"strings"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/pamctl/pamctl/pkg/pamsim"
)

// The script commands of sessions coming and going, for the wait, watch and
// follow scripts (registered in ScriptParams):
//
//	pamsim-start-session <id> <asset-name> <user> [channel]   a user connects now
//	pamsim-end-session <id>                      the user logs out (no Terminate Session event)
//	pamsim-reconnect <id> <new-id>               the same user and asset, a new Active session
//	pamsim-after [method] <path-prefix> <n> <command> [args...]
//	                                             run one of the commands above, or
//	                                             `terminate <id>` (the Administrator in the web
//	                                             UI), right after the n-th matching request from
//	                                             now was answered: between two polls of the
//	                                             pamctl a script runs next, whatever its clock

func cmdStartSession(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) < 3 || len(args) > 4 {
		ts.Fatalf("usage: pamsim-start-session <id> <asset-name> <user> [channel]")
	}
	if !startSession(sim(ts), args) {
		ts.Fatalf("pamsim: no asset %q", args[1])
	}
}

func startSession(s *pamsim.Server, args []string) bool {
	channel := "SSH"
	if len(args) == 4 {
		channel = args[3]
	}
	return s.StartSession(pamsim.Session{ID: args[0], AssetName: args[1], User: args[2], Channels: []string{channel}}).AssetID != ""
}

func cmdEndSession(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 1 {
		ts.Fatalf("usage: pamsim-end-session <id>")
	}
	if sim(ts).EndSession(args[0]) == neg {
		ts.Fatalf("pamsim: ending session %s: ended=%v, want %v", args[0], !neg, neg)
	}
}

func cmdReconnect(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 2 {
		ts.Fatalf("usage: pamsim-reconnect <id> <new-id>")
	}
	if _, ok := sim(ts).Reconnect(args[0], args[1]); !ok {
		ts.Fatalf("pamsim: no session %s", args[0])
	}
}

func cmdAfter(ts *testscript.TestScript, neg bool, args []string) {
	const usage = "usage: pamsim-after [method] <path-prefix> <n> start-session|end-session|reconnect|terminate <args...>"
	method := ""
	if len(args) > 0 && !strings.HasPrefix(args[0], "/") {
		method, args = args[0], args[1:]
	}
	if len(args) < 4 || neg {
		ts.Fatalf(usage)
	}
	afterOn(ts, sim(ts), method, args)
}

// afterOn schedules pamsim-after's action on s (the second site's
// "after" too).
func afterOn(ts *testscript.TestScript, s *pamsim.Server, method string, args []string) {
	const usage = "usage: pamsim-after [method] <path-prefix> <n> start-session|end-session|reconnect|terminate <args...>"
	if len(args) < 4 {
		ts.Fatalf(usage)
	}
	n, err := strconv.Atoi(args[1])
	ts.Check(err)
	prefix, what, rest := args[0], args[2], args[3:]
	// The action runs inside pamsim, after the script moved on: it cannot
	// fail the script, so its arguments are checked now and its outcome
	// shows in what the script checks next.
	var action func()
	switch {
	case what == "start-session" && (len(rest) == 3 || len(rest) == 4):
		action = func() { startSession(s, rest) }
	case what == "end-session" && len(rest) == 1:
		action = func() { s.EndSession(rest[0]) }
	case what == "reconnect" && len(rest) == 2:
		action = func() { s.Reconnect(rest[0], rest[1]) }
	case what == "terminate" && len(rest) == 1:
		action = func() { s.TerminateAsAdmin(rest[0]) }
	default:
		ts.Fatalf(usage)
	}
	s.After(method, prefix, n, action)
}
