// Command pamctl sees and terminates privileged sessions on 12Port PAM.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/pamctl/pamctl/pkg/pamcmd"
)

func main() {
	// Ctrl-C, SIGTERM or a closed terminal (SIGHUP) cancel the context:
	// a bulk terminate stops sending, reports and writes its journal. A
	// second signal is not caught: it ends the process at once.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	go func() {
		<-ctx.Done()
		stop()
	}()
	code := pamcmd.Main(ctx)
	stop()
	os.Exit(code)
}
