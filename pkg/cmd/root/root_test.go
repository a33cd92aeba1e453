package root

import (
	"strings"
	"testing"

	"github.com/spf13/cobra"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pamctl/pamctl/pkg/cmdutil"
	"github.com/pamctl/pamctl/pkg/config"
	"github.com/pamctl/pamctl/pkg/iostreams"
)

// probe is a subcommand that records the flags its run and its completion
// see through the factory.
func probe(seen *[]config.Flags) Subcommands {
	return Subcommands{func(f *cmdutil.Factory) *cobra.Command {
		return &cobra.Command{
			Use:  "probe",
			Args: cobra.ArbitraryArgs,
			RunE: func(*cobra.Command, []string) error {
				*seen = append(*seen, f.Flags())
				return nil
			},
			ValidArgsFunction: func(*cobra.Command, []string, string) ([]cobra.Completion, cobra.ShellCompDirective) {
				return []cobra.Completion{"server=" + f.Flags().Server}, cobra.ShellCompDirectiveNoFileComp
			},
		}
	}}
}

func TestGlobalFlagsSnapshot(t *testing.T) {
	ios, _, out, _ := iostreams.Test()
	ios.SetColorEnabled(true)
	f := &cmdutil.Factory{IOStreams: ios}
	var seen []config.Flags
	cmd := NewCmdRoot(f, "test", probe(&seen))
	cmd.SetArgs([]string{"probe", "--server", "https://h/ztna/t/s", "--no-headers", "--no-color", "--config", "/tmp/c.yaml", "-o", "json", "--insecure-skip-tls-verify=false"})
	cmd.SetOut(out)
	require.NoError(t, cmd.Execute())
	require.Len(t, seen, 1)
	got := seen[0]
	assert.Equal(t, "https://h/ztna/t/s", got.Server)
	assert.Equal(t, "/tmp/c.yaml", got.ConfigPath)
	assert.Equal(t, "json", got.Output)
	assert.True(t, got.NoHeaders)
	assert.True(t, got.NoColor)
	assert.True(t, got.Changed("server"))
	assert.True(t, got.Changed("insecure-skip-tls-verify"), "an explicit false is given")
	assert.False(t, got.Changed("token"))
	assert.False(t, ios.ColorEnabled(), "--no-color reaches the streams (and so the prompts)")

	// Read-only after: neither a later parse nor a write to the copy
	// changes what the factory hands out.
	require.NoError(t, cmd.PersistentFlags().Set("server", "https://other/ztna/t/s"))
	require.NoError(t, cmd.PersistentFlags().Set("token", "late"))
	got.Server = "changed by a reader"
	again := f.Flags()
	assert.Equal(t, "https://h/ztna/t/s", again.Server)
	assert.Empty(t, again.Token)
	assert.False(t, again.Changed("token"))
}

// TestGlobalFlagsInCompletion: cobra runs a completion function without
// PersistentPreRunE; the snapshot is taken after cobra parsed the flags.
func TestGlobalFlagsInCompletion(t *testing.T) {
	ios, _, out, _ := iostreams.Test()
	f := &cmdutil.Factory{IOStreams: ios}
	var seen []config.Flags
	cmd := NewCmdRoot(f, "test", probe(&seen))
	cmd.SetArgs([]string{"__complete", "probe", "--server", "https://c/ztna/t/s", ""})
	cmd.SetOut(out)
	require.NoError(t, cmd.Execute())
	assert.True(t, strings.HasPrefix(out.String(), "server=https://c/ztna/t/s\n"), out.String())
}

func TestBadOutputFormatIsAUsageError(t *testing.T) {
	ios, _, out, _ := iostreams.Test()
	f := &cmdutil.Factory{IOStreams: ios}
	var seen []config.Flags
	cmd := NewCmdRoot(f, "test", probe(&seen))
	cmd.SetArgs([]string{"probe", "-o", "xml"})
	cmd.SetOut(out)
	err := cmd.Execute()
	var fe *cmdutil.FlagError
	require.ErrorAs(t, err, &fe)
	assert.Empty(t, seen)
}

func TestSetFlagSourceOnce(t *testing.T) {
	f := &cmdutil.Factory{}
	assert.Equal(t, "", f.Flags().Server, "no root: no flag given")
	f.SetFlagSource(func() config.Flags { return config.Flags{} })
	assert.Panics(t, func() { f.SetFlagSource(func() config.Flags { return config.Flags{} }) })
}
