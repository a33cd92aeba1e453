// Package logout implements `pamctl auth logout`.
package logout

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/pamctl/pamctl/pkg/cmdutil"
	"github.com/pamctl/pamctl/pkg/config"
	"github.com/pamctl/pamctl/pkg/iostreams"
)

// LogoutOptions are the inputs of auth logout.
type LogoutOptions struct {
	IO       *iostreams.IOStreams
	Settings func() (*config.Settings, error)
	Store    func() (*config.Store, error)
}

// NewCmdLogout builds the command; runF replaces the run in tests.
func NewCmdLogout(f *cmdutil.Factory, runF func(*LogoutOptions) error) *cobra.Command {
	opts := &LogoutOptions{IO: f.IOStreams, Settings: f.Settings, Store: f.TokenStore}
	cmd := &cobra.Command{
		Use:   "logout [--profile <name>]",
		Short: "Remove the stored token of a profile",
		Long: `Remove the profile's stored token from the OS keyring and from
credentials.yaml. The profile's server stays in the config file. A token in
PAMCTL_TOKEN is not affected: unset it yourself.`,
		Example: `  $ pamctl auth logout
  $ pamctl auth logout --profile staging`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(opts)
			}
			return logoutRun(opts)
		},
	}
	return cmd
}

func logoutRun(opts *LogoutOptions) error {
	s, err := opts.Settings()
	if err != nil {
		return err
	}
	store, err := opts.Store()
	if err != nil {
		return err
	}
	if s.Server == "" {
		return cmdutil.FlagErrorf("profile %q has no server; nothing to log out of", s.Profile)
	}
	removed, err := store.Delete(s.Profile, s.Server)
	if err != nil {
		return err
	}
	if !removed {
		fmt.Fprintf(opts.IO.ErrOut, "No stored token for profile %q on %s\n", s.Profile, s.Server)
		return nil
	}
	fmt.Fprintf(opts.IO.ErrOut, "Removed the stored token of profile %q on %s\n", s.Profile, s.Server)
	if s.TokenSource == config.SourceEnv {
		fmt.Fprintln(opts.IO.ErrOut, "Note: PAMCTL_TOKEN is still set in this environment")
	}
	return nil
}
