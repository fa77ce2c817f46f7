package pdftest

import (
	"fmt"
	"testing"

	"github.com/docflow/docflow/services/internal/testkit"
)

// Run is text at a place on a line (testkit's Vietnamese PDF builder, which
// the end-to-end tests use too).
type Run = testkit.TextRun

// Line is one baseline of a page, with its runs.
type Line = testkit.Line

// Lines writes an A4 PDF of Vietnamese lines (testkit.VietnamesePDF).
func Lines(t testing.TB, pages ...[]Line) []byte {
	t.Helper()
	return testkit.VietnamesePDF(t, pages...)
}

// PDFToText is poppler's pdftotext of the pages first to last of pdf, in
// its layout mode: the text of each line of the page on one line.
func PDFToText(t testing.TB, pdf []byte, first, last int) string {
	t.Helper()
	dir := t.TempDir()
	file := WriteFile(t, dir, "doc.pdf", pdf)
	return Tool(t, dir, "pdftotext", "-f", fmt.Sprint(first), "-l", fmt.Sprint(last), "-layout", file, "-")
}
