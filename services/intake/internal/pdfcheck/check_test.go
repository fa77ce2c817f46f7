package pdfcheck_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/docflow/docflow/api/errcode"
	"github.com/docflow/docflow/services/intake/internal/pdfcheck"
	"github.com/docflow/docflow/services/internal/errs"
)

func readFile(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestCheckAcceptsReadablePDFs(t *testing.T) {
	t.Parallel()
	tests := []struct {
		file  string
		pages int
	}{
		{"one-page.pdf", 1},
		{"three-pages.pdf", 3},
		{"object-streams.pdf", 1}, // PDF 1.5 cross-reference stream, as most producers write today
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			t.Parallel()
			rep, err := pdfcheck.Check(t.Context(), readFile(t, tt.file))
			if err != nil {
				t.Fatalf("Check: %v", err)
			}
			if rep.Pages != tt.pages {
				t.Errorf("pages = %d, want %d", rep.Pages, tt.pages)
			}
			if rep.Version != "1.7" {
				t.Errorf("version = %q, want 1.7", rep.Version)
			}
		})
	}
}

func TestCheckRefusesWithCodeAndReason(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		data    []byte
		code    errcode.Code
		message string // a fragment the submitter must see
	}{
		{"empty", nil, errcode.EmptyFile, "file is empty"},
		{"text file", readFile(t, "plain-text.txt"), errcode.NotPDF, "file is not a PDF: missing %PDF header"},
		{"header after the first kilobyte", append(bytes.Repeat([]byte(" "), 1024), readFile(t, "one-page.pdf")...), errcode.NotPDF, "missing %PDF header"},
		{"data before the header", readFile(t, "junk-before-header.pdf"), errcode.MalformedPDF, "17 bytes of other data come before the %PDF header"},
		{"truncated", readFile(t, "truncated.pdf"), errcode.MalformedPDF, "the file is incomplete"},
		{"no cross-reference table", readFile(t, "no-xref.pdf"), errcode.MalformedPDF, "cross-reference table or trailer is missing or damaged (malformed PDF file: missing final startxref)"},
		{"startxref points nowhere", readFile(t, "bad-startxref.pdf"), errcode.MalformedPDF, "cross-reference table or trailer is missing or damaged (malformed PDF: cross-reference table not found)"},
		{"broken object", readFile(t, "broken-object.pdf"), errcode.MalformedPDF, "its structure is damaged"},
		{"page tree missing", readFile(t, "missing-pages.pdf"), errcode.MalformedPDF, "its structure is damaged"},
		{"encrypted, opens without password", readFile(t, "encrypted-no-password.pdf"), errcode.MalformedPDF, "encrypted PDFs are not accepted"},
		{"encrypted with a password", readFile(t, "encrypted-password.pdf"), errcode.MalformedPDF, "encrypted PDFs are not accepted"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := pdfcheck.Check(t.Context(), tt.data)
			assertRefused(t, err, tt.code, tt.message)
		})
	}
}

func TestCheckSize(t *testing.T) {
	t.Parallel()
	const limit = 50 << 20
	tests := []struct {
		name    string
		size    int64
		code    errcode.Code // empty: accepted
		message string
	}{
		{"empty", 0, errcode.EmptyFile, "file is empty"},
		{"one byte", 1, "", ""},
		{"at the limit", limit, "", ""},
		{"one byte over", limit + 1, errcode.FileTooLarge, "file is too large: 50 MiB, the limit is 50 MiB"},
		{"far over", 120 << 20, errcode.FileTooLarge, "file is too large: 120 MiB, the limit is 50 MiB"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := pdfcheck.CheckSize(tt.size, limit)
			if tt.code == "" {
				if err != nil {
					t.Fatalf("CheckSize(%d) = %v, want accepted", tt.size, err)
				}
				return
			}
			assertRefused(t, err, tt.code, tt.message)
		})
	}
}

func assertRefused(t *testing.T, err error, code errcode.Code, fragment string) {
	t.Helper()
	if err == nil {
		t.Fatalf("accepted, want refusal %s", code)
	}
	var e *errs.Error
	if !errors.As(err, &e) {
		t.Fatalf("error %v is not an *errs.Error", err)
	}
	if e.Code != code || e.Kind != errs.Invalid {
		t.Errorf("code, kind = %s, %s; want %s, invalid (%v)", e.Code, e.Kind, code, err)
	}
	if !strings.Contains(e.Message, fragment) {
		t.Errorf("message %q does not contain %q", e.Message, fragment)
	}
}
