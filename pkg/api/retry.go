package api

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// The schedules, in one place: every wait pamctl makes against a server,
// named side by side. The client (this package) applies the read rule;
// the commands apply the others with these values.
//
//   - Reads (GET, HEAD) are retried up to DefaultMaxTries tries on a
//     connection error that another try can fix, and on 429, 502, 503 and
//     504, waiting Retry-After when the server sends it, else an
//     exponential backoff with jitter from DefaultBaseBackoff up to
//     DefaultMaxBackoff. A try that ran out of its per-request timeout is
//     retried at once: a slow server fails within timeout × tries.
//   - Writes (POST and the rest) are never resent by the client: their
//     transport failures and gateway answers come back as
//     UnknownOutcomeError, and the caller decides. Terminate reads the
//     session back; when it still reads Active it waits WriteResendGrace
//     (or the server's longer Retry-After), reads it back once more, and
//     only then sends once more: a slow first request that lands late is
//     not doubled.
//   - Verification after a terminate reads the sessions back at once,
//     then after VerifyBackoffStart, doubling up to VerifyBackoffMax, until
//     --wait-timeout. It reads a handful of known objects a few times, so
//     it starts below the watch floor, and it never polls faster than
//     that floor once it has backed off.
//   - Watching (sessions wait and watch, events list --follow, --hold)
//     polls every PollDefaultInterval, never more often than
//     PollMinInterval (the --interval floor), later when a Retry-After
//     asks for more (pkg/poll).
//
// A Retry-After longer than DefaultMaxRetryAfter is not waited out: the
// request fails at once with a RetryLaterError naming when to try again.
// Any wait longer than AnnounceWait is announced (Options.Notify), so an
// operator is never left in silence.
const (
	// Reads.
	DefaultMaxTries      = 3
	DefaultBaseBackoff   = 250 * time.Millisecond
	DefaultMaxBackoff    = 5 * time.Second
	DefaultMaxRetryAfter = 60 * time.Second
	AnnounceWait         = 2 * time.Second

	// Writes: the grace before a write whose outcome is unknown is read
	// back again and sent once more.
	WriteResendGrace = 2 * time.Second

	// Verification: the read-back after a terminate.
	VerifyBackoffStart = 100 * time.Millisecond
	VerifyBackoffMax   = 2 * time.Second

	// Watching: the poll loop's default interval and its floor.
	PollDefaultInterval = 5 * time.Second
	PollMinInterval     = time.Second
)

// retryableStatus is a status another try may fix.
func retryableStatus(code int) bool {
	switch code {
	case http.StatusTooManyRequests, http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return true
	}
	return false
}

// isIdempotent is the read rule: only these methods are retried by the client.
func isIdempotent(method string) bool {
	return method == http.MethodGet || method == http.MethodHead
}

// backoff is exponential with full jitter in [d/2, d).
func (c *Client) backoff(retry int) time.Duration {
	d := c.opts.BaseBackoff << (retry - 1)
	if d > DefaultMaxBackoff || d <= 0 {
		d = DefaultMaxBackoff
	}
	return d/2 + rand.N(d/2+1)
}

// retryWait is how long to wait before the next try after lastErr, and
// whether waiting is allowed at all (a Retry-After beyond the cap is not).
func (c *Client) retryWait(retry int, lastErr error) (time.Duration, error) {
	var he *HTTPError
	var te *TransportError
	switch {
	case errors.As(lastErr, &he) && he.RetryAfter > 0:
		if he.RetryAfter > c.opts.MaxRetryAfter {
			return 0, &RetryLaterError{Err: lastErr, After: he.RetryAfter, At: c.opts.Now().Add(he.RetryAfter)}
		}
		return he.RetryAfter, nil
	case errors.As(lastErr, &te) && te.Timeout:
		// The try already waited its whole timeout: a slow server fails
		// within timeout × tries, not more.
		return 0, nil
	}
	return c.backoff(retry), nil
}

// RetryLaterError is a 429 or 503 whose Retry-After asks for a longer wait
// than pamctl is willing to sit through.
type RetryLaterError struct {
	Err   error
	After time.Duration
	At    time.Time
}

func (e *RetryLaterError) Error() string {
	return fmt.Sprintf("%v; the server asks to retry after %s (at %s), longer than pamctl waits: try again then",
		e.Err, e.After.Round(time.Second), e.At.UTC().Format(time.RFC3339))
}

func (e *RetryLaterError) Unwrap() error { return e.Err }

// RetryAfterOf is the Retry-After an error carries (0 when none).
func RetryAfterOf(err error) time.Duration {
	var he *HTTPError
	if errors.As(err, &he) {
		return he.RetryAfter
	}
	return 0
}

func parseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if secs, err := strconv.Atoi(v); err == nil && secs >= 0 {
		return time.Duration(secs) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		if d := t.Sub(now); d > 0 {
			return d
		}
	}
	return 0
}
