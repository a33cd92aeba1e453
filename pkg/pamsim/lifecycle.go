package pamsim

// This file lets a test (or a person running cmd/pamsim) start and end sessions while the
// simulator runs, the way users come and go on a real site: a session starts, the user logs
// out (Completed, with no Terminate Session event: nobody terminated it), or reconnects (a
// new Active session for the same user on the same asset, what an account under
// containment does). After schedules such a change between two requests of a client, so a
// script can change the site between two polls of a pamctl that watches it, whatever clock
// that pamctl runs on. It backs the testscript commands pamsim-start-session,
// pamsim-end-session, pamsim-reconnect and pamsim-after, and the /_pamsim/sessions admin
// endpoints.

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/pamctl/pamctl/pkg/api"
)

// StartSession adds an Active session now and returns it with its defaults filled in (see
// AddSession): a generated ID when sess.ID is empty, the asset looked up by name or ID,
// Created and Updated now. It replaces a session with the same ID.
func (s *Server) StartSession(sess Session) Session {
	if sess.ID == "" {
		s.mu.Lock()
		sess.ID = newUUID(s.rng)
		s.mu.Unlock()
	}
	sess.State = StateActive
	sess.Completed = time.Time{}
	s.AddSession(sess)
	out, _ := s.Session(sess.ID)
	return out
}

// EndSession ends an Active session the way a user logging out does: state Completed,
// completed and updated now, an "End Session" item in its Session Events Report, and no
// Terminate Session event. It reports false when there is no such session or it is not
// Active.
func (s *Server) EndSession(id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.byID[id]
	if r == nil || r.State != StateActive {
		return false
	}
	now := s.nowSec()
	r.State, r.Completed, r.Updated = StateCompleted, now, now
	s.meta[r.ord].active, s.meta[r.ord].complete = false, true
	r.Events = append(r.Events, SessionEvent{Start: now, Finish: now, Type: "End Session", Details: "message=Session ended by the user"})
	s.fresh = [numSortKeys]bool{}
	return true
}

// Reconnect starts a new Active session for the user and asset of session id, over the same
// channels, with a new ID (newID, or a generated one when empty): what a user whose session
// was just terminated does next. It reports false when there is no session id.
func (s *Server) Reconnect(id, newID string) (Session, bool) {
	old, ok := s.Session(id)
	if !ok {
		return Session{}, false
	}
	return s.StartSession(Session{ID: newID, AssetID: old.AssetID, AssetName: old.AssetName, User: old.User,
		Channels: slices.Clone(old.Channels)}), true
}

// serveLifecycle serves the session admin endpoints for people driving cmd/pamsim by hand;
// it reports whether the path was one of them.
//
//	POST /_pamsim/sessions                   {"assetName"|"assetId", "user", "channels", "id"?} -> 201 the session
//	POST /_pamsim/sessions/{id}/end          -> 204, 404 unknown, 409 not Active
//	POST /_pamsim/sessions/{id}/reconnect    -> 201 the new session, 404 unknown
func (s *Server) serveLifecycle(w http.ResponseWriter, r *http.Request) bool {
	rest, ok := strings.CutPrefix(r.URL.Path, adminPrefix+"sessions")
	if !ok || (rest != "" && rest[0] != '/') {
		return false
	}
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", "POST")
		writeError(w, http.StatusMethodNotAllowed, "method %s is not allowed here", r.Method)
		return true
	}
	if rest == "" || rest == "/" {
		var in struct {
			ID        string   `json:"id"`
			AssetID   string   `json:"assetId"`
			AssetName string   `json:"assetName"`
			User      string   `json:"user"`
			Channels  []string `json:"channels"`
		}
		dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<16))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&in); err != nil {
			writeError(w, http.StatusBadRequest, "bad session: %v", err)
			return true
		}
		if in.User == "" || (in.AssetID == "" && in.AssetName == "") {
			writeError(w, http.StatusBadRequest, "a session needs a user and an assetName or assetId")
			return true
		}
		if !s.hasAsset(in.AssetID, in.AssetName) {
			writeError(w, http.StatusNotFound, "no such asset")
			return true
		}
		if len(in.Channels) == 0 {
			in.Channels = []string{"SSH"}
		}
		writeJSON(w, http.StatusCreated, s.StartSession(Session{ID: in.ID, AssetID: in.AssetID, AssetName: in.AssetName, User: in.User, Channels: in.Channels}))
		return true
	}
	id, action, _ := strings.Cut(strings.TrimPrefix(rest, "/"), "/")
	switch action {
	case "end":
		if _, ok := s.Session(id); !ok {
			writeError(w, http.StatusNotFound, "session %s not found", id)
		} else if !s.EndSession(id) {
			writeError(w, http.StatusConflict, "session is not active")
		} else {
			w.WriteHeader(http.StatusNoContent)
		}
	case "reconnect":
		if sess, ok := s.Reconnect(id, ""); ok {
			writeJSON(w, http.StatusCreated, sess)
		} else {
			writeError(w, http.StatusNotFound, "session %s not found", id)
		}
	default:
		writeError(w, http.StatusNotFound, "not found: %s", r.URL.Path)
	}
	return true
}

func (s *Server) hasAsset(id, name string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if id != "" {
		return s.assetByID[id] != nil
	}
	for _, a := range s.assets {
		if a.Name == name {
			return true
		}
	}
	return false
}

// afterHooks are the actions After schedules.
type afterHooks struct {
	mu    sync.Mutex
	hooks []*afterHook
}

type afterHook struct {
	method, prefix string
	left           int
	action         func()
}

// After runs action once, when the n-th request from now whose method (""
// = any) and path prefix (relative to BasePath) match has been answered in
// full but before its answer leaves: that request saw the state before the
// action, the next one sees it after. A test thus changes the site between
// two polls of a client, whatever clock the client runs on.
func (s *Server) After(method, pathPrefix string, n int, action func()) {
	s.after.mu.Lock()
	defer s.after.mu.Unlock()
	s.after.hooks = append(s.after.hooks, &afterHook{method: method, prefix: pathPrefix, left: max(n, 1), action: action})
}

// fire counts a logged request against the hooks and runs those whose count is reached, in
// the order they were scheduled.
func (h *afterHooks) fire(e Request) {
	h.mu.Lock()
	var run []func()
	kept := h.hooks[:0]
	for _, k := range h.hooks {
		if (k.method == "" || api.SameName(k.method, e.Method)) && strings.HasPrefix(e.Path, k.prefix) {
			k.left--
			if k.left == 0 {
				run = append(run, k.action)
				continue
			}
		}
		kept = append(kept, k)
	}
	h.hooks = kept
	h.mu.Unlock()
	for _, f := range run {
		f()
	}
}

// TerminateAsAdmin terminates a session the way the Administrator does in the web UI: through
// the API's own handler, so the session reads Completed and the Events Report gains its
// Terminate Session event. It reports whether the server accepted it.
func (s *Server) TerminateAsAdmin(id string) bool {
	req := httptest.NewRequest(http.MethodPost, s.base+"/api/session/terminate/"+url.PathEscape(id), nil)
	req.Header.Set("Authorization", "Bearer "+s.tokens.Admin)
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, req)
	return rec.Code == http.StatusOK
}
