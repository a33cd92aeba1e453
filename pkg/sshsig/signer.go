package sshsig

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"os"
	"strings"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/agent"
)

// SignerOptions say where a key may come from besides its file.
type SignerOptions struct {
	// AgentSocket is ssh-agent's socket ($SSH_AUTH_SOCK); empty: no agent.
	AgentSocket string
	// Passphrase asks for an encrypted key's passphrase (on a terminal);
	// nil when none can be asked, and an encrypted key not in the agent
	// is then refused.
	Passphrase func(prompt string) ([]byte, error)
}

// ErrPassphraseNeeded is an encrypted key that could not be unlocked: it
// is not in ssh-agent and no terminal can ask for its passphrase.
var ErrPassphraseNeeded = errors.New("the key is encrypted")

// LoadSigner returns the signer for the key at path, the way
// `ssh-keygen -Y sign -f path` finds it: path is a private key file
// (Ed25519, ECDSA or RSA; OpenSSH or PEM format), or a public key file
// (or a private key whose .pub sits beside it) of a key held by ssh-agent.
// A key the agent holds is used through the agent, so an encrypted key
// loaded into the agent needs no passphrase; otherwise an encrypted key
// asks for its passphrase through opts.Passphrase, and is refused
// (ErrPassphraseNeeded) without one.
func LoadSigner(path string, opts SignerOptions) (ssh.Signer, error) {
	return LoadSignerAs(path, path, opts)
}

// LoadSignerAs is LoadSigner with the key called name in messages (the
// path as the user gave it, when path was resolved from it).
func LoadSignerAs(path, name string, opts SignerOptions) (ssh.Signer, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("signing key: %w", err)
	}
	priv, perr := ssh.ParsePrivateKey(data)
	if perr == nil {
		return priv, nil
	}
	var missing *ssh.PassphraseMissingError
	encrypted := errors.As(perr, &missing)
	pub := publicKeyOf(path, data, missing)
	if pub == nil && !encrypted {
		return nil, fmt.Errorf("signing key %s is neither a private key nor a public key: %v", name, perr)
	}
	if pub != nil && opts.AgentSocket != "" {
		s, err := agentSigner(opts.AgentSocket, pub)
		if err == nil {
			return s, nil
		}
		if !encrypted {
			return nil, fmt.Errorf("signing key %s: %w", name, err)
		}
	}
	if !encrypted {
		return nil, fmt.Errorf("signing key %s is a public key and no ssh-agent is running (SSH_AUTH_SOCK is unset): give the private key, or add it to ssh-agent", name)
	}
	if opts.Passphrase == nil {
		return nil, fmt.Errorf("%w: %s is not in ssh-agent and no terminal can ask for its passphrase: run ssh-add %s, or sign from a terminal", ErrPassphraseNeeded, name, name)
	}
	pass, err := opts.Passphrase(fmt.Sprintf("Passphrase for %s:", name))
	if err != nil {
		return nil, err
	}
	s, err := ssh.ParsePrivateKeyWithPassphrase(data, pass)
	clear(pass)
	if err != nil {
		return nil, fmt.Errorf("signing key %s: %w", name, err)
	}
	return s, nil
}

// publicKeyOf finds the public half of the key at path: the file itself if
// it is a public key, the public key an encrypted OpenSSH key carries in
// clear, or path.pub.
func publicKeyOf(path string, data []byte, missing *ssh.PassphraseMissingError) ssh.PublicKey {
	if k, _, _, _, err := ssh.ParseAuthorizedKey(data); err == nil {
		return k
	}
	if missing != nil && missing.PublicKey != nil {
		return missing.PublicKey
	}
	if strings.HasSuffix(path, ".pub") {
		return nil
	}
	if b, err := os.ReadFile(path + ".pub"); err == nil {
		if k, _, _, _, err := ssh.ParseAuthorizedKey(b); err == nil {
			return k
		}
	}
	return nil
}

// agentSigner returns ssh-agent's signer for pub.
func agentSigner(socket string, pub ssh.PublicKey) (ssh.Signer, error) {
	conn, err := net.Dial("unix", socket)
	if err != nil {
		return nil, fmt.Errorf("ssh-agent at SSH_AUTH_SOCK: %w", err)
	}
	// The connection lives as long as the signer: the process is short.
	signers, err := agent.NewClient(conn).Signers()
	if err != nil {
		conn.Close()
		return nil, fmt.Errorf("ssh-agent: %w", err)
	}
	want := pub.Marshal()
	for _, s := range signers {
		if bytes.Equal(s.PublicKey().Marshal(), want) {
			return s, nil
		}
	}
	conn.Close()
	return nil, fmt.Errorf("ssh-agent does not hold key %s", ssh.FingerprintSHA256(pub))
}
