package pamcmd

import (
	"errors"
	"fmt"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/pamctl/pamctl/pkg/api"
	"github.com/pamctl/pamctl/pkg/build"
	"github.com/pamctl/pamctl/pkg/clock"
	"github.com/pamctl/pamctl/pkg/cmdutil"
	"github.com/pamctl/pamctl/pkg/config"
	"github.com/pamctl/pamctl/pkg/iostreams"
	"github.com/pamctl/pamctl/pkg/prompt"
)

// Deps are what the process gives pamctl; tests replace them.
type Deps struct {
	IOStreams *iostreams.IOStreams
	LookupEnv func(string) (string, bool)
	Now       func() time.Time
	// Clock replaces the system clock (tests); Now, when set, still wins
	// for the time alone.
	Clock clock.Clock
	// Interrupts receives the second signal (main wires it; tests call
	// Quit themselves).
	Interrupts *cmdutil.Interrupts
	Keyring    config.Keyring
	Prompter   prompt.Prompter
	// Transport replaces the HTTP transport (tests that must not touch
	// the network, such as an unknown-host resolver failure).
	Transport http.RoundTripper
}

// NewFactory wires the lazy dependencies. Each is computed once, on first
// use, so commands that need none of them (help, version, completion) do no
// I/O at all.
func NewFactory(d Deps) *cmdutil.Factory {
	if d.LookupEnv == nil {
		d.LookupEnv = os.LookupEnv
	}
	if d.Clock == nil {
		d.Clock = clock.Real{}
	}
	if d.Now == nil {
		d.Now = d.Clock.Now
	}
	if d.Keyring == nil {
		d.Keyring = config.SystemKeyring{}
	}
	f := &cmdutil.Factory{
		IOStreams:  d.IOStreams,
		LookupEnv:  d.LookupEnv,
		Now:        d.Now,
		Clock:      d.Clock,
		Interrupts: d.Interrupts,
		Transport:  d.Transport,
	}
	errOut := d.IOStreams.ErrOut

	configPath := func() string {
		if p := f.Flags().ConfigPath; p != "" {
			return p
		}
		if v, ok := d.LookupEnv(config.EnvConfig); ok && v != "" {
			return v
		}
		return config.DefaultPath(d.LookupEnv)
	}

	f.Config = sync.OnceValues(func() (*config.Config, error) {
		cfg, err := config.Load(configPath())
		if err != nil {
			return nil, err
		}
		for _, w := range cfg.Warnings {
			fmt.Fprintln(errOut, w)
		}
		return cfg, nil
	})

	f.TokenStore = sync.OnceValues(func() (*config.Store, error) {
		return &config.Store{Keyring: d.Keyring, FilePath: config.CredentialsPath(configPath())}, nil
	})

	f.Settings = sync.OnceValues(func() (*config.Settings, error) {
		cfg, err := f.Config()
		if err != nil {
			return nil, err
		}
		store, err := f.TokenStore()
		if err != nil {
			return nil, err
		}
		s, err := config.Resolve(f.Flags(), d.LookupEnv, cfg, store)
		for _, w := range store.Warnings {
			fmt.Fprintln(errOut, w)
		}
		if err != nil {
			return nil, &cmdutil.FlagError{Err: err}
		}
		if s.TokenSource == config.SourceFlag {
			fmt.Fprintln(errOut, "warning: --token is visible to other local users in the process list; prefer PAMCTL_TOKEN or `pamctl auth login`")
		}
		return s, nil
	})

	f.APIClient = sync.OnceValues(func() (*api.Client, error) {
		s, err := f.Settings()
		if err != nil {
			return nil, err
		}
		if s.EmptyTokenEnv {
			return nil, &cmdutil.FlagError{Err: config.ErrEmptyTokenEnv}
		}
		if s.Server == "" {
			return nil, &cmdutil.AuthError{Err: errors.New("no server configured: pass --server, set PAMCTL_SERVER, or run `pamctl auth login`")}
		}
		if s.Token == "" {
			return nil, &cmdutil.AuthError{Err: fmt.Errorf("no API token for %s: set PAMCTL_TOKEN, or run `pamctl auth login`", s.Server)}
		}
		return NewClient(f, s, s.Token)
	})

	f.NewClient = func(s *config.Settings, token string) (*api.Client, error) {
		return NewClient(f, s, token)
	}

	f.SiteClients = func(o cmdutil.FanOut) ([]cmdutil.Site, error) {
		return siteClients(f, d.LookupEnv, o)
	}

	f.Prompter = func() prompt.Prompter {
		if d.Prompter != nil {
			return d.Prompter
		}
		// Questions are talk, not data: they go to stderr, so stdout
		// stays parseable even with -o json on a terminal. Colour follows
		// the streams: NO_COLOR, TERM=dumb and --no-color turn it off.
		ios := f.IOStreams
		out := ios.PromptOut()
		return prompt.New(prompt.Streams{In: ios.In, Out: out, Err: out, NoColor: !ios.ColorEnabled()})
	}
	return f
}

// NewClient builds an API client for settings s with token (auth login
// checks a token before it is stored, so the token is not always s.Token).
func NewClient(f *cmdutil.Factory, s *config.Settings, token string) (*api.Client, error) {
	opts := api.Options{
		Server:    s.Server,
		Token:     token,
		CAFile:    s.CAFile,
		Insecure:  s.Insecure,
		Timeout:   s.Timeout,
		UserAgent: "pamctl/" + build.Get().Version,
		Transport: f.Transport,
		Sleep:     f.Clock.Sleep,
		Now:       f.Clock.Now,
		Notify:    func(msg string) { fmt.Fprintf(f.IOStreams.ErrOut, "pamctl: %s\n", msg) },
		Redactor:  f.IOStreams.Redactor(),
	}
	if s.Debug {
		opts.Debug = f.IOStreams.ErrOut
	}
	c, err := api.New(opts)
	if err != nil {
		var ue *api.ServerURLError
		if errors.As(err, &ue) {
			return nil, &cmdutil.FlagError{Err: err}
		}
		return nil, err
	}
	if s.Insecure {
		fmt.Fprintf(f.IOStreams.ErrOut, "warning: TLS certificate verification is disabled for %s (--insecure-skip-tls-verify); the connection can be intercepted\n", c.Host())
	}
	return c, nil
}

// siteEnv hides, from one site's resolution, what names a single server:
// PAMCTL_SERVER and PAMCTL_TOKEN would otherwise point every site at one
// server, or send one site's token to all of them; PAMCTL_PROFILE is what
// the fan-out flags replace.
var siteEnv = []string{config.EnvServer, config.EnvToken, config.EnvProfile}

// siteClients resolves each profile of a fan-out through config.Resolve,
// as if it had been given with --profile, and builds its client. The
// other global flags (--timeout, --ca-file, --debug, ...) and their
// environment variables apply to every site; --server and --token cannot
// (a usage error), and PAMCTL_SERVER and PAMCTL_TOKEN are left out, with a
// note. Every failure here comes before anything is sent.
func siteClients(f *cmdutil.Factory, lookupEnv func(string) (string, bool), o cmdutil.FanOut) ([]cmdutil.Site, error) {
	errOut := f.IOStreams.ErrOut
	if o.All && len(o.Profiles) > 0 {
		return nil, cmdutil.FlagErrorf("give either --profiles or --all-profiles, not both")
	}
	fl := f.Flags()
	for _, name := range []string{"profile", "server", "token"} {
		if fl.Changed != nil && fl.Changed(name) {
			return nil, cmdutil.FlagErrorf("--%s cannot be combined with --profiles or --all-profiles: each site uses its own profile's server and stored token", name)
		}
	}
	cfg, err := f.Config()
	if err != nil {
		return nil, err
	}
	known := cfg.ProfileNames()
	var names []string
	if o.All {
		if len(known) == 0 {
			return nil, cmdutil.FlagErrorf("--all-profiles: %s has no profiles; add one with `pamctl auth login --profile NAME`", cfg.Path())
		}
		names = known
	} else {
		seen := map[string]bool{}
		for _, n := range o.Profiles {
			n = strings.TrimSpace(n)
			if n == "" {
				return nil, cmdutil.FlagErrorf("--profiles: an empty profile name; give names separated by commas, e.g. --profiles a,b")
			}
			if _, ok := cfg.Profile(n); !ok {
				have := "none"
				if len(known) > 0 {
					have = strings.Join(known, ", ")
				}
				return nil, cmdutil.FlagErrorf("--profiles: unknown profile %q (profiles in %s: %s)", n, cfg.Path(), have)
			}
			if !seen[n] {
				seen[n] = true
				names = append(names, n)
			}
		}
	}
	var hidden []string
	for _, name := range siteEnv[:2] {
		if v, ok := lookupEnv(name); ok && v != "" {
			hidden = append(hidden, name)
		}
	}
	if len(hidden) > 0 {
		fmt.Fprintf(errOut, "note: %s not used with --profiles/--all-profiles: each site uses its own profile's server and stored token\n", strings.Join(hidden, " and ")+pick(len(hidden) == 1, " is", " are"))
	}
	env := func(name string) (string, bool) {
		if slices.Contains(siteEnv, name) {
			return "", false
		}
		return lookupEnv(name)
	}
	store, err := f.TokenStore()
	if err != nil {
		return nil, err
	}
	changed := fl.Changed
	warned := map[string]bool{}
	sites := make([]cmdutil.Site, 0, len(names))
	for _, name := range names {
		sf := fl
		sf.Profile = name
		sf.Changed = func(n string) bool {
			switch n {
			case "profile":
				return true
			case "server", "token":
				return false
			}
			return changed != nil && changed(n)
		}
		s, err := config.Resolve(sf, env, cfg, store)
		for _, w := range store.Warnings {
			if !warned[w] {
				warned[w] = true
				fmt.Fprintln(errOut, w)
			}
		}
		if err != nil {
			return nil, &cmdutil.FlagError{Err: fmt.Errorf("profile %s: %w", name, err)}
		}
		if s.Server == "" {
			return nil, &cmdutil.AuthError{Err: fmt.Errorf("profile %s has no server in %s: run `pamctl auth login --profile %s`", name, cfg.Path(), name)}
		}
		if s.Token == "" {
			return nil, &cmdutil.AuthError{Err: fmt.Errorf("profile %s: no API token stored for %s: run `pamctl auth login --profile %s`", name, s.Server, name)}
		}
		c, err := NewClient(f, s, s.Token)
		if err != nil {
			return nil, fmt.Errorf("profile %s: %w", name, err)
		}
		sites = append(sites, cmdutil.Site{Name: name, Client: c})
	}
	return sites, nil
}

func pick(cond bool, a, b string) string {
	if cond {
		return a
	}
	return b
}
