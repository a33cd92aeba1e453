package openapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"gopkg.in/yaml.v3"

	"github.com/pamctl/pamctl/pkg/api"
)

// A server's OpenAPI document is read within bounds: a small hostile
// document (37 KB of 1,000 nested schemas) made the OpenAPI parser work
// for half a minute and hold half a gigabyte. Its size, nesting depth and
// schema count are checked by a plain scan before the parser sees it, and
// the parse itself is bounded in time and ends at once when the context
// does (Ctrl-C).

// Limits bound reading one document.
type Limits struct {
	MaxBytes   int           // the document's size
	MaxDepth   int           // nesting of objects and arrays
	MaxSchemas int           // objects with "type" or "$ref": schemas, parameters
	Timeout    time.Duration // the parse
	// After is time.After outside tests (a test fires it at once).
	After func(time.Duration) <-chan time.Time
	// parse replaces the parser (tests).
	parse func([]byte) (*openapi3.T, error)
}

// DefaultLimits are generous for a real API description (a large one has
// a few thousand schemas, nested a dozen levels) and refuse the hostile
// shapes long before they cost anything.
func DefaultLimits() Limits {
	return Limits{MaxBytes: 8 << 20, MaxDepth: 64, MaxSchemas: 20_000, Timeout: 10 * time.Second}
}

// LimitError is a document refused by a limit; Limit names it.
type LimitError struct {
	Limit  string // "size", "depth", "schemas", "time"
	Reason string
}

func (e *LimitError) Error() string { return e.Reason }

// LoadWithin is Load bounded by lim and ctx.
func LoadWithin(ctx context.Context, data []byte, lim Limits) (*openapi3.T, error) {
	if err := scan(data, lim); err != nil {
		return nil, err
	}
	parse := lim.parse
	if parse == nil {
		parse = load
	}
	after := lim.After
	if after == nil {
		after = time.After
	}
	type result struct {
		doc *openapi3.T
		err error
	}
	done := make(chan result, 1) // the parse never blocks on a reader that left
	go func() {
		doc, err := parse(data)
		done <- result{doc, err}
	}()
	select {
	case r := <-done:
		return r.doc, r.err
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-after(lim.Timeout):
		return nil, &LimitError{Limit: "time", Reason: fmt.Sprintf("reading the document took longer than %s (the time limit); it is too complex to compare", lim.Timeout)}
	}
}

// scan checks size, depth and schema count without building the document.
func scan(data []byte, lim Limits) error {
	if len(data) > lim.MaxBytes {
		return &LimitError{Limit: "size", Reason: fmt.Sprintf("the document is %d bytes, over the %d MiB size limit", len(data), lim.MaxBytes>>20)}
	}
	trimmed := bytes.TrimSpace(data)
	if len(trimmed) > 0 && (trimmed[0] == '{' || trimmed[0] == '[') {
		return scanJSON(trimmed, lim)
	}
	var n yaml.Node
	if err := yaml.Unmarshal(data, &n); err != nil {
		return fmt.Errorf("not JSON or YAML: %s", api.Excerpt(err.Error(), 120))
	}
	schemas := 0
	return walkYAML(&n, 0, &schemas, lim)
}

func depthError(lim Limits) error {
	return &LimitError{Limit: "depth", Reason: fmt.Sprintf("the document nests deeper than %d levels (the depth limit); a real API description does not", lim.MaxDepth)}
}

func schemasError(lim Limits) error {
	return &LimitError{Limit: "schemas", Reason: fmt.Sprintf("the document holds more than %d schemas and parameters (the schema-count limit)", lim.MaxSchemas)}
}

// scanJSON walks the tokens: depth, and each "type" or "$ref" key.
func scanJSON(data []byte, lim Limits) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	type level struct{ object, key bool }
	var stack []level
	schemas := 0
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("not valid JSON: %s", api.Excerpt(err.Error(), 120))
		}
		top := len(stack) - 1
		isKey := top >= 0 && stack[top].object && stack[top].key
		if top >= 0 && stack[top].object {
			stack[top].key = !stack[top].key
		}
		switch t := tok.(type) {
		case json.Delim:
			switch t {
			case '{', '[':
				if len(stack) >= lim.MaxDepth {
					return depthError(lim)
				}
				stack = append(stack, level{object: t == '{', key: true})
			default:
				stack = stack[:len(stack)-1]
				if n := len(stack) - 1; n >= 0 && stack[n].object {
					stack[n].key = true
				}
			}
		case string:
			if isKey && (t == "type" || t == "$ref") {
				if schemas++; schemas > lim.MaxSchemas {
					return schemasError(lim)
				}
			}
		}
	}
}

func walkYAML(n *yaml.Node, depth int, schemas *int, lim Limits) error {
	if n.Kind == yaml.MappingNode || n.Kind == yaml.SequenceNode {
		if depth++; depth > lim.MaxDepth {
			return depthError(lim)
		}
	}
	for i, c := range n.Content {
		if n.Kind == yaml.MappingNode && i%2 == 0 && (c.Value == "type" || c.Value == "$ref") {
			if *schemas++; *schemas > lim.MaxSchemas {
				return schemasError(lim)
			}
		}
		if err := walkYAML(c, depth, schemas, lim); err != nil {
			return err
		}
	}
	return nil
}
