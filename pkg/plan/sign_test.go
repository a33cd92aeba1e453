package plan

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/ssh"

	"github.com/pamctl/pamctl/pkg/clock"
	"github.com/pamctl/pamctl/pkg/sshsig"
)

func newKey(t *testing.T) ssh.Signer {
	t.Helper()
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	require.NoError(t, err)
	s, err := ssh.NewSignerFromKey(priv)
	require.NoError(t, err)
	return s
}

// allowedFile writes an allowed-signers file with one line per principal.
func allowedFile(t *testing.T, lines map[string]ssh.Signer, options string) string {
	t.Helper()
	var b strings.Builder
	b.WriteString("# the incident team\n")
	for who, k := range lines {
		b.WriteString(who + " " + options + " " + string(ssh.MarshalAuthorizedKey(k.PublicKey())))
	}
	path := filepath.Join(t.TempDir(), "team_signers")
	require.NoError(t, os.WriteFile(path, []byte(b.String()), 0o600))
	return path
}

func signedPlan(t *testing.T, key ssh.Signer) string {
	t.Helper()
	p := build(t, userInput())
	require.NoError(t, Sign(p, key))
	return writeTemp(t, p)
}

var applyClock = clock.NewFake(t0.Add(time.Minute))

func TestSignedPlanGoodSigner(t *testing.T) {
	alice := newKey(t)
	path := signedPlan(t, alice)
	fi, err := os.Stat(SigPath(path))
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), fi.Mode().Perm())
	assert.True(t, bytes.HasPrefix(fileBytes(t, SigPath(path)), []byte("-----BEGIN SSH SIGNATURE-----")))

	allowed := allowedFile(t, map[string]ssh.Signer{"alice@example.com": alice, "bob@example.com": newKey(t)}, `namespaces="pamctl-plan"`)
	p := mustRead(t, path)
	who, err := VerifySignature(p, path, allowed, applyClock)
	require.NoError(t, err)
	assert.Equal(t, "alice@example.com", who)
}

func TestSignedPlanWrongSigner(t *testing.T) {
	path := signedPlan(t, newKey(t))
	allowed := allowedFile(t, map[string]ssh.Signer{"alice@example.com": newKey(t)}, "")
	_, err := VerifySignature(mustRead(t, path), path, allowed, applyClock)
	refused(t, err, ErrSignature, "signed by a key "+allowed+" does not list", "nothing was sent")
}

// A listed key whose line is limited to other namespaces (evidence
// bundles, say) does not sign plans.
func TestSignedPlanSignerNotForPlans(t *testing.T) {
	alice := newKey(t)
	path := signedPlan(t, alice)
	allowed := allowedFile(t, map[string]ssh.Signer{"alice@example.com": alice}, `namespaces="pamctl-evidence"`)
	_, err := VerifySignature(mustRead(t, path), path, allowed, applyClock)
	refused(t, err, ErrSignature, "does not list")
}

// A signer whose allowed-signers line expired before the apply is refused:
// the line's validity is checked at the injected clock's time.
func TestSignedPlanSignerExpired(t *testing.T) {
	alice := newKey(t)
	path := signedPlan(t, alice)
	allowed := allowedFile(t, map[string]ssh.Signer{"alice@example.com": alice}, `valid-before="20261204Z"`)
	_, err := VerifySignature(mustRead(t, path), path, allowed, applyClock)
	refused(t, err, ErrSignature)
}

// The plan re-laid out keeps its digest (same content) but not its
// signature, which covers the file's bytes.
func TestSignedPlanReformatted(t *testing.T) {
	alice := newKey(t)
	path := signedPlan(t, alice)
	var compact bytes.Buffer
	require.NoError(t, json.Compact(&compact, fileBytes(t, path)))
	require.NoError(t, os.WriteFile(path, compact.Bytes(), 0o600))
	p := mustRead(t, path)
	allowed := allowedFile(t, map[string]ssh.Signer{"alice@example.com": alice}, "")
	_, err := VerifySignature(p, path, allowed, applyClock)
	refused(t, err, ErrSignature, "does not check", "changed after signing")
}

func TestSignedPlanBadSignatures(t *testing.T) {
	alice := newKey(t)
	allowed := allowedFile(t, map[string]ssh.Signer{"alice@example.com": alice}, "")
	path := signedPlan(t, alice)
	p := mustRead(t, path)

	// Another plan's signature (the same plan made again would be the
	// same bytes: the reason differs).
	in := userInput()
	in.Reason = "INC-4313"
	op := build(t, in)
	require.NoError(t, Sign(op, alice))
	other := writeTemp(t, op)
	require.NoError(t, os.WriteFile(SigPath(path), fileBytes(t, SigPath(other)), 0o600))
	_, err := VerifySignature(p, path, allowed, applyClock)
	refused(t, err, ErrSignature, "does not check")

	// The plan's bytes signed for evidence bundles, not plans.
	sig, err := sshsig.Sign(bytes.NewReader(fileBytes(t, path)), alice, "pamctl-evidence")
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(SigPath(path), sig, 0o600))
	_, err = VerifySignature(p, path, allowed, applyClock)
	refused(t, err, ErrSignature, "namespace")

	require.NoError(t, os.WriteFile(SigPath(path), []byte("not a signature"), 0o600))
	_, err = VerifySignature(p, path, allowed, applyClock)
	refused(t, err, ErrSignature, "not an SSH signature")

	require.NoError(t, os.Remove(SigPath(path)))
	_, err = VerifySignature(p, path, allowed, applyClock)
	refused(t, err, ErrSignature, "is not signed", "--sign KEY")
}

func TestVerifySignatureInputs(t *testing.T) {
	alice := newKey(t)
	path := signedPlan(t, alice)
	_, err := VerifySignature(mustRead(t, path), path, filepath.Join(t.TempDir(), "nope"), applyClock)
	require.Error(t, err)
	var pe *Error
	assert.NotErrorAs(t, err, &pe, "a missing --allowed-signers file is the operator's input, not the plan's fault")
	assert.Contains(t, err.Error(), "--allowed-signers")

	p := build(t, userInput())
	_, err = VerifySignature(p, path, "x", applyClock)
	assert.ErrorContains(t, err, "needs a plan from Read")

	p.Max++
	assert.ErrorContains(t, Sign(p, alice), "changed after it was built")
}

// Plans interoperate with OpenSSH: `ssh-keygen -Y sign` signs a plan
// pamctl verifies, and `ssh-keygen -Y verify` checks a plan pamctl signed.
func TestSignedPlanWithSSHKeygen(t *testing.T) {
	keygen, err := exec.LookPath("ssh-keygen")
	if err != nil {
		t.Skip("ssh-keygen is not installed")
	}
	dir := t.TempDir()
	keyPath := filepath.Join(dir, "id_ed25519")
	out, err := exec.Command(keygen, "-q", "-t", "ed25519", "-N", "", "-C", "bob", "-f", keyPath).CombinedOutput()
	require.NoError(t, err, string(out))
	key, err := sshsig.LoadSigner(keyPath, sshsig.SignerOptions{})
	require.NoError(t, err)
	allowed := allowedFile(t, map[string]ssh.Signer{"bob@example.com": key}, "")

	// ssh-keygen signs, pamctl verifies.
	path := writeTemp(t, build(t, userInput()))
	out, err = exec.Command(keygen, "-Y", "sign", "-n", Namespace, "-f", keyPath, path).CombinedOutput()
	require.NoError(t, err, string(out))
	who, err := VerifySignature(mustRead(t, path), path, allowed, applyClock)
	require.NoError(t, err)
	assert.Equal(t, "bob@example.com", who)

	// pamctl signs, ssh-keygen verifies.
	path = signedPlan(t, key)
	cmd := exec.Command(keygen, "-Y", "verify", "-f", allowed, "-I", "bob@example.com", "-n", Namespace, "-s", SigPath(path))
	cmd.Stdin = bytes.NewReader(fileBytes(t, path))
	out, err = cmd.CombinedOutput()
	require.NoError(t, err, string(out))
	assert.Contains(t, string(out), "Good \"pamctl-plan\" signature for bob@example.com")
}
