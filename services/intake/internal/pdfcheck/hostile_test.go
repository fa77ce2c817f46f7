package pdfcheck_test

import (
	"bytes"
	"errors"
	"runtime"
	"testing"

	"github.com/digitorus/pdf"

	"github.com/docflow/docflow/api/errcode"
	"github.com/docflow/docflow/services/intake/internal/pdfcheck"
	"github.com/docflow/docflow/services/internal/errs"
	"github.com/docflow/docflow/services/internal/pdfread"
	"github.com/docflow/docflow/services/internal/pdfread/pdfreadtest"
)

// checkAllocBound is what checking an upload of size bytes may allocate,
// garbage included: the shared reader's bound, plus the signing library's
// reader on the files the shared reader lets through. Before the shared
// reader guarded it, that library alone allocated tens of gigabytes on the
// first file of the corpus.
func checkAllocBound(size int) uint64 { return 32<<20 + 48*uint64(size) } //nolint:gosec // G115: a length is not negative

// TestCheckRefusesHostileUploads checks every file of the hostile corpus
// as an upload: a refusal of kind Invalid with code malformed_pdf and a
// message that says what is wrong and what to do, with the limit's name in
// the details where a limit was exceeded; or acceptance, for a file whose
// lie costs nothing. Each check allocates within checkAllocBound. Not
// parallel: the allocation count is the whole process's.
func TestCheckRefusesHostileUploads(t *testing.T) {
	for _, c := range pdfreadtest.Hostile() {
		t.Run(c.Name, func(t *testing.T) {
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			rep, err := pdfcheck.Check(t.Context(), c.Data)
			runtime.ReadMemStats(&after)
			got := after.TotalAlloc - before.TotalAlloc
			t.Logf("%s (%d bytes): %d KiB allocated; %v", c.What, len(c.Data), got>>10, err)
			if bound := checkAllocBound(len(c.Data)); got > bound {
				t.Errorf("Check allocated %d bytes, more than %d", got, bound)
			}
			if c.Want == nil {
				if err != nil || rep.Pages != 1 {
					t.Fatalf("Check = %+v, %v; want one page accepted", rep, err)
				}
				return
			}
			assertRefused(t, err, errcode.MalformedPDF, "save or scan the document as PDF again and upload it")
			var e *errs.Error
			errors.As(err, &e)
			if !errors.Is(err, c.Want) {
				t.Errorf("refusal %v does not carry %v", err, c.Want)
			}
			var limit *pdfread.LimitError
			if errors.As(err, &limit) && e.Details["limit"] != limit.Name() {
				t.Errorf("details %v, want limit %q", e.Details, limit.Name())
			}
			if e.Details["reason"] == "" {
				t.Errorf("details %v, want the reason", e.Details)
			}
		})
	}
}

func TestCheckAcceptsNormalDocuments(t *testing.T) {
	t.Parallel()
	for _, c := range pdfreadtest.Normal() {
		t.Run(c.Name, func(t *testing.T) {
			t.Parallel()
			if _, err := pdfcheck.Check(t.Context(), c.Data); err != nil {
				t.Fatalf("Check: %v", err)
			}
		})
	}
}

// The signing library's reader refuses files ISO 32000 allows and the
// shared reader accepts; while it does, Check keeps it as a second check.
// When this test fails, the library has caught up: the second check may go.
func TestCheckRefusesWhatTheSigningLibraryCannotOpen(t *testing.T) {
	t.Parallel()
	one := readFile(t, "one-page.pdf")
	tests := []struct {
		name string
		data []byte
	}{
		// Whitespace after the end-of-file marker is common; the library
		// indexes before the start of an empty buffer.
		{"blank lines after %%EOF", append(bytes.Clone(one), bytes.Repeat([]byte("\n"), 300)...)},
		// ISO 32000-1, 7.3.4.2: a backslash before any other character is
		// ignored; the library stops at it.
		{"an escape the standard ignores in the trailer", bytes.Replace(one, []byte("/Size 6"), []byte(`/Size 6 /Note (a\qb)`), 1)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if _, err := pdfread.Inspect(tt.data, pdfread.Limits{}); err != nil {
				t.Fatalf("the shared reader refuses it: %v", err)
			}
			if opensForSigning(tt.data) {
				t.Fatal("the signing library opens it")
			}
			_, err := pdfcheck.Check(t.Context(), tt.data)
			assertRefused(t, err, errcode.MalformedPDF, "malformed PDF: its")
		})
	}
}

// opensForSigning reports whether the signing library's reader opens data
// without an error or a panic.
func opensForSigning(data []byte) (ok bool) {
	defer func() {
		if recover() != nil {
			ok = false
		}
	}()
	_, err := pdf.NewReader(bytes.NewReader(data), int64(len(data)))
	return err == nil
}
