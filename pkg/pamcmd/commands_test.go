package pamcmd

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pamctl/pamctl/pkg/clock"
	"github.com/pamctl/pamctl/pkg/cmdutil"
	"github.com/pamctl/pamctl/pkg/iostreams"
)

// helpTopics are the root's commands that are not groups.
var helpTopics = []string{"environment", "exit-codes"}

// TestGroupNames: the words that pick a group for a lazily built tree are
// exactly the group's name and aliases, and every top-level command of
// the tree is a group or a help topic.
func TestGroupNames(t *testing.T) {
	ios, _, _, _ := iostreams.Test()
	f := NewFactory(Deps{IOStreams: ios})
	var names []string
	for _, c := range NewRootCmd(f).Commands() {
		if !slices.Contains(helpTopics, c.Name()) {
			names = append(names, c.Name())
		}
	}
	var built []string
	for _, g := range groups {
		c := g.build(f)
		built = append(built, c.Name())
		if g.words == nil {
			assert.Equal(t, "completion", c.Name(), "only completion, which prints the whole tree, is always built")
			continue
		}
		assert.Equal(t, append([]string{c.Name()}, c.Aliases...), g.words, "the words of group %q", c.Name())
	}
	assert.ElementsMatch(t, names, built, "the root's commands are the groups and the help topics")
}

// runFull is Run with the whole command tree, whatever the arguments.
func runFull(t *testing.T, env map[string]string, args ...string) (int, string, string) {
	t.Helper()
	ios, _, out, errOut := iostreams.Test()
	d := Deps{
		IOStreams: ios,
		LookupEnv: func(k string) (string, bool) { v, ok := env[k]; return v, ok },
		Keyring:   noKeyring{},
		Clock:     clock.NewAuto(time.Now()),
	}
	f := NewFactory(d)
	cmd := NewRootCmd(f)
	cmd.SetArgs(args)
	cmd.SetIn(ios.In)
	cmd.SetOut(ios.Out)
	cmd.SetErr(ios.ErrOut)
	return HandleError(ios.ErrOut, cmd.ExecuteContext(context.Background())), out.String(), errOut.String()
}

// TestLazyTreeAnswersAsTheWholeTree: a run that builds only its group
// (Run) prints what the whole tree prints, byte for byte, and exits the
// same: every command's --help, usage errors, suggestions, aliases.
func TestLazyTreeAnswersAsTheWholeTree(t *testing.T) {
	env := map[string]string{"XDG_CONFIG_HOME": t.TempDir()}
	ios, _, _, _ := iostreams.Test()
	var runs [][]string
	var walk func(c *cobra.Command, path []string)
	walk = func(c *cobra.Command, path []string) {
		if len(path) > 0 {
			runs = append(runs, append(slices.Clone(path), "--help"))
		}
		for _, sub := range c.Commands() {
			walk(sub, append(slices.Clone(path), sub.Name()))
		}
	}
	walk(NewRootCmd(NewFactory(Deps{IOStreams: ios})), nil)
	runs = append(runs,
		[]string{"version"},
		[]string{"version", "--json"},
		[]string{"version", "extra"},
		[]string{"version", "--bogus"},
		[]string{"sessions"},
		[]string{"session", "ls", "--help"},
		[]string{"sessions", "lst"},
		[]string{"sessions", "list", "-o", "xml"},
		[]string{"asset", "--help"},
		[]string{"auth", "status", "--timeout", "soon"},
		[]string{"doctor", "-h"},
		[]string{"api", "--help"},
	)
	lazy := 0
	for _, args := range runs {
		if _, ok := groupFor(args); ok {
			lazy++
		}
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			wantCode, wantOut, wantErr := runFull(t, env, args...)
			code, out, errOut := runWith(env, nil, args...)
			assert.Equal(t, wantCode, code)
			assert.Equal(t, wantOut, out)
			assert.Equal(t, wantErr, errOut)
		})
	}
	require.Greater(t, lazy, 20, "most of these runs build one group only")
}

// TestNoFlagCompletesFileNamesButFileFlags: at a <Tab>, every flag that
// takes a value has a completion, so the shell never offers the current
// directory's files as a user, an asset or a duration; the flags that name
// files (cmdutil.FileFlags) keep the shell's file names.
func TestNoFlagCompletesFileNamesButFileFlags(t *testing.T) {
	ios, _, _, _ := iostreams.Test()
	f := NewFactory(Deps{IOStreams: ios, LookupEnv: func(string) (string, bool) { return "", false }})
	root := newRootFor(f, "test", []string{cobra.ShellCompRequestCmd, "sessions"})
	checked := 0
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		c.LocalFlags().VisitAll(func(fl *pflag.Flag) {
			if fl.Value.Type() == "bool" {
				return
			}
			_, ok := c.GetFlagCompletionFunc(fl.Name)
			if slices.Contains(cmdutil.FileFlags, fl.Name) {
				assert.False(t, ok, "%s --%s names a file: the shell completes it", c.CommandPath(), fl.Name)
				return
			}
			checked++
			assert.True(t, ok, "%s --%s has no completion: the shell would offer file names", c.CommandPath(), fl.Name)
		})
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)
	assert.Greater(t, checked, 40)
}
