package export

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/ssh"

	"github.com/pamctl/pamctl/pkg/audit"
	"github.com/pamctl/pamctl/pkg/cmdutil"
	"github.com/pamctl/pamctl/pkg/prompt"
)

// signedFixture exports bwilliams' sessions with a journal of four lines
// (two selected) and an Ed25519 key, and returns the bundle's path and the
// allowed-signers file.
func signedFixture(t *testing.T) (*fixture, string, string) {
	t.Helper()
	fx := newFixture(t, nil)
	j, err := audit.Open(filepath.Join(fx.state, "pamctl", audit.FileName))
	require.NoError(t, err)
	client, err := fx.opts.APIClient()
	require.NoError(t, err)
	server := client.Server() // an export keeps only lines of its own server
	require.NoError(t, j.Append(
		audit.Entry{Time: now.Add(-20 * time.Minute), Operator: "admin", Server: server, Session: sess01, User: "bwilliams", Result: "failed"},
		audit.Entry{Time: now.Add(-15 * time.Minute), Operator: "admin", Server: server, Session: sess05, User: "asmith", Result: "terminated"},
		audit.Entry{Time: now.Add(-10 * time.Minute), Operator: "admin", Server: server, Session: sess01, User: "bwilliams", Result: "terminated"},
	))
	require.NoError(t, j.Close())

	_, priv, err := ed25519.GenerateKey(rand.Reader)
	require.NoError(t, err)
	block, err := ssh.MarshalPrivateKey(priv, "test")
	require.NoError(t, err)
	key := filepath.Join(fx.dir, "id_ed25519")
	require.NoError(t, os.WriteFile(key, pemBytes(t, block.Type, block.Bytes), 0o600))
	signer, err := ssh.NewSignerFromKey(priv)
	require.NoError(t, err)
	allowed := filepath.Join(fx.dir, "allowed_signers")
	require.NoError(t, os.WriteFile(allowed, []byte("alice@example.com "+string(ssh.MarshalAuthorizedKey(signer.PublicKey()))), 0o600))

	fx.opts.User, fx.opts.Out, fx.opts.Sign = "bwilliams", fx.path("bundle"), key
	require.NoError(t, exportRun(context.Background(), fx.opts))
	return fx, fx.path("bundle"), allowed
}

func TestSignedBundle(t *testing.T) {
	fx, bundle, allowed := signedFixture(t)
	var p JournalProof
	readJSON(t, filepath.Join(bundle, JournalProofFile), &p)
	journal, err := os.ReadFile(filepath.Join(bundle, JournalFile))
	require.NoError(t, err)
	lines := strings.Split(strings.TrimSuffix(string(journal), "\n"), "\n")
	require.Len(t, lines, 2)
	require.Len(t, p.Lines, 2)
	assert.Equal(t, ProofLine{Seq: 1, Hash: audit.LineHash([]byte(lines[0])), Prev: audit.Anchor, Next: audit.LineHash([]byte(lines[0]))}, p.Lines[0],
		"the journal's second line (not exported) names the first")
	assert.Equal(t, ProofHead{Seq: 3, Hash: audit.LineHash([]byte(lines[1]))}, p.Head)
	assert.Empty(t, p.Lines[1].Next, "the head has no successor yet")

	v := &ExportOptions{IO: fx.opts.IO, Verify: bundle, AllowedSigners: allowed}
	fx.errOut.Reset()
	require.NoError(t, verifyRun(v))
	assert.Contains(t, fx.errOut.String(), "ok: 2 journal lines match their chain hashes; signed by alice@example.com (ssh-ed25519 key SHA256:")

	// The real ssh-keygen accepts the signature.
	if kg, err := exec.LookPath("ssh-keygen"); err == nil {
		cmd := exec.Command(kg, "-Y", "verify", "-f", allowed, "-I", "alice@example.com", "-n", SignatureNamespace, "-s", filepath.Join(bundle, SignatureFile))
		m, err := os.Open(filepath.Join(bundle, ManifestFile))
		require.NoError(t, err)
		defer m.Close()
		cmd.Stdin = m
		out, err := cmd.CombinedOutput()
		require.NoError(t, err, string(out))
	}

	// A journal line edited in the bundle, with the manifest's checksum
	// rewritten to match: the proof catches it.
	lines[1] = strings.Replace(lines[1], `"result":"terminated"`, `"result":"failed"`, 1)
	rewrite(t, bundle, JournalFile, []byte(strings.Join(lines, "\n")+"\n"))
	err = verifyRun(&ExportOptions{IO: fx.opts.IO, Verify: bundle})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "journal.jsonl line 2 was altered")
	// And the manifest rewritten that way no longer matches its signature.
	err = verifyRun(&ExportOptions{IO: fx.opts.IO, Verify: bundle, AllowedSigners: allowed})
	require.Error(t, err)
}

func TestVerifyProofFindsABrokenChain(t *testing.T) {
	// A line whose successor in the journal did not name it (the journal
	// was edited before the export) fails --verify.
	line := []byte(`{"session":"s","seq":4,"prev":"sha256:00"}`)
	p := JournalProof{Head: ProofHead{Seq: 9, Hash: "sha256:ff"}, Lines: []ProofLine{{Seq: 4, Hash: audit.LineHash(line), Prev: "sha256:00", Next: "sha256:11"}}}
	raw, err := json.Marshal(p)
	require.NoError(t, err)
	files := map[string][]byte{JournalFile: append(line, '\n'), JournalProofFile: raw}
	_, err = checkJournalProof("b", files)
	assert.ErrorContains(t, err, "the journal's next line did not name it")
	p.Lines[0].Next = p.Lines[0].Hash
	raw, _ = json.Marshal(p)
	files[JournalProofFile] = raw
	n, err := checkJournalProof("b", files)
	require.NoError(t, err)
	assert.Equal(t, 1, n)
	delete(files, JournalProofFile)
	_, err = checkJournalProof("b", files)
	assert.ErrorContains(t, err, "there is no journal-proof.json")
}

func TestSignRefusesAnEncryptedKeyWithoutATerminal(t *testing.T) {
	fx := newFixture(t, nil)
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	require.NoError(t, err)
	block, err := ssh.MarshalPrivateKeyWithPassphrase(priv, "test", []byte("pw"))
	require.NoError(t, err)
	key := filepath.Join(fx.dir, "locked")
	require.NoError(t, os.WriteFile(key, pemBytes(t, block.Type, block.Bytes), 0o600))
	fx.opts.User, fx.opts.Out, fx.opts.Sign = "bwilliams", fx.path("bundle"), key
	fx.opts.Prompter = func() prompt.Prompter {
		t.Fatal("asked without a terminal")
		return nil
	}
	err = exportRun(context.Background(), fx.opts)
	var fe *cmdutil.FlagError
	require.ErrorAs(t, err, &fe)
	assert.Contains(t, err.Error(), "no terminal can ask for its passphrase")
	assert.Empty(t, fx.sim.Requests(), "nothing was requested")
	assert.NoFileExists(t, fx.path("bundle"))

	// On a terminal the passphrase is asked for.
	fx.opts.IO.SetStdinTTY(true)
	fx.opts.IO.SetStdoutTTY(true)
	fx.opts.IO.SetStderrTTY(true)
	fx.opts.Prompter = func() prompt.Prompter {
		return &prompt.Stub{PasswordFunc: func(string) (string, error) { return "pw", nil }}
	}
	require.NoError(t, exportRun(context.Background(), fx.opts))
	assert.FileExists(t, filepath.Join(fx.path("bundle"), SignatureFile))
}

func rewrite(t *testing.T, bundle, name string, data []byte) {
	t.Helper()
	require.NoError(t, os.WriteFile(filepath.Join(bundle, name), data, 0o600))
	var m Manifest
	readJSON(t, filepath.Join(bundle, ManifestFile), &m)
	for i := range m.Files {
		if m.Files[i].Path == name {
			sum := sha256.Sum256(data)
			m.Files[i].SHA256, m.Files[i].Bytes = hex.EncodeToString(sum[:]), int64(len(data))
		}
	}
	b, err := json.MarshalIndent(m, "", "  ")
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(bundle, ManifestFile), b, 0o600))
}

func pemBytes(t *testing.T, typ string, b []byte) []byte {
	t.Helper()
	return pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: b})
}
