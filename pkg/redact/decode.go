package redact

import (
	"html"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Decoding one character at a time, in any spelling the package knows.

// maxEscape is the longest single-character escape the scanner reads
// (an HTML reference is cut at 32 bytes; a UTF-8 sequence URL-encoded
// twice is 20).
const maxEscape = 33

// decodeUnit decodes one character at s[i] in any spelling the package
// knows, returning it and the bytes it took (0 at the end of s). Unless
// final, an escape or a UTF-8 sequence cut by the end of s is incomplete.
func decodeUnit(s string, i int, final bool) (r rune, n int, incomplete bool) {
	if i >= len(s) {
		return 0, 0, false
	}
	// Unless final, an escape the end of s may still change is
	// incomplete: the next write may finish it ("\u00" + "74"), or
	// extend it ("%25" + "74" is t, URL-encoded twice).
	near := !final && len(s)-i < maxEscape
	switch s[i] {
	case '\\':
		if r, n := jsonEscape(s[i:]); n > 0 {
			return r, n, false
		}
		if near {
			return 0, 0, true
		}
	case '%':
		r, n := percentRune(s[i:])
		// (A lone lead byte of a UTF-8 sequence may be waiting for its
		// continuation bytes.)
		if near && (n == 0 || !settled(s, i+n) || r >= 0x80 && r < 0x100) {
			return 0, 0, true
		}
		if n > 0 {
			return r, n, false
		}
	case '&':
		if r, n := htmlRef(s[i:]); n > 0 {
			return r, n, false
		}
		if near {
			return 0, 0, true
		}
	}
	if s[i] < utf8.RuneSelf {
		return rune(s[i]), 1, false
	}
	if !final && !utf8.FullRuneInString(s[i:]) {
		return 0, 0, true
	}
	r, n = utf8.DecodeRuneInString(s[i:])
	return r, n, false
}

// settled reports that a percent escape ending at s[end] cannot be
// extended by more input: two bytes follow it, or one that is not a hex
// digit (an escape of "%25" followed by two hex digits is read as one
// character).
func settled(s string, end int) bool {
	switch {
	case end >= len(s):
		return false
	case end+2 <= len(s):
		return true
	}
	return !isHex(s[end : end+1])
}

func jsonEscape(s string) (rune, int) {
	if len(s) < 2 {
		return 0, 0
	}
	switch s[1] {
	case '/', '\\', '"':
		return rune(s[1]), 2
	case 'u', 'U':
		if len(s) >= 6 {
			if v, ok := hexVal(s[2:6]); ok {
				return v, 6
			}
		}
	case 'x':
		if len(s) >= 4 {
			if v, ok := hexVal(s[2:4]); ok {
				return v, 4
			}
		}
	}
	return 0, 0
}

// percentByte decodes %XX, %25XX, %2525XX, ... (URL-encoded any number of
// times) at s[0].
func percentByte(s string) (byte, int) {
	j := 1
	for j+4 <= len(s) && s[j:j+2] == "25" && isHex(s[j+2:j+4]) {
		j += 2
	}
	if j+2 <= len(s) && isHex(s[j:j+2]) {
		return hexByte(s[j])<<4 | hexByte(s[j+1]), j + 2
	}
	return 0, 0
}

func isHex(s string) bool { _, ok := hexVal(s); return ok }

// percentRune decodes a URL-encoded character, gathering the %XX bytes of
// a multi-byte UTF-8 sequence.
func percentRune(s string) (rune, int) {
	b0, n := percentByte(s)
	if n == 0 {
		return 0, 0
	}
	if b0 < utf8.RuneSelf {
		return rune(b0), n
	}
	buf := []byte{b0}
	total := n
	for len(buf) < utf8.UTFMax && !utf8.FullRune(buf) {
		if total >= len(s) || s[total] != '%' {
			break
		}
		b, m := percentByte(s[total:])
		if m == 0 {
			break
		}
		buf = append(buf, b)
		total += m
	}
	r, size := utf8.DecodeRune(buf)
	if r == utf8.RuneError || size != len(buf) {
		return rune(b0), n
	}
	return r, total
}

// htmlRef decodes &#NNN;, &#xHH; and a named reference (&plus;).
func htmlRef(s string) (rune, int) {
	end := strings.IndexByte(s[:min(len(s), maxEscape)], ';')
	if end < 2 {
		return 0, 0
	}
	dec := html.UnescapeString(s[:end+1])
	r, size := utf8.DecodeRuneInString(dec)
	if size == 0 || size != len(dec) || dec == s[:end+1] {
		return 0, 0
	}
	return r, end + 1
}

// hexByte is the value of one hex digit (checked by the caller).
func hexByte(c byte) byte {
	switch {
	case c >= 'a':
		return c - 'a' + 10
	case c >= 'A':
		return c - 'A' + 10
	}
	return c - '0'
}

// hexVal reads up to four hex digits.
func hexVal(s string) (rune, bool) {
	if s == "" || len(s) > 4 {
		return 0, false
	}
	var v rune
	for i := 0; i < len(s); i++ {
		c := rune(s[i])
		switch {
		case c >= '0' && c <= '9':
			v = v*16 + c - '0'
		case c >= 'a' && c <= 'f':
			v = v*16 + c - 'a' + 10
		case c >= 'A' && c <= 'F':
			v = v*16 + c - 'A' + 10
		default:
			return 0, false
		}
	}
	return v, true
}

// invisible reports characters that render as nothing, or as a blank, and
// so can split a secret without a reader seeing it: format characters
// (zero-width space and joiners, word joiner, BOM, soft hyphen), the
// combining grapheme joiner, variation selectors and the Hangul fillers.
func invisible(r rune) bool {
	switch r {
	case 0x034F, 0x115F, 0x1160, 0x3164, 0xFFA0, 0x180E:
		return true
	}
	return unicode.Is(unicode.Cf, r) || unicode.Is(unicode.Variation_Selector, r)
}
