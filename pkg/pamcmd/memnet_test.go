package pamcmd

import (
	"context"
	"net"
	"net/http"
	"sync"
	"testing"

	"github.com/pamctl/pamctl/pkg/pamsim"
)

// memAddr is the address pamctl is pointed at for an in-memory simulator:
// loopback, so plain http:// is allowed, and never dialled for real.
const memAddr = "127.0.0.1:1"

// startInMemory serves a new simulator over in-memory connections
// (net.Pipe) and returns it, its URL and a transport that dials it; any
// other address is dialled for real. Inside a testing/synctest bubble
// every wait (the simulator's delay faults, pamctl's per-request timeout,
// Retry-After) then runs on the bubble's virtual clock: the test waits for
// nothing. The server stops at the end of the test.
func startInMemory(t *testing.T, opts pamsim.Options) (*pamsim.Server, string, *http.Transport) {
	t.Helper()
	sim, err := pamsim.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	l := &memListener{conns: make(chan net.Conn), closed: make(chan struct{})}
	srv := &http.Server{Handler: sim}
	go func() { _ = srv.Serve(l) }()
	var d net.Dialer
	tr := &http.Transport{
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			if addr != memAddr {
				return d.DialContext(ctx, network, addr)
			}
			client, server := net.Pipe()
			select {
			case l.conns <- server:
				return client, nil
			case <-l.closed:
				return nil, net.ErrClosed
			case <-ctx.Done():
				return nil, ctx.Err()
			}
		},
	}
	t.Cleanup(func() {
		_ = srv.Close()
		tr.CloseIdleConnections()
	})
	return sim, "http://" + memAddr + sim.BasePath(), tr
}

type memListener struct {
	conns  chan net.Conn
	closed chan struct{}
	once   sync.Once
}

func (l *memListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.conns:
		return c, nil
	case <-l.closed:
		return nil, net.ErrClosed
	}
}

func (l *memListener) Close() error {
	l.once.Do(func() { close(l.closed) })
	return nil
}

func (l *memListener) Addr() net.Addr { return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 1} }
