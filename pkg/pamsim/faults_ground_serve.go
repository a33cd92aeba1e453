package pamsim

// How the ground fault kinds of faults_ground.go lie: the liar's claim, the lookalike users,
// the swapped asset, the terminate that ends another session.

import (
	"encoding/json"
	"net/http"
	"time"
)

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
