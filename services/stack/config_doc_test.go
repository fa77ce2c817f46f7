package stack_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/docflow/docflow/services/archive"
	"github.com/docflow/docflow/services/gateway"
	"github.com/docflow/docflow/services/intake"
	"github.com/docflow/docflow/services/internal/config"
	"github.com/docflow/docflow/services/routing"
	"github.com/docflow/docflow/services/signing"
)

// Every setting of every service is documented in the README's
// configuration table, so an operator never meets an undocumented variable.
func TestEverySettingIsDocumented(t *testing.T) {
	t.Parallel()
	readme, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	for name, cfg := range map[string]any{
		"gateway": &gateway.Config{}, "intake": &intake.Config{}, "routing": &routing.Config{},
		"signing": &signing.Config{}, "archive": &archive.Config{},
	} {
		if dup := config.Duplicates(cfg); len(dup) > 0 {
			t.Errorf("%s: keys used twice: %v", name, dup)
		}
		for _, key := range config.Keys(cfg) {
			if !strings.Contains(string(readme), "`"+key+"`") {
				t.Errorf("%s: %s is not in the README's configuration table", name, key)
			}
		}
	}
}
