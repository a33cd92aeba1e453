package config

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Environment variable names of spec/CLI.md.
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
	EnvNoColor    = "NO_COLOR"
)

// Token sources, as auth status reports them.
const (
	SourceFlag = "flag"
	SourceEnv  = "env"
	SourceNone = "none"
)

// DefaultTimeout is the per-request timeout when nothing sets one.
const DefaultTimeout = 30 * time.Second

// Flags are the global flag values; a field counts as set when its name is
// in Changed (so an explicit --insecure-skip-tls-verify=false still wins).
type Flags struct {
	Server, Token, Profile, CAFile, Timeout, Output, TokenStore string
	Insecure, Debug                                             bool
	Changed                                                     func(name string) bool
}

// Settings are what a command runs with, with the origin of each.
type Settings struct {
	Profile       string
	ProfileSource string // flag, env, config, default
	Server        string
	ServerSource  string
	Token         string
	TokenSource   string // flag, env, keyring, file, none
	CAFile        string
	Insecure      bool
	Timeout       time.Duration
	Output        string
	Debug         bool
	TokenStore    string
}

// Resolve applies flag > env > profile > default. The token comes from the
// flag, then PAMCTL_TOKEN, then the store for the resolved profile and
// server. Errors are about bad values (a usage error for the caller).
func Resolve(f Flags, env func(string) (string, bool), cfg *Config, store *Store) (*Settings, error) {
	changed := f.Changed
	if changed == nil {
		changed = func(string) bool { return false }
	}
	getenv := func(k string) (string, bool) {
		v, ok := env(k)
		return v, ok && v != ""
	}
	s := &Settings{}

	// Profile.
	switch {
	case changed("profile"):
		s.Profile, s.ProfileSource = f.Profile, "flag"
	default:
		if v, ok := getenv(EnvProfile); ok {
			s.Profile, s.ProfileSource = v, "env"
		} else if cfg.file.CurrentProfile != "" {
			s.Profile, s.ProfileSource = cfg.file.CurrentProfile, "config"
		} else {
			s.Profile, s.ProfileSource = DefaultProfile, "default"
		}
	}
	if err := ValidProfileName(s.Profile); err != nil {
		return nil, err
	}
	prof, hasProfile := cfg.Profile(s.Profile)
	if !hasProfile && (s.ProfileSource == "flag" || s.ProfileSource == "env") && len(cfg.file.Profiles) > 0 {
		// Naming a profile that does not exist is only fine when the
		// server comes from elsewhere (auth login creates profiles).
		if !changed("server") {
			if _, ok := getenv(EnvServer); !ok {
				return nil, fmt.Errorf("profile %q is not in %s (profiles: %s)", s.Profile, cfg.Path(), strings.Join(cfg.ProfileNames(), ", "))
			}
		}
	}

	pick := func(flagName string, flagVal string, envName string, profVal string) (string, string) {
		if changed(flagName) {
			return flagVal, SourceFlag
		}
		if v, ok := getenv(envName); ok {
			return v, SourceEnv
		}
		if profVal != "" {
			return profVal, "config"
		}
		return "", ""
	}
	pickBool := func(flagName string, flagVal bool, envName string, profVal bool) (bool, error) {
		if changed(flagName) {
			return flagVal, nil
		}
		if v, ok := getenv(envName); ok {
			b, err := strconv.ParseBool(v)
			if err != nil {
				return false, fmt.Errorf("%s=%q: want true or false (or 1/0)", envName, v)
			}
			return b, nil
		}
		return profVal, nil
	}

	s.Server, s.ServerSource = pick("server", f.Server, EnvServer, prof.Server)
	s.CAFile, _ = pick("ca-file", f.CAFile, EnvCAFile, prof.CAFile)
	s.Output, _ = pick("output", f.Output, EnvOutput, prof.Output)
	if s.Output == "" {
		s.Output = "table"
	}
	s.TokenStore, _ = pick("token-store", f.TokenStore, EnvTokenStore, prof.TokenStore)
	switch s.TokenStore {
	case "", StoreKeyring, StoreFile:
	default:
		return nil, fmt.Errorf("token store %q: want keyring or file", s.TokenStore)
	}
	var err error
	if s.Insecure, err = pickBool("insecure-skip-tls-verify", f.Insecure, EnvInsecure, prof.Insecure); err != nil {
		return nil, err
	}
	if s.Debug, err = pickBool("debug", f.Debug, EnvDebug, false); err != nil {
		return nil, err
	}
	timeout, src := pick("timeout", f.Timeout, EnvTimeout, prof.Timeout)
	s.Timeout = DefaultTimeout
	if timeout != "" {
		d, err := time.ParseDuration(timeout)
		if err != nil || d <= 0 {
			name := "--timeout"
			if src == SourceEnv {
				name = EnvTimeout
			} else if src == "config" {
				name = "timeout in profile " + s.Profile
			}
			return nil, fmt.Errorf("%s %q: want a positive duration such as 30s or 2m", name, timeout)
		}
		s.Timeout = d
	}

	// Token: flag, env, then the store.
	switch {
	case changed("token"):
		s.Token, s.TokenSource = f.Token, SourceFlag
	default:
		if v, ok := getenv(EnvToken); ok {
			s.Token, s.TokenSource = v, SourceEnv
		} else if store != nil && s.Server != "" {
			tok, where, err := store.Get(s.Profile, s.Server, s.TokenStore)
			if err == nil {
				s.Token, s.TokenSource = tok, where
			} else if !errors.Is(err, ErrNoToken) {
				return nil, err
			}
		}
	}
	s.Token = strings.TrimSpace(s.Token)
	if s.Token == "" {
		s.TokenSource = SourceNone
	}
	return s, nil
}
