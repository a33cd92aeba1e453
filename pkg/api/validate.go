package api

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// maxIDLength bounds identifiers pamctl puts into a URL. 12Port IDs are
// UUIDs (36 characters); the bound leaves room for other shapes.
const maxIDLength = 128

// ValidateID refuses an identifier that cannot safely be placed in a URL path
// segment, before any request is made: path separators, dot segments,
// whitespace, control characters, invalid UTF-8, and absurd lengths. The
// error names what was wrong; callers report it as a usage error.
func ValidateID(kind, id string) error {
	switch {
	case id == "":
		return fmt.Errorf("%s ID is empty", kind)
	case len(id) > maxIDLength:
		return fmt.Errorf("%s ID is %d bytes long; IDs are at most %d", kind, len(id), maxIDLength)
	case !utf8.ValidString(id):
		return fmt.Errorf("%s ID %q is not valid UTF-8", kind, id)
	case strings.Contains(id, "/") || strings.Contains(id, `\`):
		return fmt.Errorf("%s ID %q contains a path separator", kind, id)
	case id == ".":
		return fmt.Errorf("%s ID %q is a dot segment", kind, id)
	case strings.Contains(id, ".."):
		return fmt.Errorf("%s ID %q contains \"..\"", kind, id)
	case strings.Contains(id, "%"):
		return fmt.Errorf("%s ID %q contains a %% escape", kind, id)
	}
	for _, r := range id {
		if unicode.IsSpace(r) || unicode.IsControl(r) || r == utf8.RuneError || isFormatRune(r) {
			return fmt.Errorf("%s ID %q contains whitespace or a control character", kind, id)
		}
	}
	return nil
}

// isFormatRune reports Unicode format characters (bidi overrides, zero-width
// joiners) that make an ID look like something it is not.
func isFormatRune(r rune) bool {
	return unicode.Is(unicode.Cf, r)
}
