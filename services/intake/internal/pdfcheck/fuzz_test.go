package pdfcheck_test

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/docflow/docflow/api/errcode"
	"github.com/docflow/docflow/services/intake/internal/pdfcheck"
	"github.com/docflow/docflow/services/internal/errs"
)

// FuzzCheck feeds mutations of the sample files to Check: whatever the
// bytes, it must answer with a report or one of the refusals a submitter
// can understand, and never panic. Run it with
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
	f.Fuzz(func(t *testing.T, data []byte) {
		rep, err := pdfcheck.Check(t.Context(), data)
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
