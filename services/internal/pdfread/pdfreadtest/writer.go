package pdfreadtest

import (
	"bytes"
	"cmp"
	"compress/flate"
	"compress/zlib"
	"encoding/binary"
	"fmt"
	"slices"
	"strings"
)

// file writes PDF syntax byte for byte and remembers where each object
// starts, so that every lie a case tells is the only one in the file.
type file struct {
	b    bytes.Buffer
	offs map[int]int
}

func newFile() *file {
	f := &file{offs: map[int]int{}}
	f.b.WriteString("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
	return f
}

func (f *file) len() int { return f.b.Len() }

func (f *file) raw(format string, args ...any) { fmt.Fprintf(&f.b, format, args...) }

// obj writes "num 0 obj body endobj".
func (f *file) obj(num int, body string) {
	f.offs[num] = f.b.Len()
	fmt.Fprintf(&f.b, "%d 0 obj\n%s\nendobj\n", num, body)
}

// stream writes a stream object whose /Length is the data's, unless dict
// has a /Length of its own.
func (f *file) stream(num int, dict string, data []byte) {
	f.offs[num] = f.b.Len()
	if !strings.Contains(dict, "/Length") {
		dict += fmt.Sprintf(" /Length %d", len(data))
	}
	fmt.Fprintf(&f.b, "%d 0 obj\n<< %s >>\nstream\n", num, dict)
	f.b.Write(data)
	f.b.WriteString("\nendstream\nendobj\n")
}

// table writes a classic cross-reference table of the objects so far (one
// subsection from 0, free entries for gaps) followed by extra subsections
// as written, then the trailer (given /Size unless it has one) and the end
// of the file. It returns where the table starts.
func (f *file) table(extra, trailer string) int {
	at := f.len()
	entries, size := f.entries()
	fmt.Fprintf(&f.b, "xref\n0 %d\n%s%s", size, entries, extra)
	if !strings.Contains(trailer, "/Size") {
		trailer += fmt.Sprintf(" /Size %d", size)
	}
	f.end(at, trailer)
	return at
}

// entries are the table lines of objects 0 to the highest written so far,
// and their count.
func (f *file) entries() (string, int) {
	nums := f.nums()
	size := 1
	if len(nums) > 0 {
		size = nums[len(nums)-1] + 1
	}
	var b strings.Builder
	b.WriteString("0000000000 65535 f \n")
	for n := 1; n < size; n++ {
		if off, ok := f.offs[n]; ok {
			fmt.Fprintf(&b, "%010d 00000 n \n", off)
		} else {
			b.WriteString("0000000000 65535 f \n")
		}
	}
	return b.String(), size
}

// end writes the trailer and the end of the file for a table at at.
func (f *file) end(at int, trailer string) {
	fmt.Fprintf(&f.b, "trailer\n<< %s >>\nstartxref\n%d\n%%%%EOF\n", trailer, at)
}

// xrefStream writes a cross-reference stream as object num listing every
// object so far as in the file, plus inStream (object -> object stream,
// index); dict is added to its dictionary, data replaces its rows when not
// nil. It ends the file.
func (f *file) xrefStream(num int, inStream map[int][2]int, dict string, data []byte) int {
	at := f.b.Len()
	f.offs[num] = at
	nums := f.nums()
	for n := range inStream {
		nums = append(nums, n)
	}
	slices.Sort(nums)
	size := nums[len(nums)-1] + 1
	if data == nil {
		raw := f.xrefRows(size, inStream)
		if strings.Contains(dict, "/Predictor 12") {
			raw = pngUp(raw, xrefRow)
		}
		data = zlibBytes(raw)
		dict = "/Filter /FlateDecode /W [1 4 1] " + dict
	}
	if !strings.Contains(dict, "/Size") {
		dict += fmt.Sprintf(" /Size %d", size)
	}
	fmt.Fprintf(&f.b, "%d 0 obj\n<< /Type /XRef %s /Length %d >>\nstream\n", num, dict, len(data))
	f.b.Write(data)
	fmt.Fprintf(&f.b, "\nendstream\nendobj\nstartxref\n%d\n%%%%EOF\n", at)
	return at
}

// xrefRows are the rows of a cross-reference stream, /W [1 4 1], of
// objects 0 to size-1.
func (f *file) xrefRows(size int, inStream map[int][2]int) []byte {
	var rows bytes.Buffer
	row := func(typ byte, f2, f3 int) {
		rows.Write([]byte{typ, byte(f2 >> 24), byte(f2 >> 16), byte(f2 >> 8), byte(f2), byte(f3)}) //nolint:gosec // G115: the fields of a test file fit their widths
	}
	row(0, 0, 0xff)
	for n := 1; n < size; n++ {
		switch s, ok := inStream[n]; {
		case ok:
			row(2, s[0], s[1])
		case f.offs[n] > 0:
			row(1, f.offs[n], 0)
		default:
			row(0, 0, 0)
		}
	}
	return rows.Bytes()
}

// xrefRow is the length of the rows xrefStream writes: /W [1 4 1].
const xrefRow = 6

// pngUp encodes rows of cols bytes with the PNG Up predictor (filter type
// 2 before each row, each byte less the byte above it).
func pngUp(data []byte, cols int) []byte {
	var out []byte
	prev := make([]byte, cols)
	for i := 0; i+cols <= len(data); i += cols {
		out = append(out, 2)
		for j := range cols {
			out = append(out, data[i+j]-prev[j])
		}
		prev = data[i : i+cols]
	}
	return out
}

func (f *file) nums() []int {
	var nums []int
	for n := range f.offs {
		nums = append(nums, n)
	}
	slices.Sort(nums)
	return nums
}

func (f *file) bytes() []byte { return slices.Clone(f.b.Bytes()) }

// Objects of a one-page document: 1 catalog, 2 page tree, 3 page,
// 4 content, 5 font.
const (
	catalog = "<< /Type /Catalog /Pages 2 0 R >>"
	pages   = "<< /Type /Pages /Kids [3 0 R] /Count 1 >>"
	page    = "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>"
	font    = "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"
	content = "BT /F1 18 Tf 72 720 Td (Quyet dinh - trang 1) Tj ET"
)

// onePage writes the objects of a one-page document, with the catalog,
// page tree and page given where they are not empty.
func (f *file) onePage(cat, tree, pg string) {
	f.obj(1, cmp.Or(cat, catalog))
	f.obj(2, cmp.Or(tree, pages))
	f.obj(3, cmp.Or(pg, page))
	f.stream(4, "", []byte(content))
	f.obj(5, font)
}

// objStm is the data of an object stream holding objs numbered from first.
func objStm(first int, objs ...string) (data []byte, firstOff int) {
	var head, body bytes.Buffer
	for i, o := range objs {
		fmt.Fprintf(&head, "%d %d ", first+i, body.Len())
		body.WriteString(o)
		body.WriteString("\n")
	}
	return append(head.Bytes(), body.Bytes()...), head.Len()
}

func zlibBytes(data []byte) []byte {
	var b bytes.Buffer
	w, _ := zlib.NewWriterLevel(&b, zlib.BestCompression)
	_, _ = w.Write(data)
	_ = w.Close()
	return b.Bytes()
}

// zeroBomb is a zlib stream that inflates to n MiB of zeros, built from one
// compressed MiB repeated: compressing gigabytes to build it would take
// longer than the tests that read it.
func zeroBomb(mib int) []byte {
	var b bytes.Buffer
	w, _ := flate.NewWriter(&b, flate.BestCompression)
	_, _ = w.Write(make([]byte, 1<<20))
	_ = w.Flush()
	first := b.Len()
	_, _ = w.Write(make([]byte, 1<<20))
	_ = w.Flush()
	// After a sync flush every further MiB of zeros compresses to the
	// same bytes, starting on a byte boundary.
	chunk := slices.Clone(b.Bytes()[first:])
	out := []byte{0x78, 0xda}
	out = append(out, b.Bytes()[:first]...)
	for range mib - 1 {
		out = append(out, chunk...)
	}
	out = append(out, 0x03, 0x00) // an empty final block
	// The Adler-32 of n zeros is n mod 65521 in its high half and 1 in
	// its low half.
	return binary.BigEndian.AppendUint32(out, uint32((mib<<20)%65521)<<16|1) //nolint:gosec // G115: below 65521
}
