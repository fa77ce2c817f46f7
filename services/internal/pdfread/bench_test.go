package pdfread_test

import (
	"strings"
	"testing"

	"github.com/docflow/docflow/services/internal/pdfread"
	"github.com/docflow/docflow/services/internal/pdfread/pdfreadtest"
)

// BenchmarkInspect judges a one-page document and one of 1,024 pages of
// about 4 KB of text each (4.6 MB), what intake does to every upload.
func BenchmarkInspect(b *testing.B) {
	for _, bc := range []struct {
		name string
		data []byte
	}{
		{"one-page", pdfreadtest.Pages(1, "Quyet dinh")},
		{"1024-pages", pdfreadtest.Pages(1024, strings.Repeat("noi dung van ban ", 256))},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.SetBytes(int64(len(bc.data)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := pdfread.Inspect(bc.data, pdfread.Limits{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
