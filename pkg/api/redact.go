package api

import (
	"encoding/base64"
	"fmt"
	"regexp"
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
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.URLEncoding, base64.RawStdEncoding, base64.RawURLEncoding} {
		b.WriteString("|" + regexp.QuoteMeta(enc.EncodeToString([]byte(token))))
	}
	return &redactor{re: regexp.MustCompile(b.String())}
}

func (r *redactor) redact(s string) string {
	if r == nil || r.re == nil || s == "" {
		return s
	}
	return r.re.ReplaceAllLiteralString(s, redacted)
}
