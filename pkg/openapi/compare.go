package openapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/url"
	"reflect"
	"slices"
	"sort"
	"strings"

	"github.com/getkin/kin-openapi/openapi2"
	"github.com/getkin/kin-openapi/openapi2conv"
	"github.com/getkin/kin-openapi/openapi3"
	"go.yaml.in/yaml/v3"

	"github.com/pamctl/pamctl/pkg/api"
)

// A live server's OpenAPI document compared, operation by operation, with
// the contract of contract.go. Only what pamctl uses is compared: the
// server may have any number of operations, parameters and fields more.

// Difference is one way a server's OpenAPI document departs from the
// modeled contract, and which constant or field of contract.go to change.
type Difference struct {
	Operation string // "GET /api/session/list"
	What      string
	Fix       string
}

// Comparison is what CompareOpenAPI found.
type Comparison struct {
	Operations  int      // modeled operations present in the document
	Fields      int      // response fields compared
	Unchecked   []string // operations whose answer has no JSON schema there
	Differences []Difference
}

// Load parses a server's OpenAPI document: OpenAPI 3 or Swagger 2.0
// (converted), JSON or YAML, within DefaultLimits (bounds.go). References
// to other files are refused, so a document cannot make pamctl fetch
// anything.
func Load(data []byte) (*openapi3.T, error) {
	return LoadWithin(context.Background(), data, DefaultLimits())
}

// load parses a document already scanned within its limits.
func load(data []byte) (*openapi3.T, error) {
	var head struct {
		Swagger string `json:"swagger" yaml:"swagger"`
		OpenAPI string `json:"openapi" yaml:"openapi"`
	}
	var generic any
	if err := yaml.Unmarshal(data, &generic); err != nil { // YAML is a superset of JSON
		return nil, fmt.Errorf("not JSON or YAML: %s", api.Excerpt(err.Error(), 120))
	}
	_ = yaml.Unmarshal(data, &head)
	loader := openapi3.NewLoader()
	loader.IsExternalRefsAllowed = false
	switch {
	case strings.HasPrefix(head.OpenAPI, "3"):
		doc, err := loader.LoadFromData(data)
		if err != nil {
			return nil, fmt.Errorf("not a usable OpenAPI %s document: %s", head.OpenAPI, api.Excerpt(err.Error(), 160))
		}
		return doc, nil
	case strings.HasPrefix(head.Swagger, "2"):
		js, err := json.Marshal(generic)
		if err != nil {
			return nil, fmt.Errorf("swagger %s document: %w", head.Swagger, err)
		}
		var d2 openapi2.T
		if err := json.Unmarshal(js, &d2); err != nil {
			return nil, fmt.Errorf("not a usable Swagger %s document: %s", head.Swagger, api.Excerpt(err.Error(), 160))
		}
		doc, err := openapi2conv.ToV3WithLoader(&d2, loader, nil)
		if err != nil {
			return nil, fmt.Errorf("converting Swagger %s to OpenAPI 3: %s", head.Swagger, api.Excerpt(err.Error(), 160))
		}
		return doc, nil
	}
	return nil, errors.New(`not an OpenAPI document (no "openapi": "3..." or "swagger": "2.0" at the top)`)
}

// Compare compares doc with Endpoints: each operation's path and
// method, its query parameters, and the fields of its answer.
func Compare(doc *openapi3.T) Comparison {
	var c Comparison
	ops := serverOperations(doc)
	matched := map[string]bool{}
	for _, ep := range api.Endpoints() {
		key := normTemplate(ep.Path)
		if item := ops[key]; item != nil && item.GetOperation(ep.Method) != nil {
			matched[ep.Method+" "+key] = true
		}
	}
	for _, ep := range api.Endpoints() {
		name := ep.Method + " " + ep.Path
		item := ops[normTemplate(ep.Path)]
		if item == nil {
			c.Differences = append(c.Differences, Difference{Operation: name,
				What: "the server's document has no " + name + candidates(ops, matched, ep),
				Fix:  fmt.Sprintf("change %s in pkg/api/contract.go to the server's path for this operation", ep.Consts)})
			continue
		}
		op := item.GetOperation(ep.Method)
		if op == nil {
			var has []string
			for m := range item.Operations() {
				has = append(has, m)
			}
			sort.Strings(has)
			c.Differences = append(c.Differences, Difference{Operation: name,
				What: fmt.Sprintf("the server's document has %s but not %s on it (it has %s)", ep.Path, ep.Method, strings.Join(has, ", ")),
				Fix:  fmt.Sprintf("pamctl sends %s (Endpoints, %s in pkg/api/contract.go); send `pamctl doctor -o json` to the maintainers", ep.Method, ep.ID)})
			continue
		}
		c.Operations++
		c.Differences = append(c.Differences, compareQuery(name, ep, item, op)...)
		schema := responseSchema(op)
		if schema == nil {
			c.Unchecked = append(c.Unchecked, name)
			continue
		}
		cmp := schemaCompare{op: name, path: ep.Path}
		cmp.fields(reflect.TypeOf(ep.Response), schema, "the answer")
		c.Fields += cmp.n
		c.Differences = append(c.Differences, cmp.diffs...)
	}
	return c
}

// serverOperations indexes the document's path items by normalized path:
// whatever precedes /api/ dropped (a document may spell the tenant and site
// into its paths), parameter names blanked.
func serverOperations(doc *openapi3.T) map[string]*openapi3.PathItem {
	prefix := ""
	for _, s := range doc.Servers {
		if u, err := url.Parse(s.URL); err == nil && strings.HasSuffix(strings.TrimRight(u.Path, "/"), "/api") {
			prefix = "/api"
		}
	}
	out := map[string]*openapi3.PathItem{}
	if doc.Paths == nil {
		return out
	}
	for p, item := range doc.Paths.Map() {
		if !strings.Contains(p, "/api/") && prefix != "" {
			p = prefix + p
		}
		if i := strings.Index(p, "/api/"); i > 0 {
			p = p[i:]
		}
		out[normTemplate(p)] = item
	}
	return out
}

// normTemplate blanks parameter names: /api/session/{sessionId} is /api/session/{}.
func normTemplate(p string) string {
	segs := strings.Split(strings.TrimRight(p, "/"), "/")
	for i, s := range segs {
		if strings.HasPrefix(s, "{") && strings.HasSuffix(s, "}") {
			segs[i] = "{}"
		}
	}
	return strings.Join(segs, "/")
}

// candidates names unmatched operations of the document with the same
// method that share a path segment with ep: likely what it is called there.
func candidates(ops map[string]*openapi3.PathItem, matched map[string]bool, ep api.Endpoint) string {
	type cand struct {
		path  string
		score int
	}
	var cs []cand
	ours := map[string]bool{}
	for _, s := range strings.Split(ep.Path, "/") {
		if s != "" && s != "api" && !strings.HasPrefix(s, "{") {
			ours[strings.ToLower(s)] = true
		}
	}
	for p, item := range ops {
		if item.GetOperation(ep.Method) == nil || matched[ep.Method+" "+p] {
			continue
		}
		score := 0
		for _, s := range strings.Split(p, "/") {
			if ours[strings.ToLower(s)] || ours[strings.TrimSuffix(strings.ToLower(s), "s")] {
				score++
			}
		}
		if score > 0 {
			cs = append(cs, cand{p, score})
		}
	}
	if len(cs) == 0 {
		return ""
	}
	sort.Slice(cs, func(i, j int) bool {
		if cs[i].score != cs[j].score {
			return cs[i].score > cs[j].score
		}
		return cs[i].path < cs[j].path
	})
	var names []string
	for i := 0; i < len(cs) && i < 3; i++ {
		names = append(names, ep.Method+" "+cs[i].path)
	}
	return " (it has " + strings.Join(names, ", ") + ")"
}

func compareQuery(name string, ep api.Endpoint, item *openapi3.PathItem, op *openapi3.Operation) []Difference {
	if len(ep.Query) == 0 {
		return nil
	}
	have := map[string]bool{}
	var listed []string
	add := func(n string) {
		if !have[n] {
			have[n] = true
			listed = append(listed, n)
		}
	}
	for _, ps := range []openapi3.Parameters{item.Parameters, op.Parameters} {
		for _, p := range ps {
			if p == nil || p.Value == nil || p.Value.In != openapi3.ParameterInQuery {
				continue
			}
			add(p.Value.Name)
			// A form-exploded object parameter (springdoc's pageable)
			// sends its properties as the query parameters.
			if s := p.Value.Schema; s != nil && s.Value != nil {
				for prop := range properties(s.Value) {
					add(prop)
				}
			}
		}
	}
	sort.Strings(listed)
	var names, consts []string
	for _, p := range ep.Query {
		names, consts = append(names, p.Name), append(consts, p.Const)
	}
	if len(listed) == 0 {
		return []Difference{{Operation: name,
			What: "the server's document lists no query parameters for it; pamctl sends " + strings.Join(names, ", "),
			Fix:  "check " + strings.Join(consts, ", ") + " in pkg/api/contract.go against the server's parameters"}}
	}
	var out []Difference
	for _, p := range ep.Query {
		if have[p.Name] {
			continue
		}
		out = append(out, Difference{Operation: name,
			What: fmt.Sprintf("query parameter %q is not in the server's document (it lists: %s)", p.Name, strings.Join(listed, ", ")),
			Fix:  fmt.Sprintf("change %s in pkg/api/contract.go to the server's name for it", p.Const)})
	}
	return out
}

// responseSchema is the JSON schema of the operation's success answer.
func responseSchema(op *openapi3.Operation) *openapi3.Schema {
	if op.Responses == nil {
		return nil
	}
	keys := slices.Collect(maps.Keys(op.Responses.Map()))
	sort.Strings(keys)
	for _, k := range keys {
		if !strings.HasPrefix(k, "2") {
			continue
		}
		r := op.Responses.Value(k)
		if r == nil || r.Value == nil {
			continue
		}
		mt := r.Value.Content.Get("application/json")
		if mt == nil {
			for ct, m := range r.Value.Content {
				if strings.Contains(ct, "json") || ct == "*/*" {
					mt = m
				}
			}
		}
		if mt != nil && mt.Schema != nil && mt.Schema.Value != nil {
			return mt.Schema.Value
		}
	}
	return nil
}

// properties are a schema's properties, allOf members' included.
func properties(s *openapi3.Schema) map[string]*openapi3.Schema {
	out := map[string]*openapi3.Schema{}
	var walk func(s *openapi3.Schema, depth int)
	walk = func(s *openapi3.Schema, depth int) {
		if s == nil || depth > 8 {
			return
		}
		for n, p := range s.Properties {
			if p != nil && p.Value != nil {
				out[n] = p.Value
			}
		}
		for _, a := range s.AllOf {
			if a != nil {
				walk(a.Value, depth+1)
			}
		}
	}
	walk(s, 0)
	return out
}

// types are the JSON types a schema allows (oneOf/anyOf/allOf members
// included), "null" left out; empty means unknown.
func types(s *openapi3.Schema) []string {
	var out []string
	var walk func(s *openapi3.Schema, depth int)
	walk = func(s *openapi3.Schema, depth int) {
		if s == nil || depth > 8 {
			return
		}
		if s.Type != nil {
			for _, t := range s.Type.Slice() {
				if t != "null" && !slices.Contains(out, t) {
					out = append(out, t)
				}
			}
		}
		for _, group := range []openapi3.SchemaRefs{s.OneOf, s.AnyOf, s.AllOf} {
			for _, m := range group {
				if m != nil {
					walk(m.Value, depth+1)
				}
			}
		}
		if len(out) == 0 && len(s.Properties) > 0 {
			out = append(out, "object")
		}
	}
	walk(s, 0)
	sort.Strings(out)
	return out
}

// compatible reports whether a JSON value of the schema's types can be read
// as kind k (an unknown type is given the benefit of the doubt).
func compatible(k api.FieldKind, s *openapi3.Schema) bool {
	ts := types(s)
	if len(ts) == 0 {
		return true
	}
	ok := func(want ...string) bool {
		for _, t := range ts {
			if slices.Contains(want, t) {
				return true
			}
		}
		return false
	}
	switch k {
	case api.KindString:
		return ok("string")
	case api.KindTime:
		return ok("string", "integer", "number")
	case api.KindNumber:
		return ok("integer", "number")
	case api.KindStrings:
		if !ok("array") {
			return false
		}
		return s.Items == nil || s.Items.Value == nil || compatible(api.KindString, s.Items.Value)
	case api.KindObject:
		return ok("object")
	case api.KindObjects:
		return ok("array")
	}
	return true
}

type schemaCompare struct {
	op    string
	path  string
	n     int
	diffs []Difference
}

// fields compares the fields of Go type t with the schema's properties.
// Go's JSON decoding matches names case-insensitively, so a difference in
// case alone is no difference.
func (c *schemaCompare) fields(t reflect.Type, s *openapi3.Schema, where string) {
	props := properties(s)
	if len(props) == 0 {
		c.diffs = append(c.diffs, Difference{Operation: c.op,
			What: fmt.Sprintf("the server's schema for %s has no properties (type %s); pamctl reads an object with %s", where, orUnknown(types(s)), jsonNames(t)),
			Fix:  fmt.Sprintf("check the json tags of %s in pkg/api/contract.go against the server's real answer (`pamctl api %s`)", api.TypeName(t), c.path)})
		return
	}
	ours := map[string]bool{}
	for _, f := range api.Fields(t) {
		ours[strings.ToLower(f.JSON)] = true
	}
	var unmatched []string
	for n := range props {
		if !ours[strings.ToLower(n)] {
			unmatched = append(unmatched, n)
		}
	}
	sort.Strings(unmatched)
	for _, f := range api.Fields(t) {
		c.n++
		ps := lookupFold(props, f.JSON)
		if ps == nil {
			c.diffs = append(c.diffs, Difference{Operation: c.op,
				What: fmt.Sprintf("response field %q (%s) is not in the server's schema for %s%s", f.JSON, f.Go, where, itHas(unmatched)),
				Fix:  fmt.Sprintf("change the json tag of %s in pkg/api/contract.go (%s) to the server's name%s", f.Go, f.Tag(), likelyRename(f, unmatched, props))})
			continue
		}
		if !compatible(f.Kind, ps) {
			c.diffs = append(c.diffs, Difference{Operation: c.op,
				What: fmt.Sprintf("response field %q (%s) is %s in the server's schema for %s; pamctl reads %s", f.JSON, f.Go, orUnknown(types(ps)), where, f.Kind),
				Fix:  fmt.Sprintf("change the Go type of %s in pkg/api/contract.go, or send `pamctl doctor -o json` to the maintainers", f.Go)})
			continue
		}
		switch f.Kind {
		case api.KindObject:
			c.fields(f.Elem, ps, where+"."+f.JSON)
		case api.KindObjects:
			if ps.Items != nil && ps.Items.Value != nil {
				c.fields(f.Elem, ps.Items.Value, where+"."+f.JSON+"[]")
			}
		}
	}
}

func lookupFold(props map[string]*openapi3.Schema, name string) *openapi3.Schema {
	if p, ok := props[name]; ok {
		return p
	}
	for n, p := range props {
		if api.SameName(n, name) {
			return p
		}
	}
	return nil
}

// likelyRename suggests the server's name for f: the one unmatched
// property of a compatible type, preferring one that shares a prefix.
func likelyRename(f api.Field, unmatched []string, props map[string]*openapi3.Schema) string {
	var fit, near []string
	for _, n := range unmatched {
		if !compatible(f.Kind, props[n]) {
			continue
		}
		fit = append(fit, n)
		if len(n) >= 3 && len(f.JSON) >= 3 && api.SameName(n[:3], f.JSON[:3]) {
			near = append(near, n)
		}
	}
	switch {
	case len(near) == 1:
		return fmt.Sprintf(", probably `json:%q`", near[0])
	case len(fit) == 1:
		return fmt.Sprintf(", probably `json:%q`", fit[0])
	}
	return ""
}

func itHas(names []string) string {
	if len(names) == 0 {
		return ""
	}
	if len(names) > 8 {
		names = append(names[:8:8], "…")
	}
	return " (its other fields: " + strings.Join(names, ", ") + ")"
}

func jsonNames(t reflect.Type) string {
	var ns []string
	for _, f := range api.Fields(t) {
		ns = append(ns, f.JSON)
	}
	return strings.Join(ns, ", ")
}

func orUnknown(ts []string) string {
	if len(ts) == 0 {
		return "of no stated type"
	}
	return "a JSON " + strings.Join(ts, " or ")
}
