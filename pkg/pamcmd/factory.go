package pamcmd

import (
	"errors"
	"fmt"
	"net/http"
	"os"
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
	// Dir is the working directory the user's relative paths (--config,
	// --ca-file, --out, --apply, ...) resolve against; empty: the
	// process's. Tests running pamctl in-process give each run its own.
	Dir string
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
		Dir:        d.Dir,
	}
	errOut := d.IOStreams.ErrOut

	// configName is the config file as the user gave it (messages call it
	// so); it is read at f.Path(configName()).
	configName := func() string {
		if p := f.Flags().ConfigPath; p != "" {
			return p
		}
		if v, ok := d.LookupEnv(config.EnvConfig); ok && v != "" {
			return v
		}
		return config.DefaultPath(d.LookupEnv)
	}

	f.Config = sync.OnceValues(func() (*config.Config, error) {
		cfg, err := config.LoadAs(f.Path(configName()), configName())
		if err != nil {
			return nil, err
		}
		for _, w := range cfg.Warnings {
			fmt.Fprintln(errOut, w)
		}
		return cfg, nil
	})

	f.TokenStore = sync.OnceValues(func() (*config.Store, error) {
		return &config.Store{Keyring: d.Keyring, FilePath: config.CredentialsPath(f.Path(configName()))}, nil
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

	f.APIClient = sync.OnceValues(func() (*api.Client, error) { return settingsClient(f) })

	f.NewClient = func(s *config.Settings, token string) (*api.Client, error) {
		return NewClient(f, s, token)
	}

	f.Sites = func(o cmdutil.FanOut) ([]cmdutil.Site, error) {
		// One site without the fan-out flags: the command's profile (or
		// --server/--token).
		return cmdutil.SitesFor(o, f.APIClient, func(o cmdutil.FanOut) ([]cmdutil.Site, error) {
			return siteClients(f, d.LookupEnv, o)
		})
	}

	f.Prompter = func() prompt.Prompter { return newPrompter(f, d) }
	return f
}

// settingsClient is the client of the command's one site: its resolved
// settings (--profile, --server, --token, the environment, the profile).
func settingsClient(f *cmdutil.Factory) (*api.Client, error) {
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
}

// newPrompter asks on the terminal. Questions are talk, not data: they go
// to stderr, so stdout stays parseable even with -o json on a terminal.
// Colour follows the streams: NO_COLOR, TERM=dumb and --no-color turn it
// off.
func newPrompter(f *cmdutil.Factory, d Deps) prompt.Prompter {
	if d.Prompter != nil {
		return d.Prompter
	}
	// Questions are talk, not data: they go to stderr (unbuffered, still
	// redacted), so stdout stays parseable even with -o json on a terminal.
	ios := f.IOStreams
	out := ios.PromptOut()
	return prompt.New(prompt.Streams{In: ios.In, Out: out, Err: out, NoColor: !ios.ColorEnabled()})
}

// NewClient builds an API client for settings s with token (auth login
// checks a token before it is stored, so the token is not always s.Token).
func NewClient(f *cmdutil.Factory, s *config.Settings, token string) (*api.Client, error) {
	opts := api.Options{
		Server:    s.Server,
		Token:     token,
		CAFile:    f.Path(s.CAFile),
		Insecure:  s.Insecure,
		Timeout:   s.Timeout,
		UserAgent: "pamctl/" + build.Get().Version,
		Transport: f.Transport,
		Sleep:     f.Clock.Sleep,
		Now:       f.Clock.Now,
		Busy:      clock.BusyHook(f.Clock),
		Notify:    func(msg string) { fmt.Fprintf(f.IOStreams.ErrOut, "pamctl: %s\n", msg) },
		Redactor:  f.IOStreams.Redactor(),
	}
	if s.Debug {
		opts.Debug = f.IOStreams.ErrOut
	}
	if s.Contract != nil {
		// The operator's overlay, checked whole before anything is sent.
		o, err := api.ParseOverlay(s.Contract, s.ContractSource)
		if err != nil {
			return nil, &cmdutil.FlagError{Err: err}
		}
		opts.Contract = o
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
