// Command pamctl sees and terminates privileged sessions on 12Port PAM.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/pamctl/pamctl/pkg/cmdutil"
	"github.com/pamctl/pamctl/pkg/pamcmd"
)

func main() {
	// The first Ctrl-C, SIGTERM or closed terminal (SIGHUP) cancels the
	// context: nothing new is sent, what is in flight is awaited, reported
	// and journaled. The second runs the command's quit hooks (a terminate
	// journals its in-flight sessions as "unknown" and prints what it
	// knows) and exits 130 at once.
	ctx, cancel := context.WithCancel(context.Background())
	ints := &cmdutil.Interrupts{}
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	go func() {
		<-sigs
		cancel()
		<-sigs
		ints.Quit()
		os.Exit(cmdutil.ExitCancelled)
	}()
	code := pamcmd.MainWith(ctx, pamcmd.Deps{Interrupts: ints})
	signal.Stop(sigs)
	os.Exit(code)
}
