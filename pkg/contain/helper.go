// Package contain is the terminate engine as a library, on the model of
// kubectl's pkg/drain Helper: a plain configuration (Config), the narrow
// API of each site (API, in a Site), and callbacks (Callbacks). It holds
// no cobra options and writes nothing itself: the command (pkg/cmd/
// sessions/terminate) turns the callbacks into output. The procedure
// (Helper.Run) is one sequence of named steps over a list of sites; one
// site is a fan-out of one.
package contain

import (
	"bytes"
	"context"
	"errors"
	"io"
	"sync"
	"time"

	"github.com/pamctl/pamctl/pkg/audit"
	"github.com/pamctl/pamctl/pkg/clock"
	pamplan "github.com/pamctl/pamctl/pkg/plan"
)

// Config is what the operator asked: the targets (IDs or the selector)
// and how to act on them.
type Config struct {
	IDs     []string
	Asset   string // the selector: an asset name or ID, as typed
	User    string
	Channel string

	Yes    bool // do not ask (Callbacks.Confirm is not called)
	DryRun bool
	NoWait bool
	// Max refuses more sessions than this; with IDs only when MaxSet.
	Max         int
	MaxSet      bool
	Reason      string
	WaitTimeout time.Duration
	Concurrency int
	// Hold keeps terminating new sessions of the selector for this long,
	// polling every Interval.
	Hold     time.Duration
	Interval time.Duration

	// holdKnown are sessions a site's hold leaves alone as known (an
	// applied plan's drift: it needs a new plan); set by siteConfig.
	holdKnown []string
}

// Site is one site of a run: its name ("" for the one site of a run
// without --profiles/--all-profiles), the profiles merged into it, and
// its API; Err when it cannot be used (it fails on its own, the others
// go on).
type Site struct {
	Name  string
	Label string // the name with the merged profiles, for the preview
	API   API
	Err   error
	// IDs are this site's targets when they are given per site (an
	// applied plan, apply.go); nil: the Config's IDs or selector.
	IDs []string
	// Approval is the applied plan's record, in each journal line.
	Approval *pamplan.Approval
	// Hold is the selector an applied plan's --hold keeps polling on this
	// site (apply.go); nil without one.
	Hold *HoldScope
}

func (s Site) label() string {
	if s.Label != "" {
		return s.Label
	}
	return s.Name
}

// Prompter asks the operator (pkg/prompt's Prompter satisfies it).
type Prompter interface {
	Confirm(message string, def bool) (bool, error)
	Input(message, def string) (string, error)
}

// Callbacks are how the engine talks to its caller.
type Callbacks struct {
	// Note is told each line of talk, without its newline: the preview,
	// progress, each result's line when it is known, the report.
	Note func(line string)
	// Results is told the per-session results once: at the end, at a
	// dry run or nothing matched, or at a quit (what is known then).
	// fanOut: the sites came from several profiles (a SITE column).
	Results func(results []*Result, fanOut bool) error
	// Prompter asks the question (unless Config.Yes).
	Prompter Prompter
	// OpenJournal opens the audit journal, before anything is sent
	// (*audit.Journal is one). A line it cannot write stops the run:
	// nothing new is sent, exit 7, the sessions without a line named.
	OpenJournal func() (Journal, error)
	// OnQuit registers the hook of a second interrupt; it returns its
	// removal. nil: no quit hook.
	OnQuit func(hook func()) (remove func())
	// Planned is told each site's targets once it is planned, before the
	// preview (optional; site "" for one site).
	Planned func(site string, targets []Result)
	// Sent is told each session as its terminate request goes out
	// (optional; from the sites' goroutines).
	Sent func(Result)
	// Settled is told each session once its outcome is final, after its
	// journal line (optional).
	Settled func(Result)
	// PlanOut, when set, ends the run after the preview and the --max
	// guard, sending nothing: it is handed each site's targets
	// (--plan-out, apply.go).
	PlanOut func(sites []PlannedSite) error
}

// Journal is where each session's line goes (pkg/audit's Journal).
type Journal interface {
	Append(entries ...audit.Entry) error
	Close() error
}

// Helper runs one terminate.
type Helper struct {
	Config
	Sites []Site
	Clock clock.Clock
	Callbacks
}

// Run is the procedure. It returns the results (nil when none were
// given to Callbacks.Results) and the run's error, whose exit code is one
// fold over the sites' outcomes (docs/exit-codes.md).
func (h *Helper) Run(ctx context.Context) ([]*Result, error) {
	if len(h.Sites) == 0 || h.OpenJournal == nil {
		return nil, errors.New("contain: a Helper needs at least one site and OpenJournal")
	}
	return run(ctx, h)
}

// noteWriter turns what the engine writes into Note lines.
type noteWriter struct {
	mu   sync.Mutex
	note func(string)
	buf  []byte
}

func newNoteWriter(note func(string)) io.Writer {
	if note == nil {
		return io.Discard
	}
	return &noteWriter{note: note}
}

func (w *noteWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf = append(w.buf, p...)
	for {
		i := bytes.IndexByte(w.buf, '\n')
		if i < 0 {
			break
		}
		line := string(w.buf[:i])
		w.buf = w.buf[i+1:]
		w.note(line)
	}
	return len(p), nil
}
