package api

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
)

// ContractVersion is info.version of docs/openapi.json: the modeled
// contract's own version, not pamctl's, so the document changes only when
// the contract does.
const ContractVersion = "1"

// OpenAPI renders the contract of contract.go (Endpoints and the answer
// types' json tags) as an OpenAPI 3 document, validated, as indented JSON.
// cmd/gen-docs writes it to docs/openapi.json and pamsim serves it.
func OpenAPI(version string) ([]byte, error) {
	doc := OpenAPIDocument(version)
	if err := doc.Validate(context.Background()); err != nil {
		return nil, fmt.Errorf("the modeled contract is not a valid OpenAPI document: %w", err)
	}
	b, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}

// OpenAPIDocument is the contract as an OpenAPI 3 document. Extensions tie
// it back to contract.go: x-pamctl-constants on an operation and
// x-pamctl-constant on a parameter name the constants that spell them,
// x-pamctl-field on a property the struct field whose tag spells it.
func OpenAPIDocument(version string) *openapi3.T {
	errSchema := openapi3.NewObjectSchema().WithProperty("message", openapi3.NewStringSchema())
	g := &schemaGen{schemas: openapi3.Schemas{"Error": openapi3.NewSchemaRef("", errSchema)}}
	doc := &openapi3.T{
		OpenAPI: "3.0.3",
		Info: &openapi3.Info{
			Title:   "12Port PAM REST API, as pamctl models it",
			Version: version,
			Description: "Generated from pkg/api/contract.go by cmd/gen-docs; do not edit. 12Port documents the base URL, " +
				"the Bearer header and GET /api/user/context (space.rid); every other path, parameter and field here is " +
				"MODELED (x-pamctl-contract: modeled) and may differ on a live server: `pamctl doctor` compares.",
		},
		Servers: openapi3.Servers{{
			URL:         "https://{host}:{port}/ztna/{tenant}/{site}",
			Description: "the site's API base (documented)",
			Variables: map[string]*openapi3.ServerVariable{
				"host": {Default: "pam.example.com"}, "port": {Default: "6443"},
				"tenant": {Default: "acme"}, "site": {Default: "root"},
			},
		}},
		Security: openapi3.SecurityRequirements{{"bearerAuth": []string{}}},
		Paths:    openapi3.NewPaths(),
	}
	for _, ep := range Endpoints() {
		item := doc.Paths.Value(ep.Path)
		if item == nil {
			item = &openapi3.PathItem{}
			doc.Paths.Set(ep.Path, item)
		}
		item.SetOperation(ep.Method, g.operation(ep))
	}
	doc.Components = &openapi3.Components{
		Schemas: g.schemas,
		SecuritySchemes: openapi3.SecuritySchemes{"bearerAuth": &openapi3.SecuritySchemeRef{Value: &openapi3.SecurityScheme{
			Type: "http", Scheme: "bearer", Description: "an API token issued to a named user (documented)",
		}}},
	}
	return doc
}

type schemaGen struct{ schemas openapi3.Schemas }

func (g *schemaGen) operation(ep Endpoint) *openapi3.Operation {
	contract := "modeled"
	if ep.Documented {
		contract = "documented"
	}
	op := &openapi3.Operation{
		OperationID: ep.ID,
		Summary:     ep.ID,
		Extensions: map[string]any{
			"x-pamctl-contract":  contract,
			"x-pamctl-constants": ep.Consts,
			"x-pamctl-report":    ep.Report,
		},
	}
	if strings.Contains(ep.Path, "{id}") {
		op.Parameters = append(op.Parameters, &openapi3.ParameterRef{Value: openapi3.NewPathParameter("id").
			WithSchema(openapi3.NewStringSchema()).WithDescription("a session or asset ID (a UUID)")})
	}
	for _, p := range ep.Query {
		s := openapi3.NewStringSchema()
		switch p.Const {
		case "qOffset", "qLimit":
			s = openapi3.NewIntegerSchema()
		case "qFrom", "qTo":
			s = openapi3.NewDateTimeSchema()
		}
		param := openapi3.NewQueryParameter(p.Name).WithSchema(s)
		param.Extensions = map[string]any{"x-pamctl-constant": p.Const}
		op.Parameters = append(op.Parameters, &openapi3.ParameterRef{Value: param})
	}
	resp := openapi3.NewResponse().WithDescription("OK").
		WithJSONSchemaRef(g.ref(reflect.TypeOf(ep.Response)))
	errResp := openapi3.NewResponse().WithDescription(`an error: {"message": "..."}`).
		WithJSONSchemaRef(openapi3.NewSchemaRef("#/components/schemas/Error", g.schemas["Error"].Value))
	op.Responses = openapi3.NewResponses(
		openapi3.WithStatus(http.StatusOK, &openapi3.ResponseRef{Value: resp}),
		openapi3.WithName("default", errResp),
	)
	return op
}

// ref returns a $ref to the component schema of struct type t, adding it
// (and the types it holds) on first use.
func (g *schemaGen) ref(t reflect.Type) *openapi3.SchemaRef {
	name := typeName(t)
	ref := "#/components/schemas/" + name
	if have, ok := g.schemas[name]; ok {
		return openapi3.NewSchemaRef(ref, have.Value)
	}
	s := openapi3.NewObjectSchema()
	g.schemas[name] = openapi3.NewSchemaRef("", s) // before the fields: no endless recursion
	for _, f := range fieldsOf(t) {
		var fs *openapi3.SchemaRef
		switch f.Kind {
		case kindString:
			fs = openapi3.NewSchemaRef("", openapi3.NewStringSchema())
		case kindNumber:
			fs = openapi3.NewSchemaRef("", openapi3.NewIntegerSchema())
		case kindStrings:
			fs = openapi3.NewSchemaRef("", openapi3.NewArraySchema().WithItems(openapi3.NewStringSchema()))
		case kindTime:
			ts := openapi3.NewOneOfSchema(openapi3.NewDateTimeSchema(), openapi3.NewInt64Schema())
			ts.Nullable = true
			ts.Description = "RFC 3339, or epoch milliseconds (the wire format is not documented; pamctl reads both); null when not set"
			fs = openapi3.NewSchemaRef("", ts)
		case kindObject:
			fs = g.ref(f.Elem)
		case kindObjects:
			arr := openapi3.NewArraySchema()
			arr.Items = g.ref(f.Elem)
			fs = openapi3.NewSchemaRef("", arr)
		}
		if fs.Ref == "" {
			fs.Value.Extensions = map[string]any{"x-pamctl-field": f.Go}
		}
		if t == reflect.TypeFor[Session]() && f.JSON == "state" {
			fs.Value.Enum = []any{StateActive, StateCompleted}
		}
		s.Properties[f.JSON] = fs
		if !f.Optional {
			s.Required = append(s.Required, f.JSON)
		}
	}
	return openapi3.NewSchemaRef(ref, s)
}
