package pamcmd

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pamctl/pamctl/pkg/pamsim"
)

// TestTerminateWarnsOfReconnects: a compromised account reconnects while
// its sessions are being terminated. The new session was not in the
// preview, so it is not terminated, but the operator is told, by ID, and
// the run is not contained (exit 5): the account is still connected.
func TestTerminateWarnsOfReconnects(t *testing.T) {
	sim, url := pamsim.Start(t, pamsim.Options{Seed: 1})
	// The account reconnects while the terminate POST is in flight: after
	// the preview, before the containment check.
	sim.After("POST", termPath, 1, func() {
		s, _ := sim.Session(sessOne)
		s.ID = "99999999-9999-4999-8999-000000000042"
		s.Created = time.Now().UTC()
		s.Events = nil
		s.State = pamsim.StateActive
		sim.AddSession(s)
	})
	env := map[string]string{"PAMCTL_SERVER": url, "PAMCTL_TOKEN": sim.Tokens().Admin, "XDG_CONFIG_HOME": t.TempDir(), "XDG_STATE_HOME": t.TempDir()}
	code, _, errOut := run(t, env, "sessions", "terminate", "--asset", "db-prod-01", "--user", "bwilliams", "--yes")
	require.Equal(t, 5, code, errOut)
	assert.Contains(t, errOut, "not contained: 1 session still connected: 99999999-9999-4999-8999-000000000042 (bwilliams on db-prod-01: started after the preview")
	assert.Equal(t, 1, sim.CountRequests("POST", termPath), "the unconfirmed session is not terminated")
	s, _ := sim.Session("99999999-9999-4999-8999-000000000042")
	assert.Equal(t, pamsim.StateActive, s.State)
	assert.False(t, strings.Contains(errOut, "warning: 0"), "no empty warning")
}
