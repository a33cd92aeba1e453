package pamcmd

import (
	"strings"

	"github.com/spf13/cobra"

	apicmd "github.com/pamctl/pamctl/pkg/cmd/api"
	"github.com/pamctl/pamctl/pkg/cmd/assets"
	"github.com/pamctl/pamctl/pkg/cmd/audit"
	"github.com/pamctl/pamctl/pkg/cmd/auth"
	"github.com/pamctl/pamctl/pkg/cmd/completion"
	"github.com/pamctl/pamctl/pkg/cmd/doctor"
	"github.com/pamctl/pamctl/pkg/cmd/events"
	"github.com/pamctl/pamctl/pkg/cmd/root"
	"github.com/pamctl/pamctl/pkg/cmd/sessions"
	"github.com/pamctl/pamctl/pkg/cmd/version"
	"github.com/pamctl/pamctl/pkg/cmdutil"
)

// group is a top-level command: its constructor, and the words that run
// it (its name and aliases; TestGroupNames checks them against the
// command). A group with no words is always built: completion prints the
// whole tree.
type group struct {
	words []string
	build func(f *cmdutil.Factory) *cobra.Command
}

// groups lists the command groups, in help order. Adding a noun is one
// line here.
var groups = []group{
	{[]string{"auth"}, auth.NewCmdAuth},
	{[]string{"sessions", "session"}, sessions.NewCmdSessions},
	{[]string{"assets", "asset"}, assets.NewCmdAssets},
	{[]string{"events", "event"}, events.NewCmdEvents},
	{[]string{"audit"}, audit.NewCmdAudit},
	{[]string{"api"}, func(f *cmdutil.Factory) *cobra.Command { return apicmd.NewCmdAPI(f, nil) }},
	{[]string{"doctor"}, func(f *cmdutil.Factory) *cobra.Command { return doctor.NewCmdDoctor(f, nil) }},
	{nil, completion.NewCmdCompletion},
	{[]string{"version"}, version.NewCmdVersion},
}

// newRoot is the whole command tree.
func newRoot(f *cmdutil.Factory, ver string) *cobra.Command {
	return newRootFor(f, ver, nil)
}

// newRootFor is the command tree a run with args needs. When the first
// argument names a group, only that group's commands are built: building
// every verb's flags and completions is a good part of a short command's
// start-up (scripts/bench-startup.sh). What such a run can show (its help,
// its errors, its suggestions) lies inside the group, and the root's flags
// are all there. Anything else (no arguments, a flag first, help,
// completion, cobra's __complete) gets the whole tree.
func newRootFor(f *cmdutil.Factory, ver string, args []string) *cobra.Command {
	subs := make(root.Subcommands, 0, len(groups))
	if g, ok := groupFor(args); ok {
		subs = append(subs, g.build)
	} else {
		for _, g := range groups {
			subs = append(subs, g.build)
		}
	}
	cmd := root.NewCmdRoot(f, ver, subs)
	if len(args) > 0 && strings.HasPrefix(args[0], cobra.ShellCompRequestCmd) {
		// Only a <Tab> needs it, so a plain run does not pay for it.
		cmdutil.NoFileCompletion(cmd)
	}
	return cmd
}

// groupFor is the group args[0] names, if any.
func groupFor(args []string) (group, bool) {
	if len(args) == 0 {
		return group{}, false
	}
	for _, g := range groups {
		for _, w := range g.words {
			if args[0] == w {
				return g, true
			}
		}
	}
	return group{}, false
}
