package config

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/zalando/go-keyring"
)

func TestUnknownKeysAreNamed(t *testing.T) {
	cfg := writeConfig(t, `current-profile: default
current-profil: x
profiles:
  default:
    sever: https://pam.example.com:6443/ztna/acme/root
    timeout: 10s
    colour: always
`)
	p := cfg.Path()
	assert.Equal(t, []string{
		`warning: unknown key "current-profil" in ` + p + `; did you mean "current-profile"?`,
		`warning: unknown key "colour" in profile default of ` + p + ` is ignored (known keys: server, ca-file, insecure-skip-tls-verify, timeout, output, token-store, contract, contract-file)`,
		`warning: unknown key "sever" in profile default of ` + p + `; did you mean "server"?`,
	}, cfg.Warnings)
	// The misspelt key is not read as the server.
	s, err := Resolve(Flags{}, envOf(nil), cfg, nil)
	require.NoError(t, err)
	assert.Empty(t, s.Server)
	assert.Equal(t, "10s", s.Timeout.String())
}

func TestKnownKeysDoNotWarn(t *testing.T) {
	cfg := writeConfig(t, twoProfiles)
	assert.Empty(t, cfg.Warnings)
}

func TestSuggest(t *testing.T) {
	assert.Equal(t, "server", suggest("sever", profileKeys))
	assert.Equal(t, "server", suggest("servr", profileKeys))
	assert.Equal(t, "ca-file", suggest("cafile", profileKeys))
	assert.Equal(t, "insecure-skip-tls-verify", suggest("insecure-skip-tls-verfy", profileKeys))
	assert.Equal(t, "", suggest("colour", profileKeys))
	assert.Equal(t, 3, editDistance("kitten", "sitting"))
	assert.Equal(t, 0, editDistance("", ""))
}

func TestNormalizeServer(t *testing.T) {
	for in, want := range map[string]string{
		"https://H:6443/ztna/t/s/":         "https://h:6443/ztna/t/s",
		"HTTPS://PAM.Example.COM/ztna/t/s": "https://pam.example.com/ztna/t/s",
		"https://h:6443/ztna/t/s/api":      "https://h:6443/ztna/t/s",
		"https://h:6443/ztna/t/s/api/":     "https://h:6443/ztna/t/s",
		"  https://h:6443/ztna/T/S  ":      "https://h:6443/ztna/T/S",
		"https://h:6443/ztna/t/s":          "https://h:6443/ztna/t/s",
		"not a url":                        "not a url",
		"":                                 "",
	} {
		assert.Equal(t, want, NormalizeServer(in), in)
	}
}

func TestResolveNormalisesTheServerBeforeTheLookup(t *testing.T) {
	keyring.MockInit()
	cfg := writeConfig(t, "")
	st := &Store{Keyring: SystemKeyring{}, FilePath: CredentialsPath(cfg.Path())}
	_, err := st.Set("default", "https://h:6443/ztna/t/s", "stored", "")
	require.NoError(t, err)
	for _, server := range []string{"https://H:6443/ztna/t/s/", "https://h:6443/ztna/t/s", "https://h:6443/ztna/t/s/api"} {
		s, err := Resolve(Flags{}, envOf(map[string]string{EnvServer: server}), cfg, st)
		require.NoError(t, err)
		assert.Equal(t, "https://h:6443/ztna/t/s", s.Server)
		assert.Equal(t, "stored", s.Token, server)
	}
}

func TestEmptyTokenEnv(t *testing.T) {
	keyring.MockInit()
	cfg := writeConfig(t, twoProfiles)
	st := &Store{Keyring: SystemKeyring{}, FilePath: filepath.Join(t.TempDir(), "credentials.yaml")}
	_, err := st.Set("prod", "https://pam.example.com:6443/ztna/acme/root", "stored", "")
	require.NoError(t, err)

	s, err := Resolve(Flags{}, envOf(map[string]string{EnvToken: ""}), cfg, st)
	require.NoError(t, err)
	assert.True(t, s.EmptyTokenEnv)
	assert.Empty(t, s.Token, "the stored token is not used behind an empty PAMCTL_TOKEN")
	assert.Equal(t, SourceNone, s.TokenSource)

	s, err = Resolve(Flags{Token: "flagtok", Changed: changedOf("token")}, envOf(map[string]string{EnvToken: ""}), cfg, st)
	require.NoError(t, err)
	assert.False(t, s.EmptyTokenEnv, "--token wins; the empty variable does not matter")
	assert.Equal(t, "flagtok", s.Token)

	s, err = Resolve(Flags{}, envOf(nil), cfg, st)
	require.NoError(t, err)
	assert.False(t, s.EmptyTokenEnv)
	assert.Equal(t, "stored", s.Token)
}

func TestResolveLayersPerKey(t *testing.T) {
	cfg := writeConfig(t, twoProfiles)
	// The profile chosen by env, one key from the flag, one from env, one
	// from the profile, one default.
	s, err := Resolve(Flags{Output: "yaml", Changed: changedOf("output")},
		envOf(map[string]string{EnvProfile: "staging", EnvTimeout: "7s", EnvOutput: "json"}), cfg, nil)
	require.NoError(t, err)
	assert.Equal(t, "staging", s.Profile)
	assert.Equal(t, SourceEnv, s.ProfileSource)
	assert.Equal(t, "yaml", s.Output)
	assert.Equal(t, "7s", s.Timeout.String())
	assert.Equal(t, "/etc/pam/ca.pem", s.CAFile)
	assert.Equal(t, "config", s.ServerSource)
	assert.False(t, s.Insecure)
	// An empty variable is unset: the profile's value shows through.
	s, err = Resolve(Flags{}, envOf(map[string]string{EnvServer: "", EnvTimeout: ""}), cfg, nil)
	require.NoError(t, err)
	assert.Equal(t, "https://pam.example.com:6443/ztna/acme/root", s.Server)
	assert.Equal(t, "45s", s.Timeout.String())
	// A bad timeout in the profile is named as such.
	bad := writeConfig(t, "profiles:\n  default:\n    timeout: soon\n")
	_, err = Resolve(Flags{}, envOf(nil), bad, nil)
	require.Error(t, err)
	assert.Contains(t, err.Error(), `timeout in profile default "soon"`)
}
