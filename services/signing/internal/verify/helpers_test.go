package verify_test

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"testing"

	"go.uber.org/zap/zaptest"

	"github.com/docflow/docflow/services/signing/internal/pades"
	"github.com/docflow/docflow/services/signing/internal/pades/padestest"
	"github.com/docflow/docflow/services/signing/internal/pdftest"
	"github.com/docflow/docflow/services/signing/internal/verify"
)

// env is a development PKI with its trust services (TSA, OCSP, CRL)
// running on a free loopback port.
type env struct{ *pdftest.Trust }

func newEnv(t testing.TB) *env {
	t.Helper()
	return &env{pdftest.NewTrust(t, zaptest.NewLogger(t))}
}

func (e *env) sign(t testing.TB, pdf []byte, username string, level pades.Level) []byte {
	t.Helper()
	signed, _ := padestest.MustSign(t, pdf, padestest.Request(e.Trust, username, level))
	return signed
}

func run(t testing.TB, pdf []byte, opts verify.Options) verify.Report {
	t.Helper()
	rep, err := verify.Verify(t.Context(), bytes.NewReader(pdf), int64(len(pdf)), opts)
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	return rep
}

// codes lists every problem code of the report, document and signatures,
// with its severity.
func codes(rep verify.Report) []string {
	var out []string
	for _, p := range rep.Problems {
		out = append(out, p.Code+"/"+p.Severity)
	}
	for _, s := range rep.Signatures {
		for _, p := range s.Problems {
			out = append(out, p.Code+"/"+p.Severity)
		}
	}
	return out
}

func hasCode(rep verify.Report, code string) bool {
	return slices.Contains(codes(rep), code+"/error")
}

var (
	startxrefRE = regexp.MustCompile(`startxref\s+(\d+)\s+%%EOF\s*$`)
	rootRE      = regexp.MustCompile(`/Root (\d+) 0 R`)
	sizeRE      = regexp.MustCompile(`/Size (\d+)`)
	byteRangeRE = regexp.MustCompile(`/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]`)
)

// trailerInfo reads the newest trailer's /Root and /Size and the last
// startxref of a PDF written with classic trailers, as the tests' files are.
func trailerInfo(t testing.TB, pdf []byte) (root, size, startxref int) {
	t.Helper()
	m := startxrefRE.FindSubmatch(pdf)
	if m == nil {
		t.Fatal("no startxref at the end of the PDF")
	}
	startxref, _ = strconv.Atoi(string(m[1]))
	last := func(re *regexp.Regexp) int {
		all := re.FindAllSubmatch(pdf, -1)
		if all == nil {
			t.Fatalf("no %s in the PDF", re)
		}
		n, _ := strconv.Atoi(string(all[len(all)-1][1]))
		return n
	}
	return last(rootRE), last(sizeRE), startxref
}

// objectText is the body of the newest definition of object num.
func objectText(t testing.TB, pdf []byte, num int) string {
	t.Helper()
	re := regexp.MustCompile(fmt.Sprintf(`(?s)(?:^|\s)%d 0 obj\s*(.*?)\s*endobj`, num))
	all := re.FindAllSubmatch(pdf, -1)
	if all == nil {
		t.Fatalf("object %d not found", num)
	}
	return string(all[len(all)-1][1])
}

// appendUpdate adds an incremental update that (re)defines objects, with a
// classic cross-reference table, as a PDF writer saving changes would.
func appendUpdate(t testing.TB, pdf []byte, objs map[int]string) []byte {
	t.Helper()
	root, size, prev := trailerInfo(t, pdf)
	out := bytes.NewBuffer(slices.Clone(pdf))
	if !bytes.HasSuffix(pdf, []byte("\n")) {
		out.WriteByte('\n')
	}
	nums := make([]int, 0, len(objs))
	for n := range objs {
		nums = append(nums, n)
		size = max(size, n+1)
	}
	slices.Sort(nums)
	offsets := map[int]int{}
	for _, n := range nums {
		offsets[n] = out.Len()
		fmt.Fprintf(out, "%d 0 obj\n%s\nendobj\n", n, objs[n])
	}
	xref := out.Len()
	out.WriteString("xref\n")
	for _, n := range nums {
		fmt.Fprintf(out, "%d 1\n%010d 00000 n \n", n, offsets[n])
	}
	fmt.Fprintf(out, "trailer\n<< /Size %d /Root %d 0 R /Prev %d >>\nstartxref\n%d\n%%%%EOF\n", size, root, prev, xref)
	return out.Bytes()
}

// contents locates the hexadecimal /Contents of the last signature and the
// length of the DER CMS inside it.
func contents(t testing.TB, pdf []byte) (start, end, derLen int) {
	t.Helper()
	all := byteRangeRE.FindAllSubmatch(pdf, -1)
	if all == nil {
		t.Fatal("no /ByteRange")
	}
	m := all[len(all)-1]
	b, _ := strconv.Atoi(string(m[2]))
	c, _ := strconv.Atoi(string(m[3]))
	start, end = b+1, c-1
	der, err := hex.DecodeString(string(pdf[start:min(end, start+16)]))
	if err != nil || len(der) < 4 || der[0] != 0x30 {
		t.Fatalf("/Contents does not start with a DER SEQUENCE: %x", der)
	}
	// Long-form length: 0x80|n then n bytes.
	n := int(der[1] & 0x7f)
	length := 0
	for i := range n {
		length = length<<8 | int(der[2+i])
	}
	return start, end, 2 + n + length
}

// flipHex replaces the hexadecimal digit at i with another one.
func flipHex(pdf []byte, i int) []byte {
	out := slices.Clone(pdf)
	if out[i] == '0' {
		out[i] = '1'
	} else {
		out[i] = '0'
	}
	return out
}
