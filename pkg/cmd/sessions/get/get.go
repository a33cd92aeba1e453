// Package get implements `pamctl sessions get`: every field of one session.
package get

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/pamctl/pamctl/pkg/api"
	"github.com/pamctl/pamctl/pkg/cmd/sessions/shared"
	"github.com/pamctl/pamctl/pkg/cmdutil"
	"github.com/pamctl/pamctl/pkg/iostreams"
	"github.com/pamctl/pamctl/pkg/output"
)

// GetOptions are the inputs of sessions get.
type GetOptions struct {
	IO        *iostreams.IOStreams
	APIClient func() (*api.Client, error)
	Output    func() (output.Options, error)
	Now       func() time.Time

	ID string
}

// NewCmdGet builds the command; runF replaces the run in tests.
func NewCmdGet(f *cmdutil.Factory, runF func(*GetOptions) error) *cobra.Command {
	opts := &GetOptions{IO: f.IOStreams, APIClient: f.APIClient, Output: f.OutputOptions, Now: f.Now}
	cmd := &cobra.Command{
		Use:   "get <session-id>",
		Short: "Show every field of one session",
		Long: `Show one session of the Sessions Report with all its fields: asset and
asset ID, user, channels, state, and when it was created, last updated and
completed. On a terminal the times also show their age.

The ID is checked before any request is made; an ID the server does not
know exits 4.`,
		Example: `  # one session, Key: value
  $ pamctl sessions get 0c6f1f0e-3c1b-4c53-9d1e-1f0b7c8e2a11

  # its state, for a script
  $ pamctl sessions get 0c6f1f0e-3c1b-4c53-9d1e-1f0b7c8e2a11 -o json | jq -r .state`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 {
				return cmdutil.FlagErrorf("sessions get takes one session ID, got %d arguments (list the IDs with `pamctl sessions list`)", len(args))
			}
			return nil
		},
		ValidArgsFunction: func(cmd *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
			if len(args) > 0 {
				return nil, cobra.ShellCompDirectiveNoFileComp
			}
			return cmdutil.CompleteActiveSessionIDs(f)(cmd, args, toComplete)
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.ID = args[0]
			if err := api.ValidateID("session", opts.ID); err != nil {
				return &cmdutil.FlagError{Err: err}
			}
			if runF != nil {
				return runF(opts)
			}
			return getRun(cmd.Context(), opts)
		},
	}
	return cmd
}

func getRun(ctx context.Context, opts *GetOptions) error {
	out, err := opts.Output()
	if err != nil {
		return err
	}
	if opts.Now != nil && out.Now == nil {
		out.Now = opts.Now
	}
	client, err := opts.APIClient()
	if err != nil {
		return err
	}
	s, err := client.GetSession(ctx, opts.ID)
	if err != nil {
		if api.IsNotFound(err) {
			return cmdutil.NotFoundf("no session with ID %s on %s (only the site's sessions are visible; list them with `pamctl sessions list --state all`)", opts.ID, client.Host())
		}
		return err
	}
	if err := output.PrintObject(opts.IO.Out, out, *s, shared.SessionColumns()); err != nil {
		return fmt.Errorf("printing session %s: %w", opts.ID, err)
	}
	return nil
}
