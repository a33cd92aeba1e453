// Package audit is pamctl's local audit journal: one JSON line per session
// that a terminate run acted on, appended to
// $XDG_STATE_HOME/pamctl/audit.jsonl (mode 0600). The server keeps its own
// Events Report; the journal is the operator's side of the story (who ran
// pamctl, against which site, why, and what came back), kept even when the
// server's answer was lost. It never holds a credential: Entry has no field
// that could carry one.
//
// The lines form a hash chain: each carries its number (seq) and the
// SHA-256 of the line before it (prev), so Verify finds a line edited,
// removed, reordered, inserted or torn. The journal rotates at a size
// limit and the chain runs on into the next file. docs/journal.md
// describes the format.
package audit

import (
	"fmt"
	"path/filepath"
	"time"

	"github.com/pamctl/pamctl/pkg/config"
	"github.com/pamctl/pamctl/pkg/plan"
)

// FileName is the journal's name inside the state directory.
const FileName = "audit.jsonl"

// Entry is one journal line.
type Entry struct {
	Time     time.Time `json:"time"`
	Operator string    `json:"operator"`
	Server   string    `json:"server"`
	Session  string    `json:"session"`
	Asset    string    `json:"asset"`
	AssetID  string    `json:"assetId,omitempty"`
	User     string    `json:"user"`
	Channels []string  `json:"channels"`
	Reason   string    `json:"reason"`
	Result   string    `json:"result"`
	Verified bool      `json:"verified"`
	Error    string    `json:"error,omitempty"`
	// Requests is how many terminate requests were sent for the session
	// (2 after the one resend of an unknown outcome; absent when none).
	Requests int `json:"requests,omitempty"`
	// Method and Path are set for a raw `pamctl api` call that can change
	// state (any method but GET).
	Method string `json:"method,omitempty"`
	Path   string `json:"path,omitempty"`
	// Contract is the digest of the contract overlay the request was made
	// under (docs/contract-overlay.md); empty under the modeled contract.
	Contract string `json:"contract,omitempty"`
	// Approval is set for a line of an applied plan: its digest and who
	// planned and approved it (docs/plans.md); its members are the line's.
	*plan.Approval

	// Seq and Prev are the chain, set by Append (whatever the caller put
	// there): the line's number in the journal, counting on across rotated
	// files, and LineHash of the line before it (Anchor for the first).
	// Lines written before the chain existed have neither.
	Seq  uint64 `json:"seq,omitempty"`
	Prev string `json:"prev,omitempty"`
}

// Path is the journal's location: $XDG_STATE_HOME/pamctl/audit.jsonl, or
// ~/.local/state/pamctl/audit.jsonl when XDG_STATE_HOME is unset or not
// absolute (the XDG rule), in lookup's environment (pamctl's: the one it
// was given).
func Path(lookup func(string) (string, bool)) (string, error) {
	if v, ok := lookup("XDG_STATE_HOME"); ok && filepath.IsAbs(v) {
		return filepath.Join(v, "pamctl", FileName), nil
	}
	home, ok := lookup("HOME")
	if !ok || !filepath.IsAbs(home) {
		h, err := config.HomeDir(lookup)
		if err != nil {
			return "", fmt.Errorf("audit journal: no XDG_STATE_HOME and no home directory: %w", err)
		}
		home = h
	}
	return filepath.Join(home, ".local", "state", "pamctl", FileName), nil
}
