package cmdutil

import (
	"context"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/pamctl/pamctl/pkg/api"
	"github.com/pamctl/pamctl/pkg/text"
)

// completionTimeout bounds the API calls one <Tab> may make: a slow or
// unreachable server must not freeze the shell.
const completionTimeout = 3 * time.Second

// completionLimit bounds the candidates fetched for one <Tab>.
const completionLimit = 500

// StateValues are the values of --state, in the order help shows them.
func StateValues() []string { return []string{"active", "completed", "all"} }

// ChannelValues are the documented channel values: web sessions first,
// then native-client sessions. Others may exist and are accepted as typed.
func ChannelValues() []string {
	return []string{"RDP", "SSH", "VNC", "Telnet", "RDPP", "SSHP:Shell", "SSHP:Exec", "SSHP:SFTP"}
}

// CompleteStates completes --state.
func CompleteStates(*cobra.Command, []string, string) ([]cobra.Completion, cobra.ShellCompDirective) {
	return StateValues(), cobra.ShellCompDirectiveNoFileComp
}

// CompleteChannels completes --channel with the documented values.
func CompleteChannels(_ *cobra.Command, _ []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
	var out []cobra.Completion
	for _, ch := range ChannelValues() {
		if hasPrefixFold(ch, toComplete) {
			out = append(out, ch)
		}
	}
	return out, cobra.ShellCompDirectiveNoFileComp
}

// CompleteAssetNames completes an asset name (--asset, or the argument of
// assets get) with the assets the token's user can see. Like every
// completion it never prompts, and offers nothing, silently, when no
// credentials are configured or the server does not answer in time.
func CompleteAssetNames(f *Factory) cobra.CompletionFunc {
	return func(cmd *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
		client, ctx, cancel, ok := completionClient(f, cmd)
		if !ok {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		defer cancel()
		assets, err := client.ListAssets(ctx, toComplete, completionLimit)
		if err != nil {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		var out []cobra.Completion
		for _, a := range assets {
			// A name with control characters could not be typed back
			// safely; the operator can use its ID.
			if !shellSafe(a.Name) || !hasPrefixFold(a.Name, toComplete) {
				continue
			}
			out = append(out, cobra.CompletionWithDesc(a.Name, a.Type))
		}
		return out, cobra.ShellCompDirectiveNoFileComp
	}
}

// CompleteActiveSessionIDs completes session ID arguments with the IDs of
// active sessions, described as "asset user" (sessions get, terminate).
// When the command has --asset or --user set, only matching sessions are
// offered; IDs already on the command line are left out. An Asset Manager
// without --asset gets nothing (the site-wide report is not theirs to
// read). It never prompts and fails silently.
func CompleteActiveSessionIDs(f *Factory) cobra.CompletionFunc {
	return completeSessionIDs(f, func(*api.Session) bool { return true })
}

// CompleteTerminableSessionIDs is CompleteActiveSessionIDs for sessions
// terminate: only the sessions it could terminate are offered, not those
// with native-client channels only (api.IsTerminable).
func CompleteTerminableSessionIDs(f *Factory) cobra.CompletionFunc {
	return completeSessionIDs(f, api.IsTerminable)
}

func completeSessionIDs(f *Factory, keep func(*api.Session) bool) cobra.CompletionFunc {
	return func(cmd *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
		client, ctx, cancel, ok := completionClient(f, cmd)
		if !ok {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		defer cancel()
		p := api.ListSessionsParams{State: api.StateActive, Limit: completionLimit}
		if ref := flagValue(cmd, "asset"); ref != "" {
			a, err := ResolveAsset(ctx, client, ref)
			if err != nil {
				return nil, cobra.ShellCompDirectiveNoFileComp
			}
			p.AssetID = a.ID
		}
		p.User = flagValue(cmd, "user")
		p.Channel = flagValue(cmd, "channel")
		sessions, err := client.ListSessions(ctx, p)
		if err != nil {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		var out []cobra.Completion
		for _, s := range sessions {
			// The server's state filter is not trusted: only an Active
			// session is offered (docs/api-contract.md).
			if s.State != api.StateActive || !keep(&s) || slices.Contains(args, s.ID) || !hasPrefixFold(s.ID, toComplete) || !shellSafe(s.ID) {
				continue
			}
			out = append(out, cobra.CompletionWithDesc(s.ID, text.Safe(s.AssetName)+" "+text.Safe(s.User)))
		}
		return out, cobra.ShellCompDirectiveNoFileComp
	}
}

// completionClient builds the API client without any side effect a shell
// would see: no prompt, no error. The context bounds the whole completion.
func completionClient(f *Factory, cmd *cobra.Command) (*api.Client, context.Context, context.CancelFunc, bool) {
	if f == nil || f.APIClient == nil {
		return nil, nil, nil, false
	}
	client, err := f.APIClient()
	if err != nil || client == nil {
		return nil, nil, nil, false
	}
	ctx := cmd.Context()
	if ctx == nil {
		ctx = context.Background()
	}
	ctx, cancel := context.WithTimeout(ctx, completionTimeout)
	return client, ctx, cancel, true
}

func flagValue(cmd *cobra.Command, name string) string {
	fl := cmd.Flags().Lookup(name)
	if fl == nil || !fl.Changed {
		return ""
	}
	return fl.Value.String()
}

// hasPrefixFold compares as names do (api.SameName): ASCII case only.
func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && api.SameName(s[:len(prefix)], prefix)
}

// shellMeta are the characters a shell gives meaning to. A server-chosen
// value holding one (an asset named "$(touch x)-prod") is never offered
// as a completion: some shells' completion code evaluates what it
// inserts, and the operator would be typing the server's words into a
// shell. Such an asset is still reachable by its ID.
const shellMeta = "`$;|&<>(){}[]*?!~#'\"\\"

// shellSafe reports a value fit to offer as a completion: not empty, not
// beginning with "-", no whitespace, control, format, invisible or
// overlaid characters (anything text.Safe escapes), no shell
// metacharacters.
func shellSafe(v string) bool {
	// A value that begins with "-" would be read as a flag once the shell
	// inserts it (a lone candidate "--yes" is inserted whole).
	if v == "" || v[0] == '-' || text.Suspicious(v) || strings.ContainsAny(v, shellMeta) {
		return false
	}
	for _, r := range v {
		if unicode.IsSpace(r) {
			return false
		}
	}
	return true
}

// FileFlags are the flags whose value names a file or a directory: the
// shell completes file names for them, and for no other flag.
var FileFlags = []string{"config", "ca-file", "out", "plan-out", "apply", "journal", "proof", "openapi", "sign", "allowed-signers", "verify"}

// NoFileCompletion gives every flag of root's tree that takes a value and
// has no completion of its own cobra.NoFileCompletions, unless it is one
// of FileFlags: `--user <Tab>` must not offer the files of the current
// directory as user names.
func NoFileCompletion(root *cobra.Command) {
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		c.LocalFlags().VisitAll(func(fl *pflag.Flag) {
			if fl.Value.Type() == "bool" || slices.Contains(FileFlags, fl.Name) {
				return
			}
			if _, ok := c.GetFlagCompletionFunc(fl.Name); !ok {
				_ = c.RegisterFlagCompletionFunc(fl.Name, cobra.NoFileCompletions)
			}
		})
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)
}
