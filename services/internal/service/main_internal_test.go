package service

import (
	"errors"
	"strings"
	"testing"
)

// A failed service says why on stderr and exits with 1; a clean stop says
// nothing and exits with 0.
func TestExitStatus(t *testing.T) {
	t.Parallel()
	var stderr strings.Builder
	if got := exitStatus(&stderr, nil); got != 0 || stderr.Len() != 0 {
		t.Errorf("after a clean stop: exit status %d, stderr %q; want 0 and nothing", got, stderr.String())
	}
	err := errors.New("archive: nats: no servers available")
	if got := exitStatus(&stderr, err); got != 1 || stderr.String() != "archive: nats: no servers available\n" {
		t.Errorf("after %v: exit status %d, stderr %q; want 1 and the error", err, got, stderr.String())
	}
}
