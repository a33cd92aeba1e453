package cmdutil

import (
	"net/http"
	"sync"
	"time"

	"github.com/pamctl/pamctl/pkg/api"
	"github.com/pamctl/pamctl/pkg/clock"
	"github.com/pamctl/pamctl/pkg/config"
	"github.com/pamctl/pamctl/pkg/iostreams"
	"github.com/pamctl/pamctl/pkg/output"
	"github.com/pamctl/pamctl/pkg/prompt"
)

// Factory is the plain bag of lazy dependencies every command constructor
// takes. Nothing in it does work until a command asks: `help`, `version`
// and `completion` never read the config file or touch the network.
type Factory struct {
	IOStreams *iostreams.IOStreams
	LookupEnv func(string) (string, bool)
	Now       func() time.Time
	// Clock tells the time and waits; tests hand in a clock.Fake.
	Clock clock.Clock
	// Interrupts carries the second Ctrl-C to the running command.
	Interrupts *Interrupts
	// Dir is the working directory user-given relative paths resolve
	// against (InDir, Path); empty: the process's.
	Dir string

	// takeFlags and flags: see SetFlagSource and Flags.
	takeFlags func() config.Flags
	flagsOnce sync.Once
	flags     config.Flags

	// Config loads the configuration file (cached).
	Config func() (*config.Config, error)
	// TokenStore is the credentials store beside the config file.
	TokenStore func() (*config.Store, error)
	// Settings resolves flag > env > profile > default (cached).
	Settings func() (*config.Settings, error)
	// APIClient builds the API client from Settings (cached). It fails with
	// an AuthError when no server or token is configured.
	APIClient func() (*api.Client, error)
	// NewClient builds a client for explicit settings and token (auth
	// login checks a token before storing it).
	NewClient func(s *config.Settings, token string) (*api.Client, error)
	// Sites is the list of sites a command runs on: without
	// --profiles/--all-profiles, one site (APIClient's, Name ""); with
	// them, one per profile, in the order given (--all-profiles: sorted
	// by name), profiles naming the same server merged into one site,
	// and a profile that cannot be used a site with Err set. Usage errors
	// (exit 2) for an unknown profile, no profile at all, or
	// --profile/--server/--token given too; nothing is sent.
	Sites func(o FanOut) ([]Site, error)
	// Prompter asks questions on the terminal.
	Prompter func() prompt.Prompter
	// Transport overrides the HTTP transport (tests).
	Transport http.RoundTripper
}

// Path resolves a user-given path against Dir (see InDir).
func (f *Factory) Path(p string) string { return InDir(f.Dir, p) }

// SetFlagSource tells the factory how to take the snapshot of the global
// flags; the root command calls it once, when it defines them. The
// snapshot itself is taken by the first call to Flags, which the root's
// PersistentPreRunE makes right after flag parsing (completion functions,
// which run without that hook, make it after cobra parsed their flags).
func (f *Factory) SetFlagSource(take func() config.Flags) {
	if f.takeFlags != nil {
		panic("cmdutil: SetFlagSource called twice")
	}
	f.takeFlags = take
}

// Flags is the snapshot of the global flags (--server, --token, --config,
// --no-headers, ...): taken once, after parsing, and never changed after.
// It is a copy; writing to it changes nothing. Without a root command (a
// unit test of one command) it is the zero value: no flag given.
func (f *Factory) Flags() config.Flags {
	f.flagsOnce.Do(func() {
		if f.takeFlags != nil {
			f.flags = f.takeFlags()
		}
	})
	return f.flags
}

// OutputOptions resolves -o (flag > PAMCTL_OUTPUT > profile > table),
// --jq, --template and the terminal state into output.Options. A bad
// expression is a usage error here, before the command does any work.
func (f *Factory) OutputOptions() (output.Options, error) {
	s, err := f.Settings()
	if err != nil {
		return output.Options{}, err
	}
	format, err := output.ParseFormat(s.Output)
	if err != nil {
		return output.Options{}, &FlagError{Err: err}
	}
	fl := f.Flags()
	o := output.Options{Format: format, NoHeaders: fl.NoHeaders, TTY: f.IOStreams.IsStdoutTTY(), Color: f.IOStreams.ColorEnabled(), Now: f.Now, JQ: fl.JQ, Template: fl.Template}
	if o, err = o.Validate(fl.Changed != nil && fl.Changed("output")); err != nil {
		return output.Options{}, &FlagError{Err: err}
	}
	return o, nil
}
