package pamsim

// The "ground" fault kinds: servers that answer plausibly but differently from the modeled
// contract, each reproducing a way a containment claim can be wrong (see docs/testing.md).
// They are declared here, apart from the older kinds, and reached from serveFault's default
// branch and Fault.Validate, so other kinds can be added beside them without touching this
// file; faults_ground_serve.go holds how each lies, faults_ground_json.go the rewriting of
// real answers they share.

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"time"
)

// groundBase numbers the ground kinds apart from the kinds of model.go's iota block.
const groundBase FaultKind = 64

// The ground fault kinds (Fault documents them; docs/testing.md lists them).
const (
	FaultPathsDiffer     FaultKind = groundBase + iota // terminate and GET by ID answer 404; lists work
	FaultStateSpelling                                 // every session state spelled another way (To)
	FaultLiar                                          // a terminate claimed in the Completed list and Events Report only
	FaultCaseSensitive                                 // the session list's user filter compares exactly
	FaultLookalikeUsers                                // users bwilliamſ and Kwilliams (Kelvin sign); the user filter ignored
	FaultAssetSwap                                     // an asset-name lookup answered with another asset's ID (From, To, Mode)
	FaultTerminateOther                                // a terminate ends another session and answers with its body
	FaultApplyThenStatus                               // applied, then answered Status (default 500)
	FaultLateLanding                                   // no answer until the client gives up; applied Delay after that
)

var groundKindNames = []string{"paths-differ", "state-spelling", "liar", "case-sensitive-filter", "lookalike-users",
	"asset-swap", "terminate-other", "apply-then-status", "late-landing"}

// AssetSwapModes are the values of Fault.Mode for asset-swap.
var AssetSwapModes = []string{"id", "object", "consistent"}

// The sessions lookalike-users adds, on db-prod-01: their users look like bwilliams and
// kwilliams to Unicode case folding (U+017F LATIN SMALL LETTER LONG S, U+212A KELVIN SIGN).
const (
	LookalikeLongS  = "11111111-1111-4111-8111-00000000017f"
	LookalikeKelvin = "11111111-1111-4111-8111-00000000212a"
	lookalikeAsset  = "db-prod-01"
)

// lateLandingHold bounds how long late-landing holds a request whose client never leaves.
const lateLandingHold = 2 * time.Minute

// groundState is what the ground kinds remember between requests.
type groundState struct {
	mu   sync.Mutex
	lies map[string]time.Time // liar: sessions claimed Completed, and when
}

func (g *groundState) lie(id string, at time.Time) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.lies == nil {
		g.lies = map[string]time.Time{}
	}
	if _, ok := g.lies[id]; !ok {
		g.lies[id] = at
	}
}

func (g *groundState) liedAt(id string) (time.Time, bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	t, ok := g.lies[id]
	return t, ok
}

// kindName returns the name of any fault kind, ground or not.
func kindName(k FaultKind) (string, bool) {
	switch {
	case k >= 0 && int(k) < len(faultKindNames):
		return faultKindNames[k], true
	case k >= groundBase && int(k-groundBase) < len(groundKindNames):
		return groundKindNames[k-groundBase], true
	}
	return "", false
}

// FaultKindNames lists every fault kind's name, for help texts.
func FaultKindNames() []string {
	return append(slices.Clone(faultKindNames), groundKindNames...)
}

// kindByName finds a kind by its name.
func kindByName(name string) (FaultKind, bool) {
	if i := slices.Index(faultKindNames, name); i >= 0 {
		return FaultKind(i), true
	}
	if i := slices.Index(groundKindNames, name); i >= 0 {
		return groundBase + FaultKind(i), true
	}
	return 0, false
}

// validateGround checks the parameters of a ground kind (nil for the others).
func (f Fault) validateGround() error {
	switch f.Kind {
	case FaultStateSpelling:
		if f.To == "" || f.To == StateActive {
			return errors.New("pamsim: state-spelling needs to, the spelling written for Active (ACTIVE, active, Running, ...)")
		}
	case FaultAssetSwap:
		if f.From == "" || f.To == "" || f.From == f.To {
			return errors.New("pamsim: asset-swap needs from (the asset name asked) and to (the asset whose ID is answered), two names")
		}
		if f.Mode != "" && !slices.Contains(AssetSwapModes, f.Mode) {
			return fmt.Errorf("pamsim: asset-swap mode %q (want one of %s)", f.Mode, strings.Join(AssetSwapModes, ", "))
		}
	}
	return nil
}

// serveGround answers a ground fault; it reports false for a kind that is not one.
func (s *Server) serveGround(sw *statusWriter, raw http.ResponseWriter, r *http.Request, f Fault, apply applyFunc) bool {
	rel := strings.TrimPrefix(r.URL.Path, s.base)
	switch f.Kind {
	case FaultPathsDiffer:
		if _, ok := terminateID(r, rel); ok || sessionByIDPath(r, rel) {
			writeError(sw, http.StatusNotFound, "not found: %s", rel)
			return true
		}
		apply(sw, r)
	case FaultStateSpelling:
		rec := record(apply, r)
		body := rec.Body.Bytes()
		if rec.Code/100 == 2 {
			if out, ok := rewriteItems(body, func(obj []objField) []objField { return respellState(obj, f.To) }); ok {
				body = out
			}
		}
		copyRecorded(sw, rec, body)
	case FaultLiar:
		s.serveLiar(sw, r, rel, apply)
	case FaultCaseSensitive:
		user := r.URL.Query().Get("user")
		if rel != "/api/session/list" || user == "" {
			apply(sw, r)
			return true
		}
		s.serveRefiltered(sw, r, apply, []string{"user"}, func(obj []objField) ([]objField, bool) {
			return obj, stringField(obj, "user") == user
		})
	case FaultLookalikeUsers:
		s.addLookalikes()
		if rel == "/api/session/list" {
			q := r.URL.Query()
			q.Del("user")
			r = withQuery(r, q)
		}
		apply(sw, r)
	case FaultAssetSwap:
		s.serveAssetSwap(sw, r, rel, f, apply)
	case FaultTerminateOther:
		s.serveTerminateOther(sw, r, rel, f, apply)
	case FaultApplyThenStatus:
		apply(httptest.NewRecorder(), r)
		code := f.Status
		if code == 0 {
			code = http.StatusInternalServerError
		}
		writeError(sw, code, "simulated %d", code)
	case FaultLateLanding:
		t := time.NewTimer(lateLandingHold)
		select {
		case <-r.Context().Done():
		case <-t.C:
		}
		t.Stop()
		late := r.Clone(context.WithoutCancel(r.Context()))
		time.AfterFunc(f.Delay, func() { apply(httptest.NewRecorder(), late) })
		sw.logStatus(0)
		drop(raw)
	default:
		return false
	}
	return true
}

// terminateID is the session ID of a terminate request.
func terminateID(r *http.Request, rel string) (string, bool) {
	id, ok := strings.CutPrefix(rel, "/api/session/terminate/")
	return id, ok && r.Method == http.MethodPost && id != "" && !strings.Contains(id, "/")
}

// sessionByIDPath reports a GET /api/session/{id} or /api/session/{id}/events.
func sessionByIDPath(r *http.Request, rel string) bool {
	rest, ok := strings.CutPrefix(rel, "/api/session/")
	if !ok || r.Method != http.MethodGet || rest == "" || rest == "list" || strings.HasPrefix(rest, "terminate/") {
		return false
	}
	id, tail, _ := strings.Cut(rest, "/")
	return id != "" && (tail == "" || tail == "events")
}
