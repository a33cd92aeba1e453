package config

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"go.yaml.in/yaml/v3"
)

// A profile's contract overlay (docs/contract-overlay.md) is either a
// `contract:` section or `contract-file: PATH`. Its keys are pamctl's
// modeled names (assetName, Active), which are case-sensitive; viper folds
// keys to lower case, so the section is read from the file's YAML here and
// handed on as YAML text: pkg/api parses and checks it.

// loadContracts reads each profile's contract section as written.
func (c *Config) loadContracts() error {
	data, err := os.ReadFile(c.path)
	if err != nil {
		return err
	}
	var raw struct {
		Profiles map[string]struct {
			Contract yaml.Node `yaml:"contract"`
		} `yaml:"profiles"`
	}
	if err := yaml.Unmarshal(data, &raw); err != nil {
		return err
	}
	for name, p := range c.file.Profiles {
		p.Contract = nil
		if rp, ok := raw.Profiles[name]; ok && rp.Contract.Kind != 0 {
			p.Contract = &rp.Contract
		}
		c.file.Profiles[name] = p
	}
	return nil
}

// contractOf is the profile's overlay text and where it came from (nil
// when it has none).
func (c *Config) contractOf(profile string) ([]byte, string, error) {
	p, ok := c.file.Profiles[profile]
	if !ok {
		return nil, "", nil
	}
	where := fmt.Sprintf("profile %s of %s", profile, c.name)
	switch {
	case p.Contract != nil && p.ContractFile != "":
		return nil, "", fmt.Errorf("%s has both contract and contract-file; keep one", where)
	case p.Contract != nil:
		var buf bytes.Buffer
		enc := yaml.NewEncoder(&buf)
		if err := enc.Encode(p.Contract); err != nil {
			return nil, "", fmt.Errorf("%s: contract: %w", where, err)
		}
		return buf.Bytes(), where, nil
	case p.ContractFile != "":
		path := c.contractPath(p.ContractFile)
		data, err := os.ReadFile(path)
		if err != nil {
			return nil, "", fmt.Errorf("%s: contract-file: %w", where, err)
		}
		if len(data) > 1<<20 {
			return nil, "", fmt.Errorf("%s: contract-file %s is larger than 1 MiB; an overlay is a few lines", where, path)
		}
		return data, path, nil
	}
	return nil, "", nil
}

// contractPath resolves a relative contract-file against the config file's
// directory.
func (c *Config) contractPath(p string) string {
	if filepath.IsAbs(p) || c.path == "" {
		return p
	}
	return filepath.Join(filepath.Dir(c.path), p)
}

// SetContract stores a profile's overlay (YAML text; Save writes it): into
// its contract-file when it names one (written 0600 at once; the returned
// path says so), else as its contract section.
func (c *Config) SetContract(profile string, overlay []byte) (string, error) {
	p, ok := c.file.Profiles[profile]
	if !ok {
		return "", fmt.Errorf("profile %q is not in %s", profile, c.name)
	}
	if p.ContractFile != "" {
		path := c.contractPath(p.ContractFile)
		return path, WriteFileAtomic(path, overlay)
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(overlay, &doc); err != nil {
		return "", err
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) != 1 {
		return "", errors.New("the overlay is not one YAML document")
	}
	p.Contract = doc.Content[0]
	c.file.Profiles[profile] = p
	return "", nil
}
