package root

import (
	"github.com/spf13/cobra"
)

// ExitCodesHelp is the exit code table; docs/exit-codes.md (generated from it)
// says the same for readers of the repository.
const ExitCodesHelp = `pamctl exits with a code a runbook can act on:

  0    success; for a terminate: contained (every session it targeted is no
       longer Active, verified, and no session matching the selector is
       Active at the end); includes "already completed" and "nothing matched"
  1    error: network, server, unexpected response (an answer that breaks
       the contract is this, never "nothing matched")
  2    usage error: unknown flag, bad value, missing argument
  3    authentication or permission failure (401/403), no credentials
       configured; for a terminate, only when every send was refused for
       permission
  4    not found: session or asset
  5    not contained: sessions the run targeted or matched are still Active
       (failed, native-only, not permitted, new since the preview), however
       they were named (one ID, several, or a selector), or part of a site
       could not be searched, or a site of a fan-out could not be used
  6    refused for safety: no terminal and no --yes, or more sessions than --max
  7    sent but not verified: the outcome is unknown, or the session still
       reads Active or has no event after the wait
  8    a wait (or --hold) condition not reached before --timeout
  130  cancelled: the operator answered No, or pressed Ctrl-C

Errors are one line on stderr; stdout carries only data, so
'pamctl ... -o json | jq' parses even when a command fails.`

// EnvironmentHelp lists the environment variables.
const EnvironmentHelp = `Every connection flag has an environment variable. Precedence:
flag > environment > profile in the config file > default. A variable set
to the empty string counts as unset, except PAMCTL_TOKEN.

  PAMCTL_SERVER        the site's API base: https://host:6443/ztna/<tenant>/<site>
                       (a trailing / or /api, and the case of the scheme and
                       host, do not matter: the stored token is found)
  PAMCTL_TOKEN         API token (wins over the stored one; never printed);
                       set but empty is a usage error: unset it instead
  PAMCTL_PROFILE       named profile from the config file
  PAMCTL_CONFIG        config file (default $XDG_CONFIG_HOME/pamctl/config.yaml)
  PAMCTL_CA_FILE       extra PEM CA bundle for the server's certificate
  PAMCTL_INSECURE_SKIP_TLS_VERIFY
                       1 to skip certificate checks (warned on every use)
  PAMCTL_TIMEOUT       per-request timeout, e.g. 30s (default 30s)
  PAMCTL_DEBUG         1 to log HTTP requests and responses on stderr, redacted
  PAMCTL_OUTPUT        table, wide, json, yaml, csv or ndjson
  PAMCTL_TOKEN_STORE   keyring or file: where auth login stores the token
  PAMCTL_AUDIT_MAX_SIZE
                       size at which the audit journal rotates (default 64MiB)
  SSH_AUTH_SOCK        ssh-agent, for sessions export --sign with a key it holds
  NO_COLOR             no ANSI colour, in the prompts too (as --no-color)
  XDG_CONFIG_HOME      base of the config file and credentials.yaml
  XDG_STATE_HOME       base of the audit journal pamctl/audit.jsonl

Plain http:// is refused for any host but loopback. A key of the config
file that pamctl does not know is named on stderr, with the nearest known
one ("sever": did you mean "server"?).

With --profiles or --all-profiles (a fan-out over several sites) each site
uses its own profile's server and stored token: PAMCTL_SERVER, PAMCTL_TOKEN
and PAMCTL_PROFILE are not used (a note on stderr says so when the first two
are set), since they would point every site at one server or send one
site's token to all of them; --server, --token and --profile are refused.
The other variables and flags (PAMCTL_TIMEOUT, PAMCTL_CA_FILE, ...) apply
to every site.`

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
