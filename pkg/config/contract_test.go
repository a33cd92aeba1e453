package config

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestContractSectionKeepsItsCase(t *testing.T) {
	cfg := writeConfig(t, `profiles:
  default:
    server: https://pam.example.com:6443/ztna/acme/root
    contract:
      fields:
        Session: {assetName: asset_name}
      states: {Active: ACTIVE}
`)
	assert.Empty(t, cfg.Warnings)
	s, err := Resolve(Flags{}, envOf(nil), cfg, nil)
	require.NoError(t, err)
	assert.Contains(t, string(s.Contract), "assetName: asset_name")
	assert.Contains(t, string(s.Contract), "Active: ACTIVE")
	assert.Equal(t, "profile default of "+cfg.Path(), s.ContractSource)

	// Written back through SetContract and Save, then read again.
	_, err = cfg.SetContract("default", []byte("states:\n  Completed: DONE\n"))
	require.NoError(t, err)
	require.NoError(t, cfg.Save())
	again, err := Load(cfg.Path())
	require.NoError(t, err)
	s, err = Resolve(Flags{}, envOf(nil), again, nil)
	require.NoError(t, err)
	assert.Equal(t, "states:\n    Completed: DONE\n", string(s.Contract))
	assert.Equal(t, "https://pam.example.com:6443/ztna/acme/root", s.Server)
}

func TestContractFile(t *testing.T) {
	cfg := writeConfig(t, `profiles:
  default:
    server: https://pam.example.com:6443/ztna/acme/root
    contract-file: site.yaml
`)
	path := filepath.Join(filepath.Dir(cfg.Path()), "site.yaml")
	require.NoError(t, os.WriteFile(path, []byte("query: {user: userName}\n"), 0o600))
	s, err := Resolve(Flags{}, envOf(nil), cfg, nil)
	require.NoError(t, err)
	assert.Equal(t, "query: {user: userName}\n", string(s.Contract))
	assert.Equal(t, path, s.ContractSource)

	// --write goes into the file the profile names.
	where, err := cfg.SetContract("default", []byte("query: {user: login}\n"))
	require.NoError(t, err)
	assert.Equal(t, path, where)
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Equal(t, "query: {user: login}\n", string(b))
}

func TestContractBothIsRefused(t *testing.T) {
	cfg := writeConfig(t, `profiles:
  default:
    server: https://pam.example.com:6443/ztna/acme/root
    contract-file: site.yaml
    contract: {query: {user: login}}
`)
	_, err := Resolve(Flags{}, envOf(nil), cfg, nil)
	require.ErrorContains(t, err, "has both contract and contract-file; keep one")
}
