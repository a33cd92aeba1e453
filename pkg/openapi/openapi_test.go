package openapi

import (
	"context"
	"go/ast"
	"go/parser"
	"go/token"
	"maps"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pamctl/pamctl/pkg/api"
)

// TestOpenAPIIsValidAndMatchesItself: the generated document validates,
// loads back through the same path a server's document takes, and the
// comparison finds it identical to the contract.
func TestOpenAPIIsValidAndMatchesItself(t *testing.T) {
	b, err := Generate(ContractVersion)
	require.NoError(t, err)
	doc, err := Load(b)
	require.NoError(t, err)
	require.NoError(t, doc.Validate(context.Background()))
	c := Compare(doc)
	assert.Empty(t, c.Differences)
	assert.Empty(t, c.Unchecked)
	assert.Equal(t, len(api.Endpoints()), c.Operations)
	assert.Greater(t, c.Fields, 40)
	again, err := Generate(ContractVersion)
	require.NoError(t, err)
	assert.Equal(t, string(b), string(again), "the document must be deterministic")
}

// TestDocsOpenAPIJSON loads the checked-in docs/openapi.json with
// kin-openapi and validates it (cmd/gen-docs checks that it is current).
func TestDocsOpenAPIJSON(t *testing.T) {
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromFile("../../docs/openapi.json")
	require.NoError(t, err)
	require.NoError(t, doc.Validate(context.Background()))
	assert.Empty(t, Compare(doc).Differences)
	for _, ep := range api.Endpoints() {
		item := doc.Paths.Value(ep.Path)
		require.NotNil(t, item, ep.Path)
		op := item.GetOperation(ep.Method)
		require.NotNil(t, op, ep.Method+" "+ep.Path)
		assert.Equal(t, ep.ID, op.OperationID)
		assert.Equal(t, ep.Consts, op.Extensions["x-pamctl-constants"])
	}
}

// TestEndpointsNameTheirConstants keeps the names in Endpoints (which
// doctor prints as "change X in pkg/api/contract.go") true: every named
// constant exists in contract.go and spells what the row says.
func TestEndpointsNameTheirConstants(t *testing.T) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "../api/contract.go", nil, 0)
	require.NoError(t, err)
	consts := map[string]string{}
	for _, d := range f.Decls {
		gd, ok := d.(*ast.GenDecl)
		if !ok || gd.Tok != token.CONST {
			continue
		}
		for _, spec := range gd.Specs {
			vs := spec.(*ast.ValueSpec)
			for i, n := range vs.Names {
				if i < len(vs.Values) {
					if lit, ok := vs.Values[i].(*ast.BasicLit); ok && lit.Kind == token.STRING {
						consts[n.Name], _ = strconv.Unquote(lit.Value)
					}
				}
			}
		}
	}
	ids := map[string]bool{}
	for _, ep := range api.Endpoints() {
		assert.False(t, ids[ep.ID], "duplicate ID %s", ep.ID)
		ids[ep.ID] = true
		for _, name := range strings.Split(ep.Consts, ", ") {
			v, ok := consts[name]
			if assert.True(t, ok, "%s: no constant %s in contract.go", ep.ID, name) {
				assert.Contains(t, ep.Path, v, "%s: %s", ep.ID, name)
			}
		}
		for _, p := range ep.Query {
			assert.Equal(t, p.Name, consts[p.Const], "%s: constant %s", ep.ID, p.Const)
		}
		assert.NotNil(t, ep.Response, ep.ID)
	}
	assert.Len(t, ids, 8)
}

// mutate returns a fresh generated document changed by fn.
func mutate(t *testing.T, fn func(doc *openapi3.T)) *openapi3.T {
	t.Helper()
	b, err := Generate(ContractVersion)
	require.NoError(t, err)
	doc, err := Load(b)
	require.NoError(t, err)
	fn(doc)
	return doc
}

func param(doc *openapi3.T, path, name string) *openapi3.Parameter {
	for _, p := range doc.Paths.Value(path).Get.Parameters {
		if p.Value.Name == name {
			return p.Value
		}
	}
	return nil
}

func TestCompareOpenAPI(t *testing.T) {
	tests := []struct {
		name   string
		change func(doc *openapi3.T)
		op     string
		want   []string // in What+Fix of the one difference
	}{
		{
			name:   "operation removed",
			change: func(doc *openapi3.T) { doc.Paths.Delete("/api/event/list") },
			op:     "GET /api/event/list",
			want:   []string{"has no GET /api/event/list", "change pathEventList in pkg/api/contract.go"},
		},
		{
			name: "operation moved: the new path is suggested",
			change: func(doc *openapi3.T) {
				doc.Paths.Set("/api/session/report", doc.Paths.Value("/api/session/list"))
				doc.Paths.Delete("/api/session/list")
			},
			op:   "GET /api/session/list",
			want: []string{"it has GET /api/session/report", "change pathSessionList"},
		},
		{
			name: "method differs",
			change: func(doc *openapi3.T) {
				item := doc.Paths.Value("/api/session/terminate/{id}")
				item.Put, item.Post = item.Post, nil
			},
			op:   "POST /api/session/terminate/{id}",
			want: []string{"not POST on it (it has PUT)", "terminateSession"},
		},
		{
			name:   "query parameter renamed",
			change: func(doc *openapi3.T) { param(doc, "/api/session/list", "state").Name = "status" },
			op:     "GET /api/session/list",
			want:   []string{`query parameter "state" is not in the server's document`, "status", "change qState in pkg/api/contract.go"},
		},
		{
			name: "response field renamed",
			change: func(doc *openapi3.T) {
				props := doc.Components.Schemas["Session"].Value.Properties
				props["assetTitle"] = props["assetName"]
				delete(props, "assetName")
			},
			op: "GET /api/session/list",
			want: []string{`response field "assetName" (Session.AssetName)`, "answer.items[]", "assetTitle",
				"change the json tag of Session.AssetName in pkg/api/contract.go (`json:\"assetName\"`)", "probably `json:\"assetTitle\"`"},
		},
		{
			name: "envelope field of another type",
			change: func(doc *openapi3.T) {
				doc.Components.Schemas["EventPage"].Value.Properties["total"].Value.Type = &openapi3.Types{"string"}
			},
			op:   "GET /api/event/list",
			want: []string{`"total" (page.Total) is a JSON string`, "pamctl reads a number", "page.Total in pkg/api/contract.go"},
		},
		{
			name: "nested field renamed",
			change: func(doc *openapi3.T) {
				props := doc.Components.Schemas["SpaceRef"].Value.Properties
				props["rootId"] = props["rid"]
				delete(props, "rid")
			},
			op:   "GET /api/user/context",
			want: []string{`"rid" (SpaceRef.RID)`, "the answer.space", "SpaceRef.RID", "probably `json:\"rootId\"`"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := Compare(mutate(t, tt.change))
			var mine []Difference
			for _, d := range c.Differences {
				if d.Operation == tt.op {
					mine = append(mine, d)
				}
			}
			require.Len(t, mine, 1, "differences: %+v", c.Differences)
			for _, w := range tt.want {
				assert.Contains(t, mine[0].What+" | "+mine[0].Fix, w)
			}
		})
	}
}

// TestCompareOpenAPIShapes: what real documents do differently without
// being different: a prefix in the paths, a server URL ending in /api,
// parameter names, case, allOf, a paging object parameter.
func TestCompareOpenAPIShapes(t *testing.T) {
	prefixed := mutate(t, func(doc *openapi3.T) {
		for _, p := range slices.Collect(maps.Keys(doc.Paths.Map())) {
			item := doc.Paths.Value(p)
			doc.Paths.Delete(p)
			doc.Paths.Set("/ztna/{tenant}/{site}"+strings.ReplaceAll(p, "{id}", "{sessionId}"), item)
		}
		props := doc.Components.Schemas["Asset"].Value.Properties
		props["ParentId"] = props["parentId"]
		delete(props, "parentId")
	})
	assert.Empty(t, Compare(prefixed).Differences)

	underAPI := mutate(t, func(doc *openapi3.T) {
		doc.Servers = openapi3.Servers{{URL: "https://pam.example.com/ztna/acme/root/api"}}
		for _, p := range slices.Collect(maps.Keys(doc.Paths.Map())) {
			item := doc.Paths.Value(p)
			doc.Paths.Delete(p)
			doc.Paths.Set(strings.TrimPrefix(p, "/api"), item)
		}
		// Paging as one exploded object, as springdoc writes Pageable.
		op := doc.Paths.Value("/asset/list").Get
		var kept openapi3.Parameters
		for _, p := range op.Parameters {
			if p.Value.Name != "offset" && p.Value.Name != "limit" {
				kept = append(kept, p)
			}
		}
		paging := openapi3.NewObjectSchema().WithProperty("offset", openapi3.NewIntegerSchema()).WithProperty("limit", openapi3.NewIntegerSchema())
		op.Parameters = append(kept, &openapi3.ParameterRef{Value: openapi3.NewQueryParameter("paging").WithSchema(paging)})
		// Composition.
		s := doc.Components.Schemas["Event"].Value
		doc.Components.Schemas["Event"].Value = &openapi3.Schema{AllOf: openapi3.SchemaRefs{openapi3.NewSchemaRef("", s)}}
	})
	assert.Empty(t, Compare(underAPI).Differences)
}

func TestLoadOpenAPI(t *testing.T) {
	swagger := `{"swagger": "2.0", "info": {"title": "t", "version": "1"}, "basePath": "/ztna/acme/root",
	  "paths": {"/api/asset/{assetId}": {"get": {"produces": ["application/json"], "parameters": [{"name": "assetId", "in": "path", "required": true, "type": "string"}],
	    "responses": {"200": {"description": "ok", "schema": {"$ref": "#/definitions/Asset"}}}}}},
	  "definitions": {"Asset": {"type": "object", "properties": {"id": {"type": "string"}, "name": {"type": "string"}, "type": {"type": "string"}, "parentId": {"type": "string"}}}}}`
	doc, err := Load([]byte(swagger))
	require.NoError(t, err)
	c := Compare(doc)
	assert.Equal(t, 1, c.Operations, "GET /api/asset/{id} is found in a Swagger 2.0 document")
	for _, d := range c.Differences {
		assert.NotEqual(t, "GET /api/asset/{id}", d.Operation, d.What)
	}

	yamlDoc := "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths: {}\n"
	doc, err = Load([]byte(yamlDoc))
	require.NoError(t, err)
	assert.Len(t, Compare(doc).Differences, len(api.Endpoints()))

	for _, bad := range []string{`<html><body>login</body></html>`, `{"message": "not found"}`, `{"openapi": "3.0.3", "paths": {"/x": {"$ref": "http://127.0.0.1:1/other.json"}}}`} {
		_, err := Load([]byte(bad))
		assert.Error(t, err, bad)
	}
}
