package pamcmd_test

import (
	"github.com/rogpeppe/go-internal/testscript"

	"github.com/pamctl/pamctl/pkg/pamsim"
)

// cmdShape serves the script's pamsim under another API shape from now on
// (pamsim --shape): pamsim-shape spring|FILE, or pamsim-shape modeled.
func cmdShape(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 1 {
		ts.Fatalf("usage: pamsim-shape spring|FILE|modeled")
	}
	if args[0] == "modeled" {
		ts.Check(sim(ts).SetShape("", nil))
		return
	}
	name := args[0]
	if name != "spring" {
		name = ts.MkAbs(name)
	}
	o, err := pamsim.LoadShape(name)
	ts.Check(err)
	ts.Check(sim(ts).SetShape(args[0], o))
}
