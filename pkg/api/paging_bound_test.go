package api

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// hugeTotalClient answers every list page with one session and the
// declared total.
func hugeTotalClient(t testing.TB, total int, opts Options) (*Client, *atomic.Int64) {
	var n atomic.Int64
	rt := roundTripFunc(func(r *http.Request) (*http.Response, error) {
		i := n.Add(1)
		body := fmt.Sprintf(`{"total":%d,"offset":%s,"limit":1,"items":[{"id":"11111111-1111-4111-8111-%012d","state":"Active"}]}`, total, r.URL.Query().Get("offset"), i)
		return &http.Response{StatusCode: 200, Header: http.Header{"Content-Type": {"application/json"}}, Body: io.NopCloser(strings.NewReader(body)), Request: r}, nil
	})
	opts.Server, opts.Token, opts.Transport = "https://pam.example.com/ztna/t/s", "tok-123456", rt
	c, err := New(opts)
	require.NoError(t, err)
	return c, &n
}

func TestListingRefusesATotalAboveTheCapAtOnce(t *testing.T) {
	c, n := hugeTotalClient(t, 1_000_000, Options{})
	_, err := c.ListSessions(context.Background(), ListSessionsParams{})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "the server reports 1000000 matching items, more than the 500000")
	assert.Contains(t, err.Error(), "; narrow the selection")
	assert.True(t, IsTooLarge(err))
	assert.Equal(t, int64(1), n.Load(), "refused after the first page")
}

func TestListingRefusesTooManyPages(t *testing.T) {
	c, n := hugeTotalClient(t, 20_000, Options{})
	err := c.EachSessionPage(context.Background(), ListSessionsParams{}, func([]Session) error { return nil })
	require.Error(t, err)
	assert.Contains(t, err.Error(), "answers 1 a page: 20000 requests, more than the 10000")
	assert.Equal(t, int64(1), n.Load())
}

func TestListingWithinTheCapsStillPages(t *testing.T) {
	c, n := hugeTotalClient(t, 5, Options{MaxPages: 10})
	got, err := c.ListSessions(context.Background(), ListSessionsParams{})
	require.NoError(t, err)
	assert.Len(t, got, 5)
	assert.Equal(t, int64(5), n.Load())
}

func TestListingHasAnOverallDeadline(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var n atomic.Int64
		rt := roundTripFunc(func(r *http.Request) (*http.Response, error) {
			i := n.Add(1)
			if i > 1 {
				// A slow server: every page after the first takes 20 s,
				// within the per-request timeout.
				select {
				case <-time.After(20 * time.Second):
				case <-r.Context().Done():
					return nil, r.Context().Err()
				}
			}
			body := fmt.Sprintf(`{"total":100,"offset":%s,"limit":1,"items":[{"id":"11111111-1111-4111-8111-%012d","state":"Active"}]}`, r.URL.Query().Get("offset"), i)
			return &http.Response{StatusCode: 200, Header: http.Header{"Content-Type": {"application/json"}}, Body: io.NopCloser(strings.NewReader(body)), Request: r}, nil
		})
		c, err := New(Options{Server: "https://pam.example.com/ztna/t/s", Token: "tok-123456", Transport: rt, Concurrency: 1, ListTimeout: time.Minute})
		require.NoError(t, err)
		start := time.Now()
		_, err = c.ListSessions(context.Background(), ListSessionsParams{})
		require.Error(t, err)
		assert.Contains(t, err.Error(), "the listing did not finish within 1m0s")
		assert.Equal(t, time.Minute, time.Since(start))
		assert.LessOrEqual(t, n.Load(), int64(5))
	})
}

// BenchmarkHugeTotalRefused: a one-item page declaring total 1,000,000
// costs one request and a few KB (B/op), not a slice sized by the total.
func BenchmarkHugeTotalRefused(b *testing.B) {
	c, n := hugeTotalClient(b, 1_000_000, Options{})
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.ListSessions(context.Background(), ListSessionsParams{}); err == nil {
			b.Fatal("a total of 1,000,000 was not refused")
		}
	}
	b.ReportMetric(float64(n.Load())/float64(b.N), "requests/op")
}
