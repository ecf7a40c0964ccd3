// Command custos is a self-hosted privacy platform. See the README, or run
// custos help.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/custos-privacy/custos/internal/app"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := (&app.App{Stdout: os.Stdout, Stderr: os.Stderr}).Main(ctx, os.Args[1:])
	stop()
	os.Exit(code)
}
