// Command vigil secures containers across their life: it reads images,
// lists what they hold, and (in later versions) finds vulnerabilities,
// checks policies and watches running containers.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/vigil-dev/vigil/internal/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Main(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
