package root

import (
	"github.com/spf13/cobra"
)

// ExitCodesHelp is the exit code table of spec/CLI.md; docs/exit-codes.md
// says the same for readers of the repository.
const ExitCodesHelp = `pamctl exits with a code a runbook can act on:

  0    success (includes "already completed" and "nothing matched a selector")
  1    error: network, server, unexpected response
  2    usage error: unknown flag, bad value, missing argument
  3    authentication or permission failure (401/403), no credentials configured
  4    not found: session or asset
  5    partial failure: some sessions of a bulk terminate failed
  6    refused for safety: no terminal and no --yes, or more sessions than --max
  7    terminated but not verified: still Active, or no event, after the wait
  8    a wait (or --hold) condition not reached before --timeout
  130  cancelled: the operator answered No, or pressed Ctrl-C

Errors are one line on stderr; stdout carries only data, so
'pamctl ... -o json | jq' parses even when a command fails.`

// EnvironmentHelp lists the environment variables.
const EnvironmentHelp = `Every connection flag has an environment variable. Precedence:
flag > environment > profile in the config file > default.

  PAMCTL_SERVER        the site's API base: https://host:6443/ztna/<tenant>/<site>
  PAMCTL_TOKEN         API token (wins over the stored one; never printed)
  PAMCTL_PROFILE       named profile from the config file
  PAMCTL_CONFIG        config file (default $XDG_CONFIG_HOME/pamctl/config.yaml)
  PAMCTL_CA_FILE       extra PEM CA bundle for the server's certificate
  PAMCTL_INSECURE_SKIP_TLS_VERIFY
                       1 to skip certificate checks (warned on every use)
  PAMCTL_TIMEOUT       per-request timeout, e.g. 30s (default 30s)
  PAMCTL_DEBUG         1 to log HTTP requests and responses on stderr, redacted
  PAMCTL_OUTPUT        table, wide, json, yaml or csv
  PAMCTL_TOKEN_STORE   keyring or file: where auth login stores the token
  NO_COLOR             no ANSI colour
  XDG_CONFIG_HOME      base of the config file and credentials.yaml
  XDG_STATE_HOME       base of the audit journal pamctl/audit.jsonl

Plain http:// is refused for any host but loopback.`

// newHelpTopic makes a non-runnable command that cobra lists under
// "Additional help topics" and prints with 'pamctl help <topic>'.
func newHelpTopic(name, short, long string) *cobra.Command {
	return &cobra.Command{
		Use:         name,
		Short:       short,
		Long:        long,
		Annotations: map[string]string{"helpTopic": "true"},
	}
}
