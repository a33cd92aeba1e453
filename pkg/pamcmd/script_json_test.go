package pamcmd_test

import (
	"encoding/json"
	"strconv"

	"github.com/rogpeppe/go-internal/testscript"
)

// cmdJSONLen is the script command
//
//	json-len [file] <n>
//
// It fails unless the file (default: the last command's stdout) parses as
// one JSON array of exactly n elements. `! json-len` inverts the count
// check; the file must still be a JSON array.
func cmdJSONLen(ts *testscript.TestScript, neg bool, args []string) {
	file := "stdout"
	switch len(args) {
	case 1:
	case 2:
		file, args = args[0], args[1:]
	default:
		ts.Fatalf("usage: json-len [file] <n>")
	}
	want, err := strconv.Atoi(args[0])
	ts.Check(err)
	var items []json.RawMessage
	if err := json.Unmarshal([]byte(ts.ReadFile(file)), &items); err != nil {
		ts.Fatalf("%s is not a JSON array: %v", file, err)
	}
	if items == nil {
		ts.Fatalf("%s is null, want an array", file)
	}
	if (len(items) == want) == neg {
		ts.Fatalf("%s holds %d elements, want %d (neg=%v)", file, len(items), want, neg)
	}
}
