package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/pamctl/pamctl/pkg/pamsim"
)

// config is the command line, parsed.
type config struct {
	listen   string
	opts     pamsim.Options
	tls      bool
	envFile  string
	quiet    bool
	shutdown time.Duration
	shape    string
}

// parseFlags turns arguments into a config; errors are usage errors (exit code 2).
func parseFlags(args []string, stderr io.Writer) (config, error) {
	var c config
	fs := flag.NewFlagSet("pamsim", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: pamsim [flags]\n\nServe a simulated 12Port PAM site on loopback and print the environment for pamctl.\n\nFlags:\n")
		fs.PrintDefaults()
		fmt.Fprintf(stderr, "\nFault kinds, injected with POST /_pamsim/faults {\"kind\": ..., \"path\": ...} (docs/testing.md describes each):\n  %s\n",
			strings.Join(pamsim.FaultKindNames(), ", "))
	}
	fs.StringVar(&c.listen, "listen", "127.0.0.1:8643", "loopback `address` to listen on (port 0 picks a free one)")
	fs.StringVar(&c.opts.Tenant, "tenant", "demo", "tenant `name` in the base path /ztna/<tenant>/<site>")
	fs.StringVar(&c.opts.Site, "site", "root", "site `name` in the base path")
	fs.IntVar(&c.opts.Sessions, "sessions", 40, "generated sessions on top of the fixtures")
	fs.Int64Var(&c.opts.Seed, "seed", 1, "seed of the generated data")
	fs.DurationVar(&c.opts.Latency, "latency", 0, "`duration` added to every API request")
	fs.Float64Var(&c.opts.FaultRate, "fault-rate", 0, "fraction of API requests answered 503")
	fs.DurationVar(&c.opts.Churn, "churn", 0, "every `duration`, a session starts and another ends (0: off)")
	fs.BoolVar(&c.opts.EpochMillis, "epoch-millis", false, "write timestamps as epoch milliseconds")
	fs.StringVar(&c.opts.Fixtures, "fixtures", "", "fixture `file` replacing the built-in fixtures")
	fs.BoolVar(&c.tls, "tls", false, "serve HTTPS with a fresh CA; prints PAMCTL_CA_FILE")
	fs.StringVar(&c.envFile, "env-file", "", "also write the environment to `path` once the server accepts connections")
	fs.BoolVar(&c.quiet, "quiet", false, "do not log requests to stderr")
	fs.StringVar(&c.shape, "shape", "", "serve the site under another API `shape`: spring, or a contract overlay file (docs/contract-overlay.md)")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if err := checkLoopback(c.listen); err != nil {
		return c, err
	}
	c.shutdown = 5 * time.Second
	return c, nil
}

// checkLoopback refuses any address but a loopback one: the simulator hands out
// Administrator tokens and has unauthenticated admin endpoints.
func checkLoopback(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("--listen %q: %v", addr, err)
	}
	if host == "localhost" {
		return nil
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		return nil
	}
	return fmt.Errorf("--listen %q: pamsim only listens on a loopback address (127.0.0.1, ::1 or localhost): it is a simulator with well-known admin endpoints", addr)
}

// run is the whole command: it serves until ctx ends and returns the exit code.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	c, err := parseFlags(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintf(stderr, "pamsim: %v\n", err)
		return 2
	}
	if err := serve(ctx, c, stdout, stderr); err != nil {
		fmt.Fprintf(stderr, "pamsim: %v\n", err)
		return 1
	}
	return 0
}

func serve(ctx context.Context, c config, stdout, stderr io.Writer) error {
	sim, err := pamsim.New(c.opts)
	if err != nil {
		return err
	}
	if c.shape != "" {
		o, err := pamsim.LoadShape(c.shape)
		if err != nil {
			return err
		}
		if err := sim.SetShape(c.shape, o); err != nil {
			return err
		}
	}
	errw := &lockedWriter{w: stderr}
	srv := &http.Server{
		Handler:           sim,
		ReadHeaderTimeout: 10 * time.Second,
	}
	if !c.quiet {
		srv.Handler = logRequests(sim, errw)
	}
	scheme, caFile := "http", ""
	if c.tls {
		dir, err := os.MkdirTemp("", "pamsim-tls-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir) // ours: the CA of this run only
		cfg, ca, err := pamsim.NewTLS(dir, "127.0.0.1", "::1", "localhost")
		if err != nil {
			return err
		}
		srv.TLSConfig, scheme, caFile = cfg, "https", ca
	}

	ln, err := net.Listen("tcp", c.listen)
	if err != nil {
		return err
	}
	served := make(chan error, 1)
	go func() {
		if c.tls {
			served <- srv.ServeTLS(ln, "", "")
		} else {
			served <- srv.Serve(ln)
		}
	}()

	// The listener queues connections from now on: the environment is safe to publish.
	env := environment(scheme+"://"+ln.Addr().String()+sim.BasePath(), sim.Tokens(), caFile)
	if c.envFile != "" {
		if err := writeFileAtomic(c.envFile, []byte(env)); err != nil {
			_ = srv.Close()
			return err
		}
	}
	if _, err := io.WriteString(stdout, env); err != nil {
		_ = srv.Close()
		return err
	}

	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), c.shutdown)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		_ = srv.Close()
	}
	if err := <-served; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// environment is the start-up output, ready for eval or for sourcing.
func environment(server string, t pamsim.Tokens, caFile string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "export PAMCTL_SERVER=%s\n", server)
	fmt.Fprintf(&b, "export PAMCTL_TOKEN=%s\n", t.Admin)
	if caFile != "" {
		fmt.Fprintf(&b, "export PAMCTL_CA_FILE=%s\n", shellQuote(caFile))
	}
	fmt.Fprintf(&b, "# auditor token: %s\n", t.Auditor)
	fmt.Fprintf(&b, "# asset-manager token: %s (Asset Manager on %s)\n", t.AssetManager, strings.Join(t.AssetManagerAssets, ", "))
	fmt.Fprintf(&b, "# viewer token: %s\n", t.Viewer)
	return b.String()
}

// shellQuote quotes a path for sh when it needs it.
func shellQuote(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("/._-+:,@%", r))
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// writeFileAtomic writes data to path through a temporary file in the same directory and a
// rename, mode 0600 (the file holds tokens), so a reader never sees it half written.
func writeFileAtomic(path string, data []byte) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	_, werr := f.Write(data)
	if err := f.Chmod(0o600); werr == nil {
		werr = err
	}
	if err := f.Close(); werr == nil {
		werr = err
	}
	if werr == nil {
		werr = os.Rename(tmp, path)
	}
	if werr != nil {
		_ = os.Remove(tmp)
	}
	return werr
}

type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// statusRecorder remembers the status for the request log line; Unwrap lets the simulator
// hijack the connection for its drop faults.
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *statusRecorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.ResponseWriter.Write(b)
}

func (r *statusRecorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// logRequests writes "method path status duration" per request to w. The path is the
// escaped one, so control characters cannot reach the terminal; headers (the token) and
// the query are never logged.
func logRequests(h http.Handler, w io.Writer) http.Handler {
	return http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		began := time.Now()
		rec := &statusRecorder{ResponseWriter: rw}
		defer func() {
			status := "-"
			if rec.status != 0 {
				status = fmt.Sprint(rec.status)
			}
			fmt.Fprintf(w, "%s %s %s %s\n", r.Method, r.URL.EscapedPath(), status, time.Since(began).Round(time.Microsecond))
		}()
		h.ServeHTTP(rec, r)
	})
}
