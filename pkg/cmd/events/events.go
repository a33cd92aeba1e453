// Package events groups the Events Report verbs.
package events

import (
	"github.com/spf13/cobra"

	eventlist "github.com/pamctl/pamctl/pkg/cmd/events/list"
	"github.com/pamctl/pamctl/pkg/cmdutil"
)

// NewCmdEvents is `pamctl events`.
func NewCmdEvents(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:     "events <command>",
		Aliases: []string{"event"},
		Short:   "Read the site's Events Report",
		Long:    "The Events Report records what happened on the site, terminations included.",
		Example: `  $ pamctl events list --event "Terminate Session" --since 1h`,
		Args:    cobra.NoArgs,
		RunE:    cmdutil.ShowHelp,
	}
	cmd.AddCommand(eventlist.NewCmdList(f, nil))
	return cmd
}
