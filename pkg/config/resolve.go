package config

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/viper"
)

// Environment variable names (docs/environment.md).
const (
	EnvServer     = "PAMCTL_SERVER"
	EnvToken      = "PAMCTL_TOKEN"
	EnvProfile    = "PAMCTL_PROFILE"
	EnvConfig     = "PAMCTL_CONFIG"
	EnvCAFile     = "PAMCTL_CA_FILE"
	EnvInsecure   = "PAMCTL_INSECURE_SKIP_TLS_VERIFY"
	EnvTimeout    = "PAMCTL_TIMEOUT"
	EnvDebug      = "PAMCTL_DEBUG"
	EnvOutput     = "PAMCTL_OUTPUT"
	EnvTokenStore = "PAMCTL_TOKEN_STORE"
)

// Token sources, as auth status reports them.
const (
	SourceFlag = "flag"
	SourceEnv  = "env"
	SourceNone = "none"
)

// Sources of a non-token setting besides flag and env.
const (
	sourceConfig  = "config"
	sourceDefault = "default"
)

// DefaultTimeout is the per-request timeout when nothing sets one.
const DefaultTimeout = 30 * time.Second

// The keys of a profile in config.yaml, which are also the global flags'
// names.
const (
	keyServer     = "server"
	keyCAFile     = "ca-file"
	keyInsecure   = "insecure-skip-tls-verify"
	keyTimeout    = "timeout"
	keyOutput     = "output"
	keyTokenStore = "token-store"
	// keyContract and keyContractFile hold the contract overlay (contract.go).
	keyContract     = "contract"
	keyContractFile = "contract-file"
)

// Keys outside any profile: the profile choice itself, and the settings a
// config file never holds (the token lives in the credentials store).
const (
	keyProfile = "current-profile"
	keyToken   = "token"
	keyDebug   = "debug"
)

// Flags are the global flag values, a snapshot taken once after flag
// parsing; a field counts as set when its name is in Changed (so an
// explicit --insecure-skip-tls-verify=false still wins). Flags is a value:
// whoever holds one holds a copy.
type Flags struct {
	Server, Token, Profile, CAFile, Timeout, Output string
	Insecure, Debug                                 bool
	// ConfigPath is --config ("" when not given).
	ConfigPath string
	// NoHeaders is --no-headers; NoColor is --no-color.
	NoHeaders, NoColor bool
	// JQ is --jq and Template is --template (pkg/output applies them).
	JQ, Template string
	Changed      func(name string) bool
}

// changed reports whether the flag was given on the command line.
func (f Flags) changed(name string) bool { return f.Changed != nil && f.Changed(name) }

// value is the flag's value as text, for viper.
func (f Flags) value(name string) string {
	switch name {
	case "server":
		return f.Server
	case "token":
		return f.Token
	case "profile":
		return f.Profile
	case "ca-file":
		return f.CAFile
	case "timeout":
		return f.Timeout
	case "output":
		return f.Output
	case "insecure-skip-tls-verify":
		return strconv.FormatBool(f.Insecure)
	case "debug":
		return strconv.FormatBool(f.Debug)
	}
	return ""
}

// Settings are what a command runs with, with the origin of each.
type Settings struct {
	Profile       string
	ProfileSource string // flag, env, config, default
	Server        string // normalised: see NormalizeServer
	ServerSource  string
	Token         string
	TokenSource   string // flag, env, keyring, file, none
	// EmptyTokenEnv is PAMCTL_TOKEN set to the empty string: no token is
	// taken from the store then, and a command that needs a token refuses
	// to run (a usage error) rather than silently use the stored one.
	EmptyTokenEnv bool
	CAFile        string
	Insecure      bool
	Timeout       time.Duration
	Output        string
	Debug         bool
	TokenStore    string
	// Contract is the profile's contract overlay as YAML (nil: none), and
	// ContractSource where it came from, for messages.
	Contract       []byte
	ContractSource string
}

// ErrEmptyTokenEnv is the usage error of an empty PAMCTL_TOKEN.
var ErrEmptyTokenEnv = errors.New("PAMCTL_TOKEN is set but empty; unset it to use the stored token")

// envValue puts one environment variable into viper. viper's own env layer
// reads the process environment through os.LookupEnv; pamctl's environment
// is injected (tests run many "processes" in one), so the variable is
// bound as a flag value instead: viper's flag layer sits exactly where env
// belongs, below the command line (set as overrides) and above the config
// file and the defaults.
type envValue struct {
	name, val string
	set       bool
}

func (e envValue) HasChanged() bool    { return e.set }
func (e envValue) Name() string        { return e.name }
func (e envValue) ValueString() string { return e.val }
func (e envValue) ValueType() string   { return "string" }

// resolver is one resolution: a private viper instance holding, for every
// key, the four layers of docs/environment.md (flag > env > profile > default).
type resolver struct {
	v     *viper.Viper
	flags Flags
	env   func(string) (string, bool)
}

// lookupEnv is the variable's value; empty counts as unset.
func (r *resolver) lookupEnv(name string) (string, bool) {
	v, ok := r.env(name)
	return v, ok && v != ""
}

// bind layers key: the flag (an override when given), the environment
// variable (when set and not empty), below them whatever the config layer
// holds, and def.
func (r *resolver) bind(key, flag, envName string, def any) {
	if def != nil {
		r.v.SetDefault(key, def)
	}
	if envName != "" {
		val, ok := r.lookupEnv(envName)
		_ = r.v.BindFlagValue(key, envValue{name: envName, val: val, set: ok})
	}
	if flag != "" && r.flags.changed(flag) {
		r.v.Set(key, r.flags.value(flag))
	}
}

// source says which layer key's value came from (for auth status and for
// naming the culprit of a bad value).
func (r *resolver) source(key, flag, envName string) string {
	switch {
	case flag != "" && r.flags.changed(flag):
		return SourceFlag
	case envName != "" && func() bool { _, ok := r.lookupEnv(envName); return ok }():
		return SourceEnv
	case r.v.InConfig(key):
		return sourceConfig
	}
	return sourceDefault
}

// layer is the config file as viper's config layer: the current profile
// and every profile's non-empty settings. Built from the parsed file, so it
// holds only known keys.
func (c *Config) layer() map[string]any {
	profiles := map[string]any{}
	for name, p := range c.file.Profiles {
		m := map[string]any{}
		add := func(k, v string) {
			if v != "" {
				m[k] = v
			}
		}
		add(keyServer, p.Server)
		add(keyCAFile, p.CAFile)
		add(keyTimeout, p.Timeout)
		add(keyOutput, p.Output)
		add(keyTokenStore, p.TokenStore)
		if p.Insecure {
			m[keyInsecure] = true
		}
		profiles[name] = m
	}
	layer := map[string]any{"profiles": profiles}
	if c.file.CurrentProfile != "" {
		layer[keyProfile] = c.file.CurrentProfile
	}
	return layer
}

// Resolve applies flag > env > profile > default through one viper
// instance: the flags are set as overrides, the environment is bound
// below them, the config file is the config layer, the defaults are
// viper defaults; every setting is read back from viper. The token comes
// from the flag, then PAMCTL_TOKEN, then the store for the resolved
// profile and server. Errors are about bad values (a usage error for the
// caller).
func Resolve(f Flags, env func(string) (string, bool), cfg *Config, store *Store) (*Settings, error) {
	r := &resolver{v: viper.New(), flags: f, env: env}
	if err := r.v.MergeConfigMap(cfg.layer()); err != nil {
		return nil, fmt.Errorf("config file %s: %w", cfg.Path(), err)
	}
	s := &Settings{}

	// The profile first: it decides which keys the other settings read.
	r.bind(keyProfile, "profile", EnvProfile, DefaultProfile)
	s.Profile, s.ProfileSource = r.v.GetString(keyProfile), r.source(keyProfile, "profile", EnvProfile)
	if err := ValidProfileName(s.Profile); err != nil {
		return nil, err
	}
	if _, ok := cfg.Profile(s.Profile); !ok && (s.ProfileSource == SourceFlag || s.ProfileSource == SourceEnv) && len(cfg.file.Profiles) > 0 {
		// Naming a profile that does not exist is only fine when the
		// server comes from elsewhere (auth login creates profiles).
		if _, env := r.lookupEnv(EnvServer); !f.changed("server") && !env {
			return nil, fmt.Errorf("profile %q is not in %s (profiles: %s)", s.Profile, cfg.Path(), strings.Join(cfg.ProfileNames(), ", "))
		}
	}

	key := func(k string) string { return "profiles." + s.Profile + "." + k }
	r.bind(key(keyServer), "server", EnvServer, nil)
	r.bind(key(keyCAFile), "ca-file", EnvCAFile, nil)
	r.bind(key(keyInsecure), "insecure-skip-tls-verify", EnvInsecure, false)
	r.bind(key(keyTimeout), "timeout", EnvTimeout, DefaultTimeout.String())
	r.bind(key(keyOutput), "output", EnvOutput, "table")
	r.bind(key(keyTokenStore), "", EnvTokenStore, nil)
	r.bind(keyDebug, "debug", EnvDebug, false)
	r.bind(keyToken, "token", EnvToken, nil)

	s.Server = NormalizeServer(r.v.GetString(key(keyServer)))
	if s.Server != "" {
		s.ServerSource = r.source(key(keyServer), "server", EnvServer)
	}
	s.CAFile = r.v.GetString(key(keyCAFile))
	s.Output = r.v.GetString(key(keyOutput))
	s.TokenStore = r.v.GetString(key(keyTokenStore))
	switch s.TokenStore {
	case "", StoreKeyring, StoreFile:
	default:
		return nil, fmt.Errorf("token store %q: want keyring or file", s.TokenStore)
	}
	var err error
	if s.Insecure, err = r.boolean(key(keyInsecure), "insecure-skip-tls-verify", EnvInsecure); err != nil {
		return nil, err
	}
	if s.Debug, err = r.boolean(keyDebug, "debug", EnvDebug); err != nil {
		return nil, err
	}
	timeout := r.v.GetString(key(keyTimeout))
	d, err := time.ParseDuration(timeout)
	if err != nil || d <= 0 {
		name := "--timeout"
		switch r.source(key(keyTimeout), "timeout", EnvTimeout) {
		case SourceEnv:
			name = EnvTimeout
		case sourceConfig:
			name = "timeout in profile " + s.Profile
		}
		return nil, fmt.Errorf("%s %q: want a positive duration such as 30s or 2m", name, timeout)
	}
	s.Timeout = d

	// Token: flag, env, then the store. An empty PAMCTL_TOKEN is neither
	// a token nor "unset".
	if v, ok := env(EnvToken); ok && v == "" && !f.changed("token") {
		s.EmptyTokenEnv = true
	}
	s.Token = strings.TrimSpace(r.v.GetString(keyToken))
	if s.Token != "" {
		s.TokenSource = r.source(keyToken, "token", EnvToken)
	} else if store != nil && s.Server != "" && !s.EmptyTokenEnv && !f.changed("token") {
		tok, where, err := store.Get(s.Profile, s.Server, s.TokenStore)
		if err == nil {
			s.Token, s.TokenSource = strings.TrimSpace(tok), where
		} else if !errors.Is(err, ErrNoToken) {
			return nil, err
		}
	}
	if s.Token == "" {
		s.TokenSource = SourceNone
	}
	if s.Contract, s.ContractSource, err = cfg.contractOf(s.Profile); err != nil {
		return nil, err
	}
	return s, nil
}

// boolean reads a bool key; an environment value that is not one is named.
func (r *resolver) boolean(key, flag, envName string) (bool, error) {
	raw := r.v.GetString(key)
	b, err := strconv.ParseBool(raw)
	if err != nil {
		if r.source(key, flag, envName) == SourceEnv {
			return false, fmt.Errorf("%s=%q: want true or false (or 1/0)", envName, raw)
		}
		return false, fmt.Errorf("%s %q: want true or false", key, raw)
	}
	return b, nil
}
