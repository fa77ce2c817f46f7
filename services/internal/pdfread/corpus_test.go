package pdfread_test

import (
	"errors"
	"runtime"
	"slices"
	"testing"

	"github.com/docflow/docflow/services/internal/pdfread"
	"github.com/docflow/docflow/services/internal/pdfread/pdfreadtest"
)

// allocBound is what reading a file of size bytes may allocate, in total
// (garbage included): the reader's fixed costs plus a small multiple of the
// file. The decompression and work budgets are the terms that grow with
// the file; a reader that sizes tables by what a file claims allocates
// gigabytes on the same corpus.
func allocBound(size int) uint64 { return 24<<20 + 32*uint64(size) } //nolint:gosec // G115: a length is not negative

// allocated runs read and returns the bytes the process allocated
// meanwhile. The count is process-wide: callers do not run in parallel.
func allocated(read func()) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	read()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// TestInspectCorpus reads every file of the corpus the way intake and the
// signing service do (Inspect) and the way the verifier does (Open from the
// last intact revision): each answers its own error, or is accepted where
// its lie costs nothing, and allocates within allocBound. Not parallel:
// the allocation count is the whole process's.
func TestInspectCorpus(t *testing.T) {
	for _, c := range slices.Concat(pdfreadtest.Hostile(), pdfreadtest.Normal()) {
		t.Run(c.Name, func(t *testing.T) {
			var err error
			inspect := allocated(func() { _, err = pdfread.Inspect(c.Data, pdfread.Limits{}) })
			t.Logf("%s (%d bytes): %d KiB allocated; %v", c.What, len(c.Data), inspect>>10, err)
			switch {
			case c.Want == nil && err != nil:
				t.Errorf("Inspect: %v, want accepted", err)
			case c.Want != nil && !errors.Is(err, c.Want):
				t.Errorf("Inspect: %v, want %v", err, c.Want)
			}
			assertLimitError(t, err)
			if bound := allocBound(len(c.Data)); inspect > bound {
				t.Errorf("Inspect allocated %d bytes, more than %d", inspect, bound)
			}

			open := allocated(func() {
				var doc *pdfread.Document
				if doc, err = pdfread.Open(c.Data, pdfread.Options{LastIntactRevision: true}); err == nil {
					err = doc.ReadAll()
				}
			})
			t.Logf("from the last intact revision: %d KiB allocated; %v", open>>10, err)
			if bound := allocBound(len(c.Data)); open > bound {
				t.Errorf("Open and ReadAll allocated %d bytes, more than %d", open, bound)
			}
		})
	}
}

// assertLimitError checks that a limit error names its limit and says why.
func assertLimitError(t *testing.T, err error) {
	t.Helper()
	var le *pdfread.LimitError
	if !errors.As(err, &le) {
		if errors.Is(err, pdfread.ErrLimit) {
			t.Errorf("%v matches ErrLimit without being a *LimitError", err)
		}
		return
	}
	if !errors.Is(err, pdfread.ErrLimit) || !errors.Is(err, le.Kind) || le.Name() == "unknown" || le.Got <= le.Max {
		t.Errorf("limit error %#v: want ErrLimit, its kind, a name and a claim over the limit", le)
	}
}

func TestInspectNormal(t *testing.T) {
	t.Parallel()
	pages := map[string]int{"three-pages.pdf": 3}
	for _, c := range pdfreadtest.Normal() {
		t.Run(c.Name, func(t *testing.T) {
			t.Parallel()
			sum, err := pdfread.Inspect(c.Data, pdfread.Limits{})
			if err != nil {
				t.Fatalf("Inspect: %v", err)
			}
			want := max(pages[c.Name], 1)
			if sum.Pages != want || sum.Version != "1.7" {
				t.Errorf("summary %+v, want %d pages of PDF 1.7", sum, want)
			}
		})
	}
}
