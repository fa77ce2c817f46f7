package pdfcheck_test

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/docflow/docflow/api/errcode"
	"github.com/docflow/docflow/services/intake/internal/pdfcheck"
	"github.com/docflow/docflow/services/internal/errs"
	"github.com/docflow/docflow/services/internal/pdfread/pdfreadtest"
)

// FuzzCheck feeds mutations of the sample files and of the hostile corpus
// to Check: whatever the bytes, it must answer with a report or one of the
// refusals a submitter can understand, never panic, and allocate within
// checkAllocBound, the signing library's reader included: it only sees
// what the shared reader's limits let through. Run it with
//
//	go test -fuzz FuzzCheck ./services/intake/internal/pdfcheck
func FuzzCheck(f *testing.F) {
	seeds, err := filepath.Glob(filepath.Join("testdata", "*.*"))
	if err != nil {
		f.Fatal(err)
	}
	for _, name := range seeds {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	for _, c := range pdfreadtest.Hostile() {
		f.Add(c.Data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		rep, err := pdfcheck.Check(t.Context(), data)
		runtime.ReadMemStats(&after)
		// Without a collection before, the count may include a little of
		// what the fuzzer itself allocated meanwhile.
		if got, bound := after.TotalAlloc-before.TotalAlloc, 2*checkAllocBound(len(data)); got > bound {
			t.Fatalf("Check allocated %d bytes on %d, more than %d", got, len(data), bound)
		}
		if err == nil {
			if rep.Pages < 1 {
				t.Fatalf("accepted a PDF with %d pages", rep.Pages)
			}
			return
		}
		var e *errs.Error
		if !errors.As(err, &e) {
			t.Fatalf("refusal %v is not an *errs.Error", err)
		}
		switch e.Code {
		case errcode.EmptyFile, errcode.NotPDF, errcode.MalformedPDF:
		default:
			t.Fatalf("refusal with code %s: %v", e.Code, err)
		}
		if e.Message == "" {
			t.Fatal("refusal without a message")
		}
	})
}
