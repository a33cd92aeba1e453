package verify

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/pamctl/pamctl/pkg/audit"
	"github.com/pamctl/pamctl/pkg/cmdutil"
	"github.com/pamctl/pamctl/pkg/text"
)

// proofFile is the part of an evidence bundle's journal-proof.json that
// --proof reads.
type proofFile struct {
	Lines []struct {
		Seq  uint64 `json:"seq"`
		Hash string `json:"hash"`
	} `json:"lines"`
}

// readProof reads journal-proof.json, or the one inside a bundle directory:
// p as the user gave it, relative to dir (cmdutil.InDir).
func readProof(dir, p string) (*proofFile, error) {
	if fi, err := os.Stat(cmdutil.InDir(dir, p)); err == nil && fi.IsDir() {
		p = filepath.Join(p, "journal-proof.json")
	}
	raw, err := cmdutil.ReadFile(dir, p)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, cmdutil.FlagErrorf("--proof %s: no such file (give a bundle directory or its journal-proof.json; unpack a .tar.gz first)", p)
		}
		return nil, err
	}
	var pf proofFile
	if err := json.Unmarshal(raw, &pf); err != nil {
		return nil, cmdutil.FlagErrorf("--proof %s is not a journal-proof.json: %v", p, err)
	}
	return &pf, nil
}

// checkProof checks that the journal still holds each line of an evidence
// bundle, unaltered: the line with the same seq has the same hash. It
// prints one line per line that does not (its file as shown calls it), and
// returns how many.
func checkProof(w io.Writer, path string, pf *proofFile, shown func(string) string) (int, error) {
	want := map[uint64]bool{}
	for _, l := range pf.Lines {
		if l.Seq > 0 {
			want[l.Seq] = true
		}
	}
	found, err := audit.FindSeqs(path, want)
	if err != nil {
		return 0, err
	}
	bad := 0
	for _, l := range pf.Lines {
		at, ok := found[l.Seq]
		switch {
		case l.Seq == 0:
			continue // written before the chain: nothing to compare
		case !ok:
			fmt.Fprintf(w, "proof: seq %d: no line of the journal has it (removed)\n", l.Seq)
		case at.Hash != l.Hash:
			fmt.Fprintf(w, "%s:%d: proof: seq %d differs from the bundle's line (edited since the export, or in the bundle)\n", text.Safe(shown(at.File)), at.Line, l.Seq)
		default:
			continue
		}
		bad++
	}
	return bad, nil
}
