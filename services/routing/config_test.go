package routing_test

import (
	"testing"

	"github.com/docflow/docflow/services/internal/config"
	"github.com/docflow/docflow/services/routing"
)

func TestConfigKeysAreUnique(t *testing.T) {
	t.Parallel()
	if dup := config.Duplicates(&routing.Config{}); len(dup) > 0 {
		t.Fatalf("keys used twice: %v", dup)
	}
}
