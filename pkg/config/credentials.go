package config

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/zalando/go-keyring"
	"go.yaml.in/yaml/v3"
)

// Token store names, for --token-store and the token source shown by
// auth status.
const (
	StoreKeyring = "keyring"
	StoreFile    = "file"
)

const keyringService = "pamctl"

// KeyringTimeout bounds every keyring call: on a headless machine the
// Secret Service may never answer, and pamctl must not hang on it.
const KeyringTimeout = 3 * time.Second

// Keyring is the OS credential store (go-keyring's functions).
type Keyring interface {
	Get(service, user string) (string, error)
	Set(service, user, secret string) error
	Delete(service, user string) error
}

// SystemKeyring is the OS keyring through go-keyring.
type SystemKeyring struct{}

// Get reads the secret of user in service from the OS keyring.
func (SystemKeyring) Get(s, u string) (string, error) { return keyring.Get(s, u) }

// Set stores the secret of user in service in the OS keyring.
func (SystemKeyring) Set(s, u, p string) error { return keyring.Set(s, u, p) }

// Delete removes the secret of user in service from the OS keyring.
func (SystemKeyring) Delete(s, u string) error { return keyring.Delete(s, u) }

// ErrNoToken means no token is stored for the profile and server.
var ErrNoToken = errors.New("no stored token")

// Store keeps API tokens in the OS keyring, falling back to
// credentials.yaml (mode 0600) beside the config file.
type Store struct {
	Keyring  Keyring
	FilePath string
	Timeout  time.Duration
	// Warnings collects notices for stderr (a credentials file readable by
	// others, a keyring that did not answer).
	Warnings []string
}

// CredentialsPath is credentials.yaml beside the config file.
func CredentialsPath(configPath string) string {
	return filepath.Join(filepath.Dir(configPath), "credentials.yaml")
}

func keyringUser(profile, server string) string { return profile + "@" + server }

type credentialsFile struct {
	Credentials []credential `yaml:"credentials"`
}

type credential struct {
	Profile string `yaml:"profile"`
	Server  string `yaml:"server"`
	Token   string `yaml:"token"`
}

// withTimeout runs a keyring call that may block forever.
func (s *Store) withTimeout(f func() error) error {
	if s.Keyring == nil {
		return errors.New("no keyring")
	}
	d := s.Timeout
	if d <= 0 {
		d = KeyringTimeout
	}
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- f() }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		return fmt.Errorf("the OS keyring did not answer within %s", d)
	}
}

// Get finds the token for profile and server: keyring first, then the file.
// It returns where it was found (StoreKeyring or StoreFile).
func (s *Store) Get(profile, server, prefer string) (string, string, error) {
	if prefer != StoreFile {
		var tok string
		err := s.withTimeout(func() error {
			t, err := s.Keyring.Get(keyringService, keyringUser(profile, server))
			tok = t
			return err
		})
		if err == nil && tok != "" {
			return tok, StoreKeyring, nil
		}
		if prefer == StoreKeyring {
			return "", "", ErrNoToken
		}
	}
	f, err := s.readFile()
	if err != nil {
		return "", "", err
	}
	for _, c := range f.Credentials {
		if c.Profile == profile && c.Server == server && c.Token != "" {
			return c.Token, StoreFile, nil
		}
	}
	return "", "", ErrNoToken
}

// Set stores the token. prefer is "", StoreKeyring or StoreFile; with ""
// the keyring is tried and the file is the fallback. It returns where the
// token went.
func (s *Store) Set(profile, server, token, prefer string) (string, error) {
	if prefer != StoreFile {
		err := s.withTimeout(func() error {
			return s.Keyring.Set(keyringService, keyringUser(profile, server), token)
		})
		if err == nil {
			// A stale copy in the file would shadow nothing, but would
			// still be a secret on disk: remove it.
			_, _ = s.deleteFromFile(profile, server)
			return StoreKeyring, nil
		}
		if prefer == StoreKeyring {
			return "", fmt.Errorf("storing the token in the OS keyring: %w", err)
		}
	}
	f, err := s.readFile()
	if err != nil {
		return "", err
	}
	replaced := false
	for i := range f.Credentials {
		if f.Credentials[i].Profile == profile && f.Credentials[i].Server == server {
			f.Credentials[i].Token = token
			replaced = true
		}
	}
	if !replaced {
		f.Credentials = append(f.Credentials, credential{Profile: profile, Server: server, Token: token})
	}
	if err := s.writeFile(f); err != nil {
		return "", err
	}
	return StoreFile, nil
}

// Delete removes the token of profile and server from both stores. It
// reports whether anything was removed.
func (s *Store) Delete(profile, server string) (bool, error) {
	removed := false
	if s.Keyring != nil {
		err := s.withTimeout(func() error {
			return s.Keyring.Delete(keyringService, keyringUser(profile, server))
		})
		if err == nil {
			removed = true
		}
	}
	ok, err := s.deleteFromFile(profile, server)
	return removed || ok, err
}

func (s *Store) deleteFromFile(profile, server string) (bool, error) {
	f, err := s.readFile()
	if err != nil {
		return false, err
	}
	kept := f.Credentials[:0]
	removed := false
	for _, c := range f.Credentials {
		if c.Profile == profile && (server == "" || c.Server == server) {
			removed = true
			continue
		}
		kept = append(kept, c)
	}
	if !removed {
		return false, nil
	}
	f.Credentials = kept
	return true, s.writeFile(f)
}

func (s *Store) readFile() (*credentialsFile, error) {
	f := &credentialsFile{}
	if s.FilePath == "" {
		return f, nil
	}
	st, err := os.Stat(s.FilePath)
	if errors.Is(err, fs.ErrNotExist) {
		return f, nil
	}
	if err != nil {
		return nil, fmt.Errorf("credentials file: %w", err)
	}
	if w := permissionWarning(s.FilePath, st); w != "" {
		s.Warnings = append(s.Warnings, w)
	}
	data, err := os.ReadFile(s.FilePath)
	if err != nil {
		return nil, fmt.Errorf("credentials file: %w", err)
	}
	if err := yaml.Unmarshal(data, f); err != nil {
		// Never echo the content: it holds secrets.
		return nil, fmt.Errorf("credentials file %s is not valid YAML; fix or remove it", s.FilePath)
	}
	return f, nil
}

func (s *Store) writeFile(f *credentialsFile) error {
	if s.FilePath == "" {
		return errors.New("no credentials file path")
	}
	data, err := yaml.Marshal(f)
	if err != nil {
		return err
	}
	header := []byte("# pamctl API tokens. Secret: keep this file mode 0600.\n")
	return WriteFileAtomic(s.FilePath, append(header, data...))
}
