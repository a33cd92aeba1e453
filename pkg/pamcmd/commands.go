package pamcmd

import (
	"github.com/spf13/cobra"

	apicmd "github.com/pamctl/pamctl/pkg/cmd/api"
	"github.com/pamctl/pamctl/pkg/cmd/assets"
	"github.com/pamctl/pamctl/pkg/cmd/auth"
	"github.com/pamctl/pamctl/pkg/cmd/completion"
	"github.com/pamctl/pamctl/pkg/cmd/doctor"
	"github.com/pamctl/pamctl/pkg/cmd/events"
	"github.com/pamctl/pamctl/pkg/cmd/root"
	"github.com/pamctl/pamctl/pkg/cmd/sessions"
	"github.com/pamctl/pamctl/pkg/cmd/version"
	"github.com/pamctl/pamctl/pkg/cmdutil"
)

// newRoot lists the command groups. Adding a noun is one line here.
func newRoot(f *cmdutil.Factory, ver string) *cobra.Command {
	return root.NewCmdRoot(f, ver, root.Subcommands{
		auth.NewCmdAuth,
		sessions.NewCmdSessions,
		assets.NewCmdAssets,
		events.NewCmdEvents,
		func(f *cmdutil.Factory) *cobra.Command { return apicmd.NewCmdAPI(f, nil) },
		func(f *cmdutil.Factory) *cobra.Command { return doctor.NewCmdDoctor(f, nil) },
		completion.NewCmdCompletion,
		version.NewCmdVersion,
	})
}
