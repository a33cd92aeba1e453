// Package doctor implements `pamctl doctor`: is this server what pamctl
// expects? It checks the connection (URL, DNS, TCP, TLS), the token and
// what its roles allow, the clock, every modeled read endpoint's live
// answer, and the server's own OpenAPI document against the contract of
// pkg/api/contract.go, and says for each difference what to change there;
// --propose-contract (propose.go) writes the contract overlay that maps it.
// It only ever sends GET requests.
package doctor

import (
	"context"
	"fmt"
	"net"

	"github.com/spf13/cobra"

	"github.com/pamctl/pamctl/pkg/api"
	"github.com/pamctl/pamctl/pkg/build"
	"github.com/pamctl/pamctl/pkg/clock"
	"github.com/pamctl/pamctl/pkg/cmdutil"
	"github.com/pamctl/pamctl/pkg/config"
	"github.com/pamctl/pamctl/pkg/iostreams"
	"github.com/pamctl/pamctl/pkg/output"
	"github.com/pamctl/pamctl/pkg/prompt"
	"github.com/pamctl/pamctl/pkg/text"
)

// DoctorOptions are the inputs of pamctl doctor.
type DoctorOptions struct {
	IO        *iostreams.IOStreams
	Settings  func() (*config.Settings, error)
	APIClient func() (*api.Client, error)
	// NewClient builds a client without a token, so the connection and
	// the OpenAPI document are still checked when none is configured.
	NewClient func(s *config.Settings, token string) (*api.Client, error)
	Output    func() (output.Options, error)
	Clock     clock.Clock
	Resolver  resolver
	Dialer    dialer
	ReadFile  func(string) ([]byte, error)
	Version   string

	// Config and Prompter serve --write.
	Config   func() (*config.Config, error)
	Prompter func() prompt.Prompter

	// OpenAPI is --openapi: a file or URL of the server's OpenAPI document.
	OpenAPI string
	// Propose is --propose-contract; Write and Yes are --write and --yes.
	Propose, Write, Yes bool
}

type resolver interface {
	LookupHost(ctx context.Context, host string) ([]string, error)
}

type dialer interface {
	DialContext(ctx context.Context, network, addr string) (net.Conn, error)
}

// Status of a check.
const (
	StatusOK   = "ok"
	StatusWarn = "warn"
	StatusFail = "fail"
)

// Check is one line of the report.
type Check struct {
	Name   string `json:"name"`
	Status string `json:"status"`
	Detail string `json:"detail"`
	// Fix says what to do; empty when there is nothing to do.
	Fix string `json:"fix"`
}

// Report is what doctor prints; with -o json it is the bug report to send
// the maintainers, a stable schema.
type Report struct {
	Server        string `json:"server"`
	PamctlVersion string `json:"pamctlVersion"`
	// Contract is the digest of the contract overlay in use ("" for none).
	Contract string  `json:"contract,omitempty"`
	Checks   []Check `json:"checks"`
}

// NewCmdDoctor builds the command; runF replaces the run in tests.
func NewCmdDoctor(f *cmdutil.Factory, runF func(*DoctorOptions) error) *cobra.Command {
	opts := &DoctorOptions{
		IO: f.IOStreams, Settings: f.Settings, APIClient: f.APIClient, NewClient: f.NewClient,
		Output: f.OutputOptions, Clock: f.Clock, Resolver: net.DefaultResolver, Dialer: &net.Dialer{},
		ReadFile: func(p string) ([]byte, error) { return cmdutil.ReadFile(f.Dir, p) }, Version: build.Get().Version, Config: f.Config, Prompter: f.Prompter,
	}
	cmd := &cobra.Command{
		Use:   "doctor [--openapi <file|url>] [--propose-contract [--write [--yes]]]",
		Short: "Check that the server is what pamctl expects",
		Long: `Check, in order, each with ok, warn or fail, a one-line detail and what to do:

  - the server URL's shape, DNS, TCP, and TLS (chain, host name, expiry
    within 30 days is a warning; http:// to a TLS port and https:// to a
    plain-HTTP port are recognised);
  - the token (GET /api/user/context), its user and site roles, and what
    they allow (the site-wide reports, terminate);
  - clock skew against the server's Date header (over 60 s is a warning);
  - each modeled read endpoint: does it answer, is the paging envelope as
    modeled, are the fields pamctl reads there with the right JSON types,
    are timestamps RFC 3339 or epoch milliseconds;
  - the server's own OpenAPI document, found at a few guessed locations or
    given with --openapi, compared operation by operation with the modeled
    contract (paths, methods, query parameters, answer fields). Not finding
    one is a warning: 12Port does not document where it is served.

Only the base URL, the Bearer header and /api/user/context are documented
by 12Port; every other path and field is modeled in pkg/api/contract.go.
When a site's API differs, a contract overlay in the profile maps it
(docs/contract-overlay.md): doctor's probes go through the overlay in
use, the report names its digest, and the server's document is compared
with it.

--propose-contract prints, as YAML, the overlay the server's OpenAPI
document implies (found, or given with --openapi): only what differs from
the model, each mapping with its evidence as a comment, and each modeled
item it could not map. Without a document it proposes what the read
endpoints' answers show. --write saves it into the profile after showing
it: it asks on a terminal, and needs --yes elsewhere. A proposal that
leaves something a command needs unmapped exits 2 and writes nothing.

The table fits 100 columns: each check's detail, and what to do on a line
of its own beneath it; -o wide prints a row per check with a FIX column.

doctor only sends GET requests: it never terminates anything. With -o json
the report is a bug report to send the maintainers:
{"server", "pamctlVersion", "checks": [{"name", "status", "detail", "fix"}]}.

Exits 0 when nothing failed (warnings allowed), 3 when the server refuses
the token (or none is configured), 1 otherwise.`,
		Example: `  # first contact with a server
  $ pamctl auth login
  $ pamctl doctor

  # compare with an OpenAPI document your 12Port administrator gave you
  $ pamctl doctor --openapi ./12port-openapi.json
  $ pamctl doctor --openapi https://pam.example.com:6443/ztna/v3/api-docs

  # a report for the maintainers
  $ pamctl doctor -o json > doctor.json

  # the server's API differs: map it
  $ pamctl doctor --propose-contract
  $ pamctl doctor --propose-contract --write`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if opts.Write && !opts.Propose {
				return cmdutil.FlagErrorf("--write saves a proposal: add --propose-contract")
			}
			if opts.Yes && !opts.Write {
				return cmdutil.FlagErrorf("--yes answers --write's question: add --write")
			}
			if runF != nil {
				return runF(opts)
			}
			if opts.Propose {
				return proposeRun(cmd.Context(), opts)
			}
			return doctorRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.OpenAPI, "openapi", "", "the server's OpenAPI document: a `file` or an http(s) URL")
	cmd.Flags().BoolVar(&opts.Propose, "propose-contract", false, "print the contract overlay the server's API implies (docs/contract-overlay.md)")
	cmd.Flags().BoolVar(&opts.Write, "write", false, "save the proposed overlay into the profile (asks first)")
	cmd.Flags().BoolVar(&opts.Yes, "yes", false, "write without asking (needed for --write without a terminal)")
	return cmd
}

func doctorRun(ctx context.Context, opts *DoctorOptions) error {
	s, err := opts.Settings()
	if err != nil {
		return err
	}
	out, err := opts.Output()
	if err != nil {
		return err
	}
	d := &doctor{opts: opts, s: s, report: Report{Server: s.Server, PamctlVersion: opts.Version, Checks: []Check{}}}
	d.run(ctx)
	if err := ctx.Err(); err != nil {
		return err // Ctrl-C: at once, without a partial report
	}
	if d.client != nil {
		d.report.Contract = d.client.ContractDigest()
	}
	if err := d.print(out); err != nil {
		return err
	}
	if d.refused != nil {
		return d.refused
	}
	return d.verdict()
}

// doctor holds one run: the settings, the client and what was found.
type doctor struct {
	opts   *DoctorOptions
	s      *config.Settings
	report Report
	client *api.Client
	// tokenRefused is set when the server refused the token, or none is
	// configured: exit 3.
	tokenRefused bool
	// userContext is the token check's answer, judged with the endpoints.
	userContext *api.Answer
	// refused is the profile's contract overlay refused when loaded.
	refused error
}

func (d *doctor) add(name, status, detail, fix string) {
	d.report.Checks = append(d.report.Checks, Check{Name: name, Status: status, Detail: detail, Fix: fix})
}

func (d *doctor) ok(name, detail string)        { d.add(name, StatusOK, detail, "") }
func (d *doctor) warn(name, detail, fix string) { d.add(name, StatusWarn, detail, fix) }
func (d *doctor) fail(name, detail, fix string) { d.add(name, StatusFail, detail, fix) }

// run performs the checks in order; a check the later ones cannot do
// without (the URL, DNS, TCP, TLS) ends the run when it fails.
func (d *doctor) run(ctx context.Context) {
	u := d.checkURL()
	if u == nil {
		return
	}
	if !d.checkDNS(ctx, u) {
		return
	}
	conn := d.checkTCP(ctx, u)
	if conn == nil {
		return
	}
	if !d.newClient() {
		_ = conn.Close()
		return
	}
	if !d.checkTLS(ctx, u, conn) {
		return
	}
	uc := d.checkToken(ctx)
	if uc != nil {
		d.checkPermissions(uc)
		d.checkEndpoints(ctx, uc)
	}
	d.checkOpenAPI(ctx)
}

func (d *doctor) print(out output.Options) error {
	switch {
	case out.Format.IsStructured():
		return output.PrintObject(d.opts.IO.Out, out, d.report, nil)
	case out.Format != output.Wide:
		return printTable(d.opts.IO.Out, d.report.Checks, out.NoHeaders)
	}
	return output.PrintList(d.opts.IO.Out, out, d.report.Checks, []output.Column[Check]{
		{Header: "CHECK", Value: func(c Check) any { return c.Name }},
		{Header: "STATUS", Value: func(c Check) any { return c.Status }},
		{Header: "DETAIL", Value: func(c Check) any { return c.Detail }},
		{Header: "FIX", Value: func(c Check) any { return c.Fix }},
	})
}

// verdict is the exit: 3 for a refused token, 1 for any failed check.
func (d *doctor) verdict() error {
	fails, warns := 0, 0
	for _, c := range d.report.Checks {
		switch c.Status {
		case StatusFail:
			fails++
		case StatusWarn:
			warns++
		}
	}
	summary := text.Plural(fails, "check") + " failed, " + text.Plural(warns, "warning")
	switch {
	case d.tokenRefused && d.s.Token == "":
		return &cmdutil.ExitError{Code: cmdutil.ExitAuth, Message: "doctor: no API token configured (" + summary + "); run `pamctl auth login` or set PAMCTL_TOKEN"}
	case d.tokenRefused:
		return &cmdutil.ExitError{Code: cmdutil.ExitAuth, Message: "doctor: the server refused the token (" + summary + "); see the token row"}
	case fails > 0:
		return &cmdutil.ExitError{Code: cmdutil.ExitFailure, Message: "doctor: " + summary + "; follow each fix, or share `pamctl doctor -o json`"}
	}
	fmt.Fprintf(d.opts.IO.ErrOut, "doctor: %s passed, %s\n", text.Plural(len(d.report.Checks)-warns, "check"), text.Plural(warns, "warning"))
	return nil
}
