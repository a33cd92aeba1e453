package doctor

import (
	"fmt"
	"io"
	"strings"

	"github.com/pamctl/pamctl/pkg/text"
)

// tableWidth is what the table fits: a report is read in a terminal of
// this many columns, or pasted into a ticket.
const tableWidth = 100

// fixIndent lines a fix's continuation up under its text, past "fix: ".
const fixIndent = "     "

// printTable writes the checks within tableWidth columns: CHECK, STATUS
// and DETAIL, the detail wrapped under itself and a check's fix on a line
// of its own beneath it ("fix: ..."). -o wide prints the four columns on
// one line each instead.
func printTable(w io.Writer, checks []Check, noHeaders bool) error {
	nameW := len("CHECK")
	for _, c := range checks {
		nameW = max(nameW, len(text.Safe(c.Name)))
	}
	nameW = min(nameW, 32)
	const statusW = len("STATUS")
	indent := strings.Repeat(" ", nameW+2+statusW+2)
	width := max(tableWidth-len(indent), 30)
	var b strings.Builder
	if !noHeaders {
		fmt.Fprintf(&b, "%-*s  %-*s  %s\n", nameW, "CHECK", statusW, "STATUS", "DETAIL")
	}
	for _, c := range checks {
		name := text.Safe(c.Name)
		detail := text.Wrap(text.Safe(c.Detail), width)
		if len(name) > nameW {
			// A long name (a row of the OpenAPI comparison) has the
			// line to itself.
			fmt.Fprintf(&b, "%s\n%-*s  %-*s  %s\n", name, nameW, "", statusW, c.Status, detail[0])
		} else {
			fmt.Fprintf(&b, "%-*s  %-*s  %s\n", nameW, name, statusW, c.Status, detail[0])
		}
		for _, l := range detail[1:] {
			b.WriteString(indent + l + "\n")
		}
		if c.Fix != "" {
			// Wrapped short of the width by the continuation's indent.
			for i, l := range text.Wrap("fix: "+text.Safe(c.Fix), width-len(fixIndent)) {
				if i > 0 {
					l = fixIndent + l
				}
				b.WriteString(strings.TrimRight(indent+l, " ") + "\n")
			}
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}
