package api

import (
	"fmt"
	"io"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/pamctl/pamctl/pkg/redact"
	"github.com/pamctl/pamctl/pkg/text"
)

const (
	debugBodyExcerpt = 1024
	redacted         = redact.Mark
)

// The debug log is for humans reading stderr. Every line passes through
// redact, so the token cannot reach it even if a server echoes it back.

func (c *Client) debugf(format string, args ...any) {
	if c.opts.Debug == nil {
		return
	}
	c.debugWrite("* " + c.redact(fmt.Sprintf(format, args...)) + "\n")
}

func (c *Client) debugRequest(req *http.Request, body []byte) {
	if c.opts.Debug == nil {
		return
	}
	var b strings.Builder
	fmt.Fprintf(&b, "> %s %s\n", req.Method, req.URL.String())
	writeHeaders(&b, "> ", req.Header)
	if len(body) > 0 {
		fmt.Fprintf(&b, "> %s\n", c.bodyExcerpt(body))
	}
	c.debugWrite(c.redact(b.String()))
}

func (c *Client) debugResponse(resp *http.Response, body []byte, took time.Duration) {
	if c.opts.Debug == nil {
		return
	}
	var b strings.Builder
	fmt.Fprintf(&b, "< HTTP %d %s (%s, %d bytes)\n", resp.StatusCode, http.StatusText(resp.StatusCode), took.Round(time.Millisecond), len(body))
	writeHeaders(&b, "< ", resp.Header)
	if len(body) > 0 {
		fmt.Fprintf(&b, "< %s\n", c.bodyExcerpt(body))
	}
	c.debugWrite(c.redact(b.String()))
}

// debugWrite writes one whole log entry at a time.
func (c *Client) debugWrite(s string) {
	c.debugMu.Lock()
	defer c.debugMu.Unlock()
	_, _ = io.WriteString(c.opts.Debug, s)
}

func writeHeaders(b *strings.Builder, prefix string, h http.Header) {
	keys := make([]string, 0, len(h))
	for k := range h {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		for _, v := range h[k] {
			switch strings.ToLower(k) {
			case "authorization", "proxy-authorization", "cookie", "set-cookie", "x-api-key":
				if i := strings.IndexByte(v, ' '); i > 0 && strings.ToLower(k) != "cookie" && strings.ToLower(k) != "set-cookie" {
					v = v[:i+1] + redacted
				} else {
					v = redacted
				}
			}
			fmt.Fprintf(b, "%s%s: %s\n", prefix, k, text.Safe(v))
		}
	}
}

// bodyExcerpt redacts before it cuts, so no fragment of the token survives.
func (c *Client) bodyExcerpt(body []byte) string {
	s := c.redact(string(body))
	if len(s) > debugBodyExcerpt {
		s = s[:debugBodyExcerpt] + fmt.Sprintf("… (%d more bytes)", len(s)-debugBodyExcerpt)
	}
	return text.Safe(s)
}

// redact removes the token wherever, and however spelled, it appears.
func (c *Client) redact(s string) string { return c.redactor.String(s) }
