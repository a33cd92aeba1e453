// Package auth groups the credential verbs: login, status, logout, profiles.
package auth

import (
	"github.com/spf13/cobra"

	"github.com/pamctl/pamctl/pkg/cmd/auth/login"
	"github.com/pamctl/pamctl/pkg/cmd/auth/logout"
	"github.com/pamctl/pamctl/pkg/cmd/auth/profiles"
	"github.com/pamctl/pamctl/pkg/cmd/auth/status"
	"github.com/pamctl/pamctl/pkg/cmdutil"
)

// NewCmdAuth is `pamctl auth`.
func NewCmdAuth(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "auth <command>",
		Short: "Log in to a 12Port site with an API token",
		Long: `pamctl authenticates with a 12Port API token, issued to a named user by an
Administrator or API Token Manager. There is no password login: create a
token in the web UI, then store it with 'pamctl auth login'.`,
		Example: `  $ pamctl auth login --server https://pam.example.com:6443/ztna/acme/root
  $ pamctl auth status`,
		Args: cobra.NoArgs,
		RunE: cmdutil.ShowHelp,
	}
	cmd.AddCommand(login.NewCmdLogin(f, nil), status.NewCmdStatus(f, nil), logout.NewCmdLogout(f, nil), profiles.NewCmdProfiles(f, nil))
	return cmd
}
