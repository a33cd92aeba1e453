// Package show implements `pamctl audit show`: every journal line about one
// session, in the order written.
package show

import (
	"github.com/spf13/cobra"

	"github.com/pamctl/pamctl/pkg/audit"
	"github.com/pamctl/pamctl/pkg/cmd/audit/shared"
	"github.com/pamctl/pamctl/pkg/cmdutil"
	"github.com/pamctl/pamctl/pkg/iostreams"
	"github.com/pamctl/pamctl/pkg/output"
)

// ShowOptions are the inputs of audit show.
type ShowOptions struct {
	IO        *iostreams.IOStreams
	Output    func() (output.Options, error)
	LookupEnv func(string) (string, bool)
	// Dir resolves relative paths (--journal): cmdutil.InDir.
	Dir string

	Session string
	Journal string
}

// NewCmdShow builds the command; runF replaces the run in tests.
func NewCmdShow(f *cmdutil.Factory, runF func(*ShowOptions) error) *cobra.Command {
	opts := &ShowOptions{IO: f.IOStreams, Output: f.OutputOptions, LookupEnv: f.LookupEnv, Dir: f.Dir}
	cmd := &cobra.Command{
		Use:   "show <session-id> [--journal <path>]",
		Short: "Show every journal line about one session",
		Long: `Show every line of the audit journal about one session, oldest first:
each run that acted on it (a failed attempt, then the one that terminated
it, say), with who ran it, why, and what came back. The session ID matches
ignoring ASCII case. A session the journal never mentions is exit 4.`,
		Example: `  $ pamctl audit show 11111111-1111-4111-8111-000000000001
  $ pamctl audit show 11111111-1111-4111-8111-000000000001 -o json`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Session = args[0]
			if opts.Session == "" {
				return cmdutil.FlagErrorf("the session ID is empty")
			}
			if runF != nil {
				return runF(opts)
			}
			return showRun(opts)
		},
	}
	shared.AddJournalFlag(cmd, &opts.Journal)
	return cmd
}

func showRun(opts *ShowOptions) error {
	o, err := opts.Output()
	if err != nil {
		return err
	}
	path, name, err := shared.JournalPath(opts.Dir, opts.Journal, opts.LookupEnv)
	if err != nil {
		return err
	}
	f := shared.Filter{Session: opts.Session}
	rows := []shared.Row{}
	err = audit.ScanLines(path, func(l *audit.Line) error {
		if l.OK && f.Match(&l.Entry) {
			rows = append(rows, shared.NewRow(l.Entry))
		}
		return nil
	})
	if err != nil {
		return shared.ReadError(name, err)
	}
	if len(rows) == 0 {
		return cmdutil.NotFoundf("the audit journal %s has no line about session %s", name, opts.Session)
	}
	return output.PrintList(opts.IO.Out, o, rows, shared.Columns())
}
