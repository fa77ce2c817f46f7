package service

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

// Main is the whole of a service's main:
//
//	func main() { os.Exit(service.Main(archive.Run)) }
//
// It calls run with a context that SIGINT and SIGTERM cancel, so Ctrl-C or
// a stopping container shuts the program down in order instead of killing
// it, and returns the exit status: 0 when run succeeds, otherwise 1 after
// writing the error to stderr.
func Main(run func(ctx context.Context, getenv func(string) string, stdout io.Writer) error) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return exitStatus(os.Stderr, run(ctx, os.Getenv, os.Stdout))
}

func exitStatus(stderr io.Writer, err error) int {
	if err == nil {
		return 0
	}
	fmt.Fprintln(stderr, err)
	return 1
}
