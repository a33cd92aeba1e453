package pamcmd_test

import (
	"strconv"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/pamctl/pamctl/pkg/pamsim"
)

// The script commands of sessions coming and going, for the wait, watch and
// follow scripts (registered in ScriptParams):
//
//	pamsim-start-session <id> <asset-name> <user> [channel]   a user connects now
//	pamsim-end-session <id>                      the user logs out (no Terminate Session event)
//	pamsim-reconnect <id> <new-id>               the same user and asset, a new Active session
//	pamsim-await-requests [method] <path-prefix> <n>
//	                                             block until the request log holds at least n
//	                                             matching requests (a background pamctl has
//	                                             polled that often); fails after 20 s

func cmdStartSession(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) < 3 || len(args) > 4 {
		ts.Fatalf("usage: pamsim-start-session <id> <asset-name> <user> [channel]")
	}
	channel := "SSH"
	if len(args) == 4 {
		channel = args[3]
	}
	got := sim(ts).StartSession(pamsim.Session{ID: args[0], AssetName: args[1], User: args[2], Channels: []string{channel}})
	if got.AssetID == "" {
		ts.Fatalf("pamsim: no asset %q", args[1])
	}
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

// awaitLimit bounds pamsim-await-requests: a background command that never
// polls fails the script instead of hanging it.
const awaitLimit = 20 * time.Second

func cmdAwaitRequests(ts *testscript.TestScript, neg bool, args []string) {
	method := ""
	if len(args) == 3 {
		method, args = args[0], args[1:]
	}
	if len(args) != 2 || neg {
		ts.Fatalf("usage: pamsim-await-requests [method] <path-prefix> <n>")
	}
	want, err := strconv.Atoi(args[1])
	ts.Check(err)
	// The pamctl being awaited runs in another process on the real clock;
	// this only watches the in-process log, it times nothing.
	deadline := time.Now().Add(awaitLimit)
	for sim(ts).CountRequests(method, args[0]) < want {
		if time.Now().After(deadline) {
			ts.Fatalf("pamsim: %d %s requests under %s after %s, want %d", sim(ts).CountRequests(method, args[0]), method, args[0], awaitLimit, want)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
