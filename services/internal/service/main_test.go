package service_test

import (
	"context"
	"io"
	"syscall"
	"testing"
	"time"

	"github.com/docflow/docflow/services/internal/service"
)

// A SIGTERM, as from a stopping container, cancels the context the program
// runs with instead of killing the process, and a clean stop exits with 0.
// Not parallel: it sets the environment run reads.
func TestMainStopsOnSignal(t *testing.T) {
	t.Setenv("DOCFLOW_MAIN_TEST", "from the environment")
	status := service.Main(func(ctx context.Context, getenv func(string) string, _ io.Writer) error {
		if got := getenv("DOCFLOW_MAIN_TEST"); got != "from the environment" {
			t.Errorf("run read DOCFLOW_MAIN_TEST = %q, want the process environment's value", got)
		}
		if err := syscall.Kill(syscall.Getpid(), syscall.SIGTERM); err != nil {
			return err
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(time.Minute):
			t.Error("SIGTERM did not cancel the context within a minute")
			return nil
		}
	})
	if status != 0 {
		t.Errorf("exit status %d after a clean stop, want 0", status)
	}
}
