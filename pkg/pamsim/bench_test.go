package pamsim

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
)

// BenchmarkNew100k measures building a site of 100,000 generated sessions.
func BenchmarkNew100k(b *testing.B) {
	for b.Loop() {
		if _, err := New(Options{Sessions: 100000, Seed: 1}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSessionListPage serves 500-item pages of a 100,000-session site, encoding
// included, through the handler (no network).
func BenchmarkSessionListPage(b *testing.B) {
	s, err := New(Options{Sessions: 100000, Seed: 1})
	if err != nil {
		b.Fatal(err)
	}
	for _, bc := range []struct{ name, query string }{
		{"first page", "?limit=500"},
		{"deep page", "?limit=500&offset=50000"},
		{"filtered", "?limit=500&state=Completed&channel=SSH"},
		{"filtered by user, sorted by asset", "?limit=500&user=JDOE&sort=asset&order=asc"},
	} {
		b.Run(bc.name, func(b *testing.B) {
			req := httptest.NewRequest("GET", s.BasePath()+"/api/session/list"+bc.query, nil)
			req.Header.Set("Authorization", "Bearer "+s.Tokens().Admin)
			for b.Loop() {
				w := &discardWriter{h: http.Header{}}
				s.ServeHTTP(w, req)
				if w.status != 200 {
					b.Fatalf("status %d", w.status)
				}
			}
			s.ResetRequests()
		})
	}
}

type discardWriter struct {
	h      http.Header
	status int
}

func (w *discardWriter) Header() http.Header { return w.h }
func (w *discardWriter) WriteHeader(c int)   { w.status = c }
func (w *discardWriter) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.status = 200
	}
	return io.Discard.Write(p)
}
