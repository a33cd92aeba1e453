// Package api implements `pamctl api`, a raw authenticated call for
// endpoints pamctl does not wrap yet.
package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	pamapi "github.com/pamctl/pamctl/pkg/api"
	"github.com/pamctl/pamctl/pkg/audit"
	"github.com/pamctl/pamctl/pkg/cmdutil"
	"github.com/pamctl/pamctl/pkg/iostreams"
	"github.com/pamctl/pamctl/pkg/output"
	"github.com/pamctl/pamctl/pkg/prompt"
	"github.com/pamctl/pamctl/pkg/text"
)

// APIOptions are the inputs of pamctl api.
type APIOptions struct {
	IO        *iostreams.IOStreams
	APIClient func() (*pamapi.Client, error)
	Prompter  func() prompt.Prompter
	// LookupEnv finds the audit journal (XDG_STATE_HOME, HOME).
	LookupEnv func(string) (string, bool)
	Now       func() time.Time
	// Output carries --jq and --template (nil: print the answer as it came).
	Output func() (output.Options, error)

	Path   string
	Method string
	Data   string
	Yes    bool
	Reason string
}

// NewCmdAPI builds the command; runF replaces the run in tests.
func NewCmdAPI(f *cmdutil.Factory, runF func(*APIOptions) error) *cobra.Command {
	opts := &APIOptions{IO: f.IOStreams, APIClient: f.APIClient, Prompter: f.Prompter, LookupEnv: f.LookupEnv, Now: f.Now, Output: f.OutputOptions}
	cmd := &cobra.Command{
		Use:   "api <path> [--method <method>] [--data <json>]",
		Short: "Make an authenticated call to the 12Port API",
		Long: `Call any endpoint under the site's /api with the configured token and print
the JSON answer on stdout. The path is relative to the site API base, with
or without the leading /api. Only GET requests are retried.

A method other than GET can change state (POST session/terminate/<id>
ends a session): on a terminal pamctl asks first; without a terminal it
needs --yes (else exit 6, nothing sent). Every such call is appended to
the audit journal, like a terminate, with the method, path, --reason and
the HTTP status.

A non-2xx answer prints the server's message on stderr and exits with the
code the status maps to (401/403: 3, 404: 4, else 1).`,
		Example: `  # who am I
  $ pamctl api /api/user/context

  # an endpoint pamctl does not wrap
  $ pamctl api "session/list?state=Active&limit=5" | jq '.items[].user'

  # the same, with the built-in jq
  $ pamctl api "session/list?state=Active&limit=5" --jq '.items[].user'`,
		Args:              cobra.ExactArgs(1),
		ValidArgsFunction: pathHints(f),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Path = args[0]
			opts.Method = strings.ToUpper(opts.Method)
			switch opts.Method {
			case http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete:
			default:
				return cmdutil.FlagErrorf("--method %q: want GET, POST, PUT, PATCH or DELETE", opts.Method)
			}
			if opts.Data != "" && !json.Valid([]byte(opts.Data)) {
				return cmdutil.FlagErrorf("--data is not valid JSON")
			}
			if err := checkPath(opts.Path); err != nil {
				return err
			}
			if opts.Method != http.MethodGet && !opts.Yes && !opts.IO.CanPrompt() {
				return cmdutil.Refusedf("refusing to send %s %s without confirmation: standard input and output are not a terminal, so pamctl cannot ask; pass --yes to confirm; nothing was sent", opts.Method, text.Safe(opts.Path))
			}
			if runF != nil {
				return runF(opts)
			}
			return apiRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVarP(&opts.Method, "method", "X", "GET", "HTTP `method`")
	cmd.Flags().StringVarP(&opts.Data, "data", "d", "", "JSON request `body`")
	cmd.Flags().BoolVarP(&opts.Yes, "yes", "y", false, "do not ask before a method other than GET (for scripts)")
	cmd.Flags().StringVar(&opts.Reason, "reason", "", "why, recorded in the audit journal with a method other than GET")
	return cmd
}

// pathHints completes the path with the contract's endpoints as this site
// spells them (its contract overlay's paths, else the modeled ones), cut
// before {id}: no network, and no shell metacharacter offered.
func pathHints(f *cmdutil.Factory) func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
	return func(_ *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
		if len(args) > 0 {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		client, _ := f.APIClient()
		var hints []string
		for _, ep := range pamapi.Endpoints() {
			p := ep.Path
			if client != nil {
				_, p = client.ServerPath(ep)
			}
			p, _, _ = strings.Cut(p, "{id}")
			if strings.HasPrefix(p, toComplete) && !slices.Contains(hints, p) {
				hints = append(hints, p)
			}
		}
		return hints, cobra.ShellCompDirectiveNoFileComp | cobra.ShellCompDirectiveNoSpace
	}
}

func apiRun(ctx context.Context, opts *APIOptions) error {
	var out output.Options
	if opts.Output != nil {
		o, err := opts.Output()
		if err != nil {
			return err
		}
		out = o
	}
	client, err := opts.APIClient()
	if err != nil {
		return err
	}
	path := opts.Path
	if !strings.HasPrefix(path, "/") {
		path = "/" + path
	}
	if !strings.HasPrefix(path, "/api/") && path != "/api" {
		path = "/api" + path
	}
	var body []byte
	if opts.Data != "" {
		body = []byte(opts.Data)
	}
	if opts.Method == http.MethodGet {
		data, err := client.Raw(ctx, opts.Method, path, body)
		if err != nil {
			return err
		}
		return output.PrintRawJSON(opts.IO.Out, out, data)
	}
	// A write: asked for, journaled before and after like a terminate.
	if !opts.Yes {
		ok, err := opts.Prompter().Confirm(fmt.Sprintf("Send %s %s to %s? It may change the site's state (a POST to session/terminate/<id> ends a session).", opts.Method, text.Safe(path), client.Server()), false)
		if err != nil {
			return err
		}
		if !ok {
			return &cmdutil.ExitError{Code: cmdutil.ExitCancelled, Message: "not confirmed; nothing was sent"}
		}
	}
	jpath, err := audit.Path(opts.LookupEnv)
	if err != nil {
		return fmt.Errorf("%w; nothing was sent", err)
	}
	journal, err := audit.OpenWith(jpath, audit.Options{LookupEnv: opts.LookupEnv})
	if err != nil {
		return fmt.Errorf("%w; nothing was sent", err)
	}
	journal.SetRedactor(opts.IO.Redactor())
	defer journal.Close()
	operator := ""
	if uc, err := client.UserContext(ctx); err == nil {
		operator = uc.User.Name
	}
	data, err := client.Raw(ctx, opts.Method, path, body)
	entry := audit.Entry{Time: opts.Now(), Operator: operator, Server: client.Server(), Contract: client.ContractDigest(), Method: opts.Method, Path: path, Reason: opts.Reason, Result: "sent"}
	var he *pamapi.HTTPError
	switch {
	case err == nil:
		entry.Result = "ok"
	case errors.As(err, &he):
		entry.Result, entry.Error = "refused", fmt.Sprintf("HTTP %d: %s", he.StatusCode, he.Message)
	default:
		entry.Result, entry.Error = "unknown", err.Error()
	}
	if jerr := journal.Append(entry); jerr != nil {
		fmt.Fprintf(opts.IO.ErrOut, "warning: could not write the audit journal: %v\n", jerr)
	}
	if err != nil {
		return err
	}
	// Indented in the server's own key order.
	return output.PrintRawJSON(opts.IO.Out, out, data)
}
