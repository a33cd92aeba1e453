package terminate

import (
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pamctl/pamctl/pkg/cmdutil"
	"github.com/pamctl/pamctl/pkg/config"
	"github.com/pamctl/pamctl/pkg/iostreams"
)

// The plan flags are checked before anything touches the network.
func TestPlanFlags(t *testing.T) {
	tests := []struct {
		name     string
		args     string
		wantCode int
		wantErr  string
	}{
		{name: "plan-out needs no terminal and no --yes", args: "--user x --reason r --plan-out p"},
		{name: "apply takes no selector", args: "--user x --apply p --yes", wantCode: 2, wantErr: "--apply takes --user from the plan"},
		{name: "apply takes no IDs", args: s01 + " --apply p --yes", wantCode: 2, wantErr: "give no session IDs"},
		{name: "apply takes no profiles", args: "--apply p --all-profiles --yes", wantCode: 2, wantErr: "give no session IDs, --profiles"},
		{name: "apply takes no max", args: "--apply p --max 3 --yes", wantCode: 2, wantErr: "--apply takes --max"},
		{name: "apply takes no reason", args: "--apply p --reason x --yes", wantCode: 2, wantErr: "--apply takes --reason"},
		{name: "apply without a terminal needs --yes", args: "--apply p", wantCode: 6, wantErr: "pass --yes"},
		{name: "apply dry-run", args: "--apply p --dry-run"},
		{name: "both", args: "--user x --reason r --plan-out p --apply q --yes", wantCode: 2, wantErr: "either writes a plan or applies one"},
		{name: "plan-out needs a reason", args: "--user x --plan-out p", wantCode: 2, wantErr: "--plan-out needs --reason"},
		{name: "plan-out and dry-run", args: "--user x --reason r --plan-out p --dry-run", wantCode: 2, wantErr: "already sends nothing"},
		{name: "plan-ttl bounds", args: "--user x --reason r --plan-out p --plan-ttl 200h", wantCode: 2, wantErr: "--plan-ttl 200h0m0s"},
		{name: "two-person alone", args: "--user x --two-person --yes", wantCode: 2, wantErr: "--two-person goes with --plan-out"},
		{name: "sign alone", args: "--user x --sign k --yes", wantCode: 2, wantErr: "--sign goes with --plan-out"},
		{name: "allowed-signers alone", args: "--user x --allowed-signers f --yes", wantCode: 2, wantErr: "--allowed-signers goes with --apply"},
		{name: "apply needs no IDs or selector", args: "--apply p --yes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ios, _, _, _ := iostreams.Test()
			f := &cmdutil.Factory{IOStreams: ios, Settings: func() (*config.Settings, error) { return &config.Settings{Output: "table"}, nil }}
			var got *TerminateOptions
			cmd := NewCmdTerminate(f, func(o *TerminateOptions) error { got = o; return nil })
			cmd.SetArgs(strings.Fields(tt.args))
			cmd.SetOut(io.Discard)
			cmd.SetErr(io.Discard)
			err := cmd.Execute()
			if tt.wantErr != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.wantErr)
				assert.Equal(t, tt.wantCode, exitCode(t, err))
				assert.Nil(t, got, "run must not be reached")
				return
			}
			require.NoError(t, err)
			require.NotNil(t, got)
		})
	}
}

// Drift left alone is exit 5, unless the run's own outcome ranks above
// it (docs/exit-codes.md): 7 ranks below.
func TestDriftError(t *testing.T) {
	assert.NoError(t, driftError(0, nil))
	assert.Equal(t, cmdutil.ExitPartial, cmdutil.ExitCode(driftError(2, nil)))
	assert.Contains(t, driftError(1, nil).Error(), "1 session matching the plan's selector is not in the plan")
	unverified := &cmdutil.ExitError{Code: cmdutil.ExitUnverified, Err: errors.New("x")}
	assert.Equal(t, cmdutil.ExitPartial, cmdutil.ExitCode(driftError(1, unverified)))
	cancelled := &cmdutil.ExitError{Code: cmdutil.ExitCancelled, Err: errors.New("x")}
	assert.Equal(t, cmdutil.ExitCancelled, cmdutil.ExitCode(driftError(1, cancelled)))
}
