// Package config reads and writes pamctl's configuration file and resolves
// the settings a command runs with (flag > env > profile > default). It is
// the only importer of viper, and uses private instances only (never
// viper's global one): Load reads the file through one, Resolve binds the
// flags, the environment and the selected profile into one and reads every
// setting back from it.
package config

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strings"

	"github.com/spf13/viper"
	"go.yaml.in/yaml/v3"
)

// DefaultProfile is used when none is named.
const DefaultProfile = "default"

// Profile is one named server and its connection settings. The token is not
// here: it lives in the credentials store.
type Profile struct {
	Server     string `yaml:"server,omitempty" mapstructure:"server"`
	CAFile     string `yaml:"ca-file,omitempty" mapstructure:"ca-file"`
	Insecure   bool   `yaml:"insecure-skip-tls-verify,omitempty" mapstructure:"insecure-skip-tls-verify"`
	Timeout    string `yaml:"timeout,omitempty" mapstructure:"timeout"`
	Output     string `yaml:"output,omitempty" mapstructure:"output"`
	TokenStore string `yaml:"token-store,omitempty" mapstructure:"token-store"`
	// Contract is the site's contract overlay (docs/contract-overlay.md),
	// kept as written: its keys are case-sensitive, so it is read from the
	// file's YAML directly, not through viper (see contract.go).
	Contract *yaml.Node `yaml:"contract,omitempty" mapstructure:"-"`
	// ContractFile is a file holding the overlay instead.
	ContractFile string `yaml:"contract-file,omitempty" mapstructure:"contract-file"`
}

// File is the on-disk shape of config.yaml.
type File struct {
	CurrentProfile string             `yaml:"current-profile,omitempty" mapstructure:"current-profile"`
	Profiles       map[string]Profile `yaml:"profiles,omitempty" mapstructure:"profiles"`
}

// Config is a loaded configuration file (possibly absent).
type Config struct {
	path string // where the file is read and written
	name string // how messages call it: the path as the user gave it
	file File
	// Warnings are things the user should hear about (a file readable by
	// others); the caller prints them on stderr.
	Warnings []string
}

// DefaultPath is $XDG_CONFIG_HOME/pamctl/config.yaml, falling back to
// ~/.config/pamctl/config.yaml.
func DefaultPath(lookup func(string) (string, bool)) string {
	if dir, ok := lookup("XDG_CONFIG_HOME"); ok && dir != "" {
		return filepath.Join(dir, "pamctl", "config.yaml")
	}
	home, _ := HomeDir(lookup)
	return filepath.Join(home, ".config", "pamctl", "config.yaml")
}

// HomeDir is the user's home directory in lookup's environment, found the
// way os.UserHomeDir finds it in the process's: $HOME, or %USERPROFILE%
// on Windows, $home on Plan 9. pamctl reads the environment it was given,
// never the process's directly.
func HomeDir(lookup func(string) (string, bool)) (string, error) {
	name := "HOME"
	switch runtime.GOOS {
	case "windows":
		name = "USERPROFILE"
	case "plan9":
		name = "home"
	}
	if v, _ := lookup(name); v != "" {
		return v, nil
	}
	return "", fmt.Errorf("$%s is not defined", name)
}

// Load reads path. A missing file is an empty configuration.
func Load(path string) (*Config, error) { return LoadAs(path, path) }

// LoadAs is Load, with the file called name in messages (the path as the
// user gave it, relative to a working directory path is resolved from).
func LoadAs(path, name string) (*Config, error) {
	c := &Config{path: path, name: name, file: File{Profiles: map[string]Profile{}}}
	st, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return c, nil
	}
	if err != nil {
		return nil, fmt.Errorf("config file: %w", err)
	}
	if w := permissionWarning(name, st); w != "" {
		c.Warnings = append(c.Warnings, w)
	}
	v := viper.New()
	v.SetConfigFile(path)
	v.SetConfigType("yaml")
	if err := v.ReadInConfig(); err != nil {
		return nil, fmt.Errorf("config file %s: %w", name, err)
	}
	c.Warnings = append(c.Warnings, unknownKeys(name, v.AllSettings())...)
	if err := v.Unmarshal(&c.file); err != nil {
		return nil, fmt.Errorf("config file %s: %w", name, err)
	}
	if c.file.Profiles == nil {
		c.file.Profiles = map[string]Profile{}
	}
	if err := c.loadContracts(); err != nil {
		return nil, fmt.Errorf("config file %s: %w", name, err)
	}
	return c, nil
}

// The keys config.yaml may hold; anything else is named on stderr (a typo
// such as "sever" would otherwise leave the server unset without a word).
var (
	fileKeys    = []string{"current-profile", "profiles"}
	profileKeys = []string{keyServer, keyCAFile, keyInsecure, keyTimeout, keyOutput, keyTokenStore, keyContract, keyContractFile}
)

// unknownKeys lists a warning for every key of the file that pamctl does
// not read, with the nearest known key when it looks like a typo. viper
// has already folded the keys to lower case.
func unknownKeys(path string, all map[string]any) []string {
	var warnings []string
	for _, k := range sortedKeys(all) {
		if !slices.Contains(fileKeys, k) {
			warnings = append(warnings, unknownKeyWarning(k, "", path, fileKeys))
		}
	}
	profiles, _ := all["profiles"].(map[string]any)
	for _, name := range sortedKeys(profiles) {
		p, _ := profiles[name].(map[string]any)
		for _, k := range sortedKeys(p) {
			if !slices.Contains(profileKeys, k) {
				warnings = append(warnings, unknownKeyWarning(k, name, path, profileKeys))
			}
		}
	}
	return warnings
}

func unknownKeyWarning(key, profile, path string, known []string) string {
	where := path
	if profile != "" {
		where = fmt.Sprintf("profile %s of %s", profile, path)
	}
	if s := suggest(key, known); s != "" {
		return fmt.Sprintf("warning: unknown key %q in %s; did you mean %q?", key, where, s)
	}
	return fmt.Sprintf("warning: unknown key %q in %s is ignored (known keys: %s)", key, where, strings.Join(known, ", "))
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func permissionWarning(path string, st fs.FileInfo) string {
	if st.Mode().Perm()&0o077 != 0 {
		return fmt.Sprintf("warning: %s is accessible by other users (mode %04o); run: chmod 600 %s", path, st.Mode().Perm(), path)
	}
	return ""
}

// Path is the file's location as the user gave it (for messages).
func (c *Config) Path() string { return c.name }

// CurrentProfile is the profile named in the file, or "default".
func (c *Config) CurrentProfile() string {
	if c.file.CurrentProfile != "" {
		return c.file.CurrentProfile
	}
	return DefaultProfile
}

// Profile returns a profile and whether it exists.
func (c *Config) Profile(name string) (Profile, bool) {
	p, ok := c.file.Profiles[name]
	return p, ok
}

// ProfileNames lists the profiles, sorted.
func (c *Config) ProfileNames() []string {
	names := make([]string, 0, len(c.file.Profiles))
	for n := range c.file.Profiles {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// SetProfile stores a profile (Save writes it).
func (c *Config) SetProfile(name string, p Profile) { c.file.Profiles[name] = p }

// RemoveProfile deletes a profile (Save writes it); when it was the
// current profile, none is current any more.
func (c *Config) RemoveProfile(name string) {
	delete(c.file.Profiles, name)
	if c.file.CurrentProfile == name {
		c.file.CurrentProfile = ""
	}
}

// SetCurrentProfile names the profile used when none is given.
func (c *Config) SetCurrentProfile(name string) { c.file.CurrentProfile = name }

// Save writes the file atomically with mode 0600 (directory 0700).
func (c *Config) Save() error {
	data, err := yaml.Marshal(c.file)
	if err != nil {
		return err
	}
	return WriteFileAtomic(c.path, data)
}

// WriteFileAtomic writes data beside path and renames it into place, so a
// crash never leaves a half-written file, and the file is never readable by
// others, not even for a moment.
func WriteFileAtomic(path string, data []byte) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return err
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// ValidProfileName refuses names that would not survive as YAML keys or
// keyring entries.
func ValidProfileName(name string) error {
	if name == "" || strings.ContainsAny(name, " \t\r\n/\\:@.") || len(name) > 64 {
		return fmt.Errorf("profile name %q: use letters, digits, - and _ (at most 64)", name)
	}
	return nil
}
