package list

import (
	"fmt"
	"io"

	"github.com/pamctl/pamctl/pkg/api"
)

// warnSieved says, when the client left rows out, that the server's
// filtering differs from the contract, naming the rows that only look
// like what was asked (a user bwilliamſ for --user bwilliams).
func warnSieved(w io.Writer, note string, sieve *api.Sieve) {
	if sieve.Dropped > 0 {
		fmt.Fprintf(w, "%swarning: the server returned %d sessions that do not match the filters; its filtering differs from the contract (see docs/api-contract.md), so they are not shown%s\n", note, sieve.Dropped, sieve.Lookalikes())
	}
}
