// Package verify implements `pamctl audit verify`: the journal's hash
// chain checked line by line.
package verify

import (
	"fmt"
	"sort"
	"strings"

	"github.com/spf13/cobra"

	"github.com/pamctl/pamctl/pkg/audit"
	"github.com/pamctl/pamctl/pkg/cmd/audit/shared"
	"github.com/pamctl/pamctl/pkg/cmdutil"
	"github.com/pamctl/pamctl/pkg/iostreams"
	"github.com/pamctl/pamctl/pkg/output"
	"github.com/pamctl/pamctl/pkg/text"
)

// VerifyOptions are the inputs of audit verify.
type VerifyOptions struct {
	IO        *iostreams.IOStreams
	Output    func() (output.Options, error)
	LookupEnv func(string) (string, bool)
	// Dir resolves relative paths (--journal, --proof): cmdutil.InDir.
	Dir string

	Journal string
	// Proof is an evidence bundle (or its journal-proof.json) whose
	// journal lines must still be in the journal, unaltered.
	Proof string
}

// NewCmdVerify builds the command; runF replaces the run in tests.
func NewCmdVerify(f *cmdutil.Factory, runF func(*VerifyOptions) error) *cobra.Command {
	opts := &VerifyOptions{IO: f.IOStreams, Output: f.OutputOptions, LookupEnv: f.LookupEnv, Dir: f.Dir}
	cmd := &cobra.Command{
		Use:   "verify [--journal <path>]",
		Short: "Check the audit journal's hash chain",
		Long: `Read the whole audit journal (its rotated files too, oldest first) and
check its hash chain: each line carries its number (seq) and the SHA-256 of
the line before it (prev). Every line that is not as pamctl wrote it is
named by file and line number:

  edited     its hash is not what the next line says it was
  removed    lines missing (a gap in seq), named at the line after the gap
  reordered  a line out of its place in the chain
  inserted   a line the chain does not account for (a second copy of a
             seq, a line without chain fields after the chain began)
  torn       not a whole JSON line (a crash mid-write, or text added)

Lines written by a pamctl older than the chain, before its first line
(the anchor), are counted as unchained, not reported. The newest line is
protected only once a later line names it: the summary prints the chain's
head (seq and hash) to keep elsewhere, and a signed export carries it.

Exit 0 and a one-line summary when nothing is found; otherwise every
finding, and exit 1. -o json prints the whole report.

--proof BUNDLE (a bundle directory from sessions export, or its
journal-proof.json) also checks that every journal line in the bundle is
still in this journal, unaltered: the line with the same seq has the same
hash.`,
		Example: `  $ pamctl audit verify
  $ pamctl audit verify --journal ./alice-audit.jsonl -o json
  $ pamctl audit verify --proof INC-4312/`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(opts)
			}
			return verifyRun(opts)
		},
	}
	shared.AddJournalFlag(cmd, &opts.Journal)
	cmd.Flags().StringVar(&opts.Proof, "proof", "", "also check that the journal lines of this evidence `bundle` (a directory, or its journal-proof.json) are in the journal, unaltered")
	return cmd
}

func verifyRun(opts *VerifyOptions) error {
	o, err := opts.Output()
	if err != nil {
		return err
	}
	path, name, err := shared.JournalPath(opts.Dir, opts.Journal, opts.LookupEnv)
	if err != nil {
		return err
	}
	var pf *proofFile
	if opts.Proof != "" {
		if pf, err = readProof(opts.Dir, opts.Proof); err != nil {
			return err
		}
	}
	rep, err := audit.Verify(path)
	if err != nil {
		return shared.ReadError(name, err)
	}
	for i := range rep.Files {
		rep.Files[i] = shared.Shown(path, name, rep.Files[i])
	}
	for i := range rep.Findings {
		rep.Findings[i].File = shared.Shown(path, name, rep.Findings[i].File)
		rep.Findings[i].Detail = shared.Shown(path, name, rep.Findings[i].Detail)
	}
	switch {
	case o.JQ != "" || o.Template != "" || o.Format == output.JSON || o.Format == output.YAML:
		err = output.PrintObject(opts.IO.Out, o, rep, nil)
	case o.Format == output.CSV || o.Format == output.NDJSON:
		err = output.PrintList(opts.IO.Out, o, rep.Findings, columns())
	default:
		for _, f := range rep.Findings {
			fmt.Fprintln(opts.IO.Out, text.Safe(f.String()))
		}
		if rep.More > 0 {
			fmt.Fprintf(opts.IO.Out, "... and %d more\n", rep.More)
		}
		if rep.OK() {
			fmt.Fprintln(opts.IO.Out, summary(name, rep))
		}
	}
	if err != nil {
		return err
	}
	if pf != nil {
		bad, err := checkProof(opts.IO.ErrOut, path, pf, func(file string) string { return shared.Shown(path, name, file) })
		if err != nil {
			return shared.ReadError(name, err)
		}
		if bad > 0 {
			return &cmdutil.ExitError{Code: cmdutil.ExitFailure, Message: fmt.Sprintf("%d of the %d journal lines of %s are not in %s as they were exported", bad, len(pf.Lines), opts.Proof, name)}
		}
		fmt.Fprintf(opts.IO.ErrOut, "proof: the %d journal lines of %s are in the journal, unaltered\n", len(pf.Lines), opts.Proof)
	}
	if rep.OK() {
		return nil
	}
	return &cmdutil.ExitError{Code: cmdutil.ExitFailure, Message: fmt.Sprintf("the audit journal %s has %s: it is not as pamctl wrote it", name, counts(rep))}
}

func columns() []output.Column[audit.Finding] {
	return []output.Column[audit.Finding]{
		{Header: "FILE", Value: func(f audit.Finding) any { return f.File }},
		{Header: "LINE", Value: func(f audit.Finding) any { return f.Line }},
		{Header: "KIND", Value: func(f audit.Finding) any { return f.Kind }},
		{Header: "DETAIL", Value: func(f audit.Finding) any { return f.Detail }},
	}
}

// summary is the one line of an intact journal.
func summary(path string, rep *audit.Report) string {
	s := fmt.Sprintf("%s: %s in %s, chain intact", path, text.Plural(rep.Lines, "line"), text.Plural(len(rep.Files), "file"))
	if rep.Chained > 0 {
		s += fmt.Sprintf(" (seq up to %d, head %s)", rep.LastSeq, rep.LastHash)
	}
	if rep.Unchained > 0 {
		s += fmt.Sprintf("; %s written before the chain began", text.Plural(rep.Unchained, "unchained line"))
	}
	return s
}

// counts words the findings: "2 edited lines, 1 torn line".
func counts(rep *audit.Report) string {
	n := map[string]int{}
	for _, f := range rep.Findings {
		n[f.Kind]++
	}
	kinds := make([]string, 0, len(n))
	for k := range n {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	parts := make([]string, 0, len(kinds)+1)
	for _, k := range kinds {
		word := "lines"
		if n[k] == 1 {
			word = "line"
		}
		parts = append(parts, fmt.Sprintf("%d %s %s", n[k], k, word))
	}
	if rep.More > 0 {
		parts = append(parts, fmt.Sprintf("%d more", rep.More))
	}
	return strings.Join(parts, ", ")
}
