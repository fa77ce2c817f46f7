// Package pdftest makes small, well-formed PDFs for tests, and runs the
// independent tools (poppler's pdfsig, qpdf, openssl) that judge the signed
// output. It writes the PDF syntax itself so that tests depend on no PDF
// library other than the one under test.
package pdftest

import (
	"bytes"
	"fmt"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/docflow/docflow/services/internal/testkit"
)

// Document writes a PDF with one page per entry of pages, each showing its
// text, with a classic cross-reference table.
func Document(t testing.TB, pages ...string) []byte {
	t.Helper()
	return testkit.TextPDF(pages...)
}

// ObjectStreams rewrites pdf with compressed object streams and a
// cross-reference stream, as most current PDF producers write them.
func ObjectStreams(t testing.TB, pdf []byte) []byte {
	t.Helper()
	dir := t.TempDir()
	in, out := filepath.Join(dir, "in.pdf"), filepath.Join(dir, "out.pdf")
	if err := os.WriteFile(in, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	run(t, dir, "qpdf", "--object-streams=generate", in, out)
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// Report is what pdfsig says about a signed PDF.
type Report struct {
	Output string
	// Signatures holds one section of the output per signature, in order.
	Signatures []string
}

// PDFSig runs poppler's pdfsig on pdf. With nssDir empty the certificate is
// not validated (only the signature and what it covers); otherwise the NSS
// database in nssDir decides which roots are trusted.
func PDFSig(t testing.TB, pdf []byte, nssDir string) Report {
	t.Helper()
	dir := t.TempDir()
	file := filepath.Join(dir, "signed.pdf")
	if err := os.WriteFile(file, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	// -no-ocsp is only given without certificate validation: poppler 22
	// reports every certificate as "Unknown issue" when it is combined with
	// an NSS database. The development certificates name no OCSP responder,
	// so nothing is fetched either way.
	args := []string{"-nocert", "-no-ocsp"}
	if nssDir != "" {
		args = []string{"-nssdir", "sql:" + nssDir}
	}
	out := run(t, dir, "pdfsig", append(args, file)...)
	r := Report{Output: out}
	parts := strings.Split(out, "\nSignature #")
	r.Signatures = append(r.Signatures, parts[1:]...)
	return r
}

// DumpSignatures returns the CMS (DER) of every signature in pdf, as pdfsig
// extracts them.
func DumpSignatures(t testing.TB, pdf []byte) [][]byte {
	t.Helper()
	dir := t.TempDir()
	file := filepath.Join(dir, "signed.pdf")
	if err := os.WriteFile(file, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	run(t, dir, "pdfsig", "-nocert", "-no-ocsp", "-dump", file)
	var sigs [][]byte
	for i := 0; ; i++ {
		data, err := os.ReadFile(filepath.Join(dir, fmt.Sprintf("signed.pdf.sig%d", i)))
		if os.IsNotExist(err) {
			return sigs
		}
		if err != nil {
			t.Fatal(err)
		}
		sigs = append(sigs, data)
	}
}

// CMSPrint is openssl's structural dump of a DER CMS.
func CMSPrint(t testing.TB, cms []byte) string {
	t.Helper()
	dir := t.TempDir()
	file := filepath.Join(dir, "sig.der")
	if err := os.WriteFile(file, cms, 0o600); err != nil {
		t.Fatal(err)
	}
	return run(t, dir, "openssl", "cms", "-cmsout", "-print", "-inform", "DER", "-in", file)
}

// QPDFCheck fails the test unless qpdf --check finds pdf sound.
func QPDFCheck(t testing.TB, pdf []byte) {
	t.Helper()
	dir := t.TempDir()
	file := filepath.Join(dir, "check.pdf")
	if err := os.WriteFile(file, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	out := run(t, dir, "qpdf", "--check", file)
	if !strings.Contains(out, "No syntax or stream encoding errors found") {
		t.Fatalf("qpdf --check reports problems:\n%s", out)
	}
}

// NSSTrusting creates an NSS database in which rootPEM is a trusted CA for
// e-mail and document signing, for PDFSig.
func NSSTrusting(t testing.TB, rootFile string) string {
	t.Helper()
	dir := t.TempDir()
	run(t, dir, "certutil", "-N", "-d", "sql:"+dir, "--empty-password")
	run(t, dir, "certutil", "-A", "-d", "sql:"+dir, "-n", "docflow-dev-root", "-t", "C,C,C", "-i", rootFile)
	return dir
}

// Render draws page (from 1) of pdf with poppler's pdftoppm at 72 dpi, a
// pixel a point.
func Render(t testing.TB, pdf []byte, page int) image.Image {
	t.Helper()
	dir := t.TempDir()
	file := filepath.Join(dir, "doc.pdf")
	if err := os.WriteFile(file, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	p := strconv.Itoa(page)
	run(t, dir, "pdftoppm", "-r", "72", "-png", "-singlefile", "-f", p, "-l", p, file, filepath.Join(dir, "page"))
	data, err := os.ReadFile(filepath.Join(dir, "page.png"))
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	return img
}

// Box is a rectangle in PDF points from the page's lower-left corner, as
// pades.Rect is (pdftest cannot import pades, whose own tests use it).
type Box struct {
	X, Y, Width, Height float64
}

// Count is how many pixels of a page Render drew inside box match, given
// 8-bit red, green and blue.
func Count(img image.Image, box Box, match func(r, g, b uint32) bool) int {
	h := img.Bounds().Dy()
	rect := image.Rect(int(box.X), h-int(box.Y+box.Height), int(box.X+box.Width), h-int(box.Y)).Intersect(img.Bounds())
	n := 0
	for y := rect.Min.Y; y < rect.Max.Y; y++ {
		for x := rect.Min.X; x < rect.Max.X; x++ {
			r, g, b, _ := img.At(x, y).RGBA()
			if match(r>>8, g>>8, b>>8) {
				n++
			}
		}
	}
	return n
}

func run(t testing.TB, dir, name string, args ...string) string {
	t.Helper()
	cmd := exec.CommandContext(t.Context(), name, args...) //nolint:gosec // G204: the checking tools the tests name, with the tests' own files
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return string(out)
}
