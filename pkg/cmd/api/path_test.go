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

func TestCheckPathReasons(t *testing.T) {
	assert.EqualError(t, checkPath("http://127.0.0.1:1/api/x"),
		`path "http://127.0.0.1:1/api/x": give a path under the site's /api, not a URL, such as /api/user/context; nothing was sent`)
	assert.EqualError(t, checkPath("//evil/api/x"),
		`path "//evil/api/x": give a path under the site's /api without empty segments (//), such as /api/user/context; nothing was sent`)
	assert.Error(t, checkPath("/api/%2F%2Fevil/x"))
	assert.Error(t, checkPath(`/api\\evil`))
}
