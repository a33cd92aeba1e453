package pamsim

// The "ground" fault kinds: servers that answer plausibly but differently from the modeled
// contract, each reproducing a way a containment claim can be wrong (see docs/testing.md).
// They are declared here, apart from the older kinds, and reached from serveFault's default
// branch and Fault.Validate, so other kinds can be added beside them without touching this
// file.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
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

// serveLiar: a terminate is not applied but answered as done, with a Terminate Session event
// in the Events Report; from then on the session is Completed in the state=Completed list
// only. GET by ID, the Active list and the unfiltered list still say Active, as it is.
func (s *Server) serveLiar(sw *statusWriter, r *http.Request, rel string, apply applyFunc) {
	if id, ok := terminateID(r, rel); ok {
		if out, ok := s.claimTerminated(id, r); ok {
			writeJSON(sw, http.StatusOK, out)
			return
		}
		apply(sw, r)
		return
	}
	if rel != "/api/session/list" || r.URL.Query().Get("state") != StateCompleted {
		apply(sw, r)
		return
	}
	s.serveRefiltered(sw, r, apply, []string{"state"}, func(obj []objField) ([]objField, bool) {
		if at, ok := s.ground.liedAt(stringField(obj, "id")); ok && stringField(obj, "state") == StateActive {
			ts, _ := json.Marshal(s.ts(at))
			obj = setField(obj, "state", json.RawMessage(`"`+StateCompleted+`"`))
			obj = setField(obj, "completed", ts)
			return setField(obj, "updated", ts), true
		}
		return obj, stringField(obj, "state") == StateCompleted
	})
}

// claimTerminated records the liar's claim for an Active web session the caller may end and
// returns the session as the claim shows it; ok is false when the real answer would be an
// error (the caller then serves it).
func (s *Server) claimTerminated(id string, r *http.Request) (wireSession, bool) {
	u := s.authenticate(r)
	s.mu.Lock()
	defer s.mu.Unlock()
	rec := s.byID[id]
	if u == nil || rec == nil || rec.State != StateActive || !u.canTerminate(rec.AssetID) {
		return wireSession{}, false
	}
	web := firstWebChannel(rec.Channels)
	if web == "" {
		return wireSession{}, false
	}
	now := s.nowSec()
	s.ground.lie(id, now)
	s.addEventLocked(Event{ID: newUUID(s.rng), Created: now, Level: "Information", Category: "Operation",
		Event: "Terminate Session", Message: "message=Session terminated, channel=" + web, User: u.Name,
		AssetID: rec.AssetID, AssetName: rec.AssetName, SessionID: rec.ID})
	out := s.wireSession(rec)
	out.State, out.Completed, out.Updated = StateCompleted, s.ts(now), s.ts(now)
	return out, true
}

// addLookalikes adds lookalike-users' two Active sessions, once.
func (s *Server) addLookalikes() {
	s.mu.Lock()
	var asset *Asset
	for _, a := range s.assets {
		if a.Name == lookalikeAsset {
			asset = a
		}
	}
	have := s.byID[LookalikeLongS] != nil
	created := s.nowSec().Add(-5 * time.Minute)
	s.mu.Unlock()
	if have || asset == nil {
		return
	}
	for _, x := range []struct{ id, user string }{{LookalikeLongS, "bwilliam\u017f"}, {LookalikeKelvin, "\u212awilliams"}} {
		s.AddSession(Session{ID: x.id, AssetID: asset.ID, AssetName: asset.Name, User: x.user, Created: created,
			Updated: created, State: StateActive, Channels: []string{"SSH"}})
	}
}

// serveAssetSwap: the asset list answers the asset named From with To's ID (mode "id"), or
// To's whole object (mode "object"); mode "consistent" is "id" plus a read of To's ID that
// answers the name From, so only the sessions listed for it tell the truth.
func (s *Server) serveAssetSwap(sw *statusWriter, r *http.Request, rel string, f Fault, apply applyFunc) {
	from, to, ok := s.assetPair(f.From, f.To)
	if !ok {
		apply(sw, r)
		return
	}
	switch {
	case rel == "/api/asset/list":
		rec := record(apply, r)
		body := rec.Body.Bytes()
		if rec.Code == http.StatusOK {
			if out, ok := rewriteItems(body, func(obj []objField) []objField {
				if stringField(obj, "id") != from.ID {
					return obj
				}
				if f.Mode == "object" {
					b, _ := json.Marshal(to)
					o, _ := parseObject(b)
					return o
				}
				id, _ := json.Marshal(to.ID)
				return setField(obj, "id", id)
			}); ok {
				body = out
			}
		}
		copyRecorded(sw, rec, body)
	case f.Mode == "consistent" && r.Method == http.MethodGet && rel == "/api/asset/"+to.ID:
		a := to
		a.Name = from.Name
		writeJSON(sw, http.StatusOK, a)
	default:
		apply(sw, r)
	}
}

func (s *Server) assetPair(fromName, toName string) (from, to Asset, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var nf, nt int
	for _, a := range s.assets {
		switch a.Name {
		case fromName:
			from, nf = *a, nf+1
		case toName:
			to, nt = *a, nt+1
		}
	}
	return from, to, nf == 1 && nt == 1
}

// serveTerminateOther: a terminate leaves the session asked alone and terminates another
// Active web session (To, else one on the same asset, else any), answering with its body.
func (s *Server) serveTerminateOther(sw *statusWriter, r *http.Request, rel string, f Fault, apply applyFunc) {
	id, ok := terminateID(r, rel)
	if !ok {
		apply(sw, r)
		return
	}
	other := f.To
	if other == "" {
		other = s.otherActive(id)
	}
	if other == "" {
		apply(sw, r)
		return
	}
	r2 := r.Clone(r.Context())
	r2.URL.Path = s.base + "/api/session/terminate/" + other
	r2.URL.RawPath = ""
	apply(sw, r2)
}

// otherActive picks an Active web session other than id, on id's asset when there is one.
func (s *Server) otherActive(id string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	asked := s.byID[id]
	pick := ""
	for _, o := range s.sessions {
		if o.ID == id || o.State != StateActive || firstWebChannel(o.Channels) == "" {
			continue
		}
		if asked != nil && o.AssetID == asked.AssetID {
			return o.ID
		}
		if pick == "" {
			pick = o.ID
		}
	}
	return pick
}

// serveRefiltered answers a session list the way the server would without the query
// parameters drop, then filtered by keep (which may rewrite an item), then paged as asked:
// for servers whose filter differs from the contract's in more than ignoring it.
func (s *Server) serveRefiltered(w http.ResponseWriter, r *http.Request, apply applyFunc, drop []string, keep func([]objField) ([]objField, bool)) {
	pg, err := parsePaging(r.URL.Query())
	if err != nil {
		apply(w, r)
		return
	}
	q := r.URL.Query()
	for _, k := range drop {
		q.Del(k)
	}
	var kept []json.RawMessage
	for off := 0; ; off += maxLimit {
		q.Set("offset", strconv.Itoa(off))
		q.Set("limit", strconv.Itoa(maxLimit))
		rec, p, ok := recordPage(apply, withQuery(r, q))
		if !ok {
			copyRecorded(w, rec, rec.Body.Bytes())
			return
		}
		for _, it := range p.Items {
			obj, ok := parseObject(it)
			if !ok {
				continue
			}
			if obj, ok = keep(obj); ok {
				kept = append(kept, encodeObject(obj))
			}
		}
		if len(p.Items) == 0 || off+len(p.Items) >= p.Total {
			break
		}
	}
	out := listPage{Total: len(kept), Offset: pg.offset, Limit: pg.limit, Items: []json.RawMessage{}}
	for i, it := range kept {
		if pg.inPage(i) {
			out.Items = append(out.Items, it)
		}
	}
	writeJSON(w, http.StatusOK, out)
}

// rewriteItems applies fn to every item of a list answer, or to a single object answer (one
// with an "id"); ok is false when body is neither.
func rewriteItems(body []byte, fn func([]objField) []objField) ([]byte, bool) {
	top, ok := parseObject(body)
	if !ok {
		return nil, false
	}
	for i, fl := range top {
		if fl.key != "items" {
			continue
		}
		var items []json.RawMessage
		if json.Unmarshal(fl.val, &items) != nil {
			return nil, false
		}
		for j, it := range items {
			if obj, ok := parseObject(it); ok {
				items[j] = encodeObject(fn(obj))
			}
		}
		v, err := json.Marshal(items)
		if err != nil {
			return nil, false
		}
		top[i].val = v
		return encodeObject(top), true
	}
	if stringField(top, "id") != "" {
		return encodeObject(fn(top)), true
	}
	return nil, false
}

// respellState writes Active as to and Completed in to's letter case (all capitals, all
// small, or as the contract spells it).
func respellState(obj []objField, to string) []objField {
	switch stringField(obj, "state") {
	case StateActive:
		v, _ := json.Marshal(to)
		return setField(obj, "state", v)
	case StateCompleted:
		c := StateCompleted
		switch to {
		case strings.ToUpper(to):
			c = strings.ToUpper(c)
		case strings.ToLower(to):
			c = strings.ToLower(c)
		}
		v, _ := json.Marshal(c)
		return setField(obj, "state", v)
	}
	return obj
}

// stringField is the string value of key in obj, or "".
func stringField(obj []objField, key string) string {
	for _, f := range obj {
		if f.key == key {
			var v string
			_ = json.Unmarshal(f.val, &v)
			return v
		}
	}
	return ""
}

// setField sets key to val in obj, in place when present, else at the end.
func setField(obj []objField, key string, val json.RawMessage) []objField {
	for i := range obj {
		if obj[i].key == key {
			obj[i].val = val
			return obj
		}
	}
	return append(obj, objField{key, val})
}
