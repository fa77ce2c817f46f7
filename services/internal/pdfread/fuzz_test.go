package pdfread_test

import (
	"errors"
	"runtime"
	"slices"
	"testing"
	"time"

	"github.com/docflow/docflow/services/internal/pdfread"
	"github.com/docflow/docflow/services/internal/pdfread/pdfreadtest"
)

// fuzzTime is far more than any input takes; an input that needs it is a
// hang in the making.
const fuzzTime = 10 * time.Second

// FuzzInspect feeds the hostile corpus, the normal documents and their
// mutations to the reader, both ways it is used: Inspect (intake, the
// signing service) and Open from the last intact revision followed by
// reading every object and the page tree (the verifier). Whatever the
// bytes, it must not panic, must stay within its work budget (give or take
// the one step that crosses it), must allocate within allocBound, and must
// answer with an error that matches one of the package's sentinels. Run
// it with
//
//	make fuzz FUZZ=FuzzInspect
func FuzzInspect(f *testing.F) {
	for _, c := range slices.Concat(pdfreadtest.Hostile(), pdfreadtest.Normal()) {
		f.Add(c.Data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		start := time.Now()
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)

		_, err := pdfread.Inspect(data, pdfread.Limits{})
		assertSentinel(t, err)
		doc, err := pdfread.Open(data, pdfread.Options{LastIntactRevision: true})
		assertSentinel(t, err)
		if err == nil {
			_ = doc.ReadAll()
			_, _ = doc.Final.Pages(nil)
			work, budget := pdfread.Spent(doc)
			// A step is charged before it is refused: one step is at most
			// a scan of the whole file or of one decoded stream.
			if slack := int64(len(data)) + pdfread.DefaultLimits(int64(len(data))).MaxStreamBytes; work > budget+slack {
				t.Fatalf("scanned %d bytes, budget %d", work, budget)
			}
		}

		runtime.ReadMemStats(&after)
		// Inspect and Open each stay within allocBound.
		if got, bound := after.TotalAlloc-before.TotalAlloc, 2*allocBound(len(data)); got > bound {
			t.Fatalf("allocated %d bytes reading %d, more than %d", got, len(data), bound)
		}
		if took := time.Since(start); took > fuzzTime {
			t.Fatalf("took %v on %d bytes", took, len(data))
		}
	})
}

var sentinels = []error{
	pdfread.ErrLimit, pdfread.ErrEmpty, pdfread.ErrNotPDF, pdfread.ErrHeader, pdfread.ErrTruncated,
	pdfread.ErrXref, pdfread.ErrSyntax, pdfread.ErrStream, pdfread.ErrPageTree, pdfread.ErrEncrypted,
}

func assertSentinel(t *testing.T, err error) {
	t.Helper()
	if err == nil {
		return
	}
	for _, s := range sentinels {
		if errors.Is(err, s) {
			assertLimitError(t, err)
			return
		}
	}
	t.Fatalf("error %v matches none of the package's sentinels", err)
}
