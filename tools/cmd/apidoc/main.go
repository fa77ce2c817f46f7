// Command apidoc writes the Markdown API reference in docs/api from the
// contracts in api/: the OpenAPI document of the HTTP API, the AsyncAPI
// document of the events and service endpoints, and the events' JSON Schemas.
// The output depends only on those files (document order, no timestamps), so
// regenerating it is a no-op unless a contract changed.
//
// Usage (from the repository root):
//
//	go run ./cmd/apidoc -root ..      (inside tools/)
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "apidoc:", err)
		os.Exit(1)
	}
}

func run(_ context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("apidoc", flag.ContinueOnError)
	fs.SetOutput(stdout)
	root := fs.String("root", ".", "the repository root")
	openapi := fs.String("openapi", "api/http/v1/openapi.yaml", "the OpenAPI document, relative to -root")
	asyncapi := fs.String("asyncapi", "api/events/v1/asyncapi.yaml", "the AsyncAPI document, relative to -root")
	out := fs.String("out", "docs/api", "the output directory, relative to -root")
	if err := fs.Parse(args); err != nil {
		return err
	}
	return generate(*root, *openapi, *asyncapi, *out)
}
