package verify_test

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/docflow/docflow/services/signing/internal/pades"
	"github.com/docflow/docflow/services/signing/internal/pdftest"
	"github.com/docflow/docflow/services/signing/internal/verify"
)

// BenchmarkVerify verifies a signed PDF of about 1 MB (128 pages of 8 KB of
// text each), the size of a typical scanned-free official document with
// annexes.
func BenchmarkVerify(b *testing.B) {
	e := newEnv(b)
	pages := make([]string, 128)
	for i := range pages {
		pages[i] = fmt.Sprintf("Trang %d ", i+1) + strings.Repeat("noi dung van ban ", 8<<10/17)
	}
	signed := e.sign(b, pdftest.Document(b, pages...), "lanhdao", pades.LevelBB)
	if len(signed) < 1<<20 {
		b.Fatalf("signed PDF is %d bytes, want about 1 MB", len(signed))
	}
	opts := verify.Options{Roots: e.Roots()}
	if rep := run(b, signed, opts); !rep.Valid {
		b.Fatalf("benchmark document is not valid: %v", codes(rep))
	}
	b.SetBytes(int64(len(signed)))
	b.ReportAllocs()
	for b.Loop() {
		rep, err := verify.Verify(b.Context(), bytes.NewReader(signed), int64(len(signed)), opts)
		if err != nil || !rep.Valid {
			b.Fatalf("Verify: %v, valid %v", err, rep.Valid)
		}
	}
}
