package root

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/pamctl/pamctl/pkg/cmdutil"
	"github.com/pamctl/pamctl/pkg/text"
)

// ExitCodesHelp is `pamctl help exit-codes`: the table of
// cmdutil.ExitCodeTable, wrapped for a terminal. docs/exit-codes.md is
// generated from it.
func ExitCodesHelp() string {
	var b strings.Builder
	b.WriteString("pamctl exits with a code a runbook can act on:\n\n")
	for _, e := range cmdutil.ExitCodeTable() {
		lines := text.Wrap(e.Meaning, 80-7)
		fmt.Fprintf(&b, "  %-4d %s\n", e.Code, lines[0])
		for _, l := range lines[1:] {
			b.WriteString("       " + l + "\n")
		}
	}
	b.WriteString("\nErrors are one line on stderr; stdout carries only data, so\n" +
		"'pamctl ... -o json | jq' parses even when a command fails.")
	return b.String()
}

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
