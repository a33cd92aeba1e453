package audit

import (
	"bytes"
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
	if c, ok := chainTail(line); ok {
		return c, true
	}
	var c chainFields
	if len(line) == 0 || line[0] != '{' || json.Unmarshal(line, &c) != nil {
		return c, false
	}
	return c, c.Seq > 0 && c.Prev != ""
}

// chainTail reads the chain fields where pamctl writes them, last:
// ...,"seq":N,"prev":"X"}. Reading the whole line as JSON is what Verify
// would otherwise spend most of its time on. It does not check the rest
// of the line (the caller does), and gives up on anything else.
func chainTail(line []byte) (chainFields, bool) {
	var c chainFields
	i := bytes.LastIndex(line, []byte(`,"seq":`))
	if i < 0 || !bytes.HasSuffix(line, []byte(`"}`)) {
		return c, false
	}
	rest := line[i+len(`,"seq":`) : len(line)-2]
	num, prev, ok := bytes.Cut(rest, []byte(`,"prev":"`))
	if !ok || len(num) == 0 || len(num) > 19 || len(prev) == 0 || bytes.ContainsAny(prev, `\"`) {
		return c, false
	}
	for _, d := range num {
		if d < '0' || d > '9' {
			return c, false
		}
		c.Seq = c.Seq*10 + uint64(d-'0')
	}
	c.Prev = string(prev)
	return c, c.Seq > 0
}

// LineAt is where a chained line is and its hash.
type LineAt struct {
	File string
	Line int
	Hash string
}

// FindSeqs reads the journal at path and returns, for each seq of want
// that a chained line carries, where that line is and its hash (the first
// such line). It reads one line at a time.
func FindSeqs(path string, want map[uint64]bool) (map[uint64]LineAt, error) {
	found := map[uint64]LineAt{}
	err := scanLines(path, false, func(l *Line) error {
		if c, ok := chained(l.Raw); ok && l.OK && want[c.Seq] {
			if _, dup := found[c.Seq]; !dup {
				found[c.Seq] = LineAt{File: l.File, Line: l.N, Hash: LineHash(l.Raw)}
			}
		}
		return nil
	})
	return found, err
}
