package pamcmd

import (
	"context"
	"io"
	"net/http"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pamctl/pamctl/pkg/clock"
	"github.com/pamctl/pamctl/pkg/iostreams"
	"github.com/pamctl/pamctl/pkg/pamsim"
)

// pipeTransport serves requests with a handler in-process, streaming its
// answer as it is written: pamsim's drip fault reaches the client one byte
// at a time, paced by the handler's timers (inside a synctest bubble, the
// bubble's fake time).
type pipeTransport struct{ h http.Handler }

type pipeWriter struct {
	header http.Header
	code   int
	pw     *io.PipeWriter
	ready  chan struct{}
	once   sync.Once
}

func (w *pipeWriter) Header() http.Header { return w.header }
func (w *pipeWriter) WriteHeader(code int) {
	w.once.Do(func() { w.code = code; close(w.ready) })
}
func (w *pipeWriter) Write(b []byte) (int, error) { w.WriteHeader(http.StatusOK); return w.pw.Write(b) }
func (w *pipeWriter) Flush()                      {}

func (t pipeTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	pr, pw := io.Pipe()
	w := &pipeWriter{header: http.Header{}, pw: pw, ready: make(chan struct{})}
	go func() {
		t.h.ServeHTTP(w, req)
		w.WriteHeader(http.StatusOK)
		pw.Close()
	}()
	go func() {
		<-req.Context().Done()
		pr.CloseWithError(req.Context().Err())
	}()
	select {
	case <-w.ready:
	case <-req.Context().Done():
		return nil, req.Context().Err()
	}
	return &http.Response{StatusCode: w.code, Header: w.header.Clone(), Body: pr, Request: req}, nil
}

// Against a server answering one byte every half second, --timeout bounds
// the whole command, the request in flight included: wait, watch and
// events list --follow end at 5 s (the bubble's fake time, so the test
// waits for nothing).
func TestTimeoutBoundsADrippingServer(t *testing.T) {
	const noAnswer = "pamctl: timed out after 5s before the server answered once (no answer before the deadline)\n"
	for _, tc := range []struct {
		args []string
		path string
		msg  string
	}{
		// One statement, the same for the three: no check answered, so
		// wait has no state to tell (never "0 sessions still active ()").
		{[]string{"sessions", "wait", "--user", "bwilliams", "--timeout", "5s"}, "/api/session/list", noAnswer},
		{[]string{"sessions", "watch", "--timeout", "5s", "-o", "ndjson"}, "/api/session/list", noAnswer},
		{[]string{"events", "list", "--follow", "--timeout", "5s", "-o", "ndjson"}, "/api/event/list", noAnswer},
	} {
		t.Run(tc.args[0]+"_"+tc.args[1], func(t *testing.T) {
			cfg := t.TempDir()
			synctest.Test(t, func(t *testing.T) {
				sim, err := pamsim.New(pamsim.Options{Seed: 1})
				require.NoError(t, err)
				sim.AddFault(pamsim.Fault{Kind: pamsim.FaultDrip, Path: tc.path, Delay: 500 * time.Millisecond})
				env := map[string]string{"PAMCTL_SERVER": "http://127.0.0.1:8643" + sim.BasePath(), "PAMCTL_TOKEN": sim.Tokens().Admin,
					"XDG_CONFIG_HOME": cfg, "PAMCTL_TOKEN_STORE": "file"}
				ios, _, _, errOut := iostreams.Test()
				start := time.Now()
				code := Run(context.Background(), tc.args, Deps{
					IOStreams: ios, LookupEnv: func(k string) (string, bool) { v, ok := env[k]; return v, ok },
					Keyring: noKeyring{}, Transport: pipeTransport{h: sim}, Clock: clock.Real{},
				})
				took := time.Since(start)
				assert.Equal(t, 8, code, errOut.String())
				assert.Equal(t, tc.msg, errOut.String(), "the exact line")
				assert.LessOrEqual(t, took, 5*time.Second, "the command ends at its --timeout")
				assert.GreaterOrEqual(t, took, 4*time.Second)
			})
		})
	}
}
