package plan

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/crypto/ssh"

	"github.com/pamctl/pamctl/pkg/clock"
	"github.com/pamctl/pamctl/pkg/sshsig"
)

// Namespace is the SSH signature namespace of plans, so a plan's signature
// cannot be passed off as an evidence bundle's (pamctl-evidence) or a git
// commit's, nor the other way round.
const Namespace = "pamctl-plan"

// SigPath is where a plan's signature lives: beside it, PLAN.sig, the
// armored block `ssh-keygen -Y sign` writes. Outside the plan, so the plan
// file is signed byte for byte and `ssh-keygen -Y verify` checks it too.
func SigPath(planPath string) string { return planPath + ".sig" }

// Sign signs the plan's file content (Marshal, the exact bytes Write
// writes) with signer under Namespace; Write then puts the signature
// beside the plan. The signer comes from sshsig.LoadSigner (--sign KEY: a
// key file, or a key held by ssh-agent).
func Sign(p *Plan, signer ssh.Signer) error {
	if p.Digest != Digest(p) {
		return errors.New("plan: the plan changed after it was built; build it again")
	}
	data, err := Marshal(p)
	if err != nil {
		return err
	}
	sig, err := sshsig.Sign(bytes.NewReader(data), signer, Namespace)
	if err != nil {
		return fmt.Errorf("signing the plan: %w", err)
	}
	p.sig = sig
	return nil
}

// VerifySignature checks the signature beside the plan (SigPath of the
// path it was read from) against the allowed-signers file (OpenSSH's
// format; its valid-after/valid-before are checked at clk's time), over
// the bytes Read read. It returns the signer's principals, comma-joined,
// for Approval.SignedBy. A missing, bad or unknown signature is refused
// (*Error, ErrSignature); an allowed-signers file that cannot be read or
// parsed is a plain error (the operator's input: a usage error).
func VerifySignature(p *Plan, planPath, allowedSigners string, clk clock.Clock) (string, error) {
	return VerifySignatureIn("", p, planPath, allowedSigners, clk)
}

// VerifySignatureIn is VerifySignature with planPath and allowedSigners
// (and the signature beside the plan) read relative to dir, the user's
// working directory ("": the process's), and named as given.
func VerifySignatureIn(dir string, p *Plan, planPath, allowedSigners string, clk clock.Clock) (string, error) {
	if p.raw == nil {
		return "", errors.New("plan: VerifySignature needs a plan from Read")
	}
	allowed, err := sshsig.LoadAllowedSignersAs(inDir(dir, allowedSigners), allowedSigners)
	if err != nil {
		return "", fmt.Errorf("--allowed-signers: %w", err)
	}
	allowed.Now = clk.Now
	sigPath := SigPath(planPath)
	sig, err := os.ReadFile(inDir(dir, sigPath))
	if errors.Is(err, os.ErrNotExist) {
		return "", refuse(ErrSignature, fmt.Sprintf("plan %s is not signed (no %s beside it) and --allowed-signers asks for a signature: ask its author to sign it (--plan-out FILE --sign KEY); nothing was sent", planPath, sigPath))
	}
	if err != nil {
		return "", fmt.Errorf("reading the plan's signature: %w", err)
	}
	who, err := sshsig.Verify(bytes.NewReader(p.raw), sig, allowed, Namespace)
	switch {
	case errors.Is(err, sshsig.ErrUnknownSigner):
		return "", refuse(ErrSignature, fmt.Sprintf("plan %s is signed by a key %s does not list for %s (%v): have a listed signer sign it, or add their key to the file; nothing was sent", planPath, allowedSigners, Namespace, err))
	case err != nil:
		return "", refuse(ErrSignature, fmt.Sprintf("plan %s: its signature %s does not check (%v): the plan or its signature changed after signing; %s", planPath, sigPath, err, remedy))
	}
	return strings.Join(who.Principals, ","), nil
}

// inDir is path relative to dir (cmdutil.InDir, which this package cannot
// import): unchanged when dir is empty or path absolute.
func inDir(dir, path string) string {
	if dir == "" || filepath.IsAbs(path) {
		return path
	}
	return filepath.Join(dir, path)
}
