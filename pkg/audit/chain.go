package audit

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
)

// Anchor is the prev of the first line of a journal's chain: the line
// before it is not part of the chain (there is none, or it was written by a
// pamctl older than the chain).
const Anchor = "anchor"

// hashPrefix starts every prev that is a hash.
const hashPrefix = "sha256:"

// LineHash is the chain hash of a journal line: "sha256:" and the hex
// SHA-256 of the line's exact bytes, without its newline. The next line's
// prev holds it.
func LineHash(line []byte) string {
	sum := sha256.Sum256(line)
	return hashPrefix + hex.EncodeToString(sum[:])
}

// chainFields is the part of a line the chain reads, decoded on its own so
// a line's chain survives a change to Entry.
type chainFields struct {
	Seq  uint64 `json:"seq"`
	Prev string `json:"prev"`
}

// chained reports whether line is a journal line with chain fields, and
// returns them.
func chained(line []byte) (chainFields, bool) {
	var c chainFields
	if len(line) == 0 || line[0] != '{' || json.Unmarshal(line, &c) != nil {
		return c, false
	}
	return c, c.Seq > 0 && c.Prev != ""
}
