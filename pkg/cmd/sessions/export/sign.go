package export

import (
	"bytes"
	"errors"
	"fmt"
	"os"

	"golang.org/x/crypto/ssh"

	"github.com/pamctl/pamctl/pkg/cmdutil"
	"github.com/pamctl/pamctl/pkg/sshsig"
)

// The signature of a bundle: manifest.json signed as `ssh-keygen -Y sign
// -n pamctl-evidence` signs it, beside it. The manifest holds the sha256 of
// every other file, so the signature covers the whole bundle; it is the one
// file the manifest does not list.
const (
	SignatureFile      = ManifestFile + ".sig"
	SignatureNamespace = "pamctl-evidence"
)

// loadSigner opens the --sign key before anything is requested, so a key
// that cannot sign changes nothing: a private key file, or a key held by
// ssh-agent ($SSH_AUTH_SOCK); an encrypted key not in the agent asks for
// its passphrase on a terminal, and is refused without one.
func loadSigner(opts *ExportOptions) (ssh.Signer, error) {
	if opts.Sign == "" {
		return nil, nil
	}
	so := sshsig.SignerOptions{}
	if opts.LookupEnv != nil {
		so.AgentSocket, _ = opts.LookupEnv("SSH_AUTH_SOCK")
	}
	if opts.IO != nil && opts.IO.CanPrompt() && opts.Prompter != nil {
		so.Passphrase = func(prompt string) ([]byte, error) {
			p, err := opts.Prompter().Password(prompt)
			return []byte(p), err
		}
	}
	s, err := sshsig.LoadSignerAs(cmdutil.InDir(opts.Dir, opts.Sign), opts.Sign, so)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return nil, cmdutil.FlagErrorf("--sign %s: no such key file", opts.Sign)
	case errors.Is(err, cmdutil.ErrCancel):
		return nil, err
	case err != nil:
		return nil, &cmdutil.FlagError{Err: fmt.Errorf("--sign: %w", err)}
	}
	return s, nil
}

// signManifest adds manifest.json.sig, the signature of manifest (the
// exact bytes written as manifest.json).
func signManifest(b *bundle, signer ssh.Signer, manifest []byte) error {
	sig, err := sshsig.Sign(bytes.NewReader(manifest), signer, SignatureNamespace)
	if err != nil {
		return err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.done {
		return errors.New("the bundle was abandoned")
	}
	if err := b.write(SignatureFile, sig); err != nil {
		return fmt.Errorf("writing %s of the bundle: %w", SignatureFile, err)
	}
	return nil
}

// checkSignature verifies manifest.json.sig against the allowed-signers
// file and names the signer. Without --allowed-signers it only says
// whether the bundle is signed.
func checkSignature(dir, bundlePath string, files map[string][]byte, allowedPath string) (string, error) {
	sig, signed := files[SignatureFile]
	if allowedPath == "" {
		if signed {
			return "signed, signature not checked (give --allowed-signers FILE to check it)", nil
		}
		return "not signed", nil
	}
	if !signed {
		return "", fmt.Errorf("%s has no %s: it is not signed", bundlePath, SignatureFile)
	}
	allowed, err := sshsig.LoadAllowedSignersAs(cmdutil.InDir(dir, allowedPath), allowedPath)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return "", cmdutil.FlagErrorf("--allowed-signers %s: no such file", allowedPath)
		}
		return "", &cmdutil.FlagError{Err: err}
	}
	who, err := sshsig.Verify(bytes.NewReader(files[ManifestFile]), sig, allowed, SignatureNamespace)
	if err != nil {
		return "", fmt.Errorf("%s: %s: %w", bundlePath, SignatureFile, err)
	}
	return fmt.Sprintf("signed by %s (%s key %s, %s line %d)", joinPrincipals(who.Principals), who.Key.Type(), who.Fingerprint(), allowedPath, who.Line), nil
}

func joinPrincipals(p []string) string {
	var b bytes.Buffer
	for i, s := range p {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(s)
	}
	return b.String()
}

// verifyExtras checks what --verify checks beyond the manifest: the
// journal lines against their chain hashes, and the signature (against
// --allowed-signers). It words each result.
func verifyExtras(opts *ExportOptions) (signature, journal string, err error) {
	files, _, err := readBundle(cmdutil.InDir(opts.Dir, opts.Verify))
	if err != nil {
		return "", "", fmt.Errorf("bundle does not verify: %w", err)
	}
	n, err := checkJournalProof(opts.Verify, files)
	if err != nil {
		return "", "", fmt.Errorf("bundle does not verify: %w", err)
	}
	journal = fmt.Sprintf("%d journal lines match their chain hashes", n)
	if n == 1 {
		journal = "1 journal line matches its chain hash"
	}
	signature, err = checkSignature(opts.Dir, opts.Verify, files, opts.AllowedSigners)
	if err != nil {
		var fe *cmdutil.FlagError
		if errors.As(err, &fe) {
			return "", "", err
		}
		return "", "", fmt.Errorf("bundle does not verify: %w", err)
	}
	return signature, journal, nil
}
