// Package pdftest is the signing service's test kit: it makes small,
// well-formed PDFs, stores and reads them as the service's documents, makes
// the development PKI with its trust services, and runs the independent
// tools (poppler's pdfsig, qpdf, openssl, NSS, pdfcpu) that judge the signed
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
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/docflow/docflow/services/internal/servers"
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
	return QPDF(t, pdf, "--object-streams=generate")
}

// QPDF is pdf as qpdf writes it again with options (qpdf options... in out).
func QPDF(t testing.TB, pdf []byte, options ...string) []byte {
	t.Helper()
	dir := t.TempDir()
	in, out := WriteFile(t, dir, "in.pdf", pdf), filepath.Join(dir, "out.pdf")
	Tool(t, dir, "qpdf", append(options, in, out)...)
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
	file := WriteFile(t, dir, "signed.pdf", pdf)
	// -no-ocsp is only given without certificate validation: poppler 22
	// reports every certificate as "Unknown issue" when it is combined with
	// an NSS database. The development certificates name no OCSP responder,
	// so nothing is fetched either way.
	args := []string{"-nocert", "-no-ocsp"}
	if nssDir != "" {
		args = []string{"-nssdir", "sql:" + nssDir}
	}
	out := Tool(t, dir, "pdfsig", append(args, file)...)
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
	file := WriteFile(t, dir, "signed.pdf", pdf)
	Tool(t, dir, "pdfsig", "-nocert", "-no-ocsp", "-dump", file)
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
	file := WriteFile(t, dir, "sig.der", cms)
	return Tool(t, dir, "openssl", "cms", "-cmsout", "-print", "-inform", "DER", "-in", file)
}

// QPDFCheck fails the test unless qpdf --check finds pdf sound.
func QPDFCheck(t testing.TB, pdf []byte) {
	t.Helper()
	dir := t.TempDir()
	file := WriteFile(t, dir, "check.pdf", pdf)
	out := Tool(t, dir, "qpdf", "--check", file)
	if !strings.Contains(out, "No syntax or stream encoding errors found") {
		t.Fatalf("qpdf --check reports problems:\n%s", out)
	}
}

// NSSTrusting creates an NSS database in which rootPEM is a trusted CA for
// e-mail and document signing, for PDFSig.
func NSSTrusting(t testing.TB, rootFile string) string {
	t.Helper()
	dir := t.TempDir()
	Tool(t, dir, "certutil", "-N", "-d", "sql:"+dir, "--empty-password")
	Tool(t, dir, "certutil", "-A", "-d", "sql:"+dir, "-n", "docflow-dev-root", "-t", "C,C,C", "-i", rootFile)
	return dir
}

// NSSSigner is an NSS database holding a signing key, for pdfsig
// -add-signature: poppler signs as NSS-based applications do.
type NSSSigner struct {
	// Dir is the database (pdfsig -nssdir sql:Dir); Nick names the key's
	// certificate (-nick).
	Dir, Nick string
}

// NSSWithSigner makes an NSS database that trusts rootFile and holds the
// key and certificate of the PKCS#12 file p12 (password p12Password).
func NSSWithSigner(t testing.TB, rootFile, p12, p12Password string) NSSSigner {
	t.Helper()
	dir := NSSTrusting(t, rootFile)
	Tool(t, dir, "pk12util", "-i", p12, "-d", "sql:"+dir, "-W", p12Password)
	// pk12util names the certificate after its subject; pdfsig lists it.
	var nick string
	for line := range strings.Lines(Tool(t, dir, "pdfsig", "-nssdir", "sql:"+dir, "-list-nicks")) {
		if line = strings.TrimSpace(line); line != "" && !strings.HasPrefix(line, "Certificate nicknames") && line != "docflow-dev-root" {
			nick = line
		}
	}
	if nick == "" {
		t.Fatal("pdfsig lists no signing certificate in the NSS database")
	}
	return NSSSigner{Dir: dir, Nick: nick}
}

// PDFCPU is the pdfcpu binary `make tools` builds into <bin>/tools, bin
// being DOCFLOW_BIN_DIR or else the repository's bin; the repository's is
// also looked at when DOCFLOW_BIN_DIR points elsewhere (a worktree's tests
// run against a shared bin dir that may predate pdfcpu). A missing binary
// fails the test.
func PDFCPU(t testing.TB) string {
	t.Helper()
	var tried []string
	for _, dir := range []func() (string, error){servers.BinDir, repoBin} {
		bin, err := dir()
		if err != nil {
			tried = append(tried, err.Error())
			continue
		}
		file := filepath.Join(bin, "tools", "pdfcpu")
		if _, err := os.Stat(file); err == nil {
			return file
		}
		if !slices.Contains(tried, file) {
			tried = append(tried, file)
		}
	}
	t.Fatalf("pdfcpu is not built: run `make tools` (looked for %s)", strings.Join(tried, ", "))
	return ""
}

func repoBin() (string, error) {
	root, err := servers.RepoRoot()
	if err != nil {
		return "", err
	}
	return filepath.Join(root, "bin"), nil
}

// Render draws page (from 1) of pdf with poppler's pdftoppm at 72 dpi, a
// pixel a point.
func Render(t testing.TB, pdf []byte, page int) image.Image {
	t.Helper()
	dir := t.TempDir()
	file := WriteFile(t, dir, "doc.pdf", pdf)
	p := strconv.Itoa(page)
	Tool(t, dir, "pdftoppm", "-r", "72", "-png", "-singlefile", "-f", p, "-l", p, file, filepath.Join(dir, "page"))
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

// WriteFile writes data to name in dir (the test's own) and returns its path.
func WriteFile(t testing.TB, dir, name string, data []byte) string {
	t.Helper()
	file := filepath.Join(dir, name)
	if err := os.WriteFile(file, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return file
}

// Tool runs a checking tool in dir and fails the test when it fails,
// showing what it printed; it returns that output.
func Tool(t testing.TB, dir, name string, args ...string) string {
	t.Helper()
	out, err := ToolResult(t, dir, name, args...)
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return out
}

// ToolResult runs a checking tool in dir and returns its output and how it
// ended; a tool that is not installed fails the test.
func ToolResult(t testing.TB, dir, name string, args ...string) (string, error) {
	t.Helper()
	if _, err := exec.LookPath(name); err != nil {
		t.Fatalf("%s is not installed (make test installs it; pdfcpu comes from `make tools`): %v", name, err)
	}
	cmd := exec.CommandContext(t.Context(), name, args...) //nolint:gosec // G204: the checking tools the tests name, with the tests' own files
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// Tamper is a copy of pdf with the first byte of the first occurrence of
// text replaced, as a forger changing a word of the page would; text must
// be in pdf.
func Tamper(t testing.TB, pdf []byte, text string) []byte {
	t.Helper()
	i := bytes.Index(pdf, []byte(text))
	if i < 0 {
		t.Fatalf("%q is not in the PDF", text)
	}
	out := bytes.Clone(pdf)
	out[i] = 'X'
	return out
}
