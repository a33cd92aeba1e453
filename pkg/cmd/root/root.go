// Package root builds pamctl's command tree and its global flags.
package root

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/pamctl/pamctl/pkg/cmdutil"
	"github.com/pamctl/pamctl/pkg/config"
	"github.com/pamctl/pamctl/pkg/output"
)

// Subcommands are the constructors of the top-level command groups; pamcmd
// passes them in so this package does not import every verb.
type Subcommands []func(f *cmdutil.Factory) *cobra.Command

// NewCmdRoot builds the root command with the global flags bound to f.
func NewCmdRoot(f *cmdutil.Factory, version string, subs Subcommands) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "pamctl <command> <subcommand> [flags]",
		Short: "See and terminate privileged sessions on 12Port PAM",
		Long: `pamctl is the command line for 12Port PAM (12Port Horizon) administrators and
incident responders: list who is connected to which asset, and terminate a
privileged session with the same confirmation the web UI asks for, or
without one from a runbook (--yes), with a verified outcome and an exit code.

Start with 'pamctl auth login', or set PAMCTL_SERVER and PAMCTL_TOKEN.`,
		Example: `  # who is connected to an asset right now
  $ pamctl sessions list --asset db-prod-01

  # end one session, after a confirmation
  $ pamctl sessions terminate 0c6f1f0e-3c1b-4c53-9d1e-1f0b7c8e2a11

  # runbook: revoke a compromised account everywhere
  $ pamctl sessions terminate --user bwilliams --yes --reason "INC-4312"`,
		Args:          cobra.NoArgs,
		RunE:          cmdutil.ShowHelp,
		SilenceErrors: true,
		SilenceUsage:  true,
		Version:       version,
		CompletionOptions: cobra.CompletionOptions{
			DisableDefaultCmd: true,
		},
		PersistentPreRunE: func(cmd *cobra.Command, args []string) error {
			if cmd.DisableFlagParsing {
				// cobra's __complete: it parses the flags of the
				// command being completed later, and the completion
				// function takes the snapshot then.
				return nil
			}
			// The snapshot of the global flags is taken here, after
			// parsing; from now on they are read, never written.
			fl := f.Flags()
			if fl.Changed("output") {
				if _, err := output.ParseFormat(fl.Output); err != nil {
					return &cmdutil.FlagError{Err: err}
				}
			}
			if fl.NoColor {
				// Colour is decided by the terminal; --no-color overrules it
				// for everything that asks the streams (the prompts too).
				f.IOStreams.SetColorEnabled(false)
			}
			return nil
		},
	}
	cmd.SetVersionTemplate("pamctl {{.Version}}\n")
	cmd.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return &cmdutil.FlagError{Err: fmt.Errorf("%w (see '%s --help')", err, c.CommandPath())}
	})

	var fl config.Flags // the flags' storage; f sees only a snapshot of it
	pf := cmd.PersistentFlags()
	pf.StringVar(&fl.Server, "server", "", "site API base `URL`: https://host:6443/ztna/<tenant>/<site> (env PAMCTL_SERVER)")
	pf.StringVar(&fl.Token, "token", "", "API `token` (visible in ps; prefer PAMCTL_TOKEN or auth login)")
	pf.StringVar(&fl.Profile, "profile", "", "`name`d server and credentials from the config file (env PAMCTL_PROFILE)")
	pf.StringVar(&fl.ConfigPath, "config", "", "config file `path` (env PAMCTL_CONFIG; default $XDG_CONFIG_HOME/pamctl/config.yaml)")
	pf.StringVar(&fl.CAFile, "ca-file", "", "extra PEM CA bundle `path` for the server certificate (env PAMCTL_CA_FILE)")
	pf.BoolVar(&fl.Insecure, "insecure-skip-tls-verify", false, "do not verify the server certificate (warned on every use)")
	pf.StringVar(&fl.Timeout, "timeout", "", "per-request `duration` (env PAMCTL_TIMEOUT; default 30s)")
	pf.BoolVar(&fl.Debug, "debug", false, "log HTTP requests and responses on stderr, secrets redacted (env PAMCTL_DEBUG=1)")
	pf.StringVarP(&fl.Output, "output", "o", "", "output `format`: table, wide, json, yaml, csv, ndjson (env PAMCTL_OUTPUT); csv puts a ' before a cell a spreadsheet would run as a formula")
	pf.BoolVar(&fl.NoHeaders, "no-headers", false, "omit the header row of table, wide and csv output")
	pf.BoolVar(&fl.NoColor, "no-color", false, "no ANSI colour (env NO_COLOR)")
	pf.StringVarP(&fl.JQ, "jq", "q", "", "filter the JSON output through a jq `expression`")
	pf.StringVarP(&fl.Template, "template", "t", "", "render the JSON output through a Go `template` (helpers: tablerow, timeago, json, truncate, color, join, pluck)")
	_ = cmd.RegisterFlagCompletionFunc("output", cobra.FixedCompletions(output.Formats, cobra.ShellCompDirectiveNoFileComp))
	f.SetFlagSource(func() config.Flags { return snapshot(pf, fl) })

	for _, sub := range subs {
		cmd.AddCommand(sub(f))
	}
	cmd.AddCommand(
		newHelpTopic("environment", "Environment variables pamctl reads", EnvironmentHelp),
		newHelpTopic("exit-codes", "Exit codes and what they mean", ExitCodesHelp()),
	)
	usageErrors(cmd)
	return cmd
}

// snapshot copies the parsed global flags, with the set of those given on
// the command line frozen in, so nothing that parses later changes it.
func snapshot(pf *pflag.FlagSet, fl config.Flags) config.Flags {
	changed := map[string]bool{}
	pf.VisitAll(func(p *pflag.Flag) {
		if p.Changed {
			changed[p.Name] = true
		}
	})
	fl.Changed = func(name string) bool { return changed[name] }
	return fl
}

// usageErrors makes every argument error a FlagError (exit 2) with a
// pointer to the command's help. cobra's own validators (ExactArgs,
// NoArgs' "unknown command", OnlyValidArgs) return plain errors; wrapping
// them here, once for the whole tree, spares Main from recognising them by
// their wording.
func usageErrors(cmd *cobra.Command) {
	if validate := cmd.Args; validate != nil {
		cmd.Args = func(c *cobra.Command, args []string) error {
			err := validate(c, args)
			if err == nil {
				return nil
			}
			var fe *cmdutil.FlagError
			if errors.As(err, &fe) {
				return err
			}
			return &cmdutil.FlagError{Err: fmt.Errorf("%w (see '%s --help')", err, c.CommandPath())}
		}
	}
	for _, sub := range cmd.Commands() {
		usageErrors(sub)
	}
}
