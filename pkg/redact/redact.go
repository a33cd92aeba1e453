// Package redact takes secrets (the API token) out of text, however a
// server, a proxy or a log line spelled them. It decodes as it scans, so it
// finds the token
//
//   - as is, in any letter case, in compatibility forms (full-width or
//     mathematical letters: NFKC), and with its '+' form-decoded to ' ';
//   - JSON-escaped (`\/`, `\u0074`), URL-encoded once or twice (`%2F`,
//     `%252F`), as HTML character references (`&#116;`, `&#x74;`,
//     `&plus;`), each character spelled its own way;
//   - split by zero-width, format or filler characters (U+200B, U+2060,
//     U+3164, ...), themselves spelled any of those ways;
//   - as hex, and as base64 (standard or URL alphabet) at each of the three
//     alignments, so the token inside a longer base64 text, such as
//     `Bearer <token>` encoded whole, is found too; those spellings in
//     turn escaped as above.
//
// One Redactor serves the whole process: pkg/api uses it on every string
// the client hands out, and the Writer wraps every stream pamctl writes
// (stdout, stderr, the journal, export files), so a token that a server
// echoes reaches no output, whichever way it got there.
package redact

import (
	"encoding/base64"
	"encoding/hex"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Mark replaces every spelling of a secret.
const Mark = "[REDACTED]"

// minSpelling is the shortest derived spelling (hex, base64 fragment)
// searched for: shorter ones would redact ordinary text.
const minSpelling = 6

// Redactor finds its secrets in every spelling the package lists. The zero
// value and nil redact nothing. It is safe for concurrent use; Add may be
// called at any time (a client is built after the streams are wrapped).
type Redactor struct {
	mu        sync.RWMutex
	spellings [][]rune // lower-cased, decoded characters
	maxRaw    int      // the longest raw form a spelling can take, in bytes
	// start marks the ASCII bytes a spelling can begin with: the first
	// character of one in either case, and the escapes' first bytes. The
	// scan skips every other byte at once.
	start [utf8.RuneSelf]bool
}

// New returns a Redactor for secrets (empty ones are ignored).
func New(secrets ...string) *Redactor {
	r := &Redactor{}
	for _, s := range secrets {
		r.Add(s)
	}
	return r
}

// Add makes r redact secret too.
func (r *Redactor) Add(secret string) {
	if r == nil || secret == "" {
		return
	}
	forms := []string{secret}
	if len(secret) >= 4 {
		forms = append(forms, hex.EncodeToString([]byte(secret)))
		for _, enc := range []*base64.Encoding{base64.RawStdEncoding, base64.RawURLEncoding} {
			forms = append(forms, base64Inner(enc, secret)...)
		}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for i, f := range forms {
		if i > 0 && len(f) < minSpelling {
			continue
		}
		sp := []rune(strings.ToLower(f))
		if containsSpelling(r.spellings, sp) {
			continue
		}
		r.spellings = append(r.spellings, sp)
		if c := sp[0]; c < utf8.RuneSelf {
			r.start[c] = true
			r.start[unicode.ToUpper(c)] = true
			if c == '+' {
				r.start[' '] = true // form-decoded
			}
		}
		r.start['\\'], r.start['%'], r.start['&'] = true, true, true
		// A character's longest spelling: an HTML reference or a doubly
		// URL-encoded UTF-8 sequence, with a few invisibles between.
		if n := len(sp) * 48; n > r.maxRaw {
			r.maxRaw = n
		}
	}
}

func containsSpelling(have [][]rune, sp []rune) bool {
	for _, h := range have {
		if string(h) == string(sp) {
			return true
		}
	}
	return false
}

// base64Inner is the part of secret's base64 encoding that does not depend
// on the bytes around it, for each of the three alignments it can start
// at in a longer text: character i of an encoding covers bits
// [6i, 6i+6), so with k bytes before the secret the characters from
// ceil(8k/6) to floor(8(k+n)/6) are the secret's alone.
func base64Inner(enc *base64.Encoding, secret string) []string {
	var out []string
	n := len(secret)
	for k := 0; k < 3; k++ {
		full := enc.EncodeToString(append(make([]byte, k), secret...))
		from, to := (8*k+5)/6, 8*(k+n)/6
		if to > len(full) {
			to = len(full)
		}
		if from < to {
			out = append(out, full[from:to])
		}
	}
	return out
}

// MaxHold is how many bytes a Writer may hold back waiting for the end of
// a spelling that began in an earlier Write.
func (r *Redactor) MaxHold() int {
	if r == nil {
		return 0
	}
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.maxRaw
}

// Empty reports whether r has no secret.
func (r *Redactor) Empty() bool {
	if r == nil {
		return true
	}
	r.mu.RLock()
	defer r.mu.RUnlock()
	return len(r.spellings) == 0
}

// String returns s with every spelling of every secret replaced by Mark.
func (r *Redactor) String(s string) string {
	out, _ := r.scan(s, true)
	return out
}

// scan redacts s. Unless final, a spelling that may go on past the end of
// s (s ends inside it) is not part of out: hold is where it begins, and
// the caller keeps s[hold:] for the next write.
func (r *Redactor) scan(s string, final bool) (out string, hold int) {
	if r == nil || s == "" {
		return s, len(s)
	}
	r.mu.RLock()
	defer r.mu.RUnlock()
	if len(r.spellings) == 0 {
		return s, len(s)
	}
	var b strings.Builder
	last := 0
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf && !r.start[c] {
			i++
			continue
		}
		end, partial := r.matchAt(s, i, final)
		if partial && !final {
			hold = i
			if last == 0 {
				return s[:i], i
			}
			b.WriteString(s[last:i])
			return b.String(), i
		}
		if end > i {
			if last == 0 {
				b.Grow(len(s))
			}
			b.WriteString(s[last:i])
			b.WriteString(Mark)
			i, last = end, end
			continue
		}
		_, size := utf8.DecodeRuneInString(s[i:])
		i += size
	}
	if last == 0 {
		return s, len(s)
	}
	b.WriteString(s[last:])
	return b.String(), len(s)
}

// Bytes is String for a byte slice; b is returned as is when it holds no
// secret.
func (r *Redactor) Bytes(b []byte) []byte {
	if r.Empty() || len(b) == 0 {
		return b
	}
	s := string(b)
	if out := r.String(s); out != s {
		return []byte(out)
	}
	return b
}

// matchAt returns the end of the longest spelling that starts at s[i], or
// i when none does; partial when s ends inside what may be a spelling.
// Callers hold r.mu.
func (r *Redactor) matchAt(s string, i int, final bool) (end int, partial bool) {
	first, n, incomplete := decodeUnit(s, i, final)
	if incomplete {
		return i, true
	}
	if n == 0 || invisible(first) {
		return i, false
	}
	end = i
	folded := fold(first) // once, not once a spelling
	for _, sp := range r.spellings {
		if !spells(first, folded, sp[0]) {
			continue
		}
		e, p := matchRest(s, i+n, sp[1:], final)
		partial = partial || p
		if e > end {
			end = e
		}
	}
	return end, partial && end == i
}

// spells reports whether the decoded character r (folded: fold(r))
// spells want, a secret's character, lower-cased: in any letter case, in a
// compatibility form (full-width ｐ, mathematical 𝐩: NFKC folds them to
// p), and for '+', the space a form decoder makes of it.
func spells(r, folded, want rune) bool {
	return folded == want || want == '+' && r == ' '
}

// fold is r lower-cased, after NFKC when that makes one other character.
func fold(r rune) rune {
	if r < utf8.RuneSelf {
		return unicode.ToLower(r)
	}
	var buf [utf8.UTFMax]byte
	n := utf8.EncodeRune(buf[:], r)
	// A trie lookup; no allocation for the many runes that have none.
	if d := norm.NFKC.Properties(buf[:n]).Decomposition(); d != nil {
		if c, m := utf8.DecodeRune(d); m == len(d) {
			r = c
		}
	}
	return unicode.ToLower(r)
}

// matchRest matches the characters sp at s[j:], skipping invisible
// characters between them, and returns the end, or -1; partial when s
// ends before sp does.
func matchRest(s string, j int, sp []rune, final bool) (int, bool) {
	for _, want := range sp {
		for {
			r, n, incomplete := decodeUnit(s, j, final)
			if n == 0 || incomplete {
				return -1, true
			}
			j += n
			if invisible(r) {
				continue
			}
			if !spells(r, fold(r), want) {
				return -1, false
			}
			break
		}
	}
	return j, false
}
