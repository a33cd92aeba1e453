// Package httpmock is a RoundTripper stub registry for unit tests. Every
// registered stub must be used: Verify fails the test for a stub that was
// never matched, and an unmatched request fails the request loudly, so a
// test cannot pass while the code under test silently skips or adds a call.
package httpmock

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
)

// Matcher selects requests.
type Matcher func(req *http.Request) bool

// Responder answers a matched request.
type Responder func(req *http.Request) (*http.Response, error)

type stub struct {
	matcher   Matcher
	responder Responder
	desc      string
	matched   bool
}

// Registry is an http.RoundTripper answering from registered stubs in order;
// a stub answers one request.
type Registry struct {
	mu       sync.Mutex
	stubs    []*stub
	Requests []*http.Request
}

// Register adds a stub answering one matching request.
func (r *Registry) Register(desc string, m Matcher, resp Responder) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.stubs = append(r.stubs, &stub{matcher: m, responder: resp, desc: desc})
}

// TestingT is the part of testing.TB that Verify needs.
type TestingT interface {
	Helper()
	Errorf(format string, args ...any)
}

// Verify fails t for every stub that was never used.
func (r *Registry) Verify(t TestingT) {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, s := range r.stubs {
		if !s.matched {
			t.Errorf("httpmock: stub %q was never called", s.desc)
		}
	}
}

// RoundTrip implements http.RoundTripper.
func (r *Registry) RoundTrip(req *http.Request) (*http.Response, error) {
	r.mu.Lock()
	var found *stub
	for _, s := range r.stubs {
		if !s.matched && s.matcher(req) {
			found = s
			s.matched = true
			break
		}
	}
	r.Requests = append(r.Requests, req)
	r.mu.Unlock()
	if found == nil {
		return nil, fmt.Errorf("httpmock: no stub for %s %s", req.Method, req.URL)
	}
	resp, err := found.responder(req)
	if resp != nil {
		resp.Request = req
	}
	return resp, err
}

// Count returns how many requests matched m.
func (r *Registry) Count(m Matcher) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, req := range r.Requests {
		if m(req) {
			n++
		}
	}
	return n
}

// REST matches a method and a URL path ending with pathSuffix (the API base
// varies per test).
func REST(method, pathSuffix string) Matcher {
	return func(req *http.Request) bool {
		return req.Method == method && strings.HasSuffix(req.URL.EscapedPath(), pathSuffix)
	}
}

// QueryMatcher matches like REST and also requires the query values given.
func QueryMatcher(method, pathSuffix string, query map[string]string) Matcher {
	rest := REST(method, pathSuffix)
	return func(req *http.Request) bool {
		if !rest(req) {
			return false
		}
		q := req.URL.Query()
		for k, v := range query {
			if q.Get(k) != v {
				return false
			}
		}
		return true
	}
}

// JSONResponse answers status with v encoded as JSON.
func JSONResponse(status int, v any) Responder {
	return func(req *http.Request) (*http.Response, error) {
		b, err := json.Marshal(v)
		if err != nil {
			return nil, err
		}
		return newResponse(status, "application/json", b), nil
	}
}

// StringResponse answers status with body and content type ct.
func StringResponse(status int, ct, body string) Responder {
	return func(req *http.Request) (*http.Response, error) {
		return newResponse(status, ct, []byte(body)), nil
	}
}

// WithHeader adds a header to a responder's answer.
func WithHeader(resp Responder, key, value string) Responder {
	return func(req *http.Request) (*http.Response, error) {
		r, err := resp(req)
		if r != nil {
			r.Header.Set(key, value)
		}
		return r, err
	}
}

// ErrorResponse fails the round trip with err.
func ErrorResponse(err error) Responder {
	return func(req *http.Request) (*http.Response, error) { return nil, err }
}

func newResponse(status int, ct string, body []byte) *http.Response {
	h := http.Header{}
	if ct != "" {
		h.Set("Content-Type", ct)
	}
	return &http.Response{
		StatusCode:    status,
		Status:        fmt.Sprintf("%d %s", status, http.StatusText(status)),
		Header:        h,
		Body:          io.NopCloser(bytes.NewReader(body)),
		ContentLength: int64(len(body)),
		ProtoMajor:    1, ProtoMinor: 1,
	}
}
