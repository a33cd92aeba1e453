// Package audit groups the audit journal verbs: list, show and verify.
package audit

import (
	"github.com/spf13/cobra"

	"github.com/pamctl/pamctl/pkg/cmd/audit/list"
	"github.com/pamctl/pamctl/pkg/cmd/audit/show"
	"github.com/pamctl/pamctl/pkg/cmd/audit/verify"
	"github.com/pamctl/pamctl/pkg/cmdutil"
)

// NewCmdAudit is `pamctl audit`.
func NewCmdAudit(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "audit <command>",
		Short: "Read and check the local audit journal",
		Long: `The audit journal is pamctl's own record of what it did: one JSON line
per session a terminate run acted on (and per state-changing api call), in
$XDG_STATE_HOME/pamctl/audit.jsonl (~/.local/state/pamctl/audit.jsonl). The
lines form a hash chain, so a line edited, removed, reordered, inserted or
torn afterwards shows (audit verify). The journal rotates at
PAMCTL_AUDIT_MAX_SIZE (default 64MiB) into audit.000001.jsonl, ...; every
verb reads across the rotated files. --journal PATH reads another journal,
a colleague's copy for instance. docs/journal.md describes the format.`,
		Example: `  $ pamctl audit list --reason INC-4312
  $ pamctl audit show 11111111-1111-4111-8111-000000000001
  $ pamctl audit verify`,
		Args: cobra.NoArgs,
		RunE: cmdutil.ShowHelp,
	}
	cmd.AddCommand(list.NewCmdList(f, nil), show.NewCmdShow(f, nil), verify.NewCmdVerify(f, nil))
	return cmd
}
