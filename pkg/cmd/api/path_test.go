package api

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestCheckPath(t *testing.T) {
	for _, p := range []string{"/api/%2e%2e/%2e%2e/x", "/api/%252e%252e/x", "/api/%25252E%25252E/x", "../x", "/api/..;/x",
		"/api/.%2e/x", `/api\..\x`, "/api/%2e/x", "%2e%2e", "http://evil/api/x", "/api/%5c..%5cx", "/api/%2F..%2Fx"} {
		assert.Error(t, checkPath(p), p)
	}
	for _, p := range []string{"/api/user/context", "session/list?state=Active&limit=5", "/api/session/list?q=..", "api/asset/list", "/api/a.b/c..d"} {
		assert.NoError(t, checkPath(p), p)
	}
}
