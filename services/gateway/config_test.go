package gateway_test

import (
	"testing"

	"github.com/docflow/docflow/services/gateway"
	"github.com/docflow/docflow/services/internal/config"
)

func TestConfigKeysAreUnique(t *testing.T) {
	t.Parallel()
	if dup := config.Duplicates(&gateway.Config{}); len(dup) > 0 {
		t.Fatalf("keys used twice: %v", dup)
	}
}
