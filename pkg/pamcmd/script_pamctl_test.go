package pamcmd_test

import (
	"context"
	"errors"
	"io"
	"os"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
	"github.com/zalando/go-keyring"

	"github.com/pamctl/pamctl/pkg/clock"
	"github.com/pamctl/pamctl/pkg/iostreams"
	"github.com/pamctl/pamctl/pkg/pamcmd"
)

// The scripts run pamctl in-process, as gh's tests run its commands:
// pamcmd.Run with the script's streams, environment and working directory,
// in the test binary itself. Starting the race-instrumented test binary
// again for each of the ~600 invocations was most of the suite's time.
// pamctl-exec (TestMain) still runs it as a process, for what needs one: a
// shell building its arguments, ssh-agent's environment, a real stdin.

// scriptState is one script's state for its in-process pamctl runs.
type scriptState struct {
	// initial holds the variables the script's environment starts with:
	// testscript tells a variable set to "" from an unset one only by
	// what the script was given (see lookupEnv).
	initial map[string]bool

	mu    sync.Mutex
	stdin *string // the next pamctl's stdin (pamctl-stdin); nil: empty
}

type stateKey struct{}

func newScriptState(env *testscript.Env) *scriptState {
	st := &scriptState{initial: map[string]bool{}}
	for _, kv := range env.Vars {
		if k, _, ok := strings.Cut(kv, "="); ok {
			st.initial[k] = true
		}
	}
	return st
}

func state(ts *testscript.TestScript) *scriptState {
	return ts.Value(stateKey{}).(*scriptState)
}

// cmdPamctl: pamctl [args...]: run pamctl in-process; it must exit 0, or
// (with !) anything else.
func cmdPamctl(ts *testscript.TestScript, neg bool, args []string) {
	checkExit(ts, neg, "pamctl", runPamctl(ts, nil, args))
}

// cmdWithoutEnv: without-env <VAR>... pamctl [args...]: run pamctl
// in-process with those variables unset (what `env -u VAR pamctl` did for
// a process; testscript's env can set a variable to "" but not unset it).
func cmdWithoutEnv(ts *testscript.TestScript, neg bool, args []string) {
	checkExit(ts, neg, "pamctl", runWithoutEnv(ts, args))
}

func runWithoutEnv(ts *testscript.TestScript, args []string) int {
	i := slices.Index(args, "pamctl")
	if i < 1 {
		ts.Fatalf("usage: without-env <VAR>... pamctl [args...]")
	}
	return runPamctl(ts, args[:i], args[i+1:])
}

// cmdPamctlStdin: pamctl-stdin <file>: the next in-process pamctl reads
// file (as the script's `stdin` does for the next exec, which an in-process
// command cannot see).
func cmdPamctlStdin(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: pamctl-stdin <file>")
	}
	data := ts.ReadFile(args[0])
	st := state(ts)
	st.mu.Lock()
	st.stdin = &data
	st.mu.Unlock()
}

// runPamctl runs pamctl in-process the way the re-executed binary ran:
// stdout and stderr are the script's (no terminal), the environment is the
// script's less hidden, relative paths are the script's current
// directory's, an in-memory keyring is fresh each run (as go-keyring's
// mock was in each process), and the clock is an auto clock from now
// (plus PAMCTL_TEST_CLOCK_AHEAD, e.g. 45m: a plan applied after it
// expired). It returns the exit code.
func runPamctl(ts *testscript.TestScript, hidden, args []string) int {
	st := state(ts)
	st.mu.Lock()
	var in io.Reader = strings.NewReader("")
	if st.stdin != nil {
		in, st.stdin = strings.NewReader(*st.stdin), nil
	}
	st.mu.Unlock()
	lookup := func(k string) (string, bool) {
		if slices.Contains(hidden, k) {
			return "", false
		}
		v := ts.Getenv(k)
		return v, v != "" || st.initial[k]
	}
	// Scripts never wait for real: the auto clock, starting from the real
	// time, moves to the earliest of pamctl's pending waits (Retry-After,
	// verification polls, the grace before a retry) once no request is in
	// flight and no goroutine runs, so sites held or watched at once share
	// one time. A race with the server (a request that lands late) is
	// staged with pamsim-after, between two requests, not with real time.
	start := time.Now()
	if d, err := time.ParseDuration(ts.Getenv("PAMCTL_TEST_CLOCK_AHEAD")); err == nil {
		start = start.Add(d)
	}
	ios := &iostreams.IOStreams{In: in, Out: ts.Stdout(), ErrOut: ts.Stderr()}
	return pamcmd.Run(context.Background(), args, pamcmd.Deps{
		IOStreams: ios,
		LookupEnv: lookup,
		Clock:     clock.NewAuto(start),
		Keyring:   &memKeyring{},
		Dir:       ts.MkAbs("."),
	})
}

// runCommand runs a script command for exits: pamctl and without-env
// in-process, anything else as a process. It returns the exit code.
func runCommand(ts *testscript.TestScript, name string, args []string) int {
	switch name {
	case "pamctl":
		return runPamctl(ts, nil, args)
	case "without-env":
		return runWithoutEnv(ts, args)
	}
	err := ts.Exec(name, args...)
	if err == nil {
		return 0
	}
	var ee *exec.ExitError
	if !errors.As(err, &ee) {
		ts.Fatalf("%s: %v", name, err)
	}
	return ee.ExitCode()
}

func checkExit(ts *testscript.TestScript, neg bool, name string, code int) {
	switch {
	case neg && code == 0:
		ts.Fatalf("%s: unexpected success", name)
	case !neg && code != 0:
		ts.Fatalf("%s: unexpected failure: exit %d", name, code)
	}
}

// memKeyring is an OS keyring in memory, as go-keyring's mock.
type memKeyring struct {
	mu sync.Mutex
	m  map[string]string
}

func (k *memKeyring) Get(service, user string) (string, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if v, ok := k.m[service+"\x00"+user]; ok {
		return v, nil
	}
	return "", keyring.ErrNotFound
}

func (k *memKeyring) Set(service, user, secret string) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.m == nil {
		k.m = map[string]string{}
	}
	k.m[service+"\x00"+user] = secret
	return nil
}

func (k *memKeyring) Delete(service, user string) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	if _, ok := k.m[service+"\x00"+user]; !ok {
		return keyring.ErrNotFound
	}
	delete(k.m, service+"\x00"+user)
	return nil
}

// strayFilesFail fails t if, once it and its subtests are done, the test
// process's working directory holds a file it did not hold before: an
// in-process pamctl that opened a user's relative path against the
// process's directory instead of the script's (Deps.Dir).
func strayFilesFail(t *testing.T) {
	names := func() map[string]bool {
		ents, err := os.ReadDir(".")
		if err != nil {
			t.Fatal(err)
		}
		m := map[string]bool{}
		for _, e := range ents {
			m[e.Name()] = true
		}
		return m
	}
	before := names()
	t.Cleanup(func() {
		for n := range names() {
			if !before[n] {
				t.Errorf("%s appeared in the test's directory: a path a script gave pamctl was resolved against the process's directory, not the script's (Deps.Dir)", n)
			}
		}
	})
}
