package api

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// redactor finds the token in any of the spellings a server, a proxy or a
// log line may give it: as is, JSON-escaped (`\/`, `\u002b`), URL-encoded
// (`%2F`, `%2f`, `+` for a space), or base64-encoded. Every string the
// client hands out (error messages, debug lines, raw bodies) goes through
// it, so the token cannot reach stdout, stderr or the audit journal
// whatever a server echoes.
type redactor struct {
	re *regexp.Regexp
	// hints are literals one of which every spelling contains (the
	// token's longest run of letters and digits, which no encoding
	// escapes, and its base64 forms): text holding none of them is
	// returned without running the pattern, so whole bodies can be
	// redacted cheaply.
	hints []string
}

func newRedactor(token string) *redactor {
	if token == "" {
		return &redactor{}
	}
	var b strings.Builder
	b.WriteString("(?:")
	for _, r := range token {
		b.WriteString("(?:")
		b.WriteString(regexp.QuoteMeta(string(r)))
		if r < 0x80 {
			fmt.Fprintf(&b, `|(?i:\\u00%02x)|(?i:%%%02x)`, r, r)
			if r == '/' {
				b.WriteString(`|\\/`)
			}
			if r == ' ' {
				b.WriteString(`|\+`)
			}
		}
		b.WriteString(")")
	}
	b.WriteString(")")
	var hints []string
	if run := longestAlnumRun(token); len(run) >= 4 {
		hints = append(hints, run)
	}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.URLEncoding, base64.RawStdEncoding, base64.RawURLEncoding} {
		b64 := enc.EncodeToString([]byte(token))
		b.WriteString("|" + regexp.QuoteMeta(b64))
		hints = append(hints, b64)
	}
	r := &redactor{re: regexp.MustCompile(b.String())}
	if len(hints) > 4 {
		// Without an alphanumeric run, no literal is in every spelling:
		// always run the pattern.
		r.hints = hints
	}
	return r
}

func longestAlnumRun(s string) string {
	best, start := "", -1
	for i := 0; i <= len(s); i++ {
		alnum := i < len(s) && (s[i] >= 'a' && s[i] <= 'z' || s[i] >= 'A' && s[i] <= 'Z' || s[i] >= '0' && s[i] <= '9')
		switch {
		case alnum && start < 0:
			start = i
		case !alnum && start >= 0:
			if i-start > len(best) {
				best = s[start:i]
			}
			start = -1
		}
	}
	return best
}

func (r *redactor) redact(s string) string {
	if r == nil || r.re == nil || s == "" || !r.mayHold(s) {
		return s
	}
	return r.re.ReplaceAllLiteralString(s, redacted)
}

// redactBytes is redact for a body, copying only when something is found.
func (r *redactor) redactBytes(b []byte) []byte {
	if r == nil || r.re == nil || len(b) == 0 {
		return b
	}
	if r.hints != nil && !slices.ContainsFunc(r.hints, func(h string) bool { return bytes.Contains(b, []byte(h)) }) {
		return b
	}
	return r.re.ReplaceAllLiteral(b, []byte(redacted))
}

func (r *redactor) mayHold(s string) bool {
	if r.hints == nil {
		return true
	}
	for _, h := range r.hints {
		if strings.Contains(s, h) {
			return true
		}
	}
	return false
}
