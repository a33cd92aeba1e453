package sshsig

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/agent"
)

const ns = "pamctl-evidence"

func needKeygen(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("ssh-keygen")
	if err != nil {
		t.Skip("ssh-keygen is not installed")
	}
	return p
}

// keygen makes a key with ssh-keygen and returns the private key's path.
func keygen(t *testing.T, dir, typ, pass string) string {
	t.Helper()
	path := filepath.Join(dir, "id_"+typ)
	args := []string{"-q", "-t", typ, "-N", pass, "-C", "test", "-f", path}
	if typ == "rsa" {
		args = append(args, "-b", "2048")
	}
	out, err := exec.Command(needKeygen(t), args...).CombinedOutput()
	require.NoError(t, err, string(out))
	return path
}

func allowedFile(t *testing.T, dir, principal, opts, pubPath string) string {
	t.Helper()
	pub, err := os.ReadFile(pubPath)
	require.NoError(t, err)
	line := principal + " "
	if opts != "" {
		line += opts + " "
	}
	path := filepath.Join(dir, "allowed_signers")
	require.NoError(t, os.WriteFile(path, []byte("# team\n\n"+line+string(pub)), 0o600))
	return path
}

func TestSignAndVerifyAgainstSSHKeygen(t *testing.T) {
	kg := needKeygen(t)
	for _, typ := range []string{"ed25519", "ecdsa", "rsa"} {
		t.Run(typ, func(t *testing.T) {
			dir := t.TempDir()
			key := keygen(t, dir, typ, "")
			allowed := allowedFile(t, dir, `"alice@example.com,ir-team"`, `namespaces="pamctl-*"`, key+".pub")
			msg := filepath.Join(dir, "manifest.json")
			require.NoError(t, os.WriteFile(msg, []byte(`{"files":[]}`+"\n"), 0o600))

			// pamctl signs, ssh-keygen verifies.
			signer, err := LoadSigner(key, SignerOptions{})
			require.NoError(t, err)
			sig, err := Sign(bytes.NewReader(mustRead(t, msg)), signer, ns)
			require.NoError(t, err)
			assert.True(t, bytes.HasPrefix(sig, []byte("-----BEGIN SSH SIGNATURE-----\n")), string(sig))
			require.NoError(t, os.WriteFile(msg+".sig", sig, 0o600))
			cmd := exec.Command(kg, "-Y", "verify", "-f", allowed, "-I", "alice@example.com", "-n", ns, "-s", msg+".sig")
			cmd.Stdin = bytes.NewReader(mustRead(t, msg))
			out, err := cmd.CombinedOutput()
			require.NoError(t, err, string(out))
			assert.Contains(t, string(out), `Good "pamctl-evidence" signature for alice@example.com`)

			// ssh-keygen signs, pamctl verifies and names the signer.
			require.NoError(t, os.Remove(msg+".sig"))
			out, err = exec.Command(kg, "-Y", "sign", "-f", key, "-n", ns, msg).CombinedOutput()
			require.NoError(t, err, string(out))
			a, err := LoadAllowedSigners(allowed)
			require.NoError(t, err)
			who, err := Verify(bytes.NewReader(mustRead(t, msg)), mustRead(t, msg+".sig"), a, ns)
			require.NoError(t, err)
			assert.Equal(t, []string{"alice@example.com", "ir-team"}, who.Principals)
			assert.Equal(t, 3, who.Line)
			assert.Equal(t, ssh.FingerprintSHA256(signer.PublicKey()), who.Fingerprint())

			// A changed message, another namespace, a namespace the
			// allowed-signers line does not grant.
			_, err = Verify(strings.NewReader(`{"files":[1]}`+"\n"), mustRead(t, msg+".sig"), a, ns)
			assert.ErrorIs(t, err, ErrBadSignature)
			_, err = Verify(bytes.NewReader(mustRead(t, msg)), mustRead(t, msg+".sig"), a, "file")
			assert.ErrorIs(t, err, ErrBadSignature)
			other, err := Sign(bytes.NewReader(mustRead(t, msg)), signer, "other")
			require.NoError(t, err)
			a2, err := ParseAllowedSigners(strings.NewReader(`alice@example.com namespaces="file,!pamctl-*,pamctl-*" `+string(mustRead(t, key+".pub"))), "a2")
			require.NoError(t, err)
			_, err = Verify(bytes.NewReader(mustRead(t, msg)), mustRead(t, msg+".sig"), a2, ns)
			assert.ErrorIs(t, err, ErrUnknownSigner, "a negated namespace pattern wins")
			_, err = Verify(bytes.NewReader(mustRead(t, msg)), other, a, "other")
			assert.ErrorIs(t, err, ErrUnknownSigner)
		})
	}
}

func TestVerifyUnknownSigner(t *testing.T) {
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	require.NoError(t, err)
	signer, err := ssh.NewSignerFromKey(priv)
	require.NoError(t, err)
	sig, err := Sign(strings.NewReader("m"), signer, ns)
	require.NoError(t, err)
	pub2, _, err := ed25519.GenerateKey(rand.Reader)
	require.NoError(t, err)
	k2, err := ssh.NewPublicKey(pub2)
	require.NoError(t, err)
	a, err := ParseAllowedSigners(strings.NewReader("bob@example.com "+string(ssh.MarshalAuthorizedKey(k2))), "team")
	require.NoError(t, err)
	_, err = Verify(strings.NewReader("m"), sig, a, ns)
	require.ErrorIs(t, err, ErrUnknownSigner)
	assert.Contains(t, err.Error(), ssh.FingerprintSHA256(signer.PublicKey()))
	assert.Contains(t, err.Error(), "team")

	_, err = Verify(strings.NewReader("m"), []byte("not a signature"), a, ns)
	assert.ErrorIs(t, err, ErrBadSignature)
}

func TestAllowedSignersParsing(t *testing.T) {
	pub, _, err := ed25519.GenerateKey(rand.Reader)
	require.NoError(t, err)
	k, err := ssh.NewPublicKey(pub)
	require.NoError(t, err)
	line := strings.TrimSpace(string(ssh.MarshalAuthorizedKey(k)))
	t0 := time.Date(2026, 12, 4, 0, 0, 0, 0, time.UTC)
	a, err := ParseAllowedSigners(strings.NewReader(
		"ca@example.com cert-authority "+line+"\n"+
			"old@example.com valid-before=\"20260101Z\" "+line+"\n"+
			"new@example.com valid-after=\"20260601\",valid-before=\"202701010000Z\" "+line+" comment\n"), "f")
	require.NoError(t, err)
	a.Now = func() time.Time { return t0 }
	who, ok := a.find(k, ns)
	require.True(t, ok)
	assert.Equal(t, []string{"new@example.com"}, who.Principals, "a cert-authority line and an expired one name nobody")
	assert.Equal(t, 3, who.Line)

	for in, want := range map[string]string{
		"alice@example.com\n":                      "line 1: no public key",
		"alice@example.com bogus=1 " + line + "\n": `line 1: unknown option "bogus"`,
		"a valid-after=\"2026\" " + line + "\n":    "bad time",
		"# only a comment\n":                       "names no key",
	} {
		_, err := ParseAllowedSigners(strings.NewReader(in), "f")
		require.Error(t, err, in)
		assert.Contains(t, err.Error(), want)
	}
	assert.True(t, matchList("pamctl-evidence", "file,pamctl-*"))
	assert.False(t, matchList("pamctl-evidence", "pamctl-?"))
	assert.True(t, matchList("git", "g?t"))
}

func TestEncryptedKeyAndAgent(t *testing.T) {
	kg := needKeygen(t)
	dir := t.TempDir()
	key := keygen(t, dir, "ed25519", "correct horse")

	_, err := LoadSigner(key, SignerOptions{})
	require.ErrorIs(t, err, ErrPassphraseNeeded, "no agent, no terminal: refused")
	assert.Contains(t, err.Error(), "ssh-add")

	asked := 0
	s, err := LoadSigner(key, SignerOptions{Passphrase: func(p string) ([]byte, error) {
		asked++
		assert.Contains(t, p, key)
		return []byte("correct horse"), nil
	}})
	require.NoError(t, err)
	assert.Equal(t, 1, asked)
	_, err = LoadSigner(key, SignerOptions{Passphrase: func(string) ([]byte, error) { return []byte("wrong"), nil }})
	require.Error(t, err)
	cancel := errors.New("cancelled")
	_, err = LoadSigner(key, SignerOptions{Passphrase: func(string) ([]byte, error) { return nil, cancel }})
	require.ErrorIs(t, err, cancel)

	// The same key held by an agent: no question, through the private key
	// file (its public half is in clear) or the .pub file. An RSA key in the
	// agent signs too, and ssh-keygen accepts it.
	rsaKey := keygen(t, dir, "rsa", "")
	sock := serveAgent(t, key, rsaKey)
	for _, p := range []string{key, key + ".pub", rsaKey + ".pub"} {
		as, err := LoadSigner(p, SignerOptions{AgentSocket: sock, Passphrase: func(string) ([]byte, error) {
			t.Fatal("asked for a passphrase with the key in the agent")
			return nil, nil
		}})
		require.NoError(t, err, p)
		sig, err := Sign(strings.NewReader("evidence"), as, ns)
		require.NoError(t, err)
		allowed := allowedFile(t, dir, "ops@example.com", "", strings.TrimSuffix(p, ".pub")+".pub")
		sigPath := filepath.Join(dir, "m.sig")
		require.NoError(t, os.WriteFile(sigPath, sig, 0o600))
		cmd := exec.Command(kg, "-Y", "verify", "-f", allowed, "-I", "ops@example.com", "-n", ns, "-s", sigPath)
		cmd.Stdin = strings.NewReader("evidence")
		out, err := cmd.CombinedOutput()
		require.NoError(t, err, string(out))
	}
	assert.Equal(t, ssh.FingerprintSHA256(s.PublicKey()), mustFingerprint(t, key+".pub"))

	// A public key the agent does not hold, and a public key with no agent.
	other := keygen(t, dir, "ecdsa", "")
	_, err = LoadSigner(other+".pub", SignerOptions{AgentSocket: sock})
	assert.ErrorContains(t, err, "does not hold")
	_, err = LoadSigner(other+".pub", SignerOptions{})
	assert.ErrorContains(t, err, "no ssh-agent")
	require.NoError(t, os.WriteFile(filepath.Join(dir, "junk"), []byte("junk"), 0o600))
	_, err = LoadSigner(filepath.Join(dir, "junk"), SignerOptions{})
	assert.ErrorContains(t, err, "neither a private key nor a public key")
}

// serveAgent runs an in-process ssh-agent holding the given keys (the
// encrypted test key is unlocked with its passphrase) on a unix socket.
func serveAgent(t *testing.T, keys ...string) string {
	t.Helper()
	kr := agent.NewKeyring()
	for _, k := range keys {
		raw, err := ssh.ParseRawPrivateKeyWithPassphrase(mustRead(t, k), []byte("correct horse"))
		if err != nil {
			raw, err = ssh.ParseRawPrivateKey(mustRead(t, k))
		}
		require.NoError(t, err)
		require.NoError(t, kr.Add(agent.AddedKey{PrivateKey: raw}))
	}
	dir, err := os.MkdirTemp("", "agent")
	require.NoError(t, err)
	sock := filepath.Join(dir, "s")
	l, err := net.Listen("unix", sock)
	require.NoError(t, err)
	t.Cleanup(func() { l.Close(); os.RemoveAll(dir) })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func() { defer c.Close(); _ = agent.ServeAgent(kr, c) }()
		}
	}()
	return sock
}

func mustRead(t *testing.T, p string) []byte {
	t.Helper()
	b, err := os.ReadFile(p)
	require.NoError(t, err)
	return b
}

func mustFingerprint(t *testing.T, pub string) string {
	k, _, _, _, err := ssh.ParseAuthorizedKey(mustRead(t, pub))
	require.NoError(t, err)
	return ssh.FingerprintSHA256(k)
}
