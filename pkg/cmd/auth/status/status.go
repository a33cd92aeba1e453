// Package status implements `pamctl auth status`.
package status

import (
	"context"
	"errors"
	"fmt"
	"net/http"
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
	// Valid is null when the server's answer settles nothing (a 503, an
	// HTML page, a timeout): the token may well be good.
	Valid *bool  `json:"valid"`
	Error string `json:"error,omitempty"`
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
refused (HTTP 401 or 403). When the answer settles nothing (the server is
unavailable, a proxy answers with a page, no answer in time), the token's
validity is unknown: status says why and exits 1.`,
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
	yes, no := true, false
	// fail is what the run returns: an AuthError (exit 3) when the token
	// is missing or refused, exit 1 when its validity is unknown.
	var fail error
	client, err := opts.APIClient()
	var fe *cmdutil.FlagError
	switch {
	case errors.As(err, &fe):
		// A bad setting (server URL, empty PAMCTL_TOKEN): nothing checked.
		st.Error, fail = err.Error(), err
	case err != nil:
		st.Valid, st.Error, fail = &no, err.Error(), err
	default:
		uc, err := client.UserContext(ctx)
		switch {
		case err == nil && uc.User.Name == "":
			st.Error = "the answer to GET /api/user/context has no user name: it is not the 12Port user context (check the server URL)"
		case err == nil:
			st.Valid = &yes
			st.User, st.DisplayName, st.Site = uc.User.Name, uc.User.DisplayName, uc.Space.Name
			st.Roles = uc.Roles
		case api.IsAuth(err):
			st.Valid = &no
			// This is the check the hint points at: not told to run itself.
			st.Error = strings.TrimSuffix(cmdutil.Explain(err), cmdutil.AuthStatusHint)
			fail = &cmdutil.AuthError{Err: &cmdutil.ExitError{Code: cmdutil.ExitAuth, Message: st.Error, Err: err}}
		default:
			st.Error = unknownReason(err)
		}
		if st.Valid == nil {
			fail = &cmdutil.ExitError{Code: cmdutil.ExitFailure, Message: "token validity unknown: " + st.Error}
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
		if st.Valid != nil && *st.Valid {
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
		} else if st.Valid == nil {
			// Why is the error line on stderr: said once.
			fmt.Fprintf(w, "Token valid:   unknown\n")
		} else {
			fmt.Fprintf(w, "Token valid:   no\n")
		}
	}
	return fail
}

// unknownReason words an answer that says nothing about the token.
func unknownReason(err error) string {
	var he *api.HTTPError
	var re *api.ResponseError
	var te *api.TransportError
	switch {
	case errors.As(err, &he):
		msg := he.Message
		if msg == "" {
			msg = http.StatusText(he.StatusCode)
		}
		return fmt.Sprintf("the server answered HTTP %d (%s) to GET /api/user/context", he.StatusCode, text.Safe(msg))
	case errors.As(err, &re):
		return re.Reason
	case errors.As(err, &te):
		return te.Reason
	}
	return err.Error()
}
