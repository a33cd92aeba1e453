// Package probe is doctor's raw look at a live server: one modeled read
// endpoint asked once (mapped through the client's contract overlay), and
// its answer judged against the contract of pkg/api/contract.go (the
// paging envelope, each field pamctl reads and its JSON type). It only
// ever sends GET requests.
package probe

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/pamctl/pamctl/pkg/api"
	"github.com/pamctl/pamctl/pkg/text"
)

// Args fill a modeled endpoint's request.
type Args struct {
	ID     string // for {id}
	Parent string // for qParent (space.rid)
	Limit  int    // for qLimit; 0 leaves paging to the server
}

// Endpoint GETs one modeled read endpoint: args.ID fills {id}, a list
// asks for the first args.Limit items.
func Endpoint(ctx context.Context, c *api.Client, ep api.Endpoint, args Args) (*api.Answer, error) {
	if ep.Method != http.MethodGet {
		return nil, fmt.Errorf("%s %s changes state; it is never probed", ep.Method, ep.Path)
	}
	path := ep.Path
	if strings.Contains(path, "{id}") {
		if err := api.ValidateID("", args.ID); err != nil {
			return nil, err
		}
		path = strings.Replace(path, "{id}", url.PathEscape(args.ID), 1)
	}
	q := url.Values{}
	for _, p := range ep.Query {
		switch p.Const {
		case "qOffset":
			if args.Limit > 0 {
				q.Set(p.Name, "0")
			}
		case "qLimit":
			if args.Limit > 0 {
				q.Set(p.Name, strconv.Itoa(args.Limit))
			}
		case "qParent":
			q.Set(p.Name, args.Parent)
		}
	}
	a, err := c.Probe(ctx, path, q)
	if err != nil || a.Status < 200 || a.Status > 299 {
		return a, err
	}
	// Judged under the names the client reads: the contract overlay's.
	a.Body = c.MapAnswer(ep, a.Body)
	return a, nil
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
func CheckAnswer(ep api.Endpoint, contentType string, body []byte, limit int) AnswerReport {
	var r AnswerReport
	t := reflect.TypeOf(ep.Response)
	trimmed := bytes.TrimSpace(body)
	if api.LooksHTML(contentType, string(trimmed)) {
		r.fail("the answer is an HTML page, not JSON (a proxy or SSO login page?)", "check the server URL and that the API is reachable without a browser login")
		return r
	}
	dec := json.NewDecoder(bytes.NewReader(trimmed))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		r.fail("the answer is not JSON: "+api.Excerpt(err.Error(), 100), "look at the raw answer with `pamctl api "+ep.Path+"`")
		return r
	}
	ck := answerCheck{r: &r, seen: map[string]*fieldSeen{}}
	elem, isPage := api.PageElem(t)
	if !isPage {
		obj, ok := v.(map[string]any)
		if !ok {
			r.fail(fmt.Sprintf("the answer is %s, not an object", describeJSON(v)), fmt.Sprintf("check %s in pkg/api/contract.go against the server's answer", api.TypeName(t)))
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
	for _, f := range api.Fields(t) {
		r.Fields++
		val := lookupKey(env, f.JSON)
		switch {
		case f.Kind == api.KindObjects:
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
		r.fail(fmt.Sprintf("total %d is below the %s of the page", r.Total, text.Plural(r.Items, "item")), "pamctl pages by total; send `pamctl doctor -o json` to the maintainers")
	}
	if limit > 0 && r.Items > limit {
		r.fail(fmt.Sprintf("the page holds %s though %s=%d asked for at most %d: the server ignores the parameter", text.Plural(r.Items, "item"), "limit", limit, limit),
			"change qLimit (and qOffset) in pkg/api/contract.go to the server's paging parameters")
	}
	ck.report(r.Items)
	return r
}

func (r *AnswerReport) fail(what, fix string) {
	r.Findings = append(r.Findings, Finding{Fail: true, What: what, Fix: fix})
}

type fieldSeen struct {
	f       api.Field
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

func (c *answerCheck) note(f api.Field, where string) *fieldSeen {
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
	fields := api.Fields(t)
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
		case api.KindString:
			if _, ok := val.(string); !ok {
				s.wrong = describeJSON(val)
			}
		case api.KindNumber:
			if _, ok := val.(json.Number); !ok {
				s.wrong = describeJSON(val)
			}
		case api.KindTime:
			format, err := timeFormat(val)
			if err != nil {
				s.wrong = err.Error()
			} else if format != "" && !slices.Contains(c.r.Times, format) {
				c.r.Times = append(c.r.Times, format)
			}
		case api.KindStrings:
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
		case api.KindObject:
			o, ok := val.(map[string]any)
			if !ok {
				s.wrong = describeJSON(val)
				continue
			}
			c.object(f.Elem, o, where+f.JSON+".")
		case api.KindObjects:
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
				of = fmt.Sprintf(" in %d of %s", s.missing, text.Plural(n, "item"))
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
	var t api.Time
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
		if api.SameName(k, name) {
			return v, true
		}
	}
	return nil, false
}

func extraKeys(obj map[string]any, fields []api.Field) []string {
	var out []string
	for k := range obj {
		if !slices.ContainsFunc(fields, func(f api.Field) bool { return api.SameName(f.JSON, k) }) {
			out = append(out, api.Excerpt(k, 40))
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
		ks = append(ks, api.Excerpt(k, 40))
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
		return "a string " + api.Excerpt(strconv.Quote(x), 40)
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
