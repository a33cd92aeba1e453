package cmdutil

import "github.com/pamctl/pamctl/pkg/output"

// LiveTable tells a command that prints as things happen (sessions watch,
// events list --follow) how to print: a table redrawn on a terminal, or
// one JSON object a line (ndjson, json, and any format off a terminal).
// yaml and csv cannot be streamed that way: a usage error naming what.
func LiveTable(out output.Options, what string) (table bool, err error) {
	table = out.Format != output.NDJSON && out.TTY && (out.Format == output.Table || out.Format == output.Wide || out.Format == "")
	if !table && (out.Format == output.YAML || out.Format == output.CSV) {
		return false, FlagErrorf("%s streams: use -o ndjson or json (one object a line), or a table on a terminal, not -o %s", what, out.Format)
	}
	return table, nil
}
