package pamsim

import (
	"fmt"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/pamctl/pamctl/pkg/api"
)

const siteWideForbidden = "the site-wide sessions report requires the Administrator or Auditor site role"

// ts renders a timestamp the way the server is configured to: RFC 3339 in UTC, or epoch
// milliseconds; the zero time is null.
func (s *Server) ts(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	if s.opts.EpochMillis {
		return t.UnixMilli()
	}
	return t.UTC().Format(time.RFC3339Nano)
}

type wireSession struct {
	ID        string   `json:"id"`
	AssetID   string   `json:"assetId"`
	AssetName string   `json:"assetName"`
	User      string   `json:"user"`
	Created   any      `json:"created"`
	Updated   any      `json:"updated"`
	Completed any      `json:"completed"`
	State     string   `json:"state"`
	Channels  []string `json:"channels"`
}

func (s *Server) wireSession(r *sessionRec) wireSession {
	chs := r.Channels
	if chs == nil {
		chs = []string{}
	}
	return wireSession{ID: r.ID, AssetID: r.AssetID, AssetName: r.AssetName, User: r.User,
		Created: s.ts(r.Created), Updated: s.ts(r.Updated), Completed: s.ts(r.Completed), State: r.State, Channels: chs}
}

type wireSessionEvent struct {
	Start   any    `json:"start"`
	Finish  any    `json:"finish"`
	Type    string `json:"type"`
	Details string `json:"details"`
}

type wireEvent struct {
	ID        string `json:"id"`
	Created   any    `json:"created"`
	Level     string `json:"level"`
	Category  string `json:"category"`
	Event     string `json:"event"`
	Message   string `json:"message"`
	User      string `json:"user"`
	AssetID   string `json:"assetId,omitempty"`
	AssetName string `json:"assetName,omitempty"`
	SessionID string `json:"sessionId,omitempty"`
}

func (s *Server) wireEvent(e Event) wireEvent {
	return wireEvent{ID: e.ID, Created: s.ts(e.Created), Level: e.Level, Category: e.Category, Event: e.Event,
		Message: e.Message, User: e.User, AssetID: e.AssetID, AssetName: e.AssetName, SessionID: e.SessionID}
}

type envelope[T any] struct {
	Total  int `json:"total"`
	Offset int `json:"offset"`
	Limit  int `json:"limit"`
	Items  []T `json:"items"`
}

type paging struct{ offset, limit int }

// parsePaging reads offset (default 0) and limit (default 100 when absent or 0, clamped to
// 500); negative or non-integer values are errors.
func parsePaging(q url.Values) (paging, error) {
	p := paging{limit: defaultLimit}
	if v := q.Get("offset"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return p, fmt.Errorf("offset must be a non-negative integer, got %q", v)
		}
		p.offset = n
	}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return p, fmt.Errorf("limit must be a non-negative integer, got %q", v)
		}
		if n > 0 {
			p.limit = min(n, maxLimit)
		}
	}
	return p, nil
}

// inPage reports whether the i-th match (0-based) belongs on the page.
func (p paging) inPage(i int) bool { return i >= p.offset && i-p.offset < p.limit }

// parseRange reads from/to (RFC 3339) as the half-open interval [from, to).
func parseRange(q url.Values) (from, to time.Time, err error) {
	for _, x := range []struct {
		name string
		dst  *time.Time
	}{{"from", &from}, {"to", &to}} {
		if v := q.Get(x.name); v != "" {
			if *x.dst, err = time.Parse(time.RFC3339, v); err != nil {
				return from, to, fmt.Errorf("%s must be an RFC 3339 time such as 2026-11-26T09:00:00Z, got %q", x.name, v)
			}
		}
	}
	return from, to, nil
}

func inRange(t, from, to time.Time) bool {
	return (from.IsZero() || !t.Before(from)) && (to.IsZero() || t.Before(to))
}

func (s *Server) userContext(w http.ResponseWriter, u *user) {
	roles := slices.Clone(u.Roles)
	if roles == nil {
		roles = []string{}
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"user":  map[string]string{"id": u.ID, "name": u.Name, "displayName": u.DisplayName},
		"space": map[string]string{"rid": s.spaceRID, "name": s.opts.Site},
		"roles": roles,
	})
}

func (s *Server) listSessions(w http.ResponseWriter, r *http.Request, u *user) {
	q := r.URL.Query()
	state := q.Get("state")
	if state != "" && state != StateActive && state != StateCompleted {
		writeError(w, http.StatusBadRequest, "state must be Active or Completed, got %q", state)
		return
	}
	from, to, err := parseRange(q)
	if err != nil {
		writeError(w, http.StatusBadRequest, "%v", err)
		return
	}
	key := sortCreated
	if v := q.Get("sort"); v != "" {
		k, ok := sortKeys[v]
		if !ok {
			writeError(w, http.StatusBadRequest, "sort must be one of created, updated, completed, user, asset; got %q", v)
			return
		}
		key = k
	}
	desc := true
	switch v := q.Get("order"); v {
	case "", "desc":
	case "asc":
		desc = false
	default:
		writeError(w, http.StatusBadRequest, "order must be asc or desc, got %q", v)
		return
	}
	pg, err := parsePaging(q)
	if err != nil {
		writeError(w, http.StatusBadRequest, "%v", err)
		return
	}
	assetID, userQ, channel := q.Get("asset"), q.Get("user"), q.Get("channel")

	s.mu.Lock()
	if assetID != "" {
		a := s.assetByID[assetID]
		if a == nil {
			s.mu.Unlock()
			writeError(w, http.StatusNotFound, "asset %s not found", assetID)
			return
		}
		if !u.canView(assetID) {
			s.mu.Unlock()
			writeError(w, http.StatusForbidden, "the sessions report of asset %s requires a Viewer or Asset Manager permission on it", a.Name)
			return
		}
	} else if !u.siteRead() {
		s.mu.Unlock()
		writeError(w, http.StatusForbidden, siteWideForbidden)
		return
	}
	idx := s.indexLocked(key)
	out := envelope[wireSession]{Offset: pg.offset, Limit: pg.limit, Items: make([]wireSession, 0, min(pg.limit, len(idx)))}
	at := func(i int) int32 {
		if desc {
			return idx[len(idx)-1-i]
		}
		return idx[i]
	}
	if state == "" && assetID == "" && userQ == "" && channel == "" && from.IsZero() && to.IsZero() {
		out.Total = len(idx)
		for i := pg.offset; i < len(idx) && i-pg.offset < pg.limit; i++ {
			out.Items = append(out.Items, s.wireSession(s.sessions[at(i)]))
		}
	} else {
		f := s.sessionFilterLocked(state, assetID, userQ, channel, from, to)
		for i := range idx {
			o := at(i)
			if !f.match(&s.meta[o], s.sessions[o]) {
				continue
			}
			if pg.inPage(out.Total) {
				out.Items = append(out.Items, s.wireSession(s.sessions[o]))
			}
			out.Total++
		}
	}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, out)
}

// sessionFilter is a session list query compiled against the meta array.
type sessionFilter struct {
	none         bool // matches nothing (unknown user)
	active, done bool // state filters
	asset        string
	user         int32
	byUser       bool
	chanBit      uint64
	channel      string
	from, to     int64
	byFrom, byTo bool
}

func (s *Server) sessionFilterLocked(state, assetID, userQ, channel string, from, to time.Time) sessionFilter {
	f := sessionFilter{active: state == StateActive, done: state == StateCompleted, asset: assetID, channel: channel,
		byFrom: !from.IsZero(), byTo: !to.IsZero(), from: clampNanos(from), to: clampNanos(to)}
	if userQ != "" {
		u, ok := s.userOrd[strings.ToLower(userQ)]
		f.user, f.byUser, f.none = u, true, !ok
	}
	if channel != "" {
		f.chanBit = s.chanBit[channel] // 0: only sessions past the 63 known values may hold it
	}
	return f
}

func (f *sessionFilter) match(m *sessMeta, r *sessionRec) bool {
	switch {
	case f.none,
		f.active && !m.active,
		f.done && !m.complete,
		f.byUser && m.user != f.user,
		f.byFrom && m.created < f.from,
		f.byTo && m.created >= f.to,
		f.asset != "" && m.asset != f.asset:
		return false
	}
	if f.channel != "" && m.chans&f.chanBit == 0 {
		return m.chans&chanOverflow != 0 && slices.Contains(r.Channels, f.channel)
	}
	return true
}

// lookupSession finds a session the user may see, or answers 404/403.
func (s *Server) lookupSessionLocked(w http.ResponseWriter, u *user, id string) *sessionRec {
	rec := s.byID[id]
	if rec == nil {
		writeError(w, http.StatusNotFound, "session %s not found", id)
		return nil
	}
	if !u.canView(rec.AssetID) {
		writeError(w, http.StatusForbidden, "viewing sessions of asset %s requires a Viewer or Asset Manager permission on it", rec.AssetName)
		return nil
	}
	return rec
}

func (s *Server) getSession(w http.ResponseWriter, u *user, id string) {
	s.mu.Lock()
	rec := s.lookupSessionLocked(w, u, id)
	if rec == nil {
		s.mu.Unlock()
		return
	}
	out := s.wireSession(rec)
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) terminate(w http.ResponseWriter, u *user, id string) {
	s.mu.Lock()
	rec := s.byID[id]
	if rec == nil {
		s.mu.Unlock()
		writeError(w, http.StatusNotFound, "session %s not found", id)
		return
	}
	if !u.canTerminate(rec.AssetID) {
		s.mu.Unlock()
		writeError(w, http.StatusForbidden, "terminating sessions of asset %s requires the Administrator site role or the Asset Manager permission on it", rec.AssetName)
		return
	}
	if rec.State != StateActive {
		s.mu.Unlock()
		writeError(w, http.StatusConflict, "session is not active")
		return
	}
	web := firstWebChannel(rec.Channels)
	if web == "" {
		s.mu.Unlock()
		what := "has no channels"
		if len(rec.Channels) > 0 {
			what = "uses native client channels " + strings.Join(rec.Channels, ", ")
		}
		writeError(w, http.StatusConflict, "only web sessions can be terminated; this session %s", what)
		return
	}
	now := s.nowSec()
	rec.State, rec.Completed, rec.Updated = StateCompleted, now, now
	s.meta[rec.ord].active, s.meta[rec.ord].complete = false, true
	s.fresh[sortUpdated], s.fresh[sortCompleted] = false, false
	msg := "message=Session terminated, channel=" + web
	rec.Events = append(rec.Events, SessionEvent{Start: now, Finish: now, Type: "Terminate Session", Details: msg + ", by=" + u.Name})
	s.addEventLocked(Event{ID: newUUID(s.rng), Created: now, Level: "Information", Category: "Operation",
		Event: "Terminate Session", Message: msg, User: u.Name, AssetID: rec.AssetID, AssetName: rec.AssetName, SessionID: rec.ID})
	out := s.wireSession(rec)
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) sessionEvents(w http.ResponseWriter, r *http.Request, u *user, id string) {
	pg, err := parsePaging(r.URL.Query())
	if err != nil {
		writeError(w, http.StatusBadRequest, "%v", err)
		return
	}
	s.mu.Lock()
	rec := s.lookupSessionLocked(w, u, id)
	if rec == nil {
		s.mu.Unlock()
		return
	}
	evs := rec.events()
	s.mu.Unlock()
	out := envelope[wireSessionEvent]{Total: len(evs), Offset: pg.offset, Limit: pg.limit, Items: []wireSessionEvent{}}
	for i, e := range evs {
		if pg.inPage(i) {
			out.Items = append(out.Items, wireSessionEvent{Start: s.ts(e.Start), Finish: s.ts(e.Finish), Type: e.Type, Details: e.Details})
		}
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) listAssets(w http.ResponseWriter, r *http.Request, u *user) {
	q := r.URL.Query()
	parent := q.Get("parent")
	if parent == "" {
		writeError(w, http.StatusBadRequest, "parent is required: the ID of the parent container (space.rid from /api/user/context)")
		return
	}
	if parent != s.spaceRID {
		writeError(w, http.StatusNotFound, "container %s not found", parent)
		return
	}
	pg, err := parsePaging(q)
	if err != nil {
		writeError(w, http.StatusBadRequest, "%v", err)
		return
	}
	name := strings.ToLower(q.Get("name"))
	s.mu.Lock()
	var match []Asset
	for _, a := range s.assets {
		if u.canView(a.ID) && strings.Contains(strings.ToLower(a.Name), name) {
			match = append(match, *a)
		}
	}
	s.mu.Unlock()
	slices.SortFunc(match, func(a, b Asset) int {
		if c := strings.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name)); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	out := envelope[Asset]{Total: len(match), Offset: pg.offset, Limit: pg.limit, Items: []Asset{}}
	for i, a := range match {
		if pg.inPage(i) {
			out.Items = append(out.Items, a)
		}
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) getAsset(w http.ResponseWriter, u *user, id string) {
	s.mu.Lock()
	a := s.assetByID[id]
	var out Asset
	if a != nil {
		out = *a
	}
	s.mu.Unlock()
	if a == nil || !u.canView(id) {
		writeError(w, http.StatusNotFound, "asset %s not found", id)
		return
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) listEvents(w http.ResponseWriter, r *http.Request, u *user) {
	if !u.siteRead() {
		writeError(w, http.StatusForbidden, "the Events Report requires the Administrator or Auditor site role")
		return
	}
	q := r.URL.Query()
	from, to, err := parseRange(q)
	if err != nil {
		writeError(w, http.StatusBadRequest, "%v", err)
		return
	}
	pg, err := parsePaging(q)
	if err != nil {
		writeError(w, http.StatusBadRequest, "%v", err)
		return
	}
	event, category := q.Get("event"), q.Get("category")
	out := envelope[wireEvent]{Offset: pg.offset, Limit: pg.limit, Items: []wireEvent{}}
	s.mu.Lock()
	for i := len(s.events) - 1; i >= 0; i-- {
		e := s.events[i]
		if (event != "" && !api.SameName(e.Event, event)) ||
			(category != "" && !api.SameName(e.Category, category)) ||
			!inRange(e.Created, from, to) {
			continue
		}
		if pg.inPage(out.Total) {
			out.Items = append(out.Items, s.wireEvent(e))
		}
		out.Total++
	}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, out)
}

// clampNanos is t.UnixNano without its overflow: times outside the years
// 1678 to 2262 clamp to the ends of int64, so a filter far in the future
// matches nothing instead of everything.
func clampNanos(t time.Time) int64 {
	switch {
	case t.After(maxNanoTime):
		return math.MaxInt64
	case t.Before(minNanoTime):
		return math.MinInt64
	}
	return t.UnixNano()
}

var (
	maxNanoTime = time.Unix(0, math.MaxInt64)
	minNanoTime = time.Unix(0, math.MinInt64)
)
