package contain

import (
	"net/http"
	"testing"

	"github.com/pamctl/pamctl/pkg/cmdutil"
)

func exitCode(t *testing.T, err error) int {
	t.Helper()
	return cmdutil.ExitCode(err)
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
