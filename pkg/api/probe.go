package api

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"
)

// Raw access for `pamctl doctor`: one GET, no retry, and the answer as it
// came (status, headers, body), so the answer itself can be judged against
// the contract. Nothing here sends anything but GET.

// Answer is one HTTP answer as the server sent it.
type Answer struct {
	Method string
	URL    string
	Status int
	Header http.Header
	// Body is at most Options.MaxBodyBytes, with the token redacted.
	Body      []byte
	Truncated bool
}

// Probe GETs path under the API base once.
func (c *Client) Probe(ctx context.Context, path string, q url.Values) (*Answer, error) {
	return c.probe(ctx, c.url(path, q))
}

// ProbeURL GETs an absolute http(s) URL once. The token goes only to the
// API's own scheme and host; anywhere else the request carries none.
func (c *Client) ProbeURL(ctx context.Context, target string) (*Answer, error) {
	u, err := url.Parse(target)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("%q is not an http(s) URL", target)
	}
	if u.Scheme == "http" && !isLoopback(u.Hostname()) {
		return nil, fmt.Errorf("%s: plain http:// is refused for a non-loopback host; use https://", u.Redacted())
	}
	return c.probe(ctx, u.String())
}

// TLSConfig is a copy of the TLS settings the client verifies the server
// with (CA file, --insecure-skip-tls-verify), or nil with a custom transport.
func (c *Client) TLSConfig() *tls.Config {
	if t, ok := c.http.Transport.(*http.Transport); ok && t.TLSClientConfig != nil {
		return t.TLSClientConfig.Clone()
	}
	return nil
}

func (c *Client) probe(ctx context.Context, target string) (*Answer, error) {
	if c.opts.Busy != nil {
		defer c.opts.Busy()()
	}
	tctx, cancel := context.WithTimeout(ctx, c.opts.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(tctx, http.MethodGet, target, nil)
	if err != nil {
		return nil, fmt.Errorf("building request: %w", err)
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", c.opts.UserAgent)
	if c.token != "" && req.URL.Scheme == c.base.Scheme && SameName(req.URL.Host, c.base.Host) {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	start := time.Now()
	c.debugRequest(req, nil)
	resp, err := c.http.Do(req)
	if err != nil {
		te := c.transportError(ctx, http.MethodGet, target, err)
		te.Reason = c.redact(te.Reason)
		return nil, te
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, c.opts.MaxBodyBytes+1))
	if err != nil {
		te := c.transportError(ctx, http.MethodGet, target, err)
		te.Reason = "reading the response: " + c.redact(te.Reason)
		return nil, te
	}
	c.debugResponse(resp, data, time.Since(start))
	a := &Answer{Method: http.MethodGet, URL: target, Status: resp.StatusCode, Header: resp.Header.Clone()}
	if int64(len(data)) > c.opts.MaxBodyBytes {
		data, a.Truncated = data[:c.opts.MaxBodyBytes], true
	}
	a.Body = []byte(c.redact(string(data)))
	return a, nil
}

// Describe words a non-2xx answer or a body that is not JSON in one line.
func (a *Answer) Describe() string {
	msg, _ := describeBody(a.Header.Get("Content-Type"), a.Body)
	return fmt.Sprintf("HTTP %d: %s", a.Status, msg)
}

// MapAnswer is a 2xx answer of the modeled endpoint ep as the client
// reads it: renamed through the contract overlay (the body itself when
// there is none), for doctor's checks of live answers.
func (c *Client) MapAnswer(ep Endpoint, body []byte) []byte {
	if !c.contract.active() {
		return body
	}
	for i := range c.contract.endpoints {
		if c.contract.endpoints[i].ID == ep.ID {
			return c.contract.answer(&c.contract.endpoints[i], body)
		}
	}
	return body
}
