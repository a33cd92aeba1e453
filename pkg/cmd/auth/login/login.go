// Package login implements `pamctl auth login`.
package login

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/pamctl/pamctl/pkg/api"
	"github.com/pamctl/pamctl/pkg/cmdutil"
	"github.com/pamctl/pamctl/pkg/config"
	"github.com/pamctl/pamctl/pkg/iostreams"
	"github.com/pamctl/pamctl/pkg/prompt"
	"github.com/pamctl/pamctl/pkg/text"
)

// maxTokenBytes bounds what --with-token reads from stdin.
const maxTokenBytes = 16 << 10

// LoginOptions are the inputs of auth login.
type LoginOptions struct {
	IO        *iostreams.IOStreams
	Prompter  func() prompt.Prompter
	Settings  func() (*config.Settings, error)
	Config    func() (*config.Config, error)
	Store     func() (*config.Store, error)
	NewClient func(s *config.Settings, token string) (*api.Client, error)

	// Server overrides the resolved server (tests); empty in a run,
	// where --server reaches loginRun through Settings.
	Server     string
	WithToken  bool
	TokenStore string
}

// NewCmdLogin builds the command; runF replaces the run in tests.
func NewCmdLogin(f *cmdutil.Factory, runF func(*LoginOptions) error) *cobra.Command {
	opts := &LoginOptions{
		IO:        f.IOStreams,
		Prompter:  f.Prompter,
		Settings:  f.Settings,
		Config:    f.Config,
		Store:     f.TokenStore,
		NewClient: f.NewClient,
	}
	cmd := &cobra.Command{
		Use:   "login [--server <url>] [--with-token] [--profile <name>]",
		Short: "Store an API token for a 12Port site",
		Long: `Ask for the site's API base URL and an API token (hidden input), check the
token with GET /api/user/context, and only then store it: in the OS keyring
when one answers within a few seconds, else in credentials.yaml beside the
config file (mode 0600). A rejected token stores nothing.

With --with-token the token is read from standard input, for scripts.`,
		Example: `  # interactive
  $ pamctl auth login --server https://pam.example.com:6443/ztna/acme/root

  # from a secret manager, no prompt
  $ vault kv get -field=token secret/pam | pamctl auth login --server "$URL" --with-token`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			switch opts.TokenStore {
			case "", config.StoreKeyring, config.StoreFile:
			default:
				return cmdutil.FlagErrorf("--token-store %q: want keyring or file", opts.TokenStore)
			}
			if !opts.WithToken && !opts.IO.CanPrompt() {
				return cmdutil.FlagErrorf("no terminal to ask for the token on: pass --with-token and the token on standard input")
			}
			if runF != nil {
				return runF(opts)
			}
			return loginRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().BoolVar(&opts.WithToken, "with-token", false, "read the token from standard input")
	cmd.Flags().StringVar(&opts.TokenStore, "token-store", "", "where to store the token: keyring or file (default: keyring, falling back to file)")
	_ = cmd.RegisterFlagCompletionFunc("token-store", cobra.FixedCompletions([]string{config.StoreKeyring, config.StoreFile}, cobra.ShellCompDirectiveNoFileComp))
	return cmd
}

// urlShapeHint says what is wrong with the path of a server URL that has no
// API behind it.
func urlShapeHint(path string) string {
	if strings.Trim(path, "/") == "" {
		return "the URL has no /ztna/<tenant>/<site> path"
	}
	parts := strings.Split(strings.Trim(path, "/"), "/")
	if len(parts) != 3 || parts[0] != "ztna" || parts[1] == "" || parts[2] == "" {
		return fmt.Sprintf("the URL's path %q is not /ztna/<tenant>/<site>", path)
	}
	return fmt.Sprintf("there is no tenant %q with a site %q there", parts[1], parts[2])
}

func loginRun(ctx context.Context, opts *LoginOptions) error {
	s, err := opts.Settings()
	if err != nil {
		return err
	}
	cfg, err := opts.Config()
	if err != nil {
		return err
	}
	server := s.Server
	if opts.Server != "" {
		server = opts.Server
	}
	if server == "" {
		if opts.WithToken {
			return cmdutil.FlagErrorf("no server: pass --server https://host:6443/ztna/<tenant>/<site> (or set PAMCTL_SERVER)")
		}
		server, err = opts.Prompter().Input("Site API base URL (https://host:6443/ztna/<tenant>/<site>):", "")
		if err != nil {
			return err
		}
	}
	// The one spelling the token is stored under, and later looked up by
	// (config.Resolve normalises the same way).
	base, err := api.ParseServerURL(config.NormalizeServer(server))
	if err != nil {
		return &cmdutil.FlagError{Err: err}
	}
	server = base.String()

	var token string
	if opts.WithToken {
		b, err := io.ReadAll(io.LimitReader(opts.IO.In, maxTokenBytes+1))
		if err != nil {
			return fmt.Errorf("reading the token from stdin: %w", err)
		}
		if len(b) > maxTokenBytes {
			return cmdutil.FlagErrorf("standard input holds more than %d KiB; expected one API token", maxTokenBytes>>10)
		}
		token = strings.TrimSpace(string(b))
	} else {
		token, err = opts.Prompter().Password("API token:")
		if err != nil {
			return err
		}
		token = strings.TrimSpace(token)
	}
	if token == "" {
		return cmdutil.FlagErrorf("the token is empty")
	}
	if strings.ContainsAny(token, " \t\r\n") {
		return cmdutil.FlagErrorf("the token contains whitespace; paste the API token alone")
	}

	check := *s
	check.Server = server
	client, err := opts.NewClient(&check, token)
	if err != nil {
		return err
	}
	uc, err := client.UserContext(ctx)
	if err != nil {
		if api.IsAuth(err) {
			return &cmdutil.AuthError{Err: fmt.Errorf("%s rejected the token; nothing was saved (create a new API token in the 12Port web UI)", client.Host())}
		}
		if api.IsNotFound(err) {
			// Not wrapped: a 404 here is a wrong URL (exit 1), not a
			// missing object (exit 4).
			return fmt.Errorf("%s answered 404 for GET /api/user/context: %s; the API base is https://host:6443/ztna/<tenant>/<site>; nothing was saved", client.Host(), urlShapeHint(base.Path))
		}
		return fmt.Errorf("checking the token; nothing was saved: %w", err)
	}
	if uc.User.Name == "" {
		// Any JSON object decodes into UserContext: a proxy or another
		// service answering {} would otherwise "accept" every token.
		return fmt.Errorf("%s answered GET /api/user/context without a user name: that is not the 12Port user context (is %s the site's API base, https://host:6443/ztna/<tenant>/<site>?); nothing was saved", client.Host(), server)
	}

	profile := s.Profile
	store, err := opts.Store()
	if err != nil {
		return err
	}
	pref := opts.TokenStore
	if pref == "" {
		pref = s.TokenStore // PAMCTL_TOKEN_STORE or the profile's choice
	}
	where, err := store.Set(profile, server, token, pref)
	if err != nil {
		return err
	}
	p, _ := cfg.Profile(profile)
	p.Server = server
	if s.CAFile != "" {
		p.CAFile = s.CAFile
	}
	if opts.TokenStore != "" {
		p.TokenStore = opts.TokenStore
	}
	cfg.SetProfile(profile, p)
	if cfg.CurrentProfile() == config.DefaultProfile && len(cfg.ProfileNames()) == 1 {
		cfg.SetCurrentProfile(profile)
	}
	if err := cfg.Save(); err != nil {
		return fmt.Errorf("saving %s: %w", cfg.Path(), err)
	}
	location := "the OS keyring"
	if where == config.StoreFile {
		location = store.FilePath
	}
	fmt.Fprintf(opts.IO.ErrOut, "Logged in to %s as %s (%s); token stored in %s for profile %q\n",
		server, text.Safe(uc.User.Name), text.Safe(strings.Join(uc.Roles, ", ")), location, profile)
	return nil
}
