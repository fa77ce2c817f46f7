package stack

import (
	"context"
	"fmt"
	"io"

	"github.com/docflow/docflow/services/internal/servers"
)

// RepoRoot is the checkout the command runs in (the directory with go.work).
func RepoRoot() (string, error) { return servers.RepoRoot() }

// InstallTools builds the pinned server binaries that are missing from the
// bin directory, reporting progress; it is what the first `make run` or
// `make test` spends its minutes on.
func InstallTools(ctx context.Context, progress io.Writer) error {
	bin, err := servers.BinDir()
	if err != nil {
		return fmt.Errorf("stack.InstallTools: %w", err)
	}
	for _, tool := range servers.Tools {
		path, err := servers.Install(ctx, bin, tool, progress)
		if err != nil {
			return fmt.Errorf("stack.InstallTools: %w", err)
		}
		fmt.Fprintf(progress, "%s %s: %s\n", tool.Name, tool.Version, path)
	}
	return nil
}
