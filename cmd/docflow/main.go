// Command docflow is docflow's command-line tool.
//
//	docflow dev             run the whole system locally (make run)
//	docflow pki init        create the development PKI
//	docflow tools install   build the pinned server binaries into ./bin
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"

	"github.com/docflow/docflow/services/stack"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr); err != nil {
		if errors.Is(err, errUsage) {
			os.Exit(2)
		}
		fmt.Fprintln(os.Stderr, "docflow:", err)
		os.Exit(1)
	}
}

var errUsage = errors.New("usage")

const usage = `docflow — paperless document workflow for government agencies

Usage:
  docflow dev [-dir var] [-headless] [-free-ports]
                                       run the whole system locally (NATS, Temporal, S3 and the five services)
  docflow pki init [-dir var/pki] [-trust-url http://127.0.0.1:8089]
                                       create the development PKI (root CA, agency and personal certificates)
  docflow tools install                build the pinned Temporal CLI and versitygw into ./bin
  docflow help                         show this text
`

func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return errUsage
	}
	switch args[0] {
	case "dev":
		return dev(ctx, args[1:], getenv, stdout, stderr)
	case "pki":
		if len(args) < 2 || args[1] != "init" {
			fmt.Fprint(stderr, usage)
			return errUsage
		}
		return pkiInit(args[2:], stdout, stderr)
	case "tools":
		if len(args) < 2 || args[1] != "install" {
			fmt.Fprint(stderr, usage)
			return errUsage
		}
		return toolsInstall(ctx, stdout)
	case "help", "-h", "-help", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	default:
		fmt.Fprintf(stderr, "unknown command %q\n\n%s", args[0], usage)
		return errUsage
	}
}

// parseInRepo parses a command's flags and resolves its data directory
// against the repository root, so the command works from any directory
// inside the repository and keeps its data under it.
func parseInRepo(fs *flag.FlagSet, args []string, dir *string) (root string, err error) {
	if err := fs.Parse(args); err != nil {
		return "", errUsage
	}
	root, err = stack.RepoRoot()
	if err != nil {
		return "", fmt.Errorf("%s: run it from inside the docflow repository: %w", fs.Name(), err)
	}
	if !filepath.IsAbs(*dir) {
		*dir = filepath.Join(root, *dir)
	}
	return root, nil
}
