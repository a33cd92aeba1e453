package audit

import (
	"fmt"
	"sort"
)

// Finding kinds: what Verify can say about a line.
const (
	Edited    = "edited"
	Removed   = "removed"
	Reordered = "reordered"
	Inserted  = "inserted"
	Torn      = "torn"
)

// MaxFindings bounds the findings a Report keeps; Report.More counts the
// rest.
const MaxFindings = 1000

// window is how many recent lines Verify remembers to tell a moved line
// from an inserted one.
const window = 4096

// Finding is one line that is not as pamctl wrote it.
type Finding struct {
	File   string `json:"file"`
	Line   int    `json:"line"`
	Kind   string `json:"kind"`
	Detail string `json:"detail"`
	order  int
}

func (f Finding) String() string {
	return fmt.Sprintf("%s:%d: %s: %s", f.File, f.Line, f.Kind, f.Detail)
}

// Report is what Verify found.
type Report struct {
	Files []string `json:"files"`
	// Lines counts the non-blank lines read; Chained those with chain
	// fields; Unchained the lines written by a pamctl older than the chain,
	// before the chain starts (not a finding).
	Lines     int `json:"lines"`
	Chained   int `json:"chained"`
	Unchained int `json:"unchained"`
	// LastSeq and LastHash are the chain's head: the newest line's seq and
	// LineHash. Write them down (or sign an export) to detect a later
	// change to the newest lines, which no line after them protects yet.
	LastSeq  uint64    `json:"lastSeq"`
	LastHash string    `json:"lastHash,omitempty"`
	Findings []Finding `json:"findings"`
	More     int       `json:"more"`
}

// OK reports whether nothing was found.
func (r *Report) OK() bool { return len(r.Findings) == 0 }

// Verify reads the whole journal at path (rotated files included) and
// checks the chain: every line edited, removed, reordered, inserted or torn
// is a Finding, by file and line number. It reads one line at a time and
// remembers a bounded window of recent lines.
func Verify(path string) (*Report, error) {
	files, err := Files(path)
	if err != nil {
		return nil, err
	}
	v := &verifier{rep: &Report{Files: files, Findings: []Finding{}}, win: map[uint64][]seenLine{}}
	fileIdx := map[string]int{}
	for i, f := range files {
		fileIdx[f] = i
	}
	err = scanLines(path, false, func(l *Line) error {
		v.line(pos{file: l.File, n: l.N, order: fileIdx[l.File]<<40 | l.N}, l)
		return nil
	})
	if err != nil {
		return nil, err
	}
	v.finish()
	sort.SliceStable(v.rep.Findings, func(i, j int) bool { return v.rep.Findings[i].order < v.rep.Findings[j].order })
	return v.rep, nil
}

type pos struct {
	file  string
	n     int
	order int
}

type seenLine struct {
	hash     string
	at       pos
	resolved bool // a later line's prev named this line
	moved    bool // read out of sequence; no later line has named it yet
}

type gap struct {
	from, to uint64 // missing seqs, inclusive
	at       pos    // the line the gap was found before
}

type verifier struct {
	rep     *Report
	started bool
	maxSeq  uint64
	win     map[uint64][]seenLine
	low     uint64 // no line of win has a lower seq
	gaps    []gap
	jump    *jump
}

// jump is the last line whose seq skipped ahead: if the next line goes on
// from before it, it is the jumping line that is out of place.
type jump struct {
	seq, prevMax uint64
	gaps         int // len(v.gaps) before the jump
}

func (v *verifier) find(at pos, kind, format string, args ...any) {
	if len(v.rep.Findings) >= MaxFindings {
		v.rep.More++
		return
	}
	v.rep.Findings = append(v.rep.Findings, Finding{File: at.file, Line: at.n, Kind: kind, Detail: fmt.Sprintf(format, args...), order: at.order})
}

func (v *verifier) line(at pos, l *Line) {
	v.rep.Lines++
	c, ok := chained(l.Raw)
	switch {
	case ok && l.OK:
	case l.Torn && !l.OK:
		v.find(at, Torn, "the file's last line is cut short (no newline, not a whole JSON object)")
		return
	case !l.OK:
		v.find(at, Torn, "not a whole JSON object (a write cut short, fenced off by the next line, or text added by hand)")
		return
	case !v.started:
		v.rep.Unchained++
		return
	default:
		v.find(at, Inserted, "a line without chain fields (seq, prev) after the chain began")
		return
	}
	v.rep.Chained++
	h := LineHash(l.Raw)
	v.rep.LastSeq, v.rep.LastHash = c.Seq, h
	if v.started && c.Prev == Anchor {
		// pamctl anchors a chain once: the first line it writes after
		// finding no chained line in any of the journal's files.
		v.find(at, Inserted, "a second anchor (seq %d) in the middle of the chain", c.Seq)
		return
	}
	if !v.started {
		v.anchor(at, c, h)
		return
	}
	if j := v.jump; j != nil {
		v.jump = nil
		if c.Seq == j.prevMax+1 && v.linksTo(c, j.prevMax) {
			// The line before this one jumped ahead and this one goes on
			// from before it: that line is out of place, not a gap.
			v.gaps = v.gaps[:j.gaps]
			v.maxSeq = j.prevMax
			if s := v.win[j.seq]; len(s) > 0 {
				s[len(s)-1].moved = true
			}
		}
	}
	switch {
	case c.Seq == v.maxSeq+1:
		v.checkPrev(at, c)
		v.advance(c.Seq)
	case c.Seq > v.maxSeq+1:
		j := &jump{seq: c.Seq, prevMax: v.maxSeq, gaps: len(v.gaps)}
		if v.addMissing(v.maxSeq+1, c.Seq-1, at) {
			v.jump = j
		}
		v.checkPrev(at, c)
		v.advance(c.Seq)
	case v.fillGap(c.Seq):
		v.find(at, Reordered, "seq %d comes after seq %d: the line was moved", c.Seq, v.maxSeq)
		v.checkPrev(at, c)
	case len(v.win[c.Seq]) > 0:
		v.checkPrev(at, c) // a second line with this seq: the next line tells which is real
	default:
		v.find(at, Inserted, "seq %d is out of sequence (the chain is already at seq %d)", c.Seq, v.maxSeq)
		return
	}
	v.win[c.Seq] = append(v.win[c.Seq], seenLine{hash: h, at: at})
}

func (v *verifier) anchor(at pos, c chainFields, h string) {
	switch {
	case c.Prev != Anchor:
		v.find(at, Removed, "the chain's first line here is seq %d, not an anchor: the lines before it are missing", c.Seq)
	case c.Seq != 1:
		v.find(at, Edited, "the anchor has seq %d, not 1", c.Seq)
	}
	v.started, v.maxSeq, v.low, v.jump, v.gaps = true, c.Seq, c.Seq, nil, v.gaps[:0]
	v.win = map[uint64][]seenLine{c.Seq: {{hash: h, at: at}}}
}

// linksTo reports whether c's prev is the hash of a line with seq s.
func (v *verifier) linksTo(c chainFields, s uint64) bool {
	for _, l := range v.win[s] {
		if l.hash == c.Prev {
			return true
		}
	}
	return false
}

// checkPrev compares c's prev with the lines of seq c.Seq-1: the one it
// names is real; any other is an inserted copy, and when it names none,
// that line was edited.
func (v *verifier) checkPrev(at pos, c chainFields) {
	cands := v.win[c.Seq-1]
	if len(cands) == 0 || c.Seq == 0 {
		return
	}
	match := -1
	for i, l := range cands {
		if l.hash == c.Prev {
			match = i
		}
	}
	for i := range cands {
		l := &cands[i]
		switch {
		case i == match:
			if l.moved {
				v.find(l.at, Reordered, "seq %d is out of place: it belongs before the line naming it (%s:%d)", c.Seq-1, at.file, at.n)
			}
			l.resolved, l.moved = true, false
		case l.resolved:
		case match >= 0:
			v.find(l.at, Inserted, "a second line with seq %d, which no line follows", c.Seq-1)
			l.resolved = true
		default:
			v.find(l.at, Edited, "its hash is not the prev of the next line (%s:%d)", at.file, at.n)
			l.resolved = true
		}
	}
}

// advance moves the chain's head to seq, forgetting lines that fell out of
// the window (a line moved further than the window is reported inserted).
func (v *verifier) advance(seq uint64) {
	v.maxSeq = seq
	if seq <= window || v.low+window >= seq {
		return
	}
	if seq-v.low > 2*window {
		for s, ls := range v.win {
			if s+window < seq {
				v.settle(s, ls)
				delete(v.win, s)
			}
		}
		v.low = seq - window
		return
	}
	for ; v.low+window < seq; v.low++ {
		if ls, ok := v.win[v.low]; ok {
			v.settle(v.low, ls)
			delete(v.win, v.low)
		}
	}
}

// settle reports what a line still pending when it is forgotten was.
func (v *verifier) settle(s uint64, ls []seenLine) {
	for i, l := range ls {
		switch {
		case l.moved:
			v.find(l.at, Inserted, "seq %d is out of sequence and no line follows from it", s)
		case i > 0 && !l.resolved:
			v.find(l.at, Inserted, "a second line with seq %d", s)
		}
	}
}

func (v *verifier) finishWindow() {
	for s, ls := range v.win {
		v.settle(s, ls)
	}
}

// addMissing records the seqs from..to that no line has had as missing,
// reporting whether any was.
func (v *verifier) addMissing(from, to uint64, at pos) bool {
	if to-from >= window {
		v.addGap(from, to, at)
		return true
	}
	added := false
	for s := from; s <= to; s++ {
		if len(v.win[s]) > 0 {
			continue
		}
		e := s
		for e < to && len(v.win[e+1]) == 0 {
			e++
		}
		v.addGap(s, e, at)
		added, s = true, e
	}
	return added
}

func (v *verifier) addGap(from, to uint64, at pos) {
	if len(v.gaps) < MaxFindings {
		v.gaps = append(v.gaps, gap{from: from, to: to, at: at})
	} else {
		v.find(at, Removed, "seq %d to %d are missing before this line", from, to)
	}
}

// fillGap takes seq out of the missing ranges, reporting whether it was
// missing.
func (v *verifier) fillGap(seq uint64) bool {
	for i, g := range v.gaps {
		if seq < g.from || seq > g.to {
			continue
		}
		switch {
		case g.from == g.to:
			v.gaps = append(v.gaps[:i], v.gaps[i+1:]...)
		case seq == g.from:
			v.gaps[i].from++
		case seq == g.to:
			v.gaps[i].to--
		default:
			v.gaps[i].to = seq - 1
			v.gaps = append(v.gaps, gap{from: seq + 1, to: g.to, at: g.at})
		}
		return true
	}
	return false
}

func (v *verifier) finish() {
	v.finishWindow()
	for _, g := range v.gaps {
		if g.from == g.to {
			v.find(g.at, Removed, "the line with seq %d, before this one, is missing", g.from)
		} else {
			v.find(g.at, Removed, "%d lines (seq %d to %d), before this one, are missing", g.to-g.from+1, g.from, g.to)
		}
	}
}
