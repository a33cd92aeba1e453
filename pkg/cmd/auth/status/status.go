// Package status implements `pamctl auth status`.
package status

import (
	"context"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/pamctl/pamctl/pkg/api"
	"github.com/pamctl/pamctl/pkg/cmdutil"
	"github.com/pamctl/pamctl/pkg/config"
	"github.com/pamctl/pamctl/pkg/iostreams"
	"github.com/pamctl/pamctl/pkg/output"
	"github.com/pamctl/pamctl/pkg/text"
)

// StatusOptions are the inputs of auth status.
type StatusOptions struct {
	IO        *iostreams.IOStreams
	Settings  func() (*config.Settings, error)
	APIClient func() (*api.Client, error)
	Output    func() (output.Options, error)
}

// Status is what auth status reports (and prints with -o json|yaml).
type Status struct {
	Server      string   `json:"server"`
	Profile     string   `json:"profile"`
	TokenSource string   `json:"tokenSource"`
	User        string   `json:"user"`
	DisplayName string   `json:"displayName"`
	Site        string   `json:"site"`
	Roles       []string `json:"roles"`
	Valid       bool     `json:"valid"`
	Error       string   `json:"error,omitempty"`
}

// NewCmdStatus builds the command; runF replaces the run in tests.
func NewCmdStatus(f *cmdutil.Factory, runF func(*StatusOptions) error) *cobra.Command {
	opts := &StatusOptions{IO: f.IOStreams, Settings: f.Settings, APIClient: f.APIClient, Output: f.OutputOptions}
	cmd := &cobra.Command{
		Use:   "status",
		Short: "Show the server, user, roles and where the token comes from",
		Long: `Show which server and profile pamctl uses, where the token comes from (flag,
env, keyring, file), and whether the server accepts it: the user's name and
site roles from GET /api/user/context. Exits 3 when the token is missing or
refused.`,
		Example: `  $ pamctl auth status
  $ pamctl auth status -o json | jq -r .user`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(opts)
			}
			return statusRun(cmd.Context(), opts)
		},
	}
	return cmd
}

func statusRun(ctx context.Context, opts *StatusOptions) error {
	s, err := opts.Settings()
	if err != nil {
		return err
	}
	out, err := opts.Output()
	if err != nil {
		return err
	}
	st := Status{Server: s.Server, Profile: s.Profile, TokenSource: s.TokenSource, Roles: []string{}}
	client, cerr := opts.APIClient()
	if cerr == nil {
		uc, err := client.UserContext(ctx)
		if err == nil {
			st.Valid = true
			st.User, st.DisplayName, st.Site = uc.User.Name, uc.User.DisplayName, uc.Space.Name
			st.Roles = uc.Roles
		} else {
			cerr = err
		}
	}
	if cerr != nil {
		st.Error = cerr.Error()
		if api.IsUnauthorized(cerr) {
			st.Error = "the server refused the token (HTTP 401): it is invalid or expired, or its user lacks permission"
		}
	}

	if out.Format.IsStructured() {
		if err := output.PrintObject(opts.IO.Out, out, st, nil); err != nil {
			return err
		}
	} else {
		w := opts.IO.Out
		server := st.Server
		if server == "" {
			server = "(none: pass --server, set PAMCTL_SERVER, or run `pamctl auth login`)"
		}
		fmt.Fprintf(w, "Server:        %s\n", server)
		fmt.Fprintf(w, "Profile:       %s\n", st.Profile)
		fmt.Fprintf(w, "Token from:    %s\n", st.TokenSource)
		if st.Valid {
			name := text.Safe(st.User)
			if st.DisplayName != "" {
				name += " (" + text.Safe(st.DisplayName) + ")"
			}
			roles := strings.Join(st.Roles, ", ")
			if roles == "" {
				roles = "none (per-asset permissions only)"
			}
			fmt.Fprintf(w, "User:          %s\n", name)
			fmt.Fprintf(w, "Site:          %s\n", text.Safe(st.Site))
			fmt.Fprintf(w, "Site roles:    %s\n", text.Safe(roles))
			fmt.Fprintf(w, "Token valid:   yes\n")
		} else {
			fmt.Fprintf(w, "Token valid:   no\n")
		}
	}
	if cerr != nil {
		if api.IsAuth(cerr) {
			return &cmdutil.AuthError{Err: cerr}
		}
		return cerr
	}
	return nil
}
