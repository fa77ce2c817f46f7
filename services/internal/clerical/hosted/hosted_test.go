package hosted_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/docflow/docflow/services/internal/clerical/hosted"
)

func write(t *testing.T, dir, id, text string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Join(dir, id), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, id, hosted.AgencyFile), []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestLoadDevelopmentAgencies(t *testing.T) {
	t.Parallel()
	all, err := hosted.Load(filepath.Join("..", "..", "..", "..", "deploy", "dev", "agencies"))
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 2 || all[0].ID != "000.00.00.G22" || all[1].ID != "000.00.00.H49" || all[1].Place != "Quảng Ninh" {
		t.Fatalf("agencies %+v", all)
	}
	if a, ok := hosted.Find(all, "000.00.00.H49"); !ok || filepath.Base(filepath.Dir(a.OrgChart())) != "000.00.00.H49" {
		t.Fatalf("Find = %+v, %v", a, ok)
	}
	if _, ok := hosted.Find(all, "000.00.00.G09"); ok {
		t.Fatal("found an agency not hosted")
	}
}

func TestLoadRefusesBrokenDirectories(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, id, text, want string
	}{
		{"directory named for another agency", "000.00.00.G09", "id: \"000.00.00.G22\"\nname: A\nplace: P\n", "rename the directory to 000.00.00.G22"},
		{"no name or place", "000.00.00.G22", "id: \"000.00.00.G22\"\n", "name is empty; place"},
		{"not an identifier", "x", "id: x\nname: A\nplace: P\n", "x"},
		{"unknown field", "000.00.00.G22", "id: \"000.00.00.G22\"\nname: A\nplace: P\nseal: s.png\n", "field seal not found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			write(t, dir, tt.id, tt.text)
			_, err := hosted.Load(dir)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Load = %v, want an error containing %q", err, tt.want)
			}
		})
	}
	if _, err := hosted.Load(t.TempDir()); err == nil || !strings.Contains(err.Error(), "holds no agency directory") {
		t.Fatalf("empty directory: %v", err)
	}
}
