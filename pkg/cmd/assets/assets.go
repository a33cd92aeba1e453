// Package assets groups the asset verbs.
package assets

import (
	"github.com/spf13/cobra"

	assetget "github.com/pamctl/pamctl/pkg/cmd/assets/get"
	assetlist "github.com/pamctl/pamctl/pkg/cmd/assets/list"
	"github.com/pamctl/pamctl/pkg/cmdutil"
)

// NewCmdAssets is `pamctl assets`.
func NewCmdAssets(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:     "assets <command>",
		Aliases: []string{"asset"},
		Short:   "Find the assets sessions run on",
		Long:    "List and inspect the site's assets, to find the name or ID that --asset takes.",
		Example: `  $ pamctl assets list --name db-prod
  $ pamctl assets get db-prod-01`,
		Args: cobra.NoArgs,
		RunE: cmdutil.ShowHelp,
	}
	cmd.AddCommand(assetlist.NewCmdList(f, nil), assetget.NewCmdGet(f, nil))
	return cmd
}
