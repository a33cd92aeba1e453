// Command pamsim serves the 12Port PAM REST API simulator (pkg/pamsim) on loopback, for
// trying pamctl without a real server, for demos and for scripts.
//
//	eval "$(pamsim --listen 127.0.0.1:0 --quiet &)"   # or: pamsim --env-file /tmp/pamsim.env &
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
