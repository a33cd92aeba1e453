package output

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"regexp"
	"strings"
	"sync"

	"go.yaml.in/yaml/v3"

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
	// A multi-line string is double-quoted too: yaml.v3 writes it as a
	// literal block and loses a leading empty line ("\n0" read back "0").
	if strings.ContainsFunc(s, isInert) || strings.ContainsAny(s, "\n\r") || yaml11NonString(s) {
		n.Style = yaml.DoubleQuotedStyle
	}
	return n
}

// The plain scalars a YAML 1.1 reader (PyYAML, Ruby's Psych, SnakeYAML,
// go-yaml v2) resolves to something other than a string, from the 1.1 type
// repository (https://yaml.org/type/). yaml.v3 quotes what YAML 1.2 would
// misread ("true", "null", "0x1f") but writes "no", "on", "y" and "12:30"
// plain, and a 1.1 reader turns a user named "no" into false and an asset
// named "12:30" into 750. Such strings are double-quoted.
//
// They compile on first use (sync.OnceValue), not at package init: every
// pamctl run links this package, and most never write YAML (see
// scripts/bench-startup.sh).
var (
	yaml11Bool  = lazyRegexp(`^(?:y|Y|yes|Yes|YES|n|N|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$`)
	yaml11Null  = lazyRegexp(`^(?:~|null|Null|NULL)$`)
	yaml11Int   = lazyRegexp(`^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$`)
	yaml11Float = lazyRegexp(`^(?:[-+]?(?:[0-9][0-9_]*)?\.[0-9.]*(?:[eE][-+]?[0-9]+)?|[-+]?[0-9][0-9_]*(?:[eE][-+]?[0-9]+)|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$`)
	yaml11Time  = lazyRegexp(`^[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}(?:$|[Tt ])`)
)

// lazyRegexp compiles expr on the first call of the function it returns.
func lazyRegexp(expr string) func() *regexp.Regexp {
	return sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(expr) })
}

// yaml11NonString reports a string a YAML 1.1 reader would not read back
// as that string if it were written plain: a boolean, null, an int (octal
// 0123, hex, binary, sexagesimal 12:30), a float (1e3, .inf, .NaN, 1.2.3),
// a timestamp, the merge key "<<" or the value key "=". Quoting one that
// would have been read right costs two characters; the reverse corrupts
// data.
func yaml11NonString(s string) bool {
	if s == "" || s == "<<" || s == "=" {
		return true
	}
	switch c := s[0]; {
	case c >= '0' && c <= '9', c == '-', c == '+', c == '.':
		return yaml11Int().MatchString(s) || yaml11Float().MatchString(s) || yaml11Time().MatchString(s)
	}
	return yaml11Bool().MatchString(s) || yaml11Null().MatchString(s)
}
