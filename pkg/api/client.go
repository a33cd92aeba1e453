// Package api is the REST client for the 12Port PAM contract that pamctl
// speaks (see docs/api-contract.md). It knows nothing of cobra, viper or
// terminals: it takes Options, returns typed values and typed errors
// (*HTTPError, *ResponseError, *TransportError), and hides paging.
package api

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/pamctl/pamctl/pkg/redact"
)

// Defaults for Options fields left zero.
const (
	DefaultTimeout      = 30 * time.Second
	DefaultMaxBodyBytes = 16 << 20
	DefaultPageSize     = maxPageSize
	DefaultConcurrency  = 4
	// DefaultMaxItems is the most items one listing holds or streams: a
	// declared total above it is refused after the first page.
	DefaultMaxItems = 500_000
	// DefaultMaxPages is the most requests one listing sends: a server
	// that answers a few items a page for a large total is refused after
	// the first page.
	DefaultMaxPages = 10_000
	// DefaultListTimeout bounds a whole listing, every page included.
	DefaultListTimeout = 10 * time.Minute
)

// Options configure a Client.
type Options struct {
	// Server is the site's API base: https://host:6443/ztna/<tenant>/<site>.
	Server string
	// Token is the API token, sent as a Bearer credential.
	Token string
	// CAFile is an extra PEM bundle of trusted CAs.
	CAFile string
	// Insecure disables certificate verification.
	Insecure bool
	// Timeout bounds one try of one request, body included.
	Timeout time.Duration
	// UserAgent is sent as User-Agent.
	UserAgent string
	// Debug, when set, receives a log of each request and response with
	// the token redacted.
	Debug io.Writer
	// MaxTries bounds the tries of an idempotent (GET) request.
	MaxTries int
	// BaseBackoff is the first retry delay (doubled each retry, with jitter).
	BaseBackoff time.Duration
	// MaxRetryAfter caps how long a Retry-After header may make us wait.
	MaxRetryAfter time.Duration
	// MaxBodyBytes bounds a response body.
	MaxBodyBytes int64
	// PageSize is the limit asked for per page when listing.
	PageSize int
	// Concurrency bounds the pages fetched at once after the first.
	Concurrency int
	// MaxItems bounds how many items a list call holds in memory.
	MaxItems int
	// MaxPages bounds the requests of one listing.
	MaxPages int
	// ListTimeout bounds a whole listing (each request has Timeout too).
	ListTimeout time.Duration
	// Transport replaces the HTTP transport (tests use httpmock).
	Transport http.RoundTripper
	// Sleep waits between retries (the factory hands in its clock's).
	Sleep func(ctx context.Context, d time.Duration) error
	// Now tells the time (Retry-After dates); default time.Now.
	Now func() time.Time
	// Notify, when set, is told of every wait longer than AnnounceWait
	// (one line for the operator's stderr).
	Notify func(msg string)
	// Busy, when set, is called as each try starts and its done once the
	// answer is read: a test clock does not move while a request is out
	// (clock.BusyHook).
	Busy func() (done func())
	// Contract, when set, is the site's contract overlay (overlay.go),
	// already checked: every request and answer is mapped through it.
	Contract *Overlay
	// Redactor, when set, learns the token too: the process's output
	// streams share it, so the token is redacted from every byte written.
	Redactor *redact.Redactor
}

// Client talks to one 12Port site.
type Client struct {
	base     *url.URL
	token    string
	redactor *redactor
	opts     Options
	http     *http.Client
	contract *contractMap

	ctxOnce sync.Mutex
	ctx     *UserContext

	assets knownAssets // judge.go: names read by ID, for the sessions listed for them

	// debugMu serializes writes to opts.Debug: requests run concurrently
	// (paging, bulk terminate) and the writer need not be safe for that.
	debugMu sync.Mutex
}

// errRedirect marks a refused redirect: not worth a retry.
var errRedirect = errors.New("the server redirected")

// ServerURLError is a server URL that pamctl refuses to use.
type ServerURLError struct {
	URL    string
	Reason string
}

func (e *ServerURLError) Error() string {
	return fmt.Sprintf("server URL %q: %s", e.URL, e.Reason)
}

// ParseServerURL validates a site API base. Plain http:// is refused for
// any host but loopback, so a token is never sent in clear over a network.
func ParseServerURL(raw string) (*url.URL, error) {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return nil, &ServerURLError{URL: raw, Reason: "is empty"}
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return nil, &ServerURLError{URL: raw, Reason: "is not an absolute URL like https://pam.example.com:6443/ztna/<tenant>/<site>"}
	}
	if u.User != nil {
		return nil, &ServerURLError{URL: u.Redacted(), Reason: "must not contain credentials; use an API token"}
	}
	switch u.Scheme {
	case "https":
	case "http":
		if !isLoopback(u.Hostname()) {
			return nil, &ServerURLError{URL: raw, Reason: "plain http:// is refused for a non-loopback host; use https://"}
		}
	default:
		return nil, &ServerURLError{URL: raw, Reason: "scheme must be https"}
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return nil, &ServerURLError{URL: raw, Reason: "must not have a query or fragment"}
	}
	u.Path = strings.TrimRight(u.Path, "/")
	u.RawPath = ""
	u.Path = strings.TrimSuffix(u.Path, "/api")
	return u, nil
}

func isLoopback(host string) bool {
	if SameName(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// New builds a client. It fails on a bad server URL or an unreadable CA file,
// before any connection is made.
func New(opts Options) (*Client, error) {
	base, err := ParseServerURL(opts.Server)
	if err != nil {
		return nil, err
	}
	if opts.Timeout <= 0 {
		opts.Timeout = DefaultTimeout
	}
	if opts.MaxTries <= 0 {
		opts.MaxTries = DefaultMaxTries
	}
	if opts.BaseBackoff <= 0 {
		opts.BaseBackoff = DefaultBaseBackoff
	}
	if opts.MaxRetryAfter <= 0 {
		opts.MaxRetryAfter = DefaultMaxRetryAfter
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.MaxBodyBytes <= 0 {
		opts.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if opts.PageSize <= 0 || opts.PageSize > maxPageSize {
		opts.PageSize = DefaultPageSize
	}
	if opts.Concurrency <= 0 {
		opts.Concurrency = DefaultConcurrency
	}
	if opts.MaxPages <= 0 {
		opts.MaxPages = DefaultMaxPages
	}
	if opts.ListTimeout <= 0 {
		opts.ListTimeout = DefaultListTimeout
	}
	if opts.MaxItems <= 0 {
		opts.MaxItems = DefaultMaxItems
	}
	if opts.UserAgent == "" {
		opts.UserAgent = "pamctl"
	}
	if opts.Sleep == nil {
		opts.Sleep = sleepCtx
	}
	rt := opts.Transport
	if rt == nil {
		t, err := newTransport(opts)
		if err != nil {
			return nil, err
		}
		rt = t
	}
	return &Client{
		base:     base,
		token:    opts.Token,
		redactor: newRedactor(opts.Token, opts.Redactor),
		opts:     opts,
		contract: newContractMap(opts.Contract),
		http: &http.Client{
			Transport: rt,
			// A redirect could carry the bearer token to another host;
			// the API does not redirect, so a redirect is an error.
			CheckRedirect: func(req *http.Request, via []*http.Request) error {
				return fmt.Errorf("%w to %s; check the server URL (the API base is https://host:6443/ztna/<tenant>/<site>)", errRedirect, req.URL.Redacted())
			},
		},
	}, nil
}

func newTransport(opts Options) (*http.Transport, error) {
	t := http.DefaultTransport.(*http.Transport).Clone()
	tlsConf := &tls.Config{MinVersion: tls.VersionTLS12}
	if opts.CAFile != "" {
		pem, err := os.ReadFile(opts.CAFile)
		if err != nil {
			return nil, fmt.Errorf("reading CA file: %w", err)
		}
		pool, err := x509.SystemCertPool()
		if err != nil || pool == nil {
			pool = x509.NewCertPool()
		}
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("CA file %s holds no PEM certificate", opts.CAFile)
		}
		tlsConf.RootCAs = pool
	}
	if opts.Insecure {
		// The operator asked for it (--insecure-skip-tls-verify) and is warned on every run.
		tlsConf.InsecureSkipVerify = true
	}
	t.TLSClientConfig = tlsConf
	t.Proxy = http.ProxyFromEnvironment
	// Keep a connection per concurrent request (pages, bulk terminate)
	// instead of re-opening TLS sessions; the default keeps 2.
	t.MaxIdleConnsPerHost = max(opts.Concurrency, 2) * 2
	return t, nil
}

// Server is the site API base in use.
func (c *Client) Server() string { return c.base.String() }

// Host is the server's host name (for messages).
func (c *Client) Host() string { return c.base.Host }

// url is the URL a modeled path and query are sent to: the contract
// overlay's names when there is one.
func (c *Client) url(path string, q url.Values) string {
	_, path, q, _ = c.contract.wire(http.MethodGet, path, q)
	return c.rawURL(path, q)
}

func (c *Client) rawURL(path string, q url.Values) string {
	// IDs in path are already escaped with url.PathEscape.
	s := strings.TrimRight(c.base.String(), "/") + path
	if len(q) > 0 {
		s += "?" + q.Encode()
	}
	return s
}

// getJSON GETs path and decodes the JSON answer into out, retrying as the
// policy allows.
func (c *Client) getJSON(ctx context.Context, path string, q url.Values, out any) error {
	return c.do(ctx, http.MethodGet, path, q, nil, out)
}

// Raw performs an authenticated request under the API base and returns the
// JSON body of a 2xx answer. Non-2xx answers come back as *HTTPError, a body
// that is not JSON as *ResponseError. Only GET is retried.
func (c *Client) Raw(ctx context.Context, method, path string, body []byte) ([]byte, error) {
	if !strings.HasPrefix(path, "/") {
		path = "/" + path
	}
	var q url.Values
	if i := strings.IndexByte(path, '?'); i >= 0 {
		parsed, err := url.ParseQuery(path[i+1:])
		if err != nil {
			return nil, fmt.Errorf("query %q: %w", path[i+1:], err)
		}
		q = parsed
		path = path[:i]
	}
	var raw json.RawMessage
	if err := c.send(ctx, method, path, q, body, &raw, false); err != nil {
		return nil, err
	}
	// The body is printed as is: a server echoing the token must not
	// put it on stdout.
	return []byte(c.redact(string(raw))), nil
}

// do sends a request of the modeled contract, mapped through the overlay.
func (c *Client) do(ctx context.Context, method, path string, q url.Values, body []byte, out any) error {
	return c.send(ctx, method, path, q, body, out, true)
}

// send sends one request; mapped applies the contract overlay both ways
// (Raw sends the operator's path as written).
func (c *Client) send(ctx context.Context, method, path string, q url.Values, body []byte, out any, mapped bool) error {
	var ep *Endpoint
	target, wpath := c.rawURL(path, q), path
	if mapped {
		var wq url.Values
		method, wpath, wq, ep = c.contract.wire(method, path, q)
		target = c.rawURL(wpath, wq)
	}
	idempotent := isIdempotent(method)
	tries := 1
	if idempotent {
		tries = c.opts.MaxTries
	}
	var lastErr error
	for attempt := 1; attempt <= tries; attempt++ {
		if attempt > 1 {
			wait, err := c.retryWait(attempt-1, lastErr)
			if err != nil {
				return err
			}
			c.debugf("retrying %s %s in %s (try %d of %d)", method, target, wait.Round(time.Millisecond), attempt, tries)
			if wait > AnnounceWait && c.opts.Notify != nil {
				c.opts.Notify(fmt.Sprintf("the server asked to wait: retrying %s %s in %s (try %d of %d)", method, path, wait.Round(time.Second), attempt, tries))
			}
			if err := c.opts.Sleep(ctx, wait); err != nil {
				return lastErr
			}
		}
		status, respBody, err := c.once(ctx, method, path, target, body)
		if err != nil {
			lastErr = err
			if ctx.Err() != nil {
				return err
			}
			var te *TransportError
			if idempotent && errors.As(err, &te) && !te.Permanent {
				continue
			}
			return err
		}
		if status < 200 || status > 299 {
			lastErr = respBody.httpError
			if mapped && ep != nil {
				respBody.httpError.Path = wpath // what was sent, under the overlay
			}
			if he := respBody.httpError; status == http.StatusNotFound && he.Report != "" && path != pathUserContext {
				// Is the base right? The user context tells.
				_, uerr := c.UserContext(ctx)
				he.BaseWorks = uerr == nil
			}
			if idempotent && retryableStatus(status) {
				continue
			}
			return lastErr
		}
		if out == nil {
			return nil
		}
		// A 2xx body is data for stdout, tables and the journal: a
		// server echoing the token in a field must not put it there.
		respBody.data = c.contract.answer(ep, c.redactBytes(respBody.data))
		if err := decodeJSON(method, target, respBody.contentType, respBody.data, out); err != nil {
			var re *ResponseError
			if errors.As(err, &re) {
				re.Reason = c.redact(re.Reason)
			}
			return err
		}
		c.redactDecoded(out)
		return nil
	}
	var te *TransportError
	if tries > 1 && errors.As(lastErr, &te) && te.Timeout {
		// Said as it was: each try had the timeout, so the whole took longer.
		te.Reason = fmt.Sprintf("no answer within the %s timeout, %d tries (raise it with --timeout)", c.opts.Timeout, tries)
	}
	return lastErr
}

type response struct {
	contentType string
	data        []byte
	httpError   *HTTPError
}

// once performs one try: the per-try timeout covers the whole body.
func (c *Client) once(ctx context.Context, method, path, target string, body []byte) (int, response, error) {
	if c.opts.Busy != nil {
		defer c.opts.Busy()()
	}
	tctx, cancel := context.WithTimeout(ctx, c.opts.Timeout)
	defer cancel()
	var rdr io.Reader
	if body != nil {
		rdr = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(tctx, method, target, rdr)
	if err != nil {
		return 0, response{}, fmt.Errorf("building request: %w", err)
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", c.opts.UserAgent)
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	start := time.Now()
	c.debugRequest(req, body)
	resp, err := c.http.Do(req)
	if err != nil {
		te := c.transportError(ctx, method, target, err)
		c.debugf("<- %s %s: %s (%s)", method, target, te.Reason, time.Since(start).Round(time.Millisecond))
		return 0, response{}, te
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, c.opts.MaxBodyBytes+1))
	if err != nil {
		te := c.transportError(ctx, method, target, err)
		te.Reason = "reading the response: " + te.Reason
		c.debugf("<- %s %s: HTTP %d, %s (%s)", method, target, resp.StatusCode, te.Reason, time.Since(start).Round(time.Millisecond))
		return 0, response{}, te
	}
	c.debugResponse(resp, data, time.Since(start))
	if int64(len(data)) > c.opts.MaxBodyBytes {
		return 0, response{}, &ResponseError{Method: method, URL: target, Reason: fmt.Sprintf("the response is larger than %d MiB; narrow the request (filters, --limit)", c.opts.MaxBodyBytes>>20)}
	}
	if resp.StatusCode == http.StatusBadRequest && c.base.Scheme == "http" && plainToTLS(data) {
		return 0, response{}, &TransportError{Method: method, URL: target, Host: c.base.Host, Reason: wrongSchemeTLS, Permanent: true}
	}
	r := response{contentType: resp.Header.Get("Content-Type"), data: data}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		// A server may echo the credential in its error text: that text
		// reaches stdout, stderr and the audit journal, so redact it here.
		// And again after decoding: the message's JSON escapes may make a
		// spelling the raw bytes did not hold.
		msg, notJSON := describeBody(r.contentType, []byte(c.redact(string(data))))
		msg = c.redact(msg)
		r.httpError = &HTTPError{
			StatusCode: resp.StatusCode, Method: method, URL: target,
			Message: msg, NotJSON: notJSON,
			RetryAfter: parseRetryAfter(resp.Header.Get("Retry-After"), c.opts.Now()),
			Path:       path,
			Report:     reportName(path),
		}
	}
	return resp.StatusCode, r, nil
}

func (c *Client) transportError(ctx context.Context, method, target string, err error) *TransportError {
	te := &TransportError{Method: method, URL: target, Host: c.base.Host, Err: err, Unknown: true}
	var dnsErr *net.DNSError
	var opErr *net.OpError
	var certErr *tls.CertificateVerificationError
	var unknownAuth x509.UnknownAuthorityError
	var hostErr x509.HostnameError
	var recErr tls.RecordHeaderError
	switch {
	case ctx.Err() != nil:
		te.Reason = "cancelled"
	case errors.Is(err, context.DeadlineExceeded):
		te.Reason = fmt.Sprintf("no answer within the %s timeout (raise it with --timeout)", c.opts.Timeout)
		te.Timeout = true
	case errors.As(err, &dnsErr):
		te.Reason = fmt.Sprintf("cannot resolve host %q: %s", dnsErr.Name, dnsErr.Err)
		te.Unknown = false
		te.Permanent = dnsErr.IsNotFound
	case errors.As(err, &unknownAuth):
		te.Reason = fmt.Sprintf("TLS: the certificate of %s is signed by an unknown certificate authority; pass the CA bundle with --ca-file (or PAMCTL_CA_FILE)", c.base.Host)
		te.Unknown = false
		te.Permanent = true
	case errors.As(err, &hostErr):
		te.Reason = fmt.Sprintf("TLS: the certificate is not valid for host %q (%s); use the host name the certificate was issued for", c.base.Hostname(), hostErr.Error())
		te.Unknown = false
		te.Permanent = true
	case errors.As(err, &certErr):
		te.Reason = "TLS: certificate verification failed: " + certErr.Error()
		te.Unknown = false
		te.Permanent = true
	case errors.As(err, &opErr) && opErr.Op == "dial":
		te.Reason = fmt.Sprintf("cannot connect to %s: %s", c.base.Host, rootCause(opErr))
		te.Unknown = false
	case errors.Is(err, http.ErrSchemeMismatch) || errors.As(err, &recErr) && bytes.HasPrefix(recErr.RecordHeader[:], []byte("HTTP/")):
		// The TLS handshake read an HTTP answer.
		te.Reason = "https:// to a server that speaks plain HTTP on this port: use http:// (loopback only) or the TLS port"
		te.Unknown = false
		te.Permanent = true
	case c.base.Scheme == "http" && strings.Contains(err.Error(), "malformed HTTP response"):
		// A TLS server's alert or handshake bytes, read as HTTP.
		te.Reason = wrongSchemeTLS
		te.Unknown = false
		te.Permanent = true
	case c.base.Scheme == "http" && errors.Is(err, syscall.ECONNRESET):
		// What a TLS server that is not Go's does with a plain request.
		te.Reason = fmt.Sprintf("the connection to %s was reset: if this port speaks TLS, use https://", c.base.Host)
	case errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF):
		te.Reason = fmt.Sprintf("the connection to %s closed without an answer", c.base.Host)
	case errors.Is(err, errRedirect):
		te.Reason = err.Error()
		var ue *url.Error
		if errors.As(err, &ue) {
			te.Reason = ue.Err.Error()
		}
		te.Unknown = false
		te.Permanent = true
	default:
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		te.Reason = fmt.Sprintf("connection to %s failed: %v", c.base.Host, err)
	}
	// A redirect names its target, which may carry the token.
	te.Reason = c.redact(te.Reason)
	return te
}

// wrongSchemeTLS is http:// to a port that speaks TLS.
const wrongSchemeTLS = "this port speaks TLS: use https://"

// plainToTLS recognises a TLS server's answer to a plain HTTP request: Go
// ("Client sent an HTTP request to an HTTPS server"), nginx ("The plain
// HTTP request was sent to HTTPS port"), Apache ("speaking plain HTTP to
// an SSL-enabled server port").
func plainToTLS(body []byte) bool {
	b := strings.ToLower(string(body))
	return strings.Contains(b, "http request to an https server") ||
		strings.Contains(b, "plain http request was sent to https port") ||
		strings.Contains(b, "plain http to an ssl-enabled server")
}

func rootCause(err error) string {
	for {
		u := errors.Unwrap(err)
		if u == nil {
			return err.Error()
		}
		err = u
	}
}

func decodeJSON(method, target, contentType string, data []byte, out any) error {
	trimmed := bytes.TrimSpace(data)
	if len(trimmed) == 0 {
		return &ResponseError{Method: method, URL: target, Reason: "the server answered with an empty body where JSON was expected"}
	}
	if looksHTML(contentType, string(trimmed)) {
		return &ResponseError{Method: method, URL: target, Reason: "the server answered with an HTML page, not the 12Port API (a proxy or SSO login page?); check the server URL and that the site is reachable without a browser login"}
	}
	unmarshal := json.Unmarshal
	if rb, ok := out.(*rawBody); ok {
		// The body itself, checked but not copied: a list page is decoded
		// once more by its caller, and a streaming listing must not hold
		// each page twice.
		unmarshal = func(data []byte, _ any) error {
			if json.Valid(data) {
				*rb = data
				return nil
			}
			var v any
			return json.Unmarshal(data, &v)
		}
	}
	if err := unmarshal(trimmed, out); err != nil {
		var syn *json.SyntaxError
		var typ *json.UnmarshalTypeError
		switch {
		case errors.As(err, &syn) && syn.Offset >= int64(len(trimmed)) || errors.Is(err, io.ErrUnexpectedEOF) || strings.Contains(err.Error(), "unexpected end of JSON input"):
			return &ResponseError{Method: method, URL: target, Reason: fmt.Sprintf("the response body is truncated (%d bytes of incomplete JSON); the connection or a proxy cut it short, try again", len(trimmed))}
		case errors.As(err, &typ):
			return &ResponseError{Method: method, URL: target, Reason: fmt.Sprintf("unexpected response: field %q has a JSON %s where the contract has %s", typ.Field, typ.Value, typ.Type)}
		default:
			return &ResponseError{Method: method, URL: target, Reason: "the response is not valid JSON: " + excerpt(err.Error(), 160)}
		}
	}
	return nil
}

// rawBody receives a 2xx answer's JSON body as it came (validated, not
// copied).
type rawBody []byte

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// Timeout is the per-request timeout in use (for messages such as "waiting
// up to 30s for the requests in flight").
func (c *Client) Timeout() time.Duration { return c.opts.Timeout }
