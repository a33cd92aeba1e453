// Package profiles implements `pamctl auth profiles` and
// `pamctl auth profiles remove`: the profiles of the config file (the
// sites of --all-profiles), and a way to remove one.
package profiles

import (
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/pamctl/pamctl/pkg/cmdutil"
	"github.com/pamctl/pamctl/pkg/config"
	"github.com/pamctl/pamctl/pkg/iostreams"
	"github.com/pamctl/pamctl/pkg/output"
)

// Options are the inputs of auth profiles (and of its remove).
type Options struct {
	IO     *iostreams.IOStreams
	Config func() (*config.Config, error)
	Store  func() (*config.Store, error)
	Output func() (output.Options, error)

	Name string // remove: the profile to remove
}

// Row is one profile: -o json's element.
type Row struct {
	Name    string `json:"name"`
	Server  string `json:"server"`
	Current bool   `json:"current"`
	// Token is where its token is stored: keyring, file, or none (the
	// profile is then a failed site of --all-profiles).
	Token string `json:"token"`
}

var columns = []output.Column[Row]{
	{Header: "PROFILE", Value: func(r Row) any { return r.Name }},
	{Header: "SERVER", Value: func(r Row) any { return r.Server }},
	{Header: "CURRENT", Value: func(r Row) any { return map[bool]string{true: "*", false: ""}[r.Current] }},
	{Header: "TOKEN", Value: func(r Row) any { return r.Token }},
}

// NewCmdProfiles builds `auth profiles`; runF replaces the run in tests.
func NewCmdProfiles(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	opts := &Options{IO: f.IOStreams, Config: f.Config, Store: f.TokenStore, Output: f.OutputOptions}
	cmd := &cobra.Command{
		Use:   "profiles",
		Short: "List the profiles of the config file (the sites of --all-profiles)",
		Long: `List the profiles of the config file: each one's server, whether it is the
current profile, and where its token is stored (keyring, file, or none).
These are the sites --all-profiles runs on: a profile without a token
fails there on its own line. Remove one with 'pamctl auth profiles remove'.`,
		Example: `  $ pamctl auth profiles
  $ pamctl auth profiles remove staging`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(opts)
			}
			return listRun(opts)
		},
	}
	cmd.AddCommand(newCmdRemove(opts))
	return cmd
}

func newCmdRemove(opts *Options) *cobra.Command {
	return &cobra.Command{
		Use:   "remove <name>",
		Short: "Remove a profile from the config file, and its stored token",
		Long: `Remove the profile from the config file and its token from the OS keyring
and credentials.yaml: --all-profiles no longer runs on it. A token in
PAMCTL_TOKEN is not affected.`,
		Example: `  $ pamctl auth profiles remove staging`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Name = args[0]
			return removeRun(opts)
		},
	}
}

func listRun(opts *Options) error {
	out, err := opts.Output()
	if err != nil {
		return err
	}
	cfg, err := opts.Config()
	if err != nil {
		return err
	}
	store, err := opts.Store()
	if err != nil {
		return err
	}
	rows := []Row{}
	for _, name := range cfg.ProfileNames() {
		p, _ := cfg.Profile(name)
		server := config.NormalizeServer(p.Server)
		r := Row{Name: name, Server: server, Current: name == cfg.CurrentProfile(), Token: "none"}
		if server != "" {
			if _, where, err := store.Get(name, server, p.TokenStore); err == nil {
				r.Token = where
			} else if !errors.Is(err, config.ErrNoToken) {
				return err
			}
		}
		rows = append(rows, r)
	}
	if len(rows) == 0 {
		fmt.Fprintf(opts.IO.ErrOut, "%s has no profiles; add one with `pamctl auth login --profile NAME`\n", cfg.Path())
	}
	return output.PrintList(opts.IO.Out, out, rows, columns)
}

func removeRun(opts *Options) error {
	cfg, err := opts.Config()
	if err != nil {
		return err
	}
	p, ok := cfg.Profile(opts.Name)
	if !ok {
		known := cfg.ProfileNames()
		have := "none"
		if len(known) > 0 {
			have = strings.Join(known, ", ")
		}
		return cmdutil.FlagErrorf("unknown profile %q (profiles in %s: %s)", opts.Name, cfg.Path(), have)
	}
	store, err := opts.Store()
	if err != nil {
		return err
	}
	if p.Server != "" {
		if _, err := store.Delete(opts.Name, config.NormalizeServer(p.Server)); err != nil {
			return err
		}
	}
	cfg.RemoveProfile(opts.Name)
	if err := cfg.Save(); err != nil {
		return err
	}
	fmt.Fprintf(opts.IO.ErrOut, "Removed profile %q (%s) and its stored token from %s\n", opts.Name, p.Server, cfg.Path())
	return nil
}
