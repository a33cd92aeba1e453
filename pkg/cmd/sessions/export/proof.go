package export

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/pamctl/pamctl/pkg/audit"
)

// JournalProofFile holds the chain hashes of the journal lines in the
// bundle: enough to show, with `pamctl audit verify` on the operator's
// journal or by hand, that they are the journal's lines, unaltered.
const JournalProofFile = "journal-proof.json"

// JournalProof is journal-proof.json.
type JournalProof struct {
	// Journal is where the lines were read.
	Journal string `json:"journal"`
	// Head is the journal's newest chained line when the bundle was made.
	Head ProofHead `json:"head"`
	// Lines are the bundle's journal lines, in journal.jsonl's order.
	Lines []ProofLine `json:"lines"`
}

// ProofHead is the journal's chain head.
type ProofHead struct {
	Seq  uint64 `json:"seq"`
	Hash string `json:"hash"`
}

// ProofLine is one journal line's place in the chain: its seq, the
// LineHash of its bytes, its own prev, and next, the prev of the line that
// followed it in the journal (which names it: equal to hash when the
// journal was intact; empty for the head or a line without chain fields).
type ProofLine struct {
	Seq  uint64 `json:"seq"`
	Hash string `json:"hash"`
	Prev string `json:"prev"`
	Next string `json:"next"`
}

// proofBuilder watches the journal go by and records the proof of the
// lines selected.
type proofBuilder struct {
	p       JournalProof
	pending int // index in p.Lines waiting for its successor, or -1
}

func newProofBuilder(journal string) *proofBuilder {
	return &proofBuilder{p: JournalProof{Journal: journal, Lines: []ProofLine{}}, pending: -1}
}

// observe sees every readable journal line in order; selected says it goes
// into the bundle.
func (pb *proofBuilder) observe(raw []byte, e *audit.Entry, selected bool) {
	if e.Seq == 0 {
		if selected {
			pb.p.Lines = append(pb.p.Lines, ProofLine{Hash: audit.LineHash(raw)})
		}
		return
	}
	if pb.pending >= 0 {
		pb.p.Lines[pb.pending].Next = e.Prev
		pb.pending = -1
	}
	h := audit.LineHash(raw)
	pb.p.Head = ProofHead{Seq: e.Seq, Hash: h}
	if selected {
		pb.p.Lines = append(pb.p.Lines, ProofLine{Seq: e.Seq, Hash: h, Prev: e.Prev})
		pb.pending = len(pb.p.Lines) - 1
	}
}

// checkJournalProof checks journal.jsonl against journal-proof.json: every
// line hashes to its recorded hash and carries its recorded seq and prev,
// and the journal's next line named it (next equals hash), unless it was
// the journal's head. It returns how many lines it checked.
func checkJournalProof(bundlePath string, files map[string][]byte) (int, error) {
	raw, ok := files[JournalProofFile]
	if !ok {
		if len(bytes.TrimSpace(files[JournalFile])) > 0 {
			return 0, fmt.Errorf("%s: %s has lines but there is no %s", bundlePath, JournalFile, JournalProofFile)
		}
		return 0, nil
	}
	var p JournalProof
	if err := json.Unmarshal(raw, &p); err != nil {
		return 0, fmt.Errorf("%s: %s is not a journal proof: %v", bundlePath, JournalProofFile, err)
	}
	sc := bufio.NewScanner(bytes.NewReader(files[JournalFile]))
	sc.Buffer(make([]byte, 0, 64<<10), audit.MaxLineBytes+2)
	n := 0
	for sc.Scan() {
		line := sc.Bytes()
		if len(line) == 0 {
			continue
		}
		if n >= len(p.Lines) {
			return n, fmt.Errorf("%s: %s line %d is not in %s", bundlePath, JournalFile, n+1, JournalProofFile)
		}
		want := p.Lines[n]
		n++
		var c struct {
			Seq  uint64 `json:"seq"`
			Prev string `json:"prev"`
		}
		_ = json.Unmarshal(line, &c)
		switch {
		case audit.LineHash(line) != want.Hash:
			return n, fmt.Errorf("%s: %s line %d was altered: its hash is not %s's", bundlePath, JournalFile, n, JournalProofFile)
		case c.Seq != want.Seq || c.Prev != want.Prev:
			return n, fmt.Errorf("%s: %s line %d: seq or prev differ from %s", bundlePath, JournalFile, n, JournalProofFile)
		case want.Seq > 0 && want.Next != want.Hash && !(want.Next == "" && want.Seq == p.Head.Seq && want.Hash == p.Head.Hash):
			return n, fmt.Errorf("%s: %s line %d (seq %d): the journal's next line did not name it when the bundle was made", bundlePath, JournalFile, n, want.Seq)
		}
	}
	if err := sc.Err(); err != nil {
		return n, fmt.Errorf("%s: %s: %w", bundlePath, JournalFile, err)
	}
	if n != len(p.Lines) {
		return n, fmt.Errorf("%s: %s has %d lines, %s %d", bundlePath, JournalFile, n, JournalProofFile, len(p.Lines))
	}
	return n, nil
}
