package terminate

import (
	"context"
	"regexp"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pamctl/pamctl/pkg/cmdutil"
	"github.com/pamctl/pamctl/pkg/pamsim"
	"github.com/pamctl/pamctl/pkg/prompt"
)

// The confirmation's answers, through the prompter fake (as gh's tests
// drive its Prompter): what the real-terminal smoke test (pty_test.go,
// `make test-pty`) types, answered here without a terminal or a clock.

func TestConfirmOneAnswers(t *testing.T) {
	tests := []struct {
		name      string
		answer    func(def bool) (bool, error)
		wantCode  int
		wantPosts int
		wantState string
		wantLine  string // cmdutil.Explain of the error, or a line of stderr
	}{
		{"n sends nothing", func(bool) (bool, error) { return false, nil }, 130, 0, pamsim.StateActive, "not confirmed; nothing was sent"},
		{"Enter takes the default, No", func(def bool) (bool, error) { return def, nil }, 130, 0, pamsim.StateActive, "not confirmed; nothing was sent"},
		{"Ctrl-C sends nothing", func(bool) (bool, error) { return false, prompt.ErrCancelled }, 130, 0, pamsim.StateActive, prompt.ErrCancelled.Error()},
		{"y terminates", func(bool) (bool, error) { return true, nil }, 0, 1, pamsim.StateCompleted, "message=Session terminated, channel=SSH"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, pamsim.Options{}, nil, true)
			e.opts.IDs = []string{s01}
			e.stub.ConfirmFunc = func(msg string, def bool) (bool, error) {
				assert.False(t, def, "the default is No")
				assert.Contains(t, e.errOut.String(), "To terminate: 1 session\n")
				assert.Equal(t, 0, e.posts(), "nothing before the answer")
				return tt.answer(def)
			}
			err := terminateRun(context.Background(), e.opts)
			assert.Equal(t, tt.wantCode, exitCode(t, err), "err: %v", err)
			assert.Len(t, e.stub.Asked, 1)
			assert.Contains(t, e.stub.Asked[0], "Terminate the session of bwilliams on db-prod-01 ("+s01+")? bwilliams will be disconnected")
			assert.Equal(t, tt.wantPosts, e.posts())
			assert.Equal(t, tt.wantState, e.stateOf(t, s01))
			if err != nil {
				assert.Equal(t, tt.wantLine, cmdutil.Explain(err))
			} else {
				assert.Contains(t, e.errOut.String(), tt.wantLine)
			}
		})
	}
}

func TestConfirmTypedCountAnswers(t *testing.T) {
	tests := []struct {
		name      string
		typed     string
		err       error
		wantCode  int
		wantPosts int
		wantLine  string
	}{
		{"the wrong number sends nothing", "2", nil, 130, 0, `you typed "2", not 3; nothing was sent`},
		{"y is not a number", "y", nil, 130, 0, `you typed "y", not 3; nothing was sent`},
		{"Ctrl-C sends nothing", "", prompt.ErrCancelled, 130, 0, prompt.ErrCancelled.Error()},
		// The three web sessions end; the native-only one stays: exit 5.
		{"the right number terminates them all", "3", nil, 5, 3, "not contained: 1 session still connected: 11111111-1111-4111-8111-000000000004 (bwilliams on win-dc-01: native-only (RDPP)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, pamsim.Options{}, nil, true)
			e.opts.User = "bwilliams"
			e.stub.InputFunc = func(msg, def string) (string, error) {
				assert.Equal(t, "Type the number of sessions to terminate (3):", msg)
				assert.Contains(t, e.errOut.String(), "The users of these 3 sessions will be disconnected and logged out of their PAM sessions, and cannot reconnect to them.\n")
				assert.Equal(t, 0, e.posts(), "nothing before the answer")
				return tt.typed, tt.err
			}
			err := terminateRun(context.Background(), e.opts)
			assert.Equal(t, tt.wantCode, exitCode(t, err), "err: %v", err)
			assert.Equal(t, tt.wantPosts, e.posts())
			assert.Contains(t, cmdutil.Explain(err), tt.wantLine)
		})
	}
}

// TestConfirmMarksHiddenNames: a name shown escaped is marked "holds
// invisible characters" in the question and in the preview table alike
// (text.Marked, the one function for both), so db-prod-01 followed by a
// Hangul filler is not read as db-prod-01.
func TestConfirmMarksHiddenNames(t *testing.T) {
	e := newEnv(t, pamsim.Options{}, nil, true)
	base, ok := e.sim.Session(s01)
	require.True(t, ok)
	const id = "55555555-5555-4555-8555-000000000001"
	e.sim.AddSession(pamsim.Session{ID: id, AssetID: base.AssetID, AssetName: "db-prod-01\u3164", User: "eve",
		Created: base.Created, Updated: base.Created, State: pamsim.StateActive, Channels: []string{"SSH"}})
	e.opts.IDs = []string{id}
	const marked = `db-prod-01\u3164 (holds invisible characters)`
	e.stub.ConfirmFunc = func(msg string, def bool) (bool, error) {
		assert.Equal(t, "Terminate the session of eve on "+marked+" ("+id+")? eve will be disconnected and logged out of the PAM session, and cannot reconnect to this session.", msg)
		assert.Regexp(t, `(?m)^`+id+` +`+regexp.QuoteMeta(marked)+` +eve +SSH `, e.errOut.String())
		return false, nil
	}
	err := terminateRun(context.Background(), e.opts)
	assert.Equal(t, 130, exitCode(t, err))
	assert.Len(t, e.stub.Asked, 1)
	assert.NotContains(t, e.errOut.String(), "\u3164")
	assert.Equal(t, 0, e.posts())
}
