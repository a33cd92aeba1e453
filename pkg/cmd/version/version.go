// Package version implements `pamctl version`.
package version

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/pamctl/pamctl/pkg/build"
	"github.com/pamctl/pamctl/pkg/cmdutil"
	"github.com/pamctl/pamctl/pkg/output"
)

// NewCmdVersion builds `pamctl version`. It reads no config and makes no
// request, so it always works.
func NewCmdVersion(f *cmdutil.Factory) *cobra.Command {
	var jsonOut bool
	cmd := &cobra.Command{
		Use:   "version",
		Short: "Show pamctl's version, commit, build date and Go version",
		Long:  "Show the version stamp of this pamctl binary. Needs no configuration or network.",
		Example: `  $ pamctl version
  $ pamctl version --json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			info := build.Get()
			if jsonOut || f.Flags().Output == "json" {
				return output.WriteJSON(f.IOStreams.Out, info)
			}
			fmt.Fprintf(f.IOStreams.Out, "pamctl %s\ncommit: %s\nbuilt:  %s\ngo:     %s %s\n", info.Version, info.Commit, info.Date, info.GoVersion, info.Platform)
			return nil
		},
	}
	cmd.Flags().BoolVar(&jsonOut, "json", false, "print the version stamp as JSON")
	return cmd
}
