// Package completion implements `pamctl completion`.
package completion

import (
	"github.com/spf13/cobra"

	"github.com/pamctl/pamctl/pkg/cmdutil"
)

// NewCmdCompletion builds `pamctl completion <shell>`. It needs no config.
func NewCmdCompletion(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "completion <bash|zsh|fish|powershell>",
		Short: "Print a shell completion script",
		Long: `Print the completion script for a shell. Completion also offers asset names
for --asset and active session IDs for sessions get and terminate, using the
configured server; without credentials it offers nothing, silently.`,
		Example: `  # bash, current shell
  $ source <(pamctl completion bash)

  # zsh, permanently
  $ pamctl completion zsh > "${fpath[1]}/_pamctl"

  # fish
  $ pamctl completion fish > ~/.config/fish/completions/pamctl.fish`,
		ValidArgs: []string{"bash", "zsh", "fish", "powershell"},
		Args:      cobra.MatchAll(cobra.ExactArgs(1), cobra.OnlyValidArgs),
		RunE: func(cmd *cobra.Command, args []string) error {
			out := f.IOStreams.Out
			root := cmd.Root()
			switch args[0] {
			case "bash":
				return root.GenBashCompletionV2(out, true)
			case "zsh":
				return root.GenZshCompletion(out)
			case "fish":
				return root.GenFishCompletion(out, true)
			default:
				return root.GenPowerShellCompletionWithDesc(out)
			}
		},
	}
	return cmd
}
