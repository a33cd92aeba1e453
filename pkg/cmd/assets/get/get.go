// Package get implements `pamctl assets get`: one asset, by name or ID.
package get

import (
	"context"
	"strings"

	"github.com/spf13/cobra"

	"github.com/pamctl/pamctl/pkg/api"
	assetlist "github.com/pamctl/pamctl/pkg/cmd/assets/list"
	"github.com/pamctl/pamctl/pkg/cmdutil"
	"github.com/pamctl/pamctl/pkg/iostreams"
	"github.com/pamctl/pamctl/pkg/output"
)

// GetOptions are the inputs of assets get.
type GetOptions struct {
	IO        *iostreams.IOStreams
	APIClient func() (*api.Client, error)
	Output    func() (output.Options, error)

	// Ref is the asset's ID or name.
	Ref string
}

// NewCmdGet builds the command; runF replaces the run in tests.
func NewCmdGet(f *cmdutil.Factory, runF func(*GetOptions) error) *cobra.Command {
	opts := &GetOptions{IO: f.IOStreams, APIClient: f.APIClient, Output: f.OutputOptions}
	cmd := &cobra.Command{
		Use:   "get <name|id>",
		Short: "Show one asset, by name or ID",
		Long: `Show one asset: its name, ID, type and parent container. The asset is
resolved as --asset resolves it elsewhere: an ID first, then an exact name
(case-insensitive). A name no asset has exactly exits 4, naming the assets
whose names contain it ("did you mean web-01 or web-02?"); several assets
with that exact name are refused with their IDs (exit 2).`,
		Example: `  # by name
  $ pamctl assets get db-prod-01

  # its ID, for a script
  $ pamctl assets get db-prod-01 -o json | jq -r .id`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 {
				return cmdutil.FlagErrorf("assets get takes one asset name or ID, got %d arguments", len(args))
			}
			return nil
		},
		ValidArgsFunction: func(cmd *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
			if len(args) > 0 {
				return nil, cobra.ShellCompDirectiveNoFileComp
			}
			return cmdutil.CompleteAssetNames(f)(cmd, args, toComplete)
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Ref = args[0]
			if strings.TrimSpace(opts.Ref) == "" {
				return cmdutil.FlagErrorf("the asset name or ID is empty")
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
	client, err := opts.APIClient()
	if err != nil {
		return err
	}
	a, err := cmdutil.ResolveAsset(ctx, client, opts.Ref)
	if err != nil {
		return err
	}
	return output.PrintObject(opts.IO.Out, out, *a, assetlist.Columns())
}
