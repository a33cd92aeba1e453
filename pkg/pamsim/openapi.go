package pamsim

import (
	"net/http"
	"strconv"

	"github.com/pamctl/pamctl/pkg/openapi"
)

// openAPIPath is where pamsim publishes its OpenAPI document, under the site's base. It is
// the first of api.OpenAPILocations, where `pamctl doctor` looks first.
const openAPIPath = "/api/openapi.json"

// serveOpenAPI answers GET <base>/api/openapi.json without authentication, as servers
// usually publish their API description. The document is the modeled contract of
// pkg/api/contract.go: pamsim serves that contract, so its description is the contract's.
func (s *Server) serveOpenAPI(w http.ResponseWriter, r *http.Request) {
	if methodNotAllowed(w, r, http.MethodGet) {
		return
	}
	b, err := openapi.Generate(openapi.ContractVersion + "-pamsim")
	if err != nil {
		writeError(w, http.StatusInternalServerError, "%v", err)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(b)
}
