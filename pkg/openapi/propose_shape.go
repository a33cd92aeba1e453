package openapi

import (
	"encoding/json"
	"slices"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
)

// Shape is a JSON value's shape as a proposal reads it: from a schema of
// the server's document, or from a live answer (ValueShape).
type Shape struct {
	Kind  string            // object, array, string, integer, number, boolean; "" unknown
	Props map[string]*Shape // of an object
	Items *Shape            // of an array
	Enum  []string          // string values the schema allows, or the answers held
}

func schemaShape(s *openapi3.Schema, depth int) *Shape {
	sh := &Shape{}
	if s == nil || depth > 12 {
		return sh
	}
	if ts := types(s); len(ts) == 1 {
		sh.Kind = ts[0]
	}
	if props := properties(s); len(props) > 0 {
		sh.Kind, sh.Props = "object", map[string]*Shape{}
		for n, p := range props {
			sh.Props[n] = schemaShape(p, depth+1)
		}
	}
	if s.Items != nil && s.Items.Value != nil {
		sh.Kind, sh.Items = "array", schemaShape(s.Items.Value, depth+1)
	}
	for _, e := range s.Enum {
		if v, ok := e.(string); ok {
			sh.Enum = append(sh.Enum, v)
		}
	}
	return sh
}

// ValueShape is the shape of a decoded JSON value (numbers as json.Number
// or float64); an array's items merge, and a string's value is its Enum.
func ValueShape(v any) *Shape {
	switch x := v.(type) {
	case map[string]any:
		sh := &Shape{Kind: "object", Props: map[string]*Shape{}}
		for k, pv := range x {
			sh.Props[k] = ValueShape(pv)
		}
		return sh
	case []any:
		sh := &Shape{Kind: "array"}
		for _, it := range x {
			sh.Items = merge(sh.Items, ValueShape(it))
		}
		return sh
	case string:
		return &Shape{Kind: "string", Enum: []string{x}}
	case json.Number, float64:
		return &Shape{Kind: "number"}
	case bool:
		return &Shape{Kind: "boolean"}
	}
	return &Shape{}
}

func merge(a, b *Shape) *Shape {
	if a == nil {
		return b
	}
	if a.Kind == "" {
		a.Kind = b.Kind
	}
	for k, v := range b.Props {
		if a.Props == nil {
			a.Props = map[string]*Shape{}
		}
		a.Props[k] = merge(a.Props[k], v)
	}
	if b.Items != nil {
		a.Items = merge(a.Items, b.Items)
	}
	for _, e := range b.Enum {
		if !slices.Contains(a.Enum, e) && len(a.Enum) < 50 {
			a.Enum = append(a.Enum, e)
		}
	}
	return a
}

func isList(s *Shape) bool {
	_, items := envelopeKeys(s)
	return items != ""
}

// Synonyms a server may use for a modeled name, in order of preference.
var synonyms = map[string][]string{
	"items":     {"content", "data", "results", "records", "elements", "list", "rows", "values", "entries"},
	"total":     {"totalElements", "totalCount", "count", "totalItems", "totalRecords", "totalResults", "totalSize"},
	"state":     {"status", "sessionState", "sessionStatus"},
	"user":      {"userName", "username", "login", "user_name", "principal", "account"},
	"created":   {"createdAt", "createdDate", "creationTime", "startTime", "startedAt", "started", "start"},
	"updated":   {"updatedAt", "lastModified", "modifiedAt", "lastUpdated", "updatedDate"},
	"completed": {"completedAt", "endTime", "endedAt", "ended", "finishedAt", "closedAt", "end"},
	"assetId":   {"resourceId", "targetId", "asset_id"},
	"assetName": {"resourceName", "targetName", "asset_name", "asset"},
	"channels":  {"protocols", "channel"},
	"sessionId": {"session_id", "session"},
	"id":        {"uuid", "key"},
	"offset":    {"start", "skip", "first"},
	"limit":     {"size", "pageSize", "max", "perPage", "maxResults"},
	"asset":     {"assetId", "resource", "resourceId"},
	"channel":   {"protocol"},
	"from":      {"since", "after", "fromDate", "start"},
	"to":        {"until", "before", "toDate", "end"},
	"sort":      {"sortBy", "orderBy"},
	"order":     {"direction", "sortOrder", "dir"},
	"name":      {"search", "q", "filter"},
	"parent":    {"parentId", "folder", "container"},
	"event":     {"type", "eventType"},
	"category":  {"eventCategory"},
	"Active":    {"OPEN", "RUNNING", "CONNECTED", "LIVE", "IN_PROGRESS"},
	"Completed": {"CLOSED", "ENDED", "FINISHED", "TERMINATED", "DONE", "DISCONNECTED"},
}

func norm(s string) string {
	return strings.ToLower(strings.NewReplacer("_", "", "-", "").Replace(s))
}

// pick finds the server's name for modeled among have: as is, spelled
// otherwise (case, _ and -), or a synonym; fits filters the candidates.
func pick(modeled string, have []string, fits func(string) bool) (string, bool) {
	if slices.Contains(have, modeled) && fits(modeled) {
		return modeled, true
	}
	sorted := slices.Sorted(slices.Values(have))
	for _, h := range sorted {
		if norm(h) == norm(modeled) && fits(h) {
			return h, true
		}
	}
	for _, syn := range synonyms[modeled] {
		for _, h := range sorted {
			if norm(h) == norm(syn) && fits(h) {
				return h, true
			}
		}
	}
	return "", false
}
