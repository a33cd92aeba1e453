package cmdutil

import (
	"net/http"
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

	// Flags are the global flag values, filled in by the root command.
	Flags *config.Flags
	// ConfigPath is the --config flag value ("" when not given).
	ConfigPath *string
	// NoHeaders is --no-headers.
	NoHeaders *bool

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
	// Prompter asks questions on the terminal.
	Prompter func() prompt.Prompter
	// Transport overrides the HTTP transport (tests).
	Transport http.RoundTripper
}

// OutputOptions resolves -o (flag > PAMCTL_OUTPUT > profile > table) and
// the terminal state into output.Options.
func (f *Factory) OutputOptions() (output.Options, error) {
	s, err := f.Settings()
	if err != nil {
		return output.Options{}, err
	}
	format, err := output.ParseFormat(s.Output)
	if err != nil {
		return output.Options{}, &FlagError{Err: err}
	}
	noHeaders := false
	if f.NoHeaders != nil {
		noHeaders = *f.NoHeaders
	}
	return output.Options{Format: format, NoHeaders: noHeaders, TTY: f.IOStreams.IsStdoutTTY(), Now: f.Now}, nil
}
