package intake

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/docflow/docflow/services/internal/clerical/counter"
)

// The registers file splits an agency's outgoing numbers; none means one
// shared register, and a misspelt file is refused at start, naming itself.
func TestLoadRegisters(t *testing.T) {
	t.Parallel()
	if c, err := loadRegisters(""); err != nil || c.ModeOf("000.00.00.G22") != counter.Shared {
		t.Fatalf("without a file: %+v, %v; want shared", c, err)
	}
	dir := t.TempDir()
	good := filepath.Join(dir, "registers.yaml")
	if err := os.WriteFile(good, []byte("version: \"2026-01\"\nmode: shared\nagencies:\n  \"000.00.00.G22\":\n    mode: per_kind\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := loadRegisters(good)
	if err != nil || c.ModeOf("000.00.00.G22") != counter.PerKind || c.ModeOf("000.00.00.G09") != counter.Shared {
		t.Fatalf("registers file: %+v, %v; want G22 per kind, others shared", c, err)
	}
	bad := filepath.Join(dir, "bad.yaml")
	if err := os.WriteFile(bad, []byte("mod: per_kind\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := loadRegisters(bad); err == nil || !strings.Contains(err.Error(), "bad.yaml") || !strings.Contains(err.Error(), `unknown setting "mod"`) {
		t.Fatalf("misspelt file: %v", err)
	}
}
