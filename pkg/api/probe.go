package api

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"
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

// ProbeArgs fill a modeled endpoint's request.
type ProbeArgs struct {
	ID     string // for {id}
	Parent string // for qParent (space.rid)
	Limit  int    // for qLimit; 0 leaves paging to the server
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

// ProbeEndpoint GETs one modeled read endpoint: args.ID fills {id}, a list
// asks for the first args.Limit items.
func (c *Client) ProbeEndpoint(ctx context.Context, ep Endpoint, args ProbeArgs) (*Answer, error) {
	if ep.Method != http.MethodGet {
		return nil, fmt.Errorf("%s %s changes state; it is never probed", ep.Method, ep.Path)
	}
	path := ep.Path
	if strings.Contains(path, "{id}") {
		if err := ValidateID("", args.ID); err != nil {
			return nil, err
		}
		path = strings.Replace(path, "{id}", url.PathEscape(args.ID), 1)
	}
	q := url.Values{}
	for _, p := range ep.Query {
		switch p.Name {
		case qOffset:
			if args.Limit > 0 {
				q.Set(qOffset, "0")
			}
		case qLimit:
			if args.Limit > 0 {
				q.Set(qLimit, strconv.Itoa(args.Limit))
			}
		case qParent:
			q.Set(qParent, args.Parent)
		}
	}
	return c.Probe(ctx, path, q)
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
	if c.token != "" && req.URL.Scheme == c.base.Scheme && strings.EqualFold(req.URL.Host, c.base.Host) {
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

// Finding is one way a live answer departs from the contract.
type Finding struct {
	Fail bool // else a warning
	What string
	Fix  string
}

// AnswerReport is what CheckAnswer found in one answer.
type AnswerReport struct {
	Items    int      // items on the page of a list
	Total    int      // the list's total
	IDs      []string // the "id" of the object, or of each item
	Times    []string // timestamp formats seen: "RFC 3339", "epoch milliseconds"
	Fields   int      // fields pamctl reads that were checked
	Findings []Finding
}

// CheckAnswer judges the 2xx body of ep against the contract: the paging
// envelope of a list (asked with limit), and in every object the fields
// pamctl reads, present with the JSON type it reads them as.
func CheckAnswer(ep Endpoint, contentType string, body []byte, limit int) AnswerReport {
	var r AnswerReport
	t := reflect.TypeOf(ep.Response)
	trimmed := bytes.TrimSpace(body)
	if looksHTML(contentType, string(trimmed)) {
		r.fail("the answer is an HTML page, not JSON (a proxy or SSO login page?)", "check the server URL and that the API is reachable without a browser login")
		return r
	}
	dec := json.NewDecoder(bytes.NewReader(trimmed))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		r.fail("the answer is not JSON: "+excerpt(err.Error(), 100), "look at the raw answer with `pamctl api "+ep.Path+"`")
		return r
	}
	ck := answerCheck{r: &r, seen: map[string]*fieldSeen{}}
	elem, isPage := pageElem(t)
	if !isPage {
		obj, ok := v.(map[string]any)
		if !ok {
			r.fail(fmt.Sprintf("the answer is %s, not an object", describeJSON(v)), fmt.Sprintf("check %s in pkg/api/contract.go against the server's answer", typeName(t)))
			return r
		}
		if id, ok := lookupKey(obj, "id").(string); ok {
			r.IDs = append(r.IDs, id)
		}
		ck.object(t, obj, "")
		ck.report(1)
		return r
	}
	env, ok := v.(map[string]any)
	if !ok {
		r.fail(fmt.Sprintf("the answer is %s, not the paging envelope {\"total\", \"offset\", \"limit\", \"items\"}", describeJSON(v)),
			"change the page type's json tags in pkg/api/contract.go to the server's envelope")
		return r
	}
	for _, f := range fieldsOf(t) {
		r.Fields++
		val := lookupKey(env, f.JSON)
		switch {
		case f.Kind == kindObjects:
			items, ok := val.([]any)
			if !ok {
				r.fail(fmt.Sprintf("the paging envelope has no %q array (it has %s)", f.JSON, keyList(env)),
					fmt.Sprintf("change the json tag of %s in pkg/api/contract.go (%s) to the server's name", f.Go, f.Tag()))
				return r
			}
			r.Items = len(items)
			for _, it := range items {
				obj, ok := it.(map[string]any)
				if !ok {
					r.fail(fmt.Sprintf("an item of %q is %s, not an object", f.JSON, describeJSON(it)), "send `pamctl doctor -o json` to the maintainers")
					return r
				}
				if id, ok := lookupKey(obj, "id").(string); ok {
					r.IDs = append(r.IDs, id)
				}
				ck.object(elem, obj, "")
			}
		case val == nil && f.Optional:
		case val == nil:
			r.fail(fmt.Sprintf("the paging envelope has no %q (it has %s)", f.JSON, keyList(env)),
				fmt.Sprintf("change the json tag of %s in pkg/api/contract.go (%s) to the server's name", f.Go, f.Tag()))
		default:
			n, ok := val.(json.Number)
			if !ok {
				r.fail(fmt.Sprintf("the envelope's %q is %s, not a number", f.JSON, describeJSON(val)), fmt.Sprintf("check %s in pkg/api/contract.go", f.Go))
				continue
			}
			if f.JSON == "total" {
				i, _ := n.Int64()
				r.Total = int(i)
			}
		}
	}
	if lookupKey(env, "total") != nil && r.Total < r.Items {
		r.fail(fmt.Sprintf("total %d is below the %d items of the page", r.Total, r.Items), "pamctl pages by total; send `pamctl doctor -o json` to the maintainers")
	}
	if limit > 0 && r.Items > limit {
		r.fail(fmt.Sprintf("the page holds %d items though %s=%d asked for at most %d: the server ignores the parameter", r.Items, qLimit, limit, limit),
			"change qLimit (and qOffset) in pkg/api/contract.go to the server's paging parameters")
	}
	ck.report(r.Items)
	return r
}

func (r *AnswerReport) fail(what, fix string) {
	r.Findings = append(r.Findings, Finding{Fail: true, What: what, Fix: fix})
}

type fieldSeen struct {
	f       contractField
	where   string
	missing int
	wrong   string // the first wrong value's description
	extra   []string
}

type answerCheck struct {
	r     *AnswerReport
	seen  map[string]*fieldSeen
	order []string
}

func (c *answerCheck) note(f contractField, where string) *fieldSeen {
	key := where + f.Go
	s := c.seen[key]
	if s == nil {
		s = &fieldSeen{f: f, where: where}
		c.seen[key] = s
		c.order = append(c.order, key)
		c.r.Fields++
	}
	return s
}

func (c *answerCheck) object(t reflect.Type, obj map[string]any, where string) {
	fields := fieldsOf(t)
	for _, f := range fields {
		s := c.note(f, where)
		val, present := lookupKeyOK(obj, f.JSON)
		if !present || val == nil {
			if !f.Optional {
				s.missing++
				s.extra = extraKeys(obj, fields)
			}
			continue
		}
		if s.wrong != "" {
			continue
		}
		switch f.Kind {
		case kindString:
			if _, ok := val.(string); !ok {
				s.wrong = describeJSON(val)
			}
		case kindNumber:
			if _, ok := val.(json.Number); !ok {
				s.wrong = describeJSON(val)
			}
		case kindTime:
			format, err := timeFormat(val)
			if err != nil {
				s.wrong = err.Error()
			} else if format != "" && !slices.Contains(c.r.Times, format) {
				c.r.Times = append(c.r.Times, format)
			}
		case kindStrings:
			arr, ok := val.([]any)
			if !ok {
				s.wrong = describeJSON(val)
				continue
			}
			for _, e := range arr {
				if _, ok := e.(string); !ok {
					s.wrong = "an array holding " + describeJSON(e)
					break
				}
			}
		case kindObject:
			o, ok := val.(map[string]any)
			if !ok {
				s.wrong = describeJSON(val)
				continue
			}
			c.object(f.Elem, o, where+f.JSON+".")
		case kindObjects:
			arr, ok := val.([]any)
			if !ok {
				s.wrong = describeJSON(val)
				continue
			}
			for _, e := range arr {
				if o, ok := e.(map[string]any); ok {
					c.object(f.Elem, o, where+f.JSON+"[].")
				}
			}
		}
	}
}

// report turns what was seen in n objects into findings, one per field.
func (c *answerCheck) report(n int) {
	for _, key := range c.order {
		s := c.seen[key]
		name := s.where + s.f.JSON
		switch {
		case s.missing > 0:
			of := ""
			if n > 1 {
				of = fmt.Sprintf(" in %d of %d items", s.missing, n)
			}
			hint := ""
			if len(s.extra) > 0 {
				hint = " (fields pamctl does not read: " + strings.Join(s.extra, ", ") + ")"
			}
			c.r.fail(fmt.Sprintf("field %q (%s) is missing or null%s%s", name, s.f.Go, of, hint),
				fmt.Sprintf("change the json tag of %s in pkg/api/contract.go (%s) to the server's name", s.f.Go, s.f.Tag()))
		case s.wrong != "":
			c.r.fail(fmt.Sprintf("field %q (%s) is %s; pamctl reads %s", name, s.f.Go, s.wrong, s.f.Kind),
				fmt.Sprintf("change the Go type of %s in pkg/api/contract.go, or send `pamctl doctor -o json` to the maintainers", s.f.Go))
		}
	}
}

// timeFormat names the format of a timestamp value, or says why pamctl
// cannot read it.
func timeFormat(v any) (string, error) {
	var t Time
	raw, _ := json.Marshal(v)
	if err := t.UnmarshalJSON(raw); err != nil {
		return "", fmt.Errorf("%s (%s)", describeJSON(v), err)
	}
	switch x := v.(type) {
	case json.Number:
		return "epoch milliseconds", nil
	case string:
		if x == "" {
			return "", nil
		}
		if _, err := time.Parse(time.RFC3339Nano, x); err == nil {
			return "RFC 3339", nil
		}
		return "epoch milliseconds (quoted)", nil
	}
	return "", nil
}

// lookupKey finds a key as Go's JSON decoding would: exactly, else
// case-insensitively.
func lookupKey(obj map[string]any, name string) any {
	v, _ := lookupKeyOK(obj, name)
	return v
}

func lookupKeyOK(obj map[string]any, name string) (any, bool) {
	if v, ok := obj[name]; ok {
		return v, true
	}
	for k, v := range obj {
		if strings.EqualFold(k, name) {
			return v, true
		}
	}
	return nil, false
}

func extraKeys(obj map[string]any, fields []contractField) []string {
	var out []string
	for k := range obj {
		if !slices.ContainsFunc(fields, func(f contractField) bool { return strings.EqualFold(f.JSON, k) }) {
			out = append(out, excerpt(k, 40))
		}
	}
	sort.Strings(out)
	if len(out) > 8 {
		out = append(out[:8:8], "…")
	}
	return out
}

func keyList(obj map[string]any) string {
	var ks []string
	for k := range obj {
		ks = append(ks, excerpt(k, 40))
	}
	sort.Strings(ks)
	if len(ks) == 0 {
		return "no fields"
	}
	return strings.Join(ks, ", ")
}

func describeJSON(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case string:
		return "a string " + excerpt(strconv.Quote(x), 40)
	case json.Number:
		return "a number " + x.String()
	case bool:
		return "a boolean"
	case []any:
		return "an array"
	case map[string]any:
		return "an object"
	}
	return "an unknown JSON value"
}
