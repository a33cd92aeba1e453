package pamsim

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/pamctl/pamctl/pkg/api"
)

const (
	maxLimit     = 500
	defaultLimit = 100
	adminPrefix  = "/_pamsim/"
)

// statusWriter logs the request when its status is decided, before any byte of the answer
// leaves, so a client never sees an answer whose request is not in the log yet.
type statusWriter struct {
	http.ResponseWriter
	commit func(status int)
	done   bool
}

// logStatus logs the request once, with the status actually sent (0: none).
func (w *statusWriter) logStatus(code int) {
	if !w.done {
		w.done = true
		w.commit(code)
	}
}

func (w *statusWriter) WriteHeader(code int) {
	w.logStatus(code)
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if !w.done {
		w.WriteHeader(http.StatusOK)
	}
	return w.ResponseWriter.Write(b)
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status, b = http.StatusInternalServerError, []byte(`{"message":"encoding the response failed"}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

func writeError(w http.ResponseWriter, status int, format string, args ...any) {
	writeJSON(w, status, map[string]string{"message": fmt.Sprintf(format, args...)})
}

// ServeHTTP serves the contract under BasePath and the /_pamsim/ admin endpoints.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.URL.Path, adminPrefix) {
		s.serveAdmin(w, r)
		return
	}
	u := s.authenticate(r)
	rel, under := strings.CutPrefix(r.URL.Path, s.base)
	if !under || (rel != "" && rel[0] != '/') {
		rel, under = r.URL.Path, false
	}
	entry := Request{Time: s.now(), Method: r.Method, Path: rel, Query: r.URL.RawQuery}
	if u != nil {
		entry.User = u.Name
	}
	sw := &statusWriter{ResponseWriter: w, commit: func(status int) {
		entry.Status = status
		s.logMu.Lock()
		s.log = append(s.log, entry)
		s.logMu.Unlock()
		s.after.fire(entry)
	}}
	defer sw.logStatus(0) // nothing was sent: the client went away first

	if !sleep(r.Context(), s.opts.Latency) {
		return
	}
	if f, ok := s.takeFault(r.Method, rel); ok {
		s.serveFault(sw, w, r, f, func(w http.ResponseWriter, r *http.Request) { s.serveAPI(w, r, u, under, rel) })
		return
	}
	if s.opts.FaultRate > 0 {
		s.mu.Lock()
		hit := s.rng.Float64() < s.opts.FaultRate
		s.mu.Unlock()
		if hit {
			writeError(sw, http.StatusServiceUnavailable, "simulated fault")
			return
		}
	}
	s.serveShaped(sw, r, u, under, rel) // shape.go
}

// sleep waits d, or less when ctx ends first; it reports whether the whole d passed.
func sleep(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

func (s *Server) authenticate(r *http.Request) *user {
	h := r.Header.Get("Authorization")
	scheme, tok, ok := strings.Cut(h, " ")
	if !ok || !api.SameName(scheme, "Bearer") {
		return nil
	}
	return s.byToken[strings.TrimSpace(tok)]
}

type activeFault struct {
	Fault
	left int // -1: unlimited
}

// AddFault adds a fault; faults are checked in the order added, before FaultRate.
func (s *Server) AddFault(f Fault) {
	left := f.Times
	if left <= 0 {
		left = -1
	}
	s.faultMu.Lock()
	s.faults = append(s.faults, &activeFault{Fault: f, left: left})
	s.faultMu.Unlock()
}

// ClearFaults removes every fault added with AddFault.
func (s *Server) ClearFaults() {
	s.faultMu.Lock()
	s.faults = nil
	s.faultMu.Unlock()
}

func (s *Server) takeFault(method, rel string) (Fault, bool) {
	s.faultMu.Lock()
	defer s.faultMu.Unlock()
	for i, f := range s.faults {
		if f.Method != "" && !api.SameName(f.Method, method) {
			continue
		}
		if !strings.HasPrefix(rel, f.Path) {
			continue
		}
		if f.left > 0 {
			f.left--
			if f.left == 0 {
				s.faults = append(s.faults[:i:i], s.faults[i+1:]...)
			}
		}
		return f.Fault, true
	}
	return Fault{}, false
}

// drop closes the connection without an answer. HTTP/2 cannot hijack: abort the stream.
func drop(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	_ = conn.Close()
}

func methodNotAllowed(w http.ResponseWriter, r *http.Request, allow string) bool {
	if r.Method == allow {
		return false
	}
	w.Header().Set("Allow", allow)
	writeError(w, http.StatusMethodNotAllowed, "method %s is not allowed here; use %s", r.Method, allow)
	return true
}

// serveAPI routes one authenticated-or-not API request.
func (s *Server) serveAPI(w http.ResponseWriter, r *http.Request, u *user, under bool, rel string) {
	if !under {
		writeError(w, http.StatusNotFound, "not found: no such tenant or site (the API is under %s)", s.base)
		return
	}
	if rel == openAPIPath {
		s.serveOpenAPI(w, r)
		return
	}
	if u == nil {
		w.Header().Set("WWW-Authenticate", `Bearer realm="pamsim"`)
		if r.Header.Get("Authorization") == "" {
			writeError(w, http.StatusUnauthorized, "authentication required: send Authorization: Bearer <token>")
		} else {
			writeError(w, http.StatusUnauthorized, "invalid or expired token")
		}
		return
	}
	s.mu.Lock()
	s.churnLocked()
	s.mu.Unlock()

	// Segments of the escaped path, unescaped one by one, so an escaped "/" stays in its ID.
	escRel := strings.TrimPrefix(r.URL.EscapedPath(), s.base)
	raw := strings.Split(strings.TrimPrefix(escRel, "/"), "/")
	seg := make([]string, len(raw))
	for i, p := range raw {
		v, err := url.PathUnescape(p)
		if err != nil {
			writeError(w, http.StatusBadRequest, "bad path escape")
			return
		}
		seg[i] = v
	}
	if len(seg) < 3 || seg[0] != "api" || !strings.HasPrefix(rel, "/") {
		writeError(w, http.StatusNotFound, "not found: %s", rel)
		return
	}
	n := len(seg)
	switch {
	case n == 3 && seg[1] == "user" && seg[2] == "context":
		if !methodNotAllowed(w, r, http.MethodGet) {
			s.userContext(w, u)
		}
	case n == 3 && seg[1] == "session" && seg[2] == "list":
		if !methodNotAllowed(w, r, http.MethodGet) {
			s.listSessions(w, r, u)
		}
	case n == 4 && seg[1] == "session" && seg[2] == "terminate" && seg[3] != "":
		if !methodNotAllowed(w, r, http.MethodPost) {
			s.terminate(w, u, seg[3])
		}
	case n == 3 && seg[1] == "session" && seg[2] != "" && seg[2] != "terminate":
		if !methodNotAllowed(w, r, http.MethodGet) {
			s.getSession(w, u, seg[2])
		}
	case n == 4 && seg[1] == "session" && seg[2] != "" && seg[3] == "events":
		if !methodNotAllowed(w, r, http.MethodGet) {
			s.sessionEvents(w, r, u, seg[2])
		}
	case n == 3 && seg[1] == "asset" && seg[2] == "list":
		if !methodNotAllowed(w, r, http.MethodGet) {
			s.listAssets(w, r, u)
		}
	case n == 3 && seg[1] == "asset" && seg[2] != "":
		if !methodNotAllowed(w, r, http.MethodGet) {
			s.getAsset(w, u, seg[2])
		}
	case n == 3 && seg[1] == "event" && seg[2] == "list":
		if !methodNotAllowed(w, r, http.MethodGet) {
			s.listEvents(w, r, u)
		}
	default:
		writeError(w, http.StatusNotFound, "not found: %s", rel)
	}
}

// serveAdmin serves the unauthenticated /_pamsim/ endpoints of the loopback simulator.
// They are not logged and see no faults.
func (s *Server) serveAdmin(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case adminPrefix + "requests":
		switch r.Method {
		case http.MethodGet:
			writeJSON(w, http.StatusOK, s.Requests())
		case http.MethodDelete:
			s.ResetRequests()
			w.WriteHeader(http.StatusNoContent)
		default:
			w.Header().Set("Allow", "GET, DELETE")
			writeError(w, http.StatusMethodNotAllowed, "method %s is not allowed here", r.Method)
		}
	case adminPrefix + "faults":
		switch r.Method {
		case http.MethodPost:
			var f Fault
			dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<16))
			dec.DisallowUnknownFields()
			if err := dec.Decode(&f); err != nil {
				writeError(w, http.StatusBadRequest, "bad fault: %v", err)
				return
			}
			if err := f.Validate(); err != nil {
				writeError(w, http.StatusBadRequest, "bad fault: %v", err)
				return
			}
			s.AddFault(f)
			w.WriteHeader(http.StatusNoContent)
		case http.MethodDelete:
			s.ClearFaults()
			w.WriteHeader(http.StatusNoContent)
		default:
			w.Header().Set("Allow", "POST, DELETE")
			writeError(w, http.StatusMethodNotAllowed, "method %s is not allowed here", r.Method)
		}
	default:
		if s.serveLifecycle(w, r) {
			return
		}
		writeError(w, http.StatusNotFound, "not found: %s", r.URL.Path)
	}
}

// Requests returns a copy of the request log, oldest first.
func (s *Server) Requests() []Request {
	s.logMu.Lock()
	defer s.logMu.Unlock()
	out := make([]Request, len(s.log))
	copy(out, s.log)
	return out
}

// CountRequests counts logged requests with the method ("" = any) whose path starts with
// pathPrefix (relative to BasePath).
func (s *Server) CountRequests(method, pathPrefix string) int {
	s.logMu.Lock()
	defer s.logMu.Unlock()
	n := 0
	for _, e := range s.log {
		if (method == "" || api.SameName(method, e.Method)) && strings.HasPrefix(e.Path, pathPrefix) {
			n++
		}
	}
	return n
}

// ResetRequests empties the request log.
func (s *Server) ResetRequests() {
	s.logMu.Lock()
	s.log = nil
	s.logMu.Unlock()
}
