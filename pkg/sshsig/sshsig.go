// Package sshsig signs and verifies files the way `ssh-keygen -Y sign` and
// `ssh-keygen -Y verify` do: OpenSSH's PROTOCOL.sshsig, an armored
// "-----BEGIN SSH SIGNATURE-----" block over the SHA-512 of the message,
// bound to a namespace. The wire format is github.com/hiddeco/sshsig's; the
// keys and the agent are golang.org/x/crypto/ssh's. This package adds what
// a command needs around them: a signer from a key file or from ssh-agent
// (an encrypted key asks for its passphrase through a callback), and an
// allowed-signers file (OpenSSH's format) that decides who the signer is.
package sshsig

import (
	"bytes"
	"errors"
	"fmt"
	"io"

	hsig "github.com/hiddeco/sshsig"
	"golang.org/x/crypto/ssh"
)

// Hash is the message hash pamctl signs with, as ssh-keygen does by default.
const Hash = hsig.HashSHA512

// Sign signs the message read from m with signer under namespace and
// returns the armored signature, byte for byte what `ssh-keygen -Y sign`
// writes to a .sig file. An RSA key signs with rsa-sha2-512.
func Sign(m io.Reader, signer ssh.Signer, namespace string) ([]byte, error) {
	sig, err := hsig.Sign(m, signer, Hash, namespace)
	if err != nil {
		return nil, fmt.Errorf("signing with %s key %s: %w", signer.PublicKey().Type(), ssh.FingerprintSHA256(signer.PublicKey()), err)
	}
	return hsig.Armor(sig), nil
}

// Signer is who made a verified signature.
type Signer struct {
	// Principals are the allowed-signers line's principals (an e-mail
	// address, usually), in the file's order.
	Principals []string
	// Key is the signing public key.
	Key ssh.PublicKey
	// Line is the allowed-signers line that named the key (1-based).
	Line int
}

// Fingerprint is the key's SHA256 fingerprint, as ssh-keygen -l shows it.
func (s Signer) Fingerprint() string { return ssh.FingerprintSHA256(s.Key) }

// ErrUnknownSigner is a signature whose key no allowed-signers line accepts
// for the namespace (at the time given).
var ErrUnknownSigner = errors.New("the signing key is not an allowed signer")

// ErrBadSignature is a signature that does not match the message, or is not
// an SSH signature at all.
var ErrBadSignature = errors.New("bad signature")

// Verify checks the armored signature sig over the message read from m:
// the namespace must be namespace, the key must be accepted by an entry of
// allowed for that namespace, and the signature must match the message. It
// names the signer. Errors wrap ErrBadSignature or ErrUnknownSigner.
func Verify(m io.Reader, sig []byte, allowed *AllowedSigners, namespace string) (Signer, error) {
	s, err := hsig.Unarmor(bytes.TrimSpace(sig))
	if err != nil {
		return Signer{}, fmt.Errorf("%w: not an SSH signature: %v", ErrBadSignature, err)
	}
	if s.Namespace != namespace {
		return Signer{}, fmt.Errorf("%w: made for namespace %q, not %q", ErrBadSignature, s.Namespace, namespace)
	}
	h := s.HashAlgorithm
	if h != hsig.HashSHA512 && h != hsig.HashSHA256 {
		return Signer{}, fmt.Errorf("%w: unsupported hash %q", ErrBadSignature, h)
	}
	who, ok := allowed.find(s.PublicKey, namespace)
	if !ok {
		return Signer{}, fmt.Errorf("%w: %s key %s is not named for namespace %q in %s",
			ErrUnknownSigner, s.PublicKey.Type(), ssh.FingerprintSHA256(s.PublicKey), namespace, allowed.name)
	}
	if err := hsig.Verify(m, s, who.Key, h, namespace); err != nil {
		return Signer{}, fmt.Errorf("%w: signature by %s does not match the message: %v", ErrBadSignature, ssh.FingerprintSHA256(who.Key), err)
	}
	return who, nil
}
