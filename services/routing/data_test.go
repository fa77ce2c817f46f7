package routing

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The development installation hosts both demo agencies, each with rules
// that fit its own chart.
func TestLoadDataHostsEveryAgency(t *testing.T) {
	t.Parallel()
	all, _, err := loadData(Config{Agencies: filepath.Join("..", "..", "deploy", "dev", "agencies")})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, a := range all {
		got = append(got, a.ID+":"+a.chart.Agency)
	}
	if strings.Join(got, " ") != "000.00.00.G22:000.00.00.G22 000.00.00.H49:000.00.00.H49" {
		t.Fatalf("hosted agencies %v", got)
	}
}

// A person on two agencies' charts would get both agencies' tasks: the
// start is refused, naming them.
func TestLoadDataRefusesAPersonOfTwoAgencies(t *testing.T) {
	t.Parallel()
	src := filepath.Join("..", "..", "deploy", "dev", "agencies")
	dir := t.TempDir()
	for _, id := range []string{"000.00.00.G22", "000.00.00.H49"} {
		if err := os.MkdirAll(filepath.Join(dir, id), 0o755); err != nil {
			t.Fatal(err)
		}
		for _, f := range []string{"agency.yaml", "orgchart.yaml", "routing.yaml"} {
			raw, err := os.ReadFile(filepath.Join(src, id, f))
			if err != nil {
				t.Fatal(err)
			}
			if id == "000.00.00.H49" && f == "orgchart.yaml" {
				raw = []byte(strings.ReplaceAll(string(raw), "qn.chuyenvien", "chuyenvien1"))
			}
			if err := os.WriteFile(filepath.Join(dir, id, f), raw, 0o600); err != nil { //nolint:gosec // the test's own temporary directory and fixed names
				t.Fatal(err)
			}
		}
	}
	_, _, err := loadData(Config{Agencies: dir})
	if err == nil || !strings.Contains(err.Error(), "chuyenvien1 is on the org charts of both 000.00.00.G22 and 000.00.00.H49") {
		t.Fatalf("loadData = %v", err)
	}
}
