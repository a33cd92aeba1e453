// Package sessions groups the session verbs: list, get, events, terminate,
// wait and watch.
package sessions

import (
	"github.com/spf13/cobra"

	"github.com/pamctl/pamctl/pkg/cmd/sessions/events"
	"github.com/pamctl/pamctl/pkg/cmd/sessions/export"
	"github.com/pamctl/pamctl/pkg/cmd/sessions/get"
	"github.com/pamctl/pamctl/pkg/cmd/sessions/list"
	"github.com/pamctl/pamctl/pkg/cmd/sessions/terminate"
	"github.com/pamctl/pamctl/pkg/cmd/sessions/wait"
	"github.com/pamctl/pamctl/pkg/cmd/sessions/watch"
	"github.com/pamctl/pamctl/pkg/cmdutil"
)

// NewCmdSessions is `pamctl sessions`.
func NewCmdSessions(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:     "sessions <command>",
		Aliases: []string{"session"},
		Short:   "List, inspect and terminate privileged sessions",
		Long: `Work with the Sessions Report of a 12Port site: who is connected to which
asset, through which channels, and since when; end a live web session.`,
		Example: `  $ pamctl sessions list --asset db-prod-01
  $ pamctl sessions terminate --user bwilliams --yes --reason INC-4312`,
		Args: cobra.NoArgs,
		RunE: cmdutil.ShowHelp,
	}
	cmd.AddCommand(
		list.NewCmdList(f, nil),
		get.NewCmdGet(f, nil),
		events.NewCmdEvents(f, nil),
		terminate.NewCmdTerminate(f, nil),
		wait.NewCmdWait(f, nil),
		watch.NewCmdWatch(f, nil),
		export.NewCmdExport(f, nil),
	)
	return cmd
}
