package edxml_test

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/docflow/docflow/services/internal/edxml"
)

// FuzzParse feeds Parse and ParseStatus arbitrary bytes, seeded with the
// golden packages: they must never panic, must refuse within the limits
// (small here, so the fuzzer reaches them), and every refusal must be an
// *edxml.Error with a reason, as the caller maps it to a 02.
func FuzzParse(f *testing.F) {
	files, err := filepath.Glob(filepath.Join("testdata", "*.*ml"))
	if err != nil || len(files) == 0 {
		f.Fatalf("no golden files to seed with: %v", err)
	}
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	g := loadGoldenPKI(f)
	opts := g.opts(noiVu)
	opts.Limits = edxml.Limits{MaxPackageBytes: 256 << 10, MaxXMLBytes: 64 << 10, MaxAttachmentBytes: 64 << 10, MaxAttachments: 4}
	statusOpts := g.opts(vpcp)
	statusOpts.Limits = opts.Limits
	f.Fuzz(func(t *testing.T, data []byte) {
		check := func(err error) {
			if err == nil {
				return
			}
			var e *edxml.Error
			if !errors.As(err, &e) || e.Reason == nil || e.Message == "" {
				t.Fatalf("refusal %T %q is not an *edxml.Error with a reason", err, err)
			}
		}
		pkg, err := edxml.Parse(data, opts)
		check(err)
		if err == nil && len(pkg.Message.To) == 0 {
			t.Fatal("accepted a package without recipients")
		}
		_, err = edxml.ParseStatus(data, statusOpts)
		check(err)
	})
}
