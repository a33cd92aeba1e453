// Package output renders pamctl's results in every -o format through one
// code path: a list of items and its columns become a table, a wide table,
// CSV, JSON, NDJSON or YAML, or the JSON value goes through a --jq
// expression or a --template. It is the only importer of tablewriter.
// Server text is made inert here, once, for every format that can reach a
// terminal. docs/output.md describes every format for users.
package output

import (
	"fmt"
	"strings"
	"time"

	"github.com/pamctl/pamctl/pkg/api"
)

// Format is an -o value.
type Format string

// The -o formats (docs/output.md).
const (
	Table Format = "table"
	Wide  Format = "wide"
	JSON  Format = "json"
	YAML  Format = "yaml"
	CSV   Format = "csv"
	// NDJSON is one compact JSON object a line, written as items arrive.
	NDJSON Format = "ndjson"
)

// Formats lists the -o values, for help and completion.
var Formats = []string{string(Table), string(Wide), string(JSON), string(YAML), string(CSV), string(NDJSON)}

// ParseFormat validates an -o value.
func ParseFormat(s string) (Format, error) {
	for _, f := range Formats {
		if api.SameName(s, f) { // ASCII case only: -o JSON, never a look-alike
			return Format(f), nil
		}
	}
	return "", fmt.Errorf("output format %q: want one of %s", s, strings.Join(Formats, ", "))
}

// IsStructured reports json and yaml, whose schema is stable and whose
// document is one value (an array for a list). NDJSON is not: it has one
// value a line, and an empty list is no line at all.
func (f Format) IsStructured() bool { return f == JSON || f == YAML }

// Options say how to render.
type Options struct {
	Format    Format
	NoHeaders bool
	// TTY is set when stdout is a terminal: tables show ages ("12m ago")
	// instead of RFC 3339 times, and all text is escaped.
	TTY bool
	// Color allows ANSI colour (the template's color helper); it is off
	// with NO_COLOR, --no-color, or off a terminal.
	Color bool
	Now   func() time.Time

	// JQ is a jq expression (--jq) and Template a Go template (--template)
	// applied to the JSON value -o json would print; at most one is set.
	// Either one replaces the format's rendering. Check them with Validate
	// before any work is done.
	JQ       string
	Template string
}

func (o Options) now() time.Time {
	if o.Now != nil {
		return o.Now()
	}
	return time.Now()
}

// timeLike is time.Time or a type embedding it (api.Time).
type timeLike interface {
	IsZero() bool
	UTC() time.Time
}

// Age is a short relative age: "45s ago", "12m ago", "3h ago", "2d ago".
func Age(t, now time.Time) string {
	d := now.Sub(t)
	suffix := " ago"
	if d < 0 {
		d = -d
		suffix = " from now"
	}
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%ds%s", int(d.Seconds()), suffix)
	case d < time.Hour:
		return fmt.Sprintf("%dm%s", int(d.Minutes()), suffix)
	case d < 48*time.Hour:
		return fmt.Sprintf("%dh%s", int(d.Hours()), suffix)
	default:
		return fmt.Sprintf("%dd%s", int(d.Hours()/24), suffix)
	}
}

// RFC3339 formats t in UTC, "" when unset.
func RFC3339(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}
