package api

import (
	"reflect"
	"slices"
	"strings"
)

// The contract's answer types seen through their json tags: one walk that
// docs/openapi.json, the comparison with a server's OpenAPI document and
// doctor's checks of live answers all share, so they cannot disagree.

// FieldKind is how pamctl reads a JSON value.
type FieldKind int

// The field kinds.
const (
	KindString  FieldKind = iota
	KindTime              // RFC 3339 string or epoch milliseconds, null when unset
	KindStrings           // array of strings
	KindNumber            // integer
	KindObject            // nested struct
	KindObjects           // array of structs
)

// String words the kind for messages ("field x is a number; pamctl reads a string").
func (k FieldKind) String() string {
	return [...]string{"a string", "a timestamp (RFC 3339 or epoch milliseconds)", "an array of strings", "a number", "an object", "an array of objects"}[k]
}

// Field is one JSON field of an answer type.
type Field struct {
	Go       string       // "Session.AssetName": what to edit in contract.go
	JSON     string       // "assetName"
	Kind     FieldKind    //
	Elem     reflect.Type // the struct of kindObject and kindObjects
	Optional bool         // may be absent or null
}

// Tag is the struct tag to edit, as written in contract.go.
func (f Field) Tag() string { return "`json:\"" + f.JSON + "\"`" }

var timeType = reflect.TypeFor[Time]()

// Fields lists the JSON fields of struct type t in declaration order.
func Fields(t reflect.Type) []Field {
	var out []Field
	owner := TypeName(t)
	if _, ok := PageElem(t); ok {
		owner = "page"
	}
	for i := range t.NumField() {
		sf := t.Field(i)
		name, _, _ := strings.Cut(sf.Tag.Get("json"), ",")
		if name == "-" {
			continue
		}
		if name == "" {
			name = sf.Name
		}
		f := Field{Go: owner + "." + sf.Name, JSON: name}
		ft := sf.Type
		switch {
		case ft == timeType:
			f.Kind, f.Optional = KindTime, true
		case ft.Kind() == reflect.String:
			f.Kind = KindString
		case ft.Kind() == reflect.Int || ft.Kind() == reflect.Int64:
			f.Kind = KindNumber
		case ft.Kind() == reflect.Slice && ft.Elem().Kind() == reflect.String:
			f.Kind = KindStrings
		case ft.Kind() == reflect.Slice && ft.Elem().Kind() == reflect.Struct:
			f.Kind, f.Elem = KindObjects, ft.Elem()
		case ft.Kind() == reflect.Struct:
			f.Kind, f.Elem = KindObject, ft
		default:
			continue
		}
		if slices.Contains(optionalFields[owner], name) {
			f.Optional = true
		}
		out = append(out, f)
	}
	return out
}

// PageElem reports whether t is the paging envelope, and its item type.
func PageElem(t reflect.Type) (reflect.Type, bool) {
	if t.Kind() != reflect.Struct || !strings.HasPrefix(t.Name(), "page[") {
		return nil, false
	}
	f, ok := t.FieldByName("Items")
	if !ok {
		return nil, false
	}
	return f.Type.Elem(), true
}

// TypeName is the schema name of t: its Go name, "SessionPage" for
// page[Session].
func TypeName(t reflect.Type) string {
	if elem, ok := PageElem(t); ok {
		return elem.Name() + "Page"
	}
	return t.Name()
}

// List reports an endpoint whose answer is the paging envelope.
func (e Endpoint) List() bool {
	_, ok := PageElem(reflect.TypeOf(e.Response))
	return ok
}
