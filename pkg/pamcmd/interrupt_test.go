package pamcmd

import (
	"context"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pamctl/pamctl/pkg/clock"
	"github.com/pamctl/pamctl/pkg/iostreams"
	"github.com/pamctl/pamctl/pkg/pamsim"
)

// interruptRun runs a terminate of id in a synctest bubble against pamsim
// with fault, pressing Ctrl-C (cancelling the run's context) after ctrlC
// of fake time: its exit code, stderr and how long it ran.
func interruptRun(t *testing.T, id string, fault pamsim.Fault, ctrlC time.Duration) (int, string, time.Duration) {
	cfg, state := t.TempDir(), t.TempDir()
	var code int
	var stderr string
	var took time.Duration
	synctest.Test(t, func(t *testing.T) {
		sim, err := pamsim.New(pamsim.Options{Seed: 1})
		require.NoError(t, err)
		sim.AddFault(fault)
		env := map[string]string{"PAMCTL_SERVER": "http://127.0.0.1:8643" + sim.BasePath(), "PAMCTL_TOKEN": sim.Tokens().Admin,
			"XDG_CONFIG_HOME": cfg, "XDG_STATE_HOME": state, "PAMCTL_TOKEN_STORE": "file"}
		ios, _, _, errOut := iostreams.Test()
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		start := time.Now()
		time.AfterFunc(ctrlC, cancel) // the operator's Ctrl-C
		code = Run(ctx, []string{"sessions", "terminate", id, "--yes", "--reason", "INC-21"}, Deps{
			IOStreams: ios, LookupEnv: func(k string) (string, bool) { v, ok := env[k]; return v, ok },
			Keyring: noKeyring{}, Transport: pipeTransport{h: sim}, Clock: clock.Real{},
		})
		took = time.Since(start)
		stderr = errOut.String()
	})
	return code, stderr, took
}

const interruptID = "11111111-1111-4111-8111-000000000001"

// Ctrl-C 3 s into a terminate POST the server answers after 20 s
// (pamsim's delay fault): the POST runs to its answer, the session is
// terminated, and the run says it was interrupted after 3 s, when the
// Ctrl-C came, not 20 s; the last line counts only what happened.
func TestInterruptDuringASlowTerminate(t *testing.T) {
	code, stderr, took := interruptRun(t, interruptID, pamsim.Fault{Kind: pamsim.FaultDelay, Method: "POST", Path: "/api/session/terminate/", Delay: 20 * time.Second}, 3*time.Second)
	assert.Equal(t, 130, code, stderr)
	assert.Equal(t, 20*time.Second, took.Round(time.Second), "the POST ran to its answer")
	assert.Contains(t, stderr, "\nTerminated "+interruptID+" (bwilliams on db-prod-01), NOT verified: interrupted after 3s, before it was verified; check with `pamctl sessions get "+interruptID+"`\n")
	assert.Contains(t, stderr, "\npamctl: cancelled: 1 terminated (listed above)\n")
	assert.NotContains(t, stderr, "after 20s")
}

// Ctrl-C 4 s into the verification, while the Events Report (20 s slow)
// is read: one statement of what was not read yet; not "not verified"
// twice, not "no Terminate Session event" for a read the Ctrl-C cut, not
// "(last error: cancelled)".
func TestInterruptDuringVerificationAgainstPamsim(t *testing.T) {
	code, stderr, _ := interruptRun(t, interruptID, pamsim.Fault{Kind: pamsim.FaultDelay, Method: "GET", Path: "/api/event/list", Delay: 20 * time.Second}, 4*time.Second)
	assert.Equal(t, 130, code, stderr)
	assert.Contains(t, stderr, "\nTerminated "+interruptID+" (bwilliams on db-prod-01), NOT verified: interrupted after 4s, before its Terminate Session event was read; check with `pamctl sessions events "+interruptID+"`\n")
	assert.NotContains(t, stderr, "not verified")
	assert.NotContains(t, stderr, "no Terminate Session event")
	assert.NotContains(t, stderr, "cancelled)")
	assert.Contains(t, stderr, "\npamctl: cancelled: 1 terminated (listed above)\n")
}
