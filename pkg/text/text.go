// Package text makes server-supplied strings safe to print. 12Port user and
// asset names are chosen by other people; a hostile one must not be able to
// move the cursor, recolour the terminal, set its title or reorder text.
package text

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Safe makes server-supplied text inert for a terminal: control
// characters, invalid UTF-8 and bidi/format characters are escaped as Go
// escapes would show them. Printable text, including non-ASCII letters,
// is kept as is.
func Safe(s string) string {
	clean := true
	for _, r := range s {
		if r == utf8.RuneError || unicode.IsControl(r) || IsFormat(r) {
			clean = false
			break
		}
	}
	if clean && utf8.ValidString(s) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size <= 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case unicode.IsControl(r) || IsFormat(r):
			q := fmt.Sprintf("%+q", string(r))
			b.WriteString(q[1 : len(q)-1])
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

// IsFormat reports Unicode format characters: bidi overrides and isolates,
// zero-width joiners, the BOM. They change how text looks without being
// seen.
func IsFormat(r rune) bool { return unicode.Is(unicode.Cf, r) }

// Plural is the count and the noun, "1 session" or "3 sessions": the noun
// gains an s unless n is 1. It is the one plural of pamctl's messages.
func Plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// Wrap breaks s into lines of at most width bytes, at spaces; a word longer
// than width is a line of its own.
func Wrap(s string, width int) []string {
	var lines []string
	line := ""
	for _, w := range strings.Fields(s) {
		if line != "" && len(line)+1+len(w) > width {
			lines = append(lines, line)
			line = ""
		}
		if line != "" {
			line += " "
		}
		line += w
	}
	return append(lines, line)
}
