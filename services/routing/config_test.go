package routing_test

import (
	"testing"

	"github.com/docflow/docflow/services/internal/testkit"
	"github.com/docflow/docflow/services/routing"
)

func TestConfigKeysAreUnique(t *testing.T) {
	t.Parallel()
	testkit.ConfigKeys(t, &routing.Config{})
}
