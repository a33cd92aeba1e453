package openapi

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/pamctl/pamctl/pkg/api"
)

// Shaped is the modeled contract's document as a server of the
// overlay's shape would publish it: its paths, parameter names, field
// names and state values, with operation IDs of its own and none of
// pamctl's x-pamctl extensions (pamsim --shape serves it, so doctor's
// proposal is tested against a document that does not spell pamctl's
// model anywhere).
func Shaped(o *api.Overlay, title, version string) ([]byte, error) {
	doc := Document(version)
	doc.Info.Title, doc.Info.Description = title, "The same site under another API shape."
	paths := openapi3.NewPaths()
	for _, ep := range api.Endpoints() {
		item := doc.Paths.Value(ep.Path)
		op := item.GetOperation(ep.Method)
		method, path := ep.Method, ep.Path
		if r, ok := o.Endpoints[ep.ID]; ok {
			method, path = orName(strings.ToUpper(r.Method), method), orName(r.Path, path)
		}
		op.OperationID = operationName(method, path)
		op.Summary, op.Extensions = "", nil
		for _, p := range op.Parameters {
			p.Value.Extensions = nil
			if p.Value.In == openapi3.ParameterInQuery {
				if s, ok := o.Query[p.Value.Name]; ok {
					p.Value.Name = s
				}
			}
		}
		to := paths.Value(path)
		if to == nil {
			to = &openapi3.PathItem{}
			paths.Set(path, to)
		}
		to.SetOperation(method, op)
	}
	doc.Paths = paths
	for name, ref := range doc.Components.Schemas {
		renameSchema(o, name, ref.Value)
	}
	if err := doc.Validate(context.Background()); err != nil {
		return nil, fmt.Errorf("the shaped contract is not a valid OpenAPI document: %w", err)
	}
	b, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}

// renameSchema renames one component schema's properties the overlay's way.
func renameSchema(o *api.Overlay, name string, s *openapi3.Schema) {
	names := o.Fields[name]
	if strings.HasSuffix(name, "Page") {
		names = map[string]string{}
		if o.Envelope.Items != "" {
			names["items"] = o.Envelope.Items
		}
		if o.Envelope.Total != "" {
			names["total"] = o.Envelope.Total
		}
	}
	props := openapi3.Schemas{}
	for k, p := range s.Properties {
		if p.Ref == "" {
			p.Value.Extensions = nil
		}
		if name == "Session" && k == "state" {
			p.Value.Enum = []any{mapValue(o.States, api.StateActive), mapValue(o.States, api.StateCompleted)}
		}
		if to, ok := names[k]; ok {
			if to == "" {
				continue
			}
			k = to
		}
		props[k] = p
	}
	s.Properties = props
	for i, r := range s.Required {
		if to, ok := names[r]; ok && to != "" {
			s.Required[i] = to
		}
	}
}

// operationName is a server's own operation ID for method and path, in the
// style of generated ones: getApiSessionsById.
func operationName(method, path string) string {
	var b strings.Builder
	b.WriteString(strings.ToLower(method))
	for seg := range strings.SplitSeq(path, "/") {
		if seg == "{id}" {
			seg = "byId"
		}
		if seg != "" {
			b.WriteString(strings.ToUpper(seg[:1]) + seg[1:])
		}
	}
	return b.String()
}

func orName(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func mapValue(m map[string]string, v string) string {
	if s, ok := m[v]; ok {
		return s
	}
	return v
}
