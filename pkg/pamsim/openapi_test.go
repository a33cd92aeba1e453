package pamsim

import (
	"io"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pamctl/pamctl/pkg/api"
	"github.com/pamctl/pamctl/pkg/openapi"
)

// TestOpenAPIDocument: pamsim publishes the modeled contract at the first
// guessed location, without a token, and a comparison finds no difference.
func TestOpenAPIDocument(t *testing.T) {
	s, base := Start(t, Options{})
	resp, err := http.Get(base + openAPIPath)
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, "application/json", resp.Header.Get("Content-Type"))
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	doc, err := openapi.Load(body)
	require.NoError(t, err)
	assert.Equal(t, openapi.ContractVersion+"-pamsim", doc.Info.Version)
	assert.Empty(t, openapi.Compare(doc).Differences)
	assert.Equal(t, openAPIPath, api.OpenAPILocations()[0].Path)
	assert.Equal(t, 1, s.CountRequests(http.MethodGet, openAPIPath), "logged like any request")

	resp, err = http.Post(base+openAPIPath, "application/json", nil)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusMethodNotAllowed, resp.StatusCode)
}
