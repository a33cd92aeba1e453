package pamsim

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSpringShape(t *testing.T) {
	sim, err := New(Options{Seed: 1})
	require.NoError(t, err)
	o, err := LoadShape("spring")
	require.NoError(t, err)
	require.NoError(t, sim.SetShape("spring", o))
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	get := func(method, path string) (int, map[string]any) {
		req, err := http.NewRequest(method, srv.URL+sim.BasePath()+path, nil)
		require.NoError(t, err)
		req.Header.Set("Authorization", "Bearer "+sim.Tokens().Admin)
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		var m map[string]any
		_ = json.Unmarshal(b, &m)
		return resp.StatusCode, m
	}

	code, page := get("GET", "/api/sessions?status=ACTIVE&size=2&offset=0")
	require.Equal(t, 200, code)
	assert.NotContains(t, page, "items")
	assert.EqualValues(t, 2, len(page["content"].([]any)))
	assert.Greater(t, page["totalElements"], 2.0)
	first := page["content"].([]any)[0].(map[string]any)
	assert.Equal(t, "ACTIVE", first["status"])
	assert.Contains(t, first, "userName")
	assert.NotContains(t, first, "user")
	assert.NotContains(t, first, "state")

	// The filter by the shape's names works; the modeled names are not this shape's.
	user := first["userName"].(string)
	_, byUser := get("GET", "/api/sessions?userName="+url.QueryEscape(user))
	for _, it := range byUser["content"].([]any) {
		assert.True(t, strings.EqualFold(user, it.(map[string]any)["userName"].(string)))
	}
	code, _ = get("GET", "/api/session/list")
	assert.Equal(t, 404, code)

	id := first["id"].(string)
	code, one := get("GET", "/api/sessions/"+id)
	require.Equal(t, 200, code)
	assert.Equal(t, id, one["id"])
	code, done := get("POST", "/api/sessions/"+id+"/terminate")
	require.Equal(t, 200, code)
	assert.Equal(t, "COMPLETED", done["status"])
	assert.Equal(t, 1, sim.CountRequests("POST", "/api/sessions/"))

	code, doc := get("GET", "/api/v3/api-docs")
	require.Equal(t, 200, code)
	paths := doc["paths"].(map[string]any)
	assert.Contains(t, paths, "/api/sessions/{id}/terminate")
	assert.NotContains(t, paths, "/api/session/list")
	b, _ := json.Marshal(doc)
	assert.NotContains(t, string(b), "x-pamctl")
	assert.NotContains(t, string(b), "listSessions")
}
