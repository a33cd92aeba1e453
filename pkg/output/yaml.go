package output

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/pamctl/pamctl/pkg/text"
)

// writeYAML encodes v through its JSON form, so YAML and JSON share one
// schema (the json tags) and one field order. On a terminal, string values
// are escaped the way tables escape them. Elsewhere the data is kept exact
// but inert: YAML escapes C0 controls itself, and a string holding a
// character YAML would print raw (DEL, C1 controls, bidi overrides) is
// written double-quoted with that character as a \u escape.
func writeYAML(w io.Writer, v any, tty bool) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	node, err := jsonToNode(dec, tty)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(node); err != nil {
		return err
	}
	if err := enc.Close(); err != nil {
		return err
	}
	// Inert characters only occur inside the double-quoted scalars that
	// strNode marked, where \uXXXX is a valid escape.
	_, err = w.Write(inertJSON(buf.Bytes()))
	return err
}

// jsonToNode converts the next JSON value into a yaml.Node, keeping the
// order of object keys.
func jsonToNode(dec *json.Decoder, tty bool) (*yaml.Node, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch t := tok.(type) {
	case json.Delim:
		switch t {
		case '{':
			n := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
			for dec.More() {
				kt, err := dec.Token()
				if err != nil {
					return nil, err
				}
				key, _ := kt.(string)
				val, err := jsonToNode(dec, tty)
				if err != nil {
					return nil, err
				}
				n.Content = append(n.Content, strNode(key, tty), val)
			}
			_, err := dec.Token() // '}'
			return n, err
		case '[':
			n := &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq"}
			for dec.More() {
				val, err := jsonToNode(dec, tty)
				if err != nil {
					return nil, err
				}
				n.Content = append(n.Content, val)
			}
			if len(n.Content) == 0 {
				n.Style = yaml.FlowStyle
			}
			_, err := dec.Token() // ']'
			return n, err
		}
	case string:
		return strNode(t, tty), nil
	case json.Number:
		tag := "!!int"
		if strings.ContainsAny(t.String(), ".eE") {
			tag = "!!float"
		}
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: tag, Value: t.String()}, nil
	case bool:
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!bool", Value: fmt.Sprint(t)}, nil
	case nil:
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!null", Value: "null"}, nil
	}
	return nil, fmt.Errorf("unexpected JSON token %v", tok)
}

func strNode(s string, tty bool) *yaml.Node {
	if tty {
		s = text.Safe(s)
	}
	n := &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: s}
	if strings.ContainsFunc(s, isInert) {
		n.Style = yaml.DoubleQuotedStyle
	}
	return n
}
