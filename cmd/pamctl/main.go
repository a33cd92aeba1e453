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
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := pamcmd.Main(ctx)
	stop()
	os.Exit(code)
}
