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
// characters, invalid UTF-8, line and paragraph separators (U+2028/2029),
// format characters (bidi, zero-width), fillers that show as blanks
// (U+3164, U+115F, U+1160, U+FFA0, ...) and combining marks that overlay
// the letter before them (U+0334..U+0338, ...) or stand alone are escaped
// as Go escapes would show them. Printable text, including non-ASCII
// letters and ordinary accents, is kept as is.
func Safe(s string) string {
	if isClean(s) {
		return s
	}
	var b strings.Builder
	prevShown := false // the rune before was printed as itself, not escaped or a space
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size <= 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
			prevShown = false
		case escaped(r) || isMark(r) && (!prevShown || overlay(r)):
			q := fmt.Sprintf("%+q", string(r))
			b.WriteString(q[1 : len(q)-1])
			prevShown = false
		default:
			b.WriteString(s[i : i+size])
			prevShown = !unicode.IsSpace(r)
		}
		i += size
	}
	return b.String()
}

func isClean(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	prevShown := false
	for _, r := range s {
		if escaped(r) || isMark(r) && (!prevShown || overlay(r)) {
			return false
		}
		prevShown = !unicode.IsSpace(r)
	}
	return true
}

// Suspicious reports text that Safe changes: it holds characters a reader
// would not see as they are (invisible, control, overlaid). Prompts mark
// such a name, so an operator does not take "db-prod-01\u3164" for
// db-prod-01.
func Suspicious(s string) bool { return Safe(s) != s }

// Marked is Safe(s), followed by " (holds invisible characters)" when s is
// Suspicious.
func Marked(s string) string {
	if Suspicious(s) {
		return Safe(s) + " (holds invisible characters)"
	}
	return s
}

// escaped reports the runes Safe always escapes.
func escaped(r rune) bool {
	return r == utf8.RuneError || unicode.IsControl(r) || IsFormat(r) || IsFiller(r) ||
		unicode.In(r, unicode.Zl, unicode.Zp)
}

// IsFormat reports Unicode format characters: bidi overrides and isolates,
// zero-width joiners, the BOM. They change how text looks without being
// seen.
func IsFormat(r rune) bool { return unicode.Is(unicode.Cf, r) }

// IsFiller reports characters that render as blank space but are letters
// or marks to Unicode, so a name can end in one unseen: the Hangul fillers
// (U+115F, U+1160, U+3164, U+FFA0), the combining grapheme joiner, the
// Mongolian vowel separator, the Braille blank and the variation selectors.
func IsFiller(r rune) bool {
	switch r {
	case 0x115F, 0x1160, 0x3164, 0xFFA0, 0x034F, 0x180E, 0x2800, 0x17B4, 0x17B5:
		return true
	}
	return unicode.Is(unicode.Variation_Selector, r)
}

func isMark(r rune) bool { return unicode.In(r, unicode.Mn, unicode.Me) }

// overlay reports combining marks drawn through or around the letter
// before them (strikethrough, slashes, enclosing circles): "db-prod-01"
// with U+0336 after each letter reads as struck out, or not at all.
func overlay(r rune) bool {
	return r >= 0x0334 && r <= 0x0338 || r >= 0x20D2 && r <= 0x20D3 || r >= 0x20D8 && r <= 0x20DA ||
		r >= 0x20E5 && r <= 0x20E6 || r >= 0x20EA && r <= 0x20EB || unicode.Is(unicode.Me, r)
}

// OneLine is s as one inert line, for a message or a comment: trimmed, each
// line break made "; ", then Safe. It is the one such renderer of pamctl's
// messages (cmdutil.Explain, notes, doctor's comments).
func OneLine(s string) string {
	s = strings.TrimSpace(s)
	s = strings.ReplaceAll(s, "\r\n", "; ")
	s = strings.ReplaceAll(s, "\n", "; ")
	return Safe(s)
}

// Plural is the count and the noun, "1 session" or "3 sessions": the noun
// gains an s unless n is 1. It is the one plural of pamctl's messages.
func Plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// Capped joins the items shown with sep and, when total is more than
// were shown, ends with " and N more": the one way a message names a few
// of many (sessions still connected, lookalike names). Callers cap what
// they collect, so a long list is never held to be cut.
func Capped(shown []string, total int, sep string) string {
	if total <= len(shown) {
		return strings.Join(shown, sep)
	}
	return fmt.Sprintf("%s and %d more", strings.Join(shown, sep), total-len(shown))
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
