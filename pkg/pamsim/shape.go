package pamsim

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strconv"
	"strings"

	"github.com/pamctl/pamctl/pkg/api"
	"github.com/pamctl/pamctl/pkg/openapi"
)

// API shapes: the same site served under another API, described by a
// contract overlay (docs/contract-overlay.md) read the other way round. A
// request in the shape's paths and names is mapped to the modeled one and
// served as usual; its answer is renamed to the shape's keys and values.
// The request log holds what was sent on the wire (the shape's paths).
// Faults apply to the modeled answer, before it is reshaped, except those
// that answer on their own.

// shapeDocPath is where a shaped site publishes its OpenAPI document: Spring's
// springdoc default, one of the places `pamctl doctor` looks.
const shapeDocPath = "/api/v3/api-docs"

// springShape is a Spring-style API for the same site.
const springShape = `
endpoints:
  listSessions: {path: /api/sessions}
  getSession: {path: "/api/sessions/{id}"}
  listSessionEvents: {path: "/api/sessions/{id}/events"}
  terminateSession: {method: POST, path: "/api/sessions/{id}/terminate"}
  listAssets: {path: /api/assets}
  getAsset: {path: "/api/assets/{id}"}
  listEvents: {path: /api/events}
query: {state: status, user: userName, asset: assetId, limit: size}
envelope: {items: content, total: totalElements}
fields:
  Session: {user: userName, state: status}
  Event: {user: userName}
states: {Active: ACTIVE, Completed: COMPLETED}
`

// Shapes are the built-in shape names.
func Shapes() []string { return []string{"spring"} }

// LoadShape reads a shape: a built-in name (Shapes), or the path of an
// overlay file.
func LoadShape(nameOrFile string) (*api.Overlay, error) {
	data := []byte(springShape)
	if nameOrFile != "spring" {
		b, err := os.ReadFile(nameOrFile)
		if err != nil {
			return nil, fmt.Errorf("--shape %s: not a built-in shape (%s) nor a readable overlay file: %w", nameOrFile, strings.Join(Shapes(), ", "), err)
		}
		data = b
	}
	return api.ParseOverlay(data, "shape "+nameOrFile)
}

// shape is a shape ready to serve.
type shape struct {
	served *api.ServedAs
	doc    []byte
}

// SetShape serves the site under o from now on (nil: the modeled API).
func (s *Server) SetShape(name string, o *api.Overlay) error {
	if o == nil {
		s.shape.Store(nil)
		return nil
	}
	doc, err := openapi.Shaped(o, "pamsim "+name+" shape", openapi.ContractVersion+"-pamsim-"+name)
	if err != nil {
		return err
	}
	s.shape.Store(&shape{served: o.Served(), doc: doc})
	return nil
}

// serveShaped serves one request under the current shape, if any.
func (s *Server) serveShaped(w http.ResponseWriter, r *http.Request, u *user, under bool, rel string) {
	sh := s.shape.Load()
	if sh == nil || !under {
		s.serveAPI(w, r, u, under, rel)
		return
	}
	if rel == shapeDocPath {
		if !methodNotAllowed(w, r, http.MethodGet) {
			writeRawJSON(w, http.StatusOK, sh.doc)
		}
		return
	}
	escRel := strings.TrimPrefix(r.URL.EscapedPath(), s.base)
	ep, modeled, q, ok := sh.served.Request(r.Method, escRel, r.URL.Query())
	if !ok {
		writeError(w, http.StatusNotFound, "not found: %s", rel)
		return
	}
	r2 := r.Clone(r.Context())
	u2 := *r.URL
	u2.RawPath = s.base + modeled
	path, err := url.PathUnescape(u2.RawPath)
	if err != nil {
		writeError(w, http.StatusBadRequest, "bad path escape")
		return
	}
	u2.Path, u2.RawQuery = path, q.Encode()
	r2.URL = &u2
	rec := httptest.NewRecorder()
	s.serveAPI(rec, r2, u, under, strings.TrimPrefix(path, s.base))
	body := rec.Body.Bytes()
	if rec.Code >= 200 && rec.Code < 300 && bytes.HasPrefix(bytes.TrimSpace(body), []byte("{")) {
		body = sh.served.Answer(ep, body)
	}
	for k, v := range rec.Header() {
		w.Header()[k] = v
	}
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(rec.Code)
	_, _ = w.Write(body) //nolint:gosec // G705: the simulator's own JSON answer, reshaped; no page, no browser
}
