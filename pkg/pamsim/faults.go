package pamsim

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/pamctl/pamctl/pkg/api"
)

// applyFunc serves a request, possibly rewritten, the way the simulator would without the
// fault.
type applyFunc func(w http.ResponseWriter, r *http.Request)

const ssoPage = `<!DOCTYPE html><html><head><title>Sign in</title></head><body>` +
	`<form method="post" action="/sso/login"><h1>Sign in</h1><input name="username"><input type="password" name="password">` +
	`<button type="submit">Sign in</button></form></body></html>`

// serveFault answers one request as f says; sw wraps raw, and apply serves the request for
// the kinds that apply it.
func (s *Server) serveFault(sw *statusWriter, raw http.ResponseWriter, r *http.Request, f Fault, apply applyFunc) {
	if err := f.Validate(); err != nil {
		writeError(sw, http.StatusInternalServerError, "bad simulated fault: %v", err)
		return
	}
	switch f.Kind {
	case FaultStatus:
		code := f.Status
		if code == 0 {
			code = http.StatusServiceUnavailable
		}
		s.setRetryAfter(sw, f, 0)
		writeError(sw, code, "simulated %d", code)
	case FaultTooManyRequests:
		s.setRetryAfter(sw, f, 1)
		writeError(sw, http.StatusTooManyRequests, "simulated %d", http.StatusTooManyRequests)
	case FaultHTML:
		sw.Header().Set("Content-Type", "text/html; charset=utf-8")
		sw.WriteHeader(http.StatusOK)
		_, _ = sw.Write([]byte(ssoPage))
	case FaultTruncated:
		rec := record(apply, r)
		body := rec.Body.Bytes()
		body = body[:len(body)/2]
		sw.Header().Set("Content-Type", "application/json")
		sw.WriteHeader(http.StatusOK)
		_, _ = sw.Write(body)
	case FaultDrop:
		sw.logStatus(0)
		drop(raw)
	case FaultDropAfterApply:
		apply(httptest.NewRecorder(), r)
		sw.logStatus(0)
		drop(raw)
	case FaultDelay:
		if sleep(r.Context(), f.Delay) {
			apply(sw, r)
		}
	case FaultEmpty:
		sw.WriteHeader(http.StatusBadGateway)
	case FaultIgnoreFilter:
		q := r.URL.Query()
		for k := range q {
			if ignoredFilter(f.Param, k) {
				q.Del(k)
			}
		}
		apply(sw, withQuery(r, q))
	case FaultWrongBody:
		s.serveWrongBody(sw, r, apply)
	case FaultEnvelope:
		serveEnvelope(sw, r, f.Shape, apply)
	case FaultOversizePage:
		serveOversizePage(sw, r, apply)
	case FaultRepeatPage:
		serveRepeatPage(sw, r, apply)
	case FaultEndless:
		s.serveEndless(sw, r, apply)
	case FaultEchoToken:
		serveEchoToken(sw, r, f)
	case FaultEchoField:
		serveEchoField(sw, r, f, apply)
	case FaultHugeTotal:
		s.serveHugeTotal(sw, r, apply)
	case FaultDrip:
		serveDrip(sw, r, f.Delay, apply)
	case FaultHostileNames:
		serveHostileNames(sw, r, apply)
	case FaultApplyLate:
		late := r.Clone(context.WithoutCancel(r.Context()))
		time.AfterFunc(f.Delay, func() { apply(httptest.NewRecorder(), late) })
		sw.logStatus(0)
		drop(raw)
	case FaultRenameField:
		rec := record(apply, r)
		body := rec.Body.Bytes()
		if rec.Code/100 == 2 {
			if out, ok := renameField(body, f.From, f.To); ok {
				body = out
			}
		}
		copyRecorded(sw, rec, body)
	default:
		if !s.serveGround(sw, raw, r, f, apply) {
			writeError(sw, http.StatusInternalServerError, "unknown simulated fault %d", int(f.Kind))
		}
	}
}

// setRetryAfter sets Retry-After from the fault: an HTTP-date when RetryAfterDate is set,
// else RetryAfter seconds, else def seconds (0: none).
func (s *Server) setRetryAfter(w http.ResponseWriter, f Fault, def int) {
	switch {
	case f.RetryAfterDate > 0:
		at := s.now().Add(time.Duration(f.RetryAfterDate) * time.Second)
		w.Header().Set("Retry-After", at.UTC().Format(http.TimeFormat))
	case f.RetryAfter > 0:
		w.Header().Set("Retry-After", strconv.Itoa(f.RetryAfter))
	case def > 0:
		w.Header().Set("Retry-After", strconv.Itoa(def))
	}
}

// record serves r into a recorder, for the faults that rewrite the real answer.
func record(apply applyFunc, r *http.Request) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	apply(rec, r)
	return rec
}

// copyRecorded sends a recorded answer with body in place of the recorded one.
func copyRecorded(w http.ResponseWriter, rec *httptest.ResponseRecorder, body []byte) {
	for k, v := range rec.Header() {
		w.Header()[k] = v
	}
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(rec.Code)
	_, _ = w.Write(body)
}

func writeRawJSON(w http.ResponseWriter, status int, b []byte) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// withQuery is r with another query.
func withQuery(r *http.Request, q url.Values) *http.Request {
	r2 := r.Clone(r.Context())
	r2.URL.RawQuery = q.Encode()
	return r2
}

// pageParams are the query parameters that are not filters.
var pageParams = map[string]bool{"offset": true, "limit": true, "sort": true, "order": true, "parent": true}

// ignoredFilter reports whether the query parameter k is dropped by ignore-filter param.
func ignoredFilter(param, k string) bool {
	if param == "" || param == "all" {
		return !pageParams[k]
	}
	return k == param
}

// listPage is a list answer as the simulator writes it.
type listPage struct {
	Total  int               `json:"total"`
	Offset int               `json:"offset"`
	Limit  int               `json:"limit"`
	Items  []json.RawMessage `json:"items"`
}

// recordPage serves r and decodes its answer as a list page; ok is false for any answer
// that is not a 200 list page, which rec then holds.
func recordPage(apply applyFunc, r *http.Request) (*httptest.ResponseRecorder, listPage, bool) {
	rec := record(apply, r)
	var p struct {
		Total  *int              `json:"total"`
		Offset int               `json:"offset"`
		Limit  int               `json:"limit"`
		Items  []json.RawMessage `json:"items"`
	}
	if rec.Code != http.StatusOK || json.Unmarshal(rec.Body.Bytes(), &p) != nil || p.Total == nil || p.Items == nil {
		return rec, listPage{}, false
	}
	return rec, listPage{Total: *p.Total, Offset: p.Offset, Limit: p.Limit, Items: p.Items}, true
}

func (s *Server) serveWrongBody(w http.ResponseWriter, r *http.Request, apply applyFunc) {
	rec := record(apply, r)
	if rec.Code == http.StatusOK {
		var obj struct {
			ID string `json:"id"`
		}
		if json.Unmarshal(rec.Body.Bytes(), &obj) == nil && obj.ID != "" {
			if other, ok := s.otherObject(obj.ID); ok {
				writeJSON(w, http.StatusOK, other)
				return
			}
		}
	}
	copyRecorded(w, rec, rec.Body.Bytes())
}

// otherObject returns the wire form of an existing session or asset other than id: for a
// session, the first other one in the same state, else the first other one.
func (s *Server) otherObject(id string) (any, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if rec := s.byID[id]; rec != nil {
		var fallback *sessionRec
		for _, o := range s.sessions {
			if o.ID == id {
				continue
			}
			if o.State == rec.State {
				return s.wireSession(o), true
			}
			if fallback == nil {
				fallback = o
			}
		}
		if fallback != nil {
			return s.wireSession(fallback), true
		}
		return nil, false
	}
	if s.assetByID[id] != nil {
		for _, a := range s.assets {
			if a.ID != id {
				return *a, true
			}
		}
	}
	return nil, false
}

func serveEnvelope(w http.ResponseWriter, r *http.Request, shape string, apply applyFunc) {
	rec, p, ok := recordPage(apply, r)
	if !ok {
		copyRecorded(w, rec, rec.Body.Bytes())
		return
	}
	switch shape {
	case "content":
		writeJSON(w, http.StatusOK, struct {
			Content       []json.RawMessage `json:"content"`
			TotalElements int               `json:"totalElements"`
		}{p.Items, p.Total})
	case "empty-items":
		p.Items = []json.RawMessage{}
		writeJSON(w, http.StatusOK, p)
	case "message":
		writeJSON(w, http.StatusOK, map[string]string{"message": "ok"})
	case "null":
		writeRawJSON(w, http.StatusOK, []byte("null"))
	case "no-total":
		writeJSON(w, http.StatusOK, struct {
			Offset int               `json:"offset"`
			Limit  int               `json:"limit"`
			Items  []json.RawMessage `json:"items"`
		}{p.Offset, p.Limit, p.Items})
	case "items-object":
		items := make(map[string]json.RawMessage, len(p.Items))
		for i, it := range p.Items {
			items[strconv.Itoa(i)] = it
		}
		writeJSON(w, http.StatusOK, struct {
			Total  int                        `json:"total"`
			Offset int                        `json:"offset"`
			Limit  int                        `json:"limit"`
			Items  map[string]json.RawMessage `json:"items"`
		}{p.Total, p.Offset, p.Limit, items})
	case "total-string":
		writeJSON(w, http.StatusOK, struct {
			Total  string            `json:"total"`
			Offset int               `json:"offset"`
			Limit  int               `json:"limit"`
			Items  []json.RawMessage `json:"items"`
		}{strconv.Itoa(p.Total), p.Offset, p.Limit, p.Items})
	}
}

// serveOversizePage answers the page asked with the next one appended.
func serveOversizePage(w http.ResponseWriter, r *http.Request, apply applyFunc) {
	rec, p, ok := recordPage(apply, r)
	if !ok {
		copyRecorded(w, rec, rec.Body.Bytes())
		return
	}
	q := r.URL.Query()
	q.Set("offset", strconv.Itoa(p.Offset+p.Limit))
	q.Set("limit", strconv.Itoa(p.Limit))
	if _, next, ok := recordPage(apply, withQuery(r, q)); ok {
		p.Items = append(p.Items, next.Items...)
	}
	writeJSON(w, http.StatusOK, p)
}

// serveRepeatPage answers the first page whatever the offset, echoing the offset asked.
func serveRepeatPage(w http.ResponseWriter, r *http.Request, apply applyFunc) {
	rec, asked, ok := recordPage(apply, r)
	if !ok {
		copyRecorded(w, rec, rec.Body.Bytes())
		return
	}
	q := r.URL.Query()
	q.Del("offset")
	rec, first, ok := recordPage(apply, withQuery(r, q))
	if !ok {
		copyRecorded(w, rec, rec.Body.Bytes())
		return
	}
	first.Offset = asked.Offset
	writeJSON(w, http.StatusOK, first)
}

// endlessPrefix starts the IDs of endless's synthetic objects; the rest is the position.
const endlessPrefix = "eeeeeeee-eeee-4eee-8eee-"

// serveEndless answers a session, asset or event list with a full page of synthetic
// objects, unique per position, and no total: there is always a next page.
func (s *Server) serveEndless(w http.ResponseWriter, r *http.Request, apply applyFunc) {
	rec, p, ok := recordPage(apply, r)
	list := strings.TrimPrefix(r.URL.Path, s.base)
	if !ok || (list != "/api/session/list" && list != "/api/asset/list" && list != "/api/event/list") {
		copyRecorded(w, rec, rec.Body.Bytes())
		return
	}
	items := make([]any, p.Limit)
	s.mu.Lock()
	for i := range items {
		n := p.Offset + i
		id := fmt.Sprintf("%s%012d", endlessPrefix, n)
		at := s.start.Add(-time.Duration(n+1) * time.Second)
		a := &Asset{ID: id, Name: "endless"}
		if len(s.assets) > 0 {
			a = s.assets[n%len(s.assets)]
		}
		who := userPool[n%len(userPool)]
		switch list {
		case "/api/session/list":
			rec := makeRec(Session{ID: id, AssetID: a.ID, AssetName: a.Name, User: who, Created: at, Updated: at,
				State: StateActive, Channels: []string{"SSH"}}, true)
			items[i] = s.wireSession(&rec)
		case "/api/asset/list":
			items[i] = Asset{ID: id, Name: fmt.Sprintf("endless-%d", n), Type: "Linux", ParentID: s.spaceRID}
		default:
			items[i] = s.wireEvent(Event{ID: id, Created: at, Level: "Information", Category: "Operation", Event: "Start Session",
				Message: "message=Session started, channel=SSH", User: who, AssetID: a.ID, AssetName: a.Name})
		}
	}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, struct {
		Offset int   `json:"offset"`
		Limit  int   `json:"limit"`
		Items  []any `json:"items"`
	}{p.Offset, p.Limit, items})
}

// bearerToken is the token of the request's Authorization header, as sent.
func bearerToken(r *http.Request) string {
	scheme, tok, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !api.SameName(scheme, "Bearer") {
		return ""
	}
	return strings.TrimSpace(tok)
}

func serveEchoToken(w http.ResponseWriter, r *http.Request, f Fault) {
	tok := bearerToken(r)
	code := f.Status
	if code == 0 {
		code = http.StatusBadRequest
	}
	switch f.Mode {
	case "", "raw":
		writeError(w, code, "request rejected for token %s", tok)
	case "json":
		writeRawJSON(w, code, []byte(`{"message":"request rejected for token `+jsonEscapeAll(tok)+`"}`))
	case "url":
		writeError(w, code, "request rejected; sign in again at /sso/login?token=%s", url.QueryEscape(tok))
	case "location":
		if code/100 != 3 {
			code = http.StatusFound
		}
		w.Header().Set("Location", "/sso/login?token="+url.QueryEscape(tok))
		writeError(w, code, "redirecting to the sign-in page")
	default:
		serveHostileEcho(w, code, f.Mode, tok)
	}
}

// jsonEscapeAll escapes s for a JSON string the way some servers do: "/" as "\/", and "+",
// "=" and every byte outside printable ASCII as \u00XX, so that the escaped bytes differ
// from s wherever s holds one of them.
func jsonEscapeAll(s string) string {
	var b bytes.Buffer
	for _, r := range s {
		switch {
		case r == '/':
			b.WriteString(`\/`)
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r == '+' || r == '=' || r < 0x20 || r > 0x7e:
			if r > 0xffff {
				fmt.Fprintf(&b, `\u%04x`, 0xfffd)
			} else {
				fmt.Fprintf(&b, `\u%04x`, r)
			}
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// renameField renames the field from to to in every item of a list answer, or in a single
// object answer (one with an "id"), keeping the fields' order. ok is false when body is not
// such a JSON object.
func renameField(body []byte, from, to string) ([]byte, bool) {
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
				items[j] = encodeObject(renameIn(obj, from, to))
			}
		}
		v, err := json.Marshal(items)
		if err != nil {
			return nil, false
		}
		top[i].val = v
		return encodeObject(top), true
	}
	for _, fl := range top {
		if fl.key == "id" {
			return encodeObject(renameIn(top, from, to)), true
		}
	}
	return nil, false
}

func renameIn(obj []objField, from, to string) []objField {
	for i := range obj {
		if obj[i].key == from {
			obj[i].key = to
		}
	}
	return obj
}

// objField is one field of a JSON object, in order.
type objField struct {
	key string
	val json.RawMessage
}

func parseObject(b []byte) ([]objField, bool) {
	dec := json.NewDecoder(bytes.NewReader(b))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return nil, false
	}
	out := []objField{}
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return nil, false
		}
		key, _ := t.(string)
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, false
		}
		out = append(out, objField{key, v})
	}
	if t, err := dec.Token(); err != nil || t != json.Delim('}') {
		return nil, false
	}
	return out, true
}

func encodeObject(obj []objField) []byte {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, f := range obj {
		if i > 0 {
			b.WriteByte(',')
		}
		k, _ := json.Marshal(f.key)
		b.Write(k)
		b.WriteByte(':')
		b.Write(f.val)
	}
	b.WriteByte('}')
	return b.Bytes()
}
