package api

import "github.com/pamctl/pamctl/pkg/redact"

// The client's redactor knows its token in every spelling pkg/redact
// lists (as is, any letter case, JSON-, URL- and HTML-escaped, hex,
// base64 at any alignment, split by invisible characters). Every string
// the client hands out passes it: error messages, debug lines, raw bodies,
// and every 2xx body before it is decoded. The same token is also handed
// to the process's output streams (see Options.Redactor), so what a
// command writes is redacted again at the boundary.
type redactor = redact.Redactor

func newRedactor(token string, shared *redact.Redactor) *redactor {
	if shared != nil {
		shared.Add(token)
	}
	return redact.New(token)
}

func (c *Client) redactBytes(b []byte) []byte { return c.redactor.Bytes(b) }

// Redact removes the client's token, however spelled, from s. Commands
// use it on text they build from a server's answer before it reaches a
// file that is not one of the process's streams.
func (c *Client) Redact(s string) string { return c.redactor.String(s) }
