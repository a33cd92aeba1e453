package sshsig

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"
	"time"

	"golang.org/x/crypto/ssh"
)

// AllowedSigners is a parsed allowed-signers file (ssh-keygen(1), "ALLOWED
// SIGNERS"): one key per line, "principals [options] keytype base64
// [comment]", with '#' comments. The options pamctl honours are
// namespaces="pattern,..." and valid-after/valid-before; a cert-authority
// line is kept out (pamctl does not verify certificate signatures), so it
// never names a signer.
type AllowedSigners struct {
	name    string
	entries []allowedEntry
	// Now is the time valid-after and valid-before are checked against
	// (time.Now when nil).
	Now func() time.Time
}

type allowedEntry struct {
	principals []string
	namespaces string // pattern list; empty: any namespace
	after      time.Time
	before     time.Time
	key        ssh.PublicKey
	line       int
}

// LoadAllowedSigners reads and parses the allowed-signers file at path.
func LoadAllowedSigners(path string) (*AllowedSigners, error) {
	return LoadAllowedSignersAs(path, path)
}

// LoadAllowedSignersAs is LoadAllowedSigners with the file called name in
// errors (the path as the user gave it, when path was resolved from it).
func LoadAllowedSignersAs(path, name string) (*AllowedSigners, error) {
	f, err := os.Open(path)
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			pe.Path = name
		}
		return nil, fmt.Errorf("allowed signers: %w", err)
	}
	defer f.Close()
	return ParseAllowedSigners(f, name)
}

// ParseAllowedSigners parses an allowed-signers file read from r; name is
// what errors call it. A line that does not parse is an error naming it: a
// file that silently lost a signer would make a valid signature look
// forged.
func ParseAllowedSigners(r io.Reader, name string) (*AllowedSigners, error) {
	a := &AllowedSigners{name: name}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || line[0] == '#' {
			continue
		}
		e, ca, err := parseAllowedLine(line)
		if err != nil {
			return nil, fmt.Errorf("allowed signers %s line %d: %w", name, n, err)
		}
		if ca {
			continue
		}
		e.line = n
		a.entries = append(a.entries, e)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("allowed signers %s: %w", name, err)
	}
	if len(a.entries) == 0 {
		return nil, fmt.Errorf("allowed signers %s names no key", name)
	}
	return a, nil
}

func parseAllowedLine(line string) (e allowedEntry, ca bool, err error) {
	field, rest := nextField(line)
	if field == "" {
		return e, false, fmt.Errorf("no principals")
	}
	for _, p := range strings.Split(strings.Trim(field, `"`), ",") {
		if p = strings.TrimSpace(p); p != "" {
			e.principals = append(e.principals, p)
		}
	}
	// ParseAuthorizedKey takes "[options] keytype base64 [comment]", the
	// same shape as the rest of an allowed-signers line.
	key, _, opts, _, err := ssh.ParseAuthorizedKey([]byte(rest))
	if err != nil {
		return e, false, fmt.Errorf("no public key: %w", err)
	}
	e.key = key
	for _, o := range opts {
		name, val, _ := strings.Cut(o, "=")
		val = strings.Trim(val, `"`)
		switch strings.ToLower(name) {
		case "cert-authority":
			ca = true
		case "namespaces":
			e.namespaces = val
		case "valid-after":
			if e.after, err = parseSSHTime(val); err != nil {
				return e, false, err
			}
		case "valid-before":
			if e.before, err = parseSSHTime(val); err != nil {
				return e, false, err
			}
		default:
			return e, false, fmt.Errorf("unknown option %q", name)
		}
	}
	return e, ca, nil
}

// nextField splits off the first whitespace-separated field, honouring
// double quotes.
func nextField(s string) (field, rest string) {
	quoted := false
	for i, r := range s {
		switch {
		case r == '"':
			quoted = !quoted
		case !quoted && (r == ' ' || r == '\t'):
			return s[:i], strings.TrimSpace(s[i:])
		}
	}
	return s, ""
}

// parseSSHTime reads ssh-keygen's YYYYMMDD[HHMM[SS]][Z] (local time
// unless Z).
func parseSSHTime(s string) (time.Time, error) {
	loc := time.Local
	if strings.HasSuffix(s, "Z") || strings.HasSuffix(s, "z") {
		s, loc = s[:len(s)-1], time.UTC
	}
	layouts := map[int]string{8: "20060102", 12: "200601021504", 14: "20060102150405"}
	if l, ok := layouts[len(s)]; ok {
		if t, err := time.ParseInLocation(l, s, loc); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("bad time %q (want YYYYMMDD[HHMM[SS]][Z])", s)
}

func (a *AllowedSigners) find(key ssh.PublicKey, namespace string) (Signer, bool) {
	now := time.Now()
	if a.Now != nil {
		now = a.Now()
	}
	want := key.Marshal()
	for _, e := range a.entries {
		if !bytes.Equal(e.key.Marshal(), want) {
			continue
		}
		if e.namespaces != "" && !matchList(namespace, e.namespaces) {
			continue
		}
		if (!e.after.IsZero() && now.Before(e.after)) || (!e.before.IsZero() && !now.Before(e.before)) {
			continue
		}
		return Signer{Principals: e.principals, Key: e.key, Line: e.line}, true
	}
	return Signer{}, false
}

// matchList is OpenSSH's match_pattern_list: s matches a comma-separated
// list of wildcard patterns ('*', '?') when one pattern matches and no
// negated one ('!pattern') does.
func matchList(s, list string) bool {
	got := false
	for _, p := range strings.Split(list, ",") {
		p = strings.TrimSpace(p)
		neg := strings.HasPrefix(p, "!")
		if neg {
			p = p[1:]
		}
		if wildcard(p, s) {
			if neg {
				return false
			}
			got = true
		}
	}
	return got
}

func wildcard(p, s string) bool {
	for len(p) > 0 {
		switch p[0] {
		case '*':
			for i := len(s); i >= 0; i-- {
				if wildcard(p[1:], s[i:]) {
					return true
				}
			}
			return false
		case '?':
			if s == "" {
				return false
			}
		default:
			if s == "" || s[0] != p[0] {
				return false
			}
		}
		p, s = p[1:], s[1:]
	}
	return s == ""
}
