// Package api implements `pamctl api`, a raw authenticated call for
// endpoints pamctl does not wrap yet.
package api

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"

	"github.com/spf13/cobra"

	pamapi "github.com/pamctl/pamctl/pkg/api"
	"github.com/pamctl/pamctl/pkg/cmdutil"
	"github.com/pamctl/pamctl/pkg/iostreams"
	"github.com/pamctl/pamctl/pkg/output"
)

// APIOptions are the inputs of pamctl api.
type APIOptions struct {
	IO        *iostreams.IOStreams
	APIClient func() (*pamapi.Client, error)

	Path   string
	Method string
	Data   string
}

// NewCmdAPI builds the command; runF replaces the run in tests.
func NewCmdAPI(f *cmdutil.Factory, runF func(*APIOptions) error) *cobra.Command {
	opts := &APIOptions{IO: f.IOStreams, APIClient: f.APIClient}
	cmd := &cobra.Command{
		Use:   "api <path> [--method <method>] [--data <json>]",
		Short: "Make an authenticated call to the 12Port API",
		Long: `Call any endpoint under the site's /api with the configured token and print
the JSON answer on stdout. The path is relative to the site API base, with
or without the leading /api. Only GET requests are retried.

A non-2xx answer prints the server's message on stderr and exits with the
code the status maps to (401/403: 3, 404: 4, else 1).`,
		Example: `  # who am I
  $ pamctl api /api/user/context

  # an endpoint pamctl does not wrap
  $ pamctl api "session/list?state=Active&limit=5" | jq '.items[].user'`,
		Args: cobra.ExactArgs(1),
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
			if strings.Contains(opts.Path, "..") || strings.Contains(opts.Path, "://") {
				return cmdutil.FlagErrorf("path %q: give a path under the site's /api, such as /api/user/context", opts.Path)
			}
			if runF != nil {
				return runF(opts)
			}
			return apiRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVarP(&opts.Method, "method", "X", "GET", "HTTP `method`")
	cmd.Flags().StringVarP(&opts.Data, "data", "d", "", "JSON request `body`")
	return cmd
}

func apiRun(ctx context.Context, opts *APIOptions) error {
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
	data, err := client.Raw(ctx, opts.Method, path, body)
	if err != nil {
		return err
	}
	// Indented in the server's own key order.
	return output.WriteRawJSON(opts.IO.Out, data)
}
