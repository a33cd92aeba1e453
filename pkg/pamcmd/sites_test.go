package pamcmd

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pamctl/pamctl/pkg/cmdutil"
	"github.com/pamctl/pamctl/pkg/iostreams"
)

// Every profile of a fan-out is a site: one that cannot be used (a
// malformed server URL, no token stored) is a failed site with its reason,
// and profiles naming the same normalised server are one site.
func TestSitesOfProfiles(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "pamctl"), 0o700))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "pamctl", "config.yaml"), []byte(`profiles:
    bad:
        server: ftp://pam.example.test/ztna/a/b
    good:
        server: https://PAM.example.test:443/ztna/a/b/
    notoken:
        server: https://other.example.test/ztna/a/b
    same:
        server: https://pam.example.test/ztna/a/b
`), 0o600))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "pamctl", "credentials.yaml"), []byte(`credentials:
    - profile: bad
      server: ftp://pam.example.test/ztna/a/b
      token: tok-bad-0123456789
    - profile: good
      server: https://pam.example.test:443/ztna/a/b
      token: tok-good-0123456789
    - profile: same
      server: https://pam.example.test/ztna/a/b
      token: tok-same-0123456789
`), 0o600))
	ios, _, _, errOut := iostreams.Test()
	f := NewFactory(Deps{IOStreams: ios, Keyring: noKeyring{}, LookupEnv: func(k string) (string, bool) {
		if k == "XDG_CONFIG_HOME" {
			return dir, true
		}
		return "", false
	}})
	sites, err := f.Sites(cmdutil.FanOut{All: true})
	require.NoError(t, err, errOut.String())
	require.Len(t, sites, 3, "good and same are one site")

	assert.Equal(t, "bad", sites[0].Name)
	require.Error(t, sites[0].Err)
	assert.Contains(t, sites[0].Err.Error(), "profile bad")
	assert.Contains(t, sites[0].Err.Error(), "scheme must be https")
	assert.Nil(t, sites[0].Client)

	assert.Equal(t, "good", sites[1].Name)
	require.NoError(t, sites[1].Err)
	assert.Equal(t, []string{"same"}, sites[1].Also)
	assert.Equal(t, "good (also same)", sites[1].Label())

	assert.Equal(t, "notoken", sites[2].Name)
	require.Error(t, sites[2].Err)
	assert.Contains(t, sites[2].Err.Error(), "no API token stored")
	assert.Equal(t, cmdutil.ExitAuth, cmdutil.ExitCode(sites[2].Err))

	assert.Contains(t, errOut.String(), "note: profiles good and same name the same server")
	assert.NotContains(t, errOut.String(), "tok-")
}

func TestServerKey(t *testing.T) {
	assert.Equal(t, serverKey("https://pam.example.test/ztna/a/b"), serverKey("HTTPS://PAM.Example.Test:443/ztna/a/b/"))
	assert.NotEqual(t, serverKey("https://pam.example.test/ztna/a/b"), serverKey("https://pam.example.test:6443/ztna/a/b"))
	assert.NotEqual(t, serverKey("https://pam.example.test/ztna/a/b"), serverKey("https://pam.example.test/ztna/a/c"))
}
