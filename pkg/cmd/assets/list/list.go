// Package list implements `pamctl assets list`: the site's assets, to find
// the name or ID that --asset takes.
package list

import (
	"context"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/pamctl/pamctl/pkg/api"
	"github.com/pamctl/pamctl/pkg/cmdutil"
	"github.com/pamctl/pamctl/pkg/iostreams"
	"github.com/pamctl/pamctl/pkg/output"
	"github.com/pamctl/pamctl/pkg/text"
)

// ListOptions are the inputs of assets list.
type ListOptions struct {
	IO        *iostreams.IOStreams
	APIClient func() (*api.Client, error)
	Output    func() (output.Options, error)

	Name  string // substring of the name, case-insensitive; empty for all
	Limit int    // 0: all
}

// Columns are the asset list's columns: NAME, ID, TYPE, and PARENT ID with
// -o wide and in csv. assets get prints the same fields.
func Columns() []output.Column[api.Asset] {
	return []output.Column[api.Asset]{
		{Header: "NAME", Value: func(a api.Asset) any { return a.Name }},
		{Header: "ID", Value: func(a api.Asset) any { return a.ID }},
		{Header: "TYPE", Value: func(a api.Asset) any { return a.Type }},
		{Header: "PARENT ID", Wide: true, Value: func(a api.Asset) any { return a.ParentID }},
	}
}

// NewCmdList builds the command; runF replaces the run in tests.
func NewCmdList(f *cmdutil.Factory, runF func(*ListOptions) error) *cobra.Command {
	opts := &ListOptions{IO: f.IOStreams, APIClient: f.APIClient, Output: f.OutputOptions}
	cmd := &cobra.Command{
		Use:     "list [--name <text>] [--limit <n>]",
		Aliases: []string{"ls"},
		Short:   "List the assets you can see",
		Long: `List the site's assets that the token's user can see, sorted by name: NAME,
ID and TYPE, and with -o wide the PARENT ID. --name keeps the assets whose
name contains the text, case-insensitive.

Use it to find the name or ID that 'sessions list --asset' and 'sessions
terminate --asset' take: a name that matches several assets must be given
as an ID.`,
		Example: `  # every asset whose name contains db-prod
  $ pamctl assets list --name db-prod

  # IDs only, for a script
  $ pamctl assets list -o csv --no-headers | cut -d, -f2`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if opts.Limit < 0 {
				return cmdutil.FlagErrorf("--limit %d: want 0 (everything) or more", opts.Limit)
			}
			if runF != nil {
				return runF(opts)
			}
			return listRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.Name, "name", "", "only assets whose name contains `text` (case-insensitive)")
	cmd.Flags().IntVar(&opts.Limit, "limit", 0, "show at most `N` assets (0: all)")
	_ = cmd.RegisterFlagCompletionFunc("name", cobra.NoFileCompletions)
	_ = cmd.RegisterFlagCompletionFunc("limit", cobra.NoFileCompletions)
	return cmd
}

func listRun(ctx context.Context, opts *ListOptions) error {
	out, err := opts.Output()
	if err != nil {
		return err
	}
	client, err := opts.APIClient()
	if err != nil {
		return err
	}
	assets, err := client.ListAssets(ctx, strings.TrimSpace(opts.Name), opts.Limit)
	if err != nil {
		return err
	}
	human := out.Format == output.Table || out.Format == output.Wide || out.Format == ""
	if len(assets) == 0 && human {
		if opts.Name != "" {
			fmt.Fprintf(opts.IO.ErrOut, "No assets whose name contains %q\n", text.Safe(opts.Name))
		} else {
			fmt.Fprintln(opts.IO.ErrOut, "No assets")
		}
		return nil
	}
	if err := output.PrintList(opts.IO.Out, out, assets, Columns()); err != nil {
		return err
	}
	if human && out.TTY {
		noun := "assets"
		if len(assets) == 1 {
			noun = "asset"
		}
		fmt.Fprintf(opts.IO.ErrOut, "%d %s\n", len(assets), noun)
	}
	return nil
}
