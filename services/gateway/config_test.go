package gateway_test

import (
	"maps"
	"strings"
	"testing"

	"github.com/docflow/docflow/services/gateway"
	"github.com/docflow/docflow/services/internal/config"
	"github.com/docflow/docflow/services/internal/testkit"
)

func TestConfigKeysAreUnique(t *testing.T) {
	t.Parallel()
	testkit.ConfigKeys(t, &gateway.Config{})
}

// Webhook settings out of range are refused, each by its variable.
func TestConfigRefusesBadWebhookSettings(t *testing.T) {
	t.Parallel()
	base := map[string]string{"DOCFLOW_GATEWAY_TOKEN_KEY": "0123456789abcdef0123456789abcdef"}
	if _, err := config.LoadValid[gateway.Config]("gateway", testkit.Getenv(base)); err != nil {
		t.Fatalf("the defaults are refused: %v", err)
	}
	for key, value := range map[string]string{
		"DOCFLOW_GATEWAY_WEBHOOK_RETRY_BASE": "0s",
		"DOCFLOW_GATEWAY_WEBHOOK_RETRY_MAX":  "48h",
		"DOCFLOW_GATEWAY_WEBHOOK_TIMEOUT":    "5m",
		"DOCFLOW_GATEWAY_WEBHOOK_POLL":       "0s",
		"DOCFLOW_GATEWAY_WEBHOOK_WORKERS":    "0",
	} {
		vars := maps.Clone(base)
		vars[key] = value
		_, err := config.LoadValid[gateway.Config]("gateway", testkit.Getenv(vars))
		if err == nil || !strings.Contains(err.Error(), key) {
			t.Errorf("%s=%s: %v, want it refused by name", key, value, err)
		}
	}
}
