package api

import (
	"context"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestWrongScheme: https:// to a plain-HTTP port and http:// to a TLS port
// name the mistake instead of a raw transport error, and are not retried.
func TestWrongScheme(t *testing.T) {
	ok := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"user":{"name":"u"}}`))
	})
	plain := httptest.NewServer(ok)
	t.Cleanup(plain.Close)
	tlsSrv := httptest.NewUnstartedServer(ok)
	tlsSrv.Config.ErrorLog = log.New(io.Discard, "", 0)
	tlsSrv.StartTLS()
	t.Cleanup(tlsSrv.Close)

	// A TLS port that answers a plain request with a TLS alert, not the
	// Go server's polite 400: the client reads garbage.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			buf := make([]byte, 1024)
			_, _ = conn.Read(buf)
			_, _ = conn.Write([]byte("\x15\x03\x01\x00\x02\x02\x46"))
			conn.Close()
		}
	}()

	tests := []struct {
		name   string
		server string
		want   string
	}{
		{"https to plain HTTP", strings.Replace(plain.URL, "http://", "https://", 1), "https:// to a server that speaks plain HTTP on this port: use http:// (loopback only) or the TLS port"},
		{"http to a Go TLS server (400 answer)", strings.Replace(tlsSrv.URL, "https://", "http://", 1), "this port speaks TLS: use https://"},
		{"http to a TLS port that answers garbage", "http://" + ln.Addr().String(), "this port speaks TLS: use https://"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := New(Options{Server: tt.server + "/ztna/a/root", Token: "test-token-0123456789", MaxTries: 3,
				Sleep: func(context.Context, time.Duration) error { t.Fatal("a wrong scheme is not retried"); return nil }})
			require.NoError(t, err)
			_, err = c.UserContext(context.Background())
			require.Error(t, err)
			var te *TransportError
			require.ErrorAs(t, err, &te)
			assert.Equal(t, tt.want, te.Reason)
			assert.True(t, te.Permanent)
			assert.False(t, IsUnknownOutcome(err))
		})
	}
	t.Run("http to a TLS port that resets the connection", func(t *testing.T) {
		// A Java TLS server (12Port's) resets a plain request.
		rst, err := net.Listen("tcp", "127.0.0.1:0")
		require.NoError(t, err)
		t.Cleanup(func() { rst.Close() })
		go func() {
			for {
				conn, err := rst.Accept()
				if err != nil {
					return
				}
				buf := make([]byte, 1024)
				_, _ = conn.Read(buf)
				_ = conn.(*net.TCPConn).SetLinger(0)
				conn.Close()
			}
		}()
		c, err := New(Options{Server: "http://" + rst.Addr().String() + "/ztna/a/root", Token: "test-token-0123456789", MaxTries: 1})
		require.NoError(t, err)
		_, err = c.UserContext(context.Background())
		var te *TransportError
		require.ErrorAs(t, err, &te)
		assert.Equal(t, "the connection to "+rst.Addr().String()+" was reset: if this port speaks TLS, use https://", te.Reason)
	})
	t.Run("the right schemes still work", func(t *testing.T) {
		c, err := New(Options{Server: plain.URL + "/ztna/a/root", Token: "test-token-0123456789"})
		require.NoError(t, err)
		uc, err := c.UserContext(context.Background())
		require.NoError(t, err)
		assert.Equal(t, "u", uc.User.Name)
	})
}
