package main

import (
	"context"
	"fmt"
	"io"

	"github.com/docflow/docflow/services/stack"
)

func toolsInstall(ctx context.Context, stdout io.Writer) error {
	if err := stack.InstallTools(ctx, stdout); err != nil {
		return fmt.Errorf("tools install: %w", err)
	}
	return nil
}
