package plan

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
)

// digestPrefix names the hash, so a later format can change it.
const digestPrefix = "sha256:"

// Canonical is the plan's canonical encoding, the bytes its digest covers:
//
//   - the plan without its "digest" member;
//   - compact JSON (no insignificant whitespace, no trailing newline);
//   - members in the order the format defines them (the order of the Plan
//     struct's fields, which is the order pamctl writes), absent optional
//     members left out, arrays in their order;
//   - strings as Go's encoding/json writes them with HTML escaping off:
//     `"`, `\` and control characters escaped, U+2028 and U+2029 as
//     \u2028 and \u2029, everything else as UTF-8;
//   - times in RFC 3339, UTC, whole seconds for the plan's own times.
//
// It is computed from the decoded plan, not from the file's bytes, so
// indentation and member order in the file do not matter, and a member the
// format does not define is refused when the plan is read. For a plan
// pamctl wrote whose strings hold no DEL, U+2028 or U+2029 (which jq
// escapes differently), `jq -cj 'del(.digest)' PLAN | sha256sum` gives the
// same digest (docs/plans.md).
func Canonical(p *Plan) []byte {
	c := *p
	c.Digest = ""
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	// Every field of Plan has a type encoding/json encodes without error.
	_ = enc.Encode(&c)
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
}

// Digest is "sha256:" and the hex SHA-256 of Canonical(p).
func Digest(p *Plan) string {
	sum := sha256.Sum256(Canonical(p))
	return digestPrefix + hex.EncodeToString(sum[:])
}
