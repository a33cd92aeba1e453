package pamsim

import (
	"net/http/httptest"
	"testing"
)

// Start serves a new simulator on a loopback httptest server, closed by tb.Cleanup. It
// returns the server URL including the base path, "http://127.0.0.1:PORT/ztna/demo/root".
func Start(tb testing.TB, opts Options) (*Server, string) {
	tb.Helper()
	s, err := New(opts)
	if err != nil {
		tb.Fatalf("pamsim.Start: %v", err)
	}
	ts := httptest.NewServer(s)
	tb.Cleanup(ts.Close)
	return s, ts.URL + s.BasePath()
}

// StartTLS is Start over TLS with a fresh CA and a server certificate for hosts (default
// 127.0.0.1 and localhost). It also returns the CA PEM file, written into tb.TempDir().
func StartTLS(tb testing.TB, opts Options, hosts ...string) (*Server, string, string) {
	tb.Helper()
	s, err := New(opts)
	if err != nil {
		tb.Fatalf("pamsim.StartTLS: %v", err)
	}
	cfg, caFile, err := NewTLS(tb.TempDir(), hosts...)
	if err != nil {
		tb.Fatalf("pamsim.StartTLS: %v", err)
	}
	ts := httptest.NewUnstartedServer(s)
	ts.TLS = cfg
	ts.StartTLS()
	tb.Cleanup(ts.Close)
	return s, ts.URL + s.BasePath(), caFile
}
