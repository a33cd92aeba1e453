package config

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/zalando/go-keyring"
)

func envOf(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

func changedOf(names ...string) func(string) bool {
	return func(n string) bool {
		for _, x := range names {
			if x == n {
				return true
			}
		}
		return false
	}
}

func writeConfig(t *testing.T, body string) *Config {
	t.Helper()
	path := filepath.Join(t.TempDir(), "pamctl", "config.yaml")
	require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o700))
	require.NoError(t, os.WriteFile(path, []byte(body), 0o600))
	cfg, err := Load(path)
	require.NoError(t, err)
	return cfg
}

const twoProfiles = `current-profile: prod
profiles:
  prod:
    server: https://pam.example.com:6443/ztna/acme/root
    timeout: 45s
    output: wide
  staging:
    server: https://pam-stg.example.com:6443/ztna/acme/root
    ca-file: /etc/pam/ca.pem
`

func TestResolvePrecedence(t *testing.T) {
	cfg := writeConfig(t, twoProfiles)
	tests := []struct {
		name    string
		flags   Flags
		env     map[string]string
		check   func(t *testing.T, s *Settings)
		wantErr string
	}{
		{"profile from config file", Flags{}, nil, func(t *testing.T, s *Settings) {
			assert.Equal(t, "prod", s.Profile)
			assert.Equal(t, "https://pam.example.com:6443/ztna/acme/root", s.Server)
			assert.Equal(t, "config", s.ServerSource)
			assert.Equal(t, 45*time.Second, s.Timeout)
			assert.Equal(t, "wide", s.Output)
		}, ""},
		{"env beats profile", Flags{}, map[string]string{EnvServer: "https://env.example.com/ztna/a/root", EnvTimeout: "5s", EnvOutput: "json"}, func(t *testing.T, s *Settings) {
			assert.Equal(t, "https://env.example.com/ztna/a/root", s.Server)
			assert.Equal(t, SourceEnv, s.ServerSource)
			assert.Equal(t, 5*time.Second, s.Timeout)
			assert.Equal(t, "json", s.Output)
		}, ""},
		{"flag beats env", Flags{Server: "https://flag.example.com/ztna/a/root", Timeout: "1m", Changed: changedOf("server", "timeout")},
			map[string]string{EnvServer: "https://env.example.com/ztna/a/root", EnvTimeout: "5s"}, func(t *testing.T, s *Settings) {
				assert.Equal(t, "https://flag.example.com/ztna/a/root", s.Server)
				assert.Equal(t, SourceFlag, s.ServerSource)
				assert.Equal(t, time.Minute, s.Timeout)
			}, ""},
		{"PAMCTL_PROFILE selects a profile", Flags{}, map[string]string{EnvProfile: "staging"}, func(t *testing.T, s *Settings) {
			assert.Equal(t, "staging", s.Profile)
			assert.Equal(t, "/etc/pam/ca.pem", s.CAFile)
			assert.Equal(t, DefaultTimeout, s.Timeout)
			assert.Equal(t, "table", s.Output)
		}, ""},
		{"--profile beats PAMCTL_PROFILE", Flags{Profile: "prod", Changed: changedOf("profile")}, map[string]string{EnvProfile: "staging"}, func(t *testing.T, s *Settings) {
			assert.Equal(t, "prod", s.Profile)
		}, ""},
		{"token from env", Flags{}, map[string]string{EnvToken: "envtok"}, func(t *testing.T, s *Settings) {
			assert.Equal(t, "envtok", s.Token)
			assert.Equal(t, SourceEnv, s.TokenSource)
		}, ""},
		{"token flag beats env", Flags{Token: "flagtok", Changed: changedOf("token")}, map[string]string{EnvToken: "envtok"}, func(t *testing.T, s *Settings) {
			assert.Equal(t, "flagtok", s.Token)
			assert.Equal(t, SourceFlag, s.TokenSource)
		}, ""},
		{"insecure from env", Flags{}, map[string]string{EnvInsecure: "1"}, func(t *testing.T, s *Settings) { assert.True(t, s.Insecure) }, ""},
		{"explicit --insecure=false beats env", Flags{Insecure: false, Changed: changedOf("insecure-skip-tls-verify")}, map[string]string{EnvInsecure: "true"}, func(t *testing.T, s *Settings) {
			assert.False(t, s.Insecure)
		}, ""},
		{"unknown profile", Flags{Profile: "nope", Changed: changedOf("profile")}, nil, nil, `profile "nope" is not in`},
		{"bad timeout env", Flags{}, map[string]string{EnvTimeout: "soon"}, nil, `PAMCTL_TIMEOUT "soon"`},
		{"bad insecure env", Flags{}, map[string]string{EnvInsecure: "maybe"}, nil, "want true or false"},
		{"bad token store", Flags{}, map[string]string{EnvTokenStore: "vault"}, nil, "want keyring or file"},
		{"bad profile name", Flags{Profile: "a/b", Changed: changedOf("profile")}, nil, nil, "profile name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := Resolve(tt.flags, envOf(tt.env), cfg, nil)
			if tt.wantErr != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.wantErr)
				return
			}
			require.NoError(t, err)
			tt.check(t, s)
		})
	}
}

func TestStoreKeyringAndFileFallback(t *testing.T) {
	const server = "https://pam.example.com:6443/ztna/acme/root"
	t.Run("keyring answers", func(t *testing.T) {
		keyring.MockInit()
		st := &Store{Keyring: SystemKeyring{}, FilePath: filepath.Join(t.TempDir(), "credentials.yaml")}
		where, err := st.Set("default", server, "tok1", "")
		require.NoError(t, err)
		assert.Equal(t, StoreKeyring, where)
		assert.NoFileExists(t, st.FilePath, "no secret on disk when the keyring works")
		tok, src, err := st.Get("default", server, "")
		require.NoError(t, err)
		assert.Equal(t, "tok1", tok)
		assert.Equal(t, StoreKeyring, src)
		removed, err := st.Delete("default", server)
		require.NoError(t, err)
		assert.True(t, removed)
		_, _, err = st.Get("default", server, "")
		assert.ErrorIs(t, err, ErrNoToken)
	})
	t.Run("keyring fails: file 0600", func(t *testing.T) {
		keyring.MockInitWithError(errors.New("no Secret Service"))
		st := &Store{Keyring: SystemKeyring{}, FilePath: filepath.Join(t.TempDir(), "pamctl", "credentials.yaml")}
		where, err := st.Set("default", server, "tok2", "")
		require.NoError(t, err)
		assert.Equal(t, StoreFile, where)
		fi, err := os.Stat(st.FilePath)
		require.NoError(t, err)
		assert.Equal(t, os.FileMode(0o600), fi.Mode().Perm())
		tok, src, err := st.Get("default", server, "")
		require.NoError(t, err)
		assert.Equal(t, "tok2", tok)
		assert.Equal(t, StoreFile, src)
		_, _, err = st.Get("other", server, "")
		assert.ErrorIs(t, err, ErrNoToken)
	})
	t.Run("keyring hangs: timeout then file", func(t *testing.T) {
		st := &Store{Keyring: hangingKeyring{}, FilePath: filepath.Join(t.TempDir(), "credentials.yaml"), Timeout: 50 * time.Millisecond}
		start := time.Now()
		where, err := st.Set("default", server, "tok3", "")
		require.NoError(t, err)
		assert.Equal(t, StoreFile, where)
		assert.Less(t, time.Since(start), 2*time.Second)
	})
	t.Run("forced keyring that fails is an error", func(t *testing.T) {
		keyring.MockInitWithError(errors.New("no Secret Service"))
		st := &Store{Keyring: SystemKeyring{}, FilePath: filepath.Join(t.TempDir(), "credentials.yaml")}
		_, err := st.Set("default", server, "tok4", StoreKeyring)
		require.Error(t, err)
		assert.NoFileExists(t, st.FilePath)
	})
	t.Run("wide file mode warns", func(t *testing.T) {
		keyring.MockInitWithError(errors.New("none"))
		st := &Store{Keyring: SystemKeyring{}, FilePath: filepath.Join(t.TempDir(), "credentials.yaml")}
		_, err := st.Set("default", server, "tok5", StoreFile)
		require.NoError(t, err)
		require.NoError(t, os.Chmod(st.FilePath, 0o644))
		_, _, err = st.Get("default", server, StoreFile)
		require.NoError(t, err)
		require.Len(t, st.Warnings, 1)
		assert.Contains(t, st.Warnings[0], "chmod 600")
	})
	t.Run("resolve reads the stored token for the profile's server", func(t *testing.T) {
		keyring.MockInit()
		cfg := writeConfig(t, twoProfiles)
		st := &Store{Keyring: SystemKeyring{}, FilePath: CredentialsPath(cfg.Path())}
		_, err := st.Set("prod", "https://pam.example.com:6443/ztna/acme/root", "stored", "")
		require.NoError(t, err)
		s, err := Resolve(Flags{}, envOf(nil), cfg, st)
		require.NoError(t, err)
		assert.Equal(t, "stored", s.Token)
		assert.Equal(t, StoreKeyring, s.TokenSource)
	})
}

type hangingKeyring struct{}

func (hangingKeyring) Get(string, string) (string, error) { select {} }
func (hangingKeyring) Set(string, string, string) error   { select {} }
func (hangingKeyring) Delete(string, string) error        { select {} }

func TestConfigSaveMode(t *testing.T) {
	path := filepath.Join(t.TempDir(), "pamctl", "config.yaml")
	cfg, err := Load(path)
	require.NoError(t, err)
	cfg.SetProfile("default", Profile{Server: "https://x.example.com/ztna/a/root"})
	require.NoError(t, cfg.Save())
	fi, err := os.Stat(path)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), fi.Mode().Perm())
	again, err := Load(path)
	require.NoError(t, err)
	p, ok := again.Profile("default")
	require.True(t, ok)
	assert.Equal(t, "https://x.example.com/ztna/a/root", p.Server)
	assert.Empty(t, again.Warnings)

	require.NoError(t, os.Chmod(path, 0o644))
	wide, err := Load(path)
	require.NoError(t, err)
	require.Len(t, wide.Warnings, 1)
	assert.Contains(t, wide.Warnings[0], "accessible by other users")
}
