package pades

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/docflow/docflow/services/signing/internal/pdftest"
)

// The DSS update follows the style of the file's last cross-reference
// section, whichever it is, and qpdf reads the result; the catalog may sit
// in an object stream, as in most files saved by current producers.
func TestAppendDSSKeepsTheCrossReferenceStyle(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		pdf       func(t *testing.T) []byte
		wantStyle *regexp.Regexp
	}{
		{"xref table", func(t *testing.T) []byte { return pdftest.Document(t, "Cong van") }, regexp.MustCompile(`(?s)/DSS \d+ 0 R.*\nxref\n1 1\n\d{10} 00000 n\r\n(\d+ \d+\n(\d{10} 00000 n\r\n)+)+trailer\n<< /Size \d+ /Root 1 0 R /Prev \d+ >>\nstartxref\n\d+\n%%EOF\n$`)},
		{"xref stream, catalog in an object stream", func(t *testing.T) []byte {
			return pdftest.ObjectStreams(t, pdftest.Document(t, "Cong van", "Phu luc"))
		}, regexp.MustCompile(`/Type /XRef /Size \d+ /Index \[[ \d]+\] /W \[1 4 2\] /Length \d+ /Root \d+ 0 R /Prev \d+`)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			src := tt.pdf(t)
			first := validationData{certs: [][]byte{[]byte("cert A")}, ocsps: [][]byte{[]byte("ocsp A")}, crls: [][]byte{[]byte("crl A")}}
			update, err := appendDSS(src, first)
			if err != nil {
				t.Fatal(err)
			}
			if !tt.wantStyle.Match(update) {
				t.Errorf("the update is not in the file's cross-reference style:\n%q", update)
			}
			once := append(append([]byte{}, src...), update...)
			pdftest.QPDFCheck(t, once)
			if got := qpdfShow(t, once, "trailer"); !strings.Contains(got, "/Root") {
				t.Errorf("qpdf trailer: %s", got)
			}
			catalog := qpdfCatalog(t, once)
			for _, want := range []string{"/DSS", "/Pages", "/Extensions", "/ESIC"} {
				if !strings.Contains(catalog, want) {
					t.Errorf("catalog lacks %s: %s", want, catalog)
				}
			}

			// Nothing new: no update at all.
			if again, err := appendDSS(once, first); err != nil || again != nil {
				t.Errorf("appendDSS of data already there = %q, %v; want nothing", again, err)
			}

			// Something new: the DSS keeps what it held and gains the rest.
			second := validationData{certs: [][]byte{[]byte("cert A"), []byte("cert B")}, ocsps: [][]byte{[]byte("ocsp B")}}
			update2, err := appendDSS(once, second)
			if err != nil {
				t.Fatal(err)
			}
			twice := append(append([]byte{}, once...), update2...)
			pdftest.QPDFCheck(t, twice)
			dss := qpdfShow(t, twice, dssRef(t, qpdfCatalog(t, twice)))
			for _, key := range []string{"/Certs", "/OCSPs", "/CRLs"} {
				want := map[string]int{"/Certs": 2, "/OCSPs": 2, "/CRLs": 1}[key]
				if got := countRefs(dss, key); got != want {
					t.Errorf("DSS %s has %d entries, want %d: %s", key, got, want, dss)
				}
			}
		})
	}
}

func TestAppendDSSRefusesWhatItCannotUpdate(t *testing.T) {
	t.Parallel()
	doc := pdftest.Document(t, "Bao cao")
	vd := validationData{certs: [][]byte{[]byte("x")}}
	for name, pdf := range map[string][]byte{
		"no catalog":   bytes.Replace(doc, []byte("/Root 1 0 R"), []byte("/Root 99 0 R"), 1),
		"not a PDF":    []byte("hello"),
		"bogus /Size":  bytes.Replace(doc, []byte("/Size 6"), []byte("/Size -6"), 1),
		"no trailer":   doc[:bytes.LastIndex(doc, []byte("trailer"))],
		"empty":        nil,
		"only header":  []byte("%PDF-1.7\n%%EOF\n"),
		"encrypted":    bytes.Replace(doc, []byte("/Root 1 0 R"), []byte("/Root 1 0 R /Encrypt << /Filter /Standard /V 1 /R 2 /O <00> /U <00> /P -4 >>"), 1),
		"junk catalog": bytes.Replace(doc, []byte("<< /Type /Catalog /Pages 2 0 R >>"), []byte("(not a dictionary)               "), 1),
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			if update, err := appendDSS(pdf, vd); err == nil {
				t.Errorf("appendDSS = %q, want an error", update)
			}
		})
	}
}

var refPattern = regexp.MustCompile(`\d+ \d+ R`)

func countRefs(dict, key string) int {
	i := strings.Index(dict, key)
	if i < 0 {
		return 0
	}
	rest := dict[i+len(key):]
	return len(refPattern.FindAllString(rest[:strings.Index(rest, "]")], -1))
}

func dssRef(t *testing.T, catalog string) string {
	t.Helper()
	m := regexp.MustCompile(`/DSS (\d+) (\d+) R`).FindStringSubmatch(catalog)
	if m == nil {
		t.Fatalf("catalog has no /DSS reference: %s", catalog)
	}
	return m[1] + "," + m[2]
}

func qpdfCatalog(t *testing.T, pdf []byte) string {
	t.Helper()
	m := regexp.MustCompile(`/Root (\d+) (\d+) R`).FindStringSubmatch(qpdfShow(t, pdf, "trailer"))
	if m == nil {
		t.Fatal("trailer names no /Root")
	}
	return qpdfShow(t, pdf, m[1]+","+m[2])
}

func qpdfShow(t *testing.T, pdf []byte, object string) string {
	t.Helper()
	dir := t.TempDir()
	file := filepath.Join(dir, "doc.pdf")
	if err := os.WriteFile(file, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.CommandContext(t.Context(), "qpdf", "--show-object="+object, file).CombinedOutput()
	if err != nil {
		t.Fatalf("qpdf --show-object=%s: %v\n%s", object, err, out)
	}
	return string(out)
}
