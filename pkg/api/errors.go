package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/pamctl/pamctl/pkg/text"
)

// HTTPError is a non-2xx answer from the server.
type HTTPError struct {
	StatusCode int
	Method     string
	URL        string
	// Message is the server's {"message"} text, or a description of a body
	// that was not the contract's JSON (an HTML login page, an empty body).
	Message string
	// NotJSON is set when the body was not a JSON error object.
	NotJSON bool
	// RetryAfter is the parsed Retry-After header, if any.
	RetryAfter time.Duration
	// Path is the API path asked, without the base and the query.
	Path string
	// Report names the endpoint when it is one every 12Port site answers
	// (a report or the user context; see Endpoints): a 404 from it is not
	// a missing object.
	Report string
	// BaseWorks is set on such a 404 when the user context on the same
	// base answered: the server's API differs, the URL is right.
	BaseWorks bool
}

func (e *HTTPError) Error() string {
	msg := e.Message
	if msg == "" {
		msg = http.StatusText(e.StatusCode)
	}
	return fmt.Sprintf("%s %s: HTTP %d: %s", e.Method, e.URL, e.StatusCode, msg)
}

// IsNotFound reports a 404 anywhere in err's chain.
func IsNotFound(err error) bool { return hasStatus(err, http.StatusNotFound) }

// IsUnauthorized reports a 401. On 12Port a 401 can also mean the token's
// user lacks the permission, not only that the token is bad.
func IsUnauthorized(err error) bool { return hasStatus(err, http.StatusUnauthorized) }

// IsForbidden reports a 403.
func IsForbidden(err error) bool { return hasStatus(err, http.StatusForbidden) }

// IsConflict reports a 409 (session not active, or native-only).
func IsConflict(err error) bool { return hasStatus(err, http.StatusConflict) }

// IsAuth reports a 401 or 403.
func IsAuth(err error) bool { return IsUnauthorized(err) || IsForbidden(err) }

func hasStatus(err error, code int) bool {
	var he *HTTPError
	return errors.As(err, &he) && he.StatusCode == code
}

// ResponseError is a 2xx answer pamctl could not use: HTML instead of JSON,
// a truncated or malformed body, or one larger than the client accepts.
type ResponseError struct {
	Method string
	URL    string
	Reason string
	// TooLarge is a listing refused for its size or its time (the caps of
	// paging_bounds.go): a narrower selection may succeed, and the
	// command names its own filters (cmdutil.NarrowHint).
	TooLarge bool
}

// IsTooLarge reports a listing refused for its size or its time.
func IsTooLarge(err error) bool {
	var re *ResponseError
	return errors.As(err, &re) && re.TooLarge
}

func (e *ResponseError) Error() string {
	return fmt.Sprintf("%s %s: %s", e.Method, e.URL, e.Reason)
}

// TransportError is a request that got no HTTP answer: refused, reset,
// timed out, unknown host, TLS failure. Unknown is set when the request may
// have reached the server (so a POST's outcome is not known).
type TransportError struct {
	Method  string
	URL     string
	Host    string
	Reason  string
	Unknown bool
	// Permanent is set when another try cannot help: the host does not
	// resolve, the certificate is refused, the server redirected.
	Permanent bool
	// Timeout is set when the try ran out of its per-request timeout.
	Timeout bool
	Err     error
}

func (e *TransportError) Error() string {
	return fmt.Sprintf("%s %s: %s", e.Method, e.URL, e.Reason)
}

func (e *TransportError) Unwrap() error { return e.Err }

// IsUnknownOutcome reports a request whose effect on the server is not
// known: it may or may not have been applied. Such a request is never
// resent blindly; the caller reads the state back instead.
func IsUnknownOutcome(err error) bool {
	var te *TransportError
	var ue *UnknownOutcomeError
	return errors.As(err, &ue) || errors.As(err, &te) && te.Unknown
}

// UnknownOutcomeError is an answer to a request that changes state which
// does not say whether the change happened: a 2xx whose body cannot be
// read (a proxy's page, a cut-off body), or a gateway or rate-limit status
// (429, 502, 503, 504) that may or may not have reached the application.
type UnknownOutcomeError struct{ Err error }

func (e *UnknownOutcomeError) Error() string { return "outcome unknown: " + e.Err.Error() }
func (e *UnknownOutcomeError) Unwrap() error { return e.Err }

// classifyWrite marks the errors of a state-changing request whose effect
// is unknown, so the caller reads the state back instead of guessing.
func classifyWrite(err error) error {
	var re *ResponseError
	var he *HTTPError
	switch {
	case errors.As(err, &re):
		return &UnknownOutcomeError{Err: err}
	case errors.As(err, &he) && retryableStatus(he.StatusCode):
		return &UnknownOutcomeError{Err: err}
	}
	return err
}

// describeBody turns a response body that is not the contract's JSON into a
// short, safe description.
func describeBody(contentType string, body []byte) (msg string, notJSON bool) {
	trimmed := strings.TrimSpace(string(body))
	if trimmed == "" {
		return "empty response body", true
	}
	var eb errorBody
	if json.Unmarshal(body, &eb) == nil && eb.Message != "" {
		return text.Safe(truncate(eb.Message, 300)), false
	}
	if looksHTML(contentType, trimmed) {
		return "the server answered with an HTML page, not the 12Port API (a proxy or SSO login page?); check the server URL and that the site is reachable without a browser login", true
	}
	return "unexpected response body: " + excerpt(trimmed, 120), true
}

func looksHTML(contentType, body string) bool {
	if strings.Contains(strings.ToLower(contentType), "html") {
		return true
	}
	l := strings.ToLower(body)
	if len(l) > 64 {
		l = l[:64]
	}
	return strings.HasPrefix(l, "<!doctype html") || strings.HasPrefix(l, "<html") || strings.HasPrefix(l, "<head") || strings.HasPrefix(l, "<body")
}

// excerpt returns at most n bytes of s, quoted so control characters are inert.
func excerpt(s string, n int) string {
	if len(s) > n {
		cut := n
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut] + "…"
	}
	return text.Safe(s)
}

// Kind is what a failure is, whatever the request and the command: the
// one classification Explain words and ExitCode maps.
type Kind int

const (
	// KindOther is none of the kinds below (a local error).
	KindOther Kind = iota
	// KindTokenRefused is a 401: the token is invalid or expired, or (on
	// 12Port) its user lacks the permission.
	KindTokenRefused
	// KindForbidden is a 403: the token's user lacks a permission.
	KindForbidden
	// KindEndpointMissing is a 404 from an endpoint every 12Port site
	// answers (a report, the user context): a wrong URL or a server
	// whose API differs, not a missing object.
	KindEndpointMissing
	// KindNotFound is a 404 on an object: the session or asset does not
	// exist, or the user cannot see it.
	KindNotFound
	// KindTransient is a failure another try may fix: 429, a 5xx, or a
	// connection that failed in a way that can pass.
	KindTransient
	// KindContract is an answer pamctl cannot use although its status
	// says success: HTML, a truncated or malformed body, a field of the
	// wrong type, an oversize body, or a session it cannot judge
	// (*ContractError).
	KindContract
	// KindConnection is a request that cannot get through as configured:
	// the host does not resolve, the certificate is refused, the wrong
	// scheme for the port, a redirect.
	KindConnection
)

var kindNames = [...]string{"other", "token refused", "forbidden", "endpoint missing", "not found", "transient", "contract violation", "connection"}

func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return fmt.Sprintf("Kind(%d)", int(k))
}

// KindOf classifies err by the first API error in its chain.
func KindOf(err error) Kind {
	var he *HTTPError
	var re *ResponseError
	var ce *ContractError
	var te *TransportError
	switch {
	case errors.As(err, &ce):
		return KindContract
	case errors.As(err, &he):
		switch {
		case he.StatusCode == http.StatusUnauthorized:
			return KindTokenRefused
		case he.StatusCode == http.StatusForbidden:
			return KindForbidden
		case he.StatusCode == http.StatusNotFound && he.Report != "":
			return KindEndpointMissing
		case he.StatusCode == http.StatusNotFound:
			return KindNotFound
		case retryableStatus(he.StatusCode) || he.StatusCode >= 500:
			return KindTransient
		}
	case errors.As(err, &re):
		return KindContract
	case errors.As(err, &te):
		if te.Permanent {
			return KindConnection
		}
		return KindTransient
	}
	return KindOther
}

// StatusCode is the HTTP status of the API error in err's chain, 0 when
// the failure got no HTTP answer.
func StatusCode(err error) int {
	var he *HTTPError
	if errors.As(err, &he) {
		return he.StatusCode
	}
	return 0
}

// Reason is a failure's cause in a few words, without the request's
// method and URL: "HTTP 403: <the server's message>", a transport
// failure's reason ("no answer within the 30s timeout ..."), or why an
// answer could not be used. It is the one renderer for a row or a note
// that already names the request; a whole error line is Explain's.
func Reason(err error) string {
	var he *HTTPError
	var re *ResponseError
	var te *TransportError
	switch {
	case err == nil:
		return ""
	case errors.As(err, &he):
		if he.Message == "" {
			return fmt.Sprintf("HTTP %d", he.StatusCode)
		}
		return fmt.Sprintf("HTTP %d: %s", he.StatusCode, he.Message)
	case errors.As(err, &te):
		return te.Reason
	case errors.As(err, &re):
		return re.Reason
	}
	return text.Safe(err.Error())
}

// Excerpt is s cut to n bytes with an ellipsis, for messages (the
// packages beside the client word their messages the same way).
func Excerpt(s string, n int) string { return excerpt(s, n) }

// LooksHTML reports a body that is an HTML page (a proxy's or an SSO
// login page), not the API's JSON: doctor's probes judge answers with it.
func LooksHTML(contentType, body string) bool { return looksHTML(contentType, body) }
