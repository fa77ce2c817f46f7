package gateway_test

import (
	"testing"

	"github.com/docflow/docflow/services/gateway"
	"github.com/docflow/docflow/services/internal/testkit"
)

func TestConfigKeysAreUnique(t *testing.T) {
	t.Parallel()
	testkit.ConfigKeys(t, &gateway.Config{})
}
