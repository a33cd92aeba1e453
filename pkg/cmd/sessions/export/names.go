package export

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
)

// sessionEventsName is the file of a session's events in the bundle:
// session-events/<encoded ID>.json. The encoding keeps lower-case ASCII
// letters, digits and "-" (so a lower-case UUID is its own name) and
// writes every other byte as %XX (upper-case hex). It is injective, so IDs
// that differ only in case, ASCII or Unicode ("K" and the Kelvin sign
// U+212A), get different files, also on a file system that ignores case;
// and no name holds a separator or a dot, so none leaves the bundle. An
// encoding longer than maxNameBytes (file systems take 255) is replaced by
// "%sha256-<hex of the ID's SHA-256>": "%s" is never the start of an
// escape, so such a name cannot equal an encoded one.
func sessionEventsName(id string) string {
	var b strings.Builder
	for i := 0; i < len(id); i++ {
		c := id[i]
		if c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' {
			b.WriteByte(c)
			continue
		}
		fmt.Fprintf(&b, "%%%02X", c)
	}
	name := b.String()
	if len(name) > maxNameBytes {
		sum := sha256.Sum256([]byte(id))
		name = "%sha256-" + hex.EncodeToString(sum[:])
	}
	return SessionEventsDir + "/" + name + ".json"
}

// maxNameBytes is the longest encoded ID used as a file name.
const maxNameBytes = 200
