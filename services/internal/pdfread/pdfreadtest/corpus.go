// Package pdfreadtest makes the corpus of hostile PDFs the reader, intake
// and the end-to-end suite are tested with, and a few normal PDFs. Each
// hostile file is a small, otherwise well-formed document that tells one
// lie: an object number in the billions, a stream that inflates to a
// gigabyte, a page tree that loops. The files are written byte by byte, so
// that the lie is exactly the one named.
//
// The corpus is also committed under testdata (see WriteCorpus), for the
// end-to-end suite, which cannot import this package.
package pdfreadtest

import (
	"bytes"
	"fmt"
	"strings"
	"sync"

	"github.com/docflow/docflow/services/internal/pdfread"
)

// Case is one file of the corpus.
type Case struct {
	Name string // file name, e.g. "huge-object-number.pdf"
	What string // the lie it tells
	Data []byte
	// Want is the sentinel pdfread.Inspect's error matches; nil when the
	// file is accepted because its lie costs nothing.
	Want error
}

// Hostile is the corpus of hostile files.
func Hostile() []Case {
	return []Case{
		{"huge-object-number.pdf", "a cross-reference subsection of object 2,147,483,640", hugeObjectNumber(), pdfread.ErrObjectNumber},
		{"huge-xref-subsection.pdf", "a cross-reference subsection of 4,294,967,295 entries", tableWithHeader("0 4294967295"), pdfread.ErrObjectNumber},
		{"xref-subsection-beyond-data.pdf", "a subsection of 60,000 entries followed by six", tableWithHeader("0 60000"), pdfread.ErrXrefSize},
		{"huge-size-trailer.pdf", "a trailer /Size of 2,147,483,647", withTable("/Root 1 0 R /Size 2147483647"), pdfread.ErrObjectNumber},
		{"huge-size-xref-stream.pdf", "a cross-reference stream /Size of 2,147,483,647", withXrefStream("/Root 1 0 R /Size 2147483647 /Index [0 7]", nil), pdfread.ErrObjectNumber},
		{"huge-w.pdf", "cross-reference stream rows 2,147,483,649 bytes wide (/W)", hugeW(), pdfread.ErrXrefSize},
		{"huge-index.pdf", "a cross-reference stream /Index from object 2,147,483,000", withXrefStream("/Root 1 0 R /Size 7 /Index [0 7 2147483000 5]", nil), pdfread.ErrObjectNumber},
		{"huge-predictor-columns.pdf", "a cross-reference stream predictor of 2^40 columns", withXrefStream("/Root 1 0 R /DecodeParms << /Predictor 12 /Columns 1099511627776 >>", nil), pdfread.ErrDecoded},
		{"deep-nesting-object.pdf", "arrays nested 10,000 deep in the catalog", deepObject(), pdfread.ErrNesting},
		{"deep-nesting-trailer.pdf", "dictionaries nested 10,000 deep in the trailer", withTable("/Root 1 0 R /Deep " + strings.Repeat("<< /A ", 10000) + "null" + strings.Repeat(" >>", 10000)), pdfread.ErrNesting},
		{"page-tree-self-loop.pdf", "a page tree node that is its own kid", withPages("<< /Type /Pages /Kids [2 0 R 3 0 R] /Count 1 >>", ""), pdfread.ErrPageTree},
		{"page-tree-loop-up.pdf", "a page tree node whose kid lists the root again", pageTreeLoopUp(), pdfread.ErrPageTree},
		{"page-own-parent.pdf", "a page that is its own /Parent (never followed)", withPages("", strings.Replace(page, "/Parent 2 0 R", "/Parent 3 0 R", 1)), nil},
		{"page-tree-deep.pdf", "a page tree 100 levels deep", deepPageTree(), pdfread.ErrPageTreeSize},
		{"page-count-lie.pdf", "a page tree whose /Count says 2,147,483,647 pages", withPages("<< /Type /Pages /Kids [3 0 R] /Count 2147483647 >>", ""), pdfread.ErrPageTree},
		{"flate-bomb-object-stream.pdf", "an object stream that inflates to 1 GiB through two FlateDecode filters", bombInObjectStream(), pdfread.ErrDecoded},
		{"flate-bomb-xref-stream.pdf", "a cross-reference stream that inflates to 1 GiB", withXrefStream("/Root 1 0 R /Size 6 /Filter [/FlateDecode /FlateDecode] /W [1 4 1]", gigabyte()), pdfread.ErrDecoded},
		{"flate-bomb-content.pdf", "a page content stream that inflates to 1 GiB", withContent("/Filter [/FlateDecode /FlateDecode]", gigabyte()), pdfread.ErrDecoded},
		{"object-streams-total.pdf", "five object streams of 1 MiB each, over the total for a small file", objectStreamsTotal(), pdfread.ErrDecoded},
		{"object-stream-extends-loop.pdf", "two object streams that /Extends each other", objStmCase("/N 1 /First 4 /Extends 7 0 R", "/Extends 6 0 R", "8 0 "), pdfread.ErrObjectStream},
		{"object-stream-huge-n.pdf", "an object stream of 2,147,483,647 objects (/N)", objStmCase("/N 2147483647 /First 4", "", "8 0 "), pdfread.ErrObjectStream},
		{"object-stream-first-beyond.pdf", "an object stream whose first object is beyond its data (/First)", objStmCase("/N 1 /First 1000000", "", "8 0 "), pdfread.ErrObjectStream},
		{"object-stream-huge-number.pdf", "an object stream holding object 2,147,483,647", objStmCase("/N 1 /First 13", "", "2147483647 0 "), pdfread.ErrObjectNumber},
		{"object-stream-nested.pdf", "an object stream said to be inside another object stream", nestedObjStm(), pdfread.ErrXref},
		{"prev-loop-self.pdf", "a cross-reference table whose /Prev is itself", prevLoopSelf(), pdfread.ErrXref},
		{"prev-loop-two.pdf", "two cross-reference tables whose /Prev name each other", prevLoopTwo(), pdfread.ErrXref},
		{"startxref-self.pdf", "a startxref that points at itself", startxrefSelf(), pdfread.ErrXref},
		{"revisions.pdf", "4,100 revisions on the /Prev chain", revisions(4100), pdfread.ErrRevisions},
		{"objects.pdf", "three cross-reference streams of 65,536 entries each", manyObjects(), pdfread.ErrObjects},
		{"length-self-reference.pdf", "a stream whose /Length is a reference to itself", withContent("/Length 4 0 R", []byte(content)), nil},
		{"length-huge.pdf", "a stream whose /Length is 99,999,999,999 bytes", withContent("/Length 99999999999", []byte(content)), nil},
		{"work.pdf", "2,000 objects whose strings each run to the end of the file", unterminatedStrings(2000), pdfread.ErrWork},
	}
}

// Normal is a few well-formed documents of the kinds producers write.
func Normal() []Case {
	return []Case{
		{"one-page.pdf", "a classic cross-reference table", withTable("/Root 1 0 R"), nil},
		{"three-pages.pdf", "three pages", Pages(3, "Cong van so "), nil},
		{"object-streams.pdf", "object streams and a cross-reference stream with a PNG predictor", objectStreams(), nil},
		{"incremental-update.pdf", "a revision appended with /Prev", incrementalUpdate(), nil},
		{"hybrid.pdf", "a hybrid file: a table and a cross-reference stream (/XRefStm)", hybrid(), nil},
	}
}

// Pages is a document of n pages, each showing text and its number, with a
// classic cross-reference table: objects 1 catalog, 2 page tree, 3 font,
// then a page and its content per page.
func Pages(n int, text string) []byte {
	f := newFile()
	kids := make([]string, n)
	for i := range kids {
		kids[i] = fmt.Sprintf("%d 0 R", 4+2*i)
	}
	f.obj(1, catalog)
	f.obj(2, fmt.Sprintf("<< /Type /Pages /Kids [%s] /Count %d >>", strings.Join(kids, " "), n))
	f.obj(3, font)
	for i := range n {
		f.obj(4+2*i, fmt.Sprintf("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 3 0 R >> >> /Contents %d 0 R >>", 5+2*i))
		f.stream(5+2*i, "", fmt.Appendf(nil, "BT /F1 12 Tf 72 770 Td (%s%d) Tj ET", text, i+1))
	}
	f.table("", "/Root 1 0 R")
	return f.bytes()
}

func withTable(trailer string) []byte {
	f := newFile()
	f.onePage("", "", "")
	f.table("", trailer)
	return f.bytes()
}

func withPages(tree, pg string) []byte {
	f := newFile()
	f.onePage("", tree, pg)
	f.table("", "/Root 1 0 R")
	return f.bytes()
}

func withXrefStream(dict string, data []byte) []byte {
	f := newFile()
	f.onePage("", "", "")
	f.xrefStream(6, nil, dict, data)
	return f.bytes()
}

// withContent is the one-page document with its content stream's
// dictionary entries and data given.
func withContent(dict string, data []byte) []byte {
	f := newFile()
	f.obj(1, catalog)
	f.obj(2, pages)
	f.obj(3, page)
	f.stream(4, dict, data)
	f.obj(5, font)
	f.table("", "/Root 1 0 R")
	return f.bytes()
}

func hugeObjectNumber() []byte {
	f := newFile()
	f.onePage("", "", "")
	f.table("2147483640 1\n0000000015 00000 n \n", "/Root 1 0 R")
	return f.bytes()
}

// tableWithHeader writes the objects' entries under a subsection header
// that claims otherwise.
func tableWithHeader(header string) []byte {
	f := newFile()
	f.onePage("", "", "")
	at := f.len()
	entries, size := f.entries()
	f.raw("xref\n%s\n%s", header, entries)
	f.end(at, fmt.Sprintf("/Root 1 0 R /Size %d", size))
	return f.bytes()
}

func hugeW() []byte {
	f := newFile()
	f.onePage("", "", "")
	return withRows(f, "/Root 1 0 R /Size 7 /W [1 2147483647 1]")
}

// withRows ends f with a cross-reference stream of the usual rows under
// dict, which must say /Filter /FlateDecode and /W itself.
func withRows(f *file, dict string) []byte {
	f.xrefStream(6, nil, "/Filter /FlateDecode "+dict, zlibBytes(f.xrefRows(7, nil)))
	return f.bytes()
}

func deepObject() []byte {
	f := newFile()
	f.onePage("<< /Type /Catalog /Pages 2 0 R /Deep "+strings.Repeat("[", 10000)+strings.Repeat("]", 10000)+" >>", "", "")
	f.table("", "/Root 1 0 R")
	return f.bytes()
}

func pageTreeLoopUp() []byte {
	f := newFile()
	f.onePage("", "<< /Type /Pages /Kids [6 0 R] /Count 1 >>", "")
	f.obj(6, "<< /Type /Pages /Parent 2 0 R /Kids [3 0 R 2 0 R] /Count 1 >>")
	f.table("", "/Root 1 0 R")
	return f.bytes()
}

func deepPageTree() []byte {
	const levels = 100
	f := newFile()
	f.onePage("", "<< /Type /Pages /Kids [10 0 R] /Count 1 >>", "")
	for i := range levels {
		kid := fmt.Sprintf("%d 0 R", 11+i)
		if i == levels-1 {
			kid = "3 0 R"
		}
		f.obj(10+i, fmt.Sprintf("<< /Type /Pages /Kids [%s] /Count 1 >>", kid))
	}
	f.table("", "/Root 1 0 R")
	return f.bytes()
}

// gigabyte is a zlib stream of a zlib stream of 1 GiB of zeros: 2.5 KB
// that a reader without a limit inflates to a gigabyte.
var gigabyte = sync.OnceValue(func() []byte { return zlibBytes(zeroBomb(1024)) })

func bombInObjectStream() []byte {
	f := newFile()
	f.onePage("", "", "")
	f.stream(6, "/Type /ObjStm /N 1 /First 4 /Filter [/FlateDecode /FlateDecode]", gigabyte())
	f.xrefStream(9, map[int][2]int{8: {6, 0}}, "/Root 1 0 R", nil)
	return f.bytes()
}

// objectStreamsTotal holds five object streams of one object and a MiB of
// spaces each: every one within the limit for one stream, all together
// over the total for a file this small.
func objectStreamsTotal() []byte {
	f := newFile()
	f.onePage("", "", "")
	in := map[int][2]int{}
	for i := range 5 {
		data, first := objStm(20+i, "null")
		data = append(data, bytes.Repeat([]byte(" "), 1<<20)...)
		f.stream(10+i, fmt.Sprintf("/Type /ObjStm /N 1 /First %d /Filter /FlateDecode", first), zlibBytes(data))
		in[20+i] = [2]int{10 + i, 0}
	}
	f.xrefStream(30, in, "/Root 1 0 R", nil)
	return f.bytes()
}

// objStmCase writes object streams 6 and 7 holding objects 8 and 9: 6
// with the dictionary entries dict6 and data that starts with header, 7
// with what extra7 adds to its dictionary.
func objStmCase(dict6, extra7, header string) []byte {
	f := newFile()
	f.onePage("", "", "")
	data7, first7 := objStm(9, "null")
	f.stream(6, "/Type /ObjStm "+dict6, []byte(header+"null\n"))
	f.stream(7, fmt.Sprintf("/Type /ObjStm /N 1 /First %d %s", first7, extra7), data7)
	f.xrefStream(10, map[int][2]int{8: {6, 0}, 9: {7, 0}}, "/Root 1 0 R", nil)
	return f.bytes()
}

func nestedObjStm() []byte {
	f := newFile()
	f.onePage("", "", "")
	data, first := objStm(6, "<< /Type /ObjStm /N 1 /First 4 >>")
	f.stream(7, fmt.Sprintf("/Type /ObjStm /N 1 /First %d", first), data)
	f.xrefStream(10, map[int][2]int{6: {7, 0}, 8: {6, 0}}, "/Root 1 0 R", nil)
	return f.bytes()
}

func prevLoopSelf() []byte {
	f := newFile()
	f.onePage("", "", "")
	f.table("", fmt.Sprintf("/Root 1 0 R /Prev %d", f.len()))
	return f.bytes()
}

// prevLoopTwo writes a table whose /Prev is patched, once the update after
// it is written, to point at that update's table.
func prevLoopTwo() []byte {
	const placeholder = "/Prev 0000000000"
	f := newFile()
	f.onePage("", "", "")
	first := f.table("", "/Root 1 0 R "+placeholder)
	f.obj(4, "null")
	second := f.table("", fmt.Sprintf("/Root 1 0 R /Prev %d", first))
	out := f.bytes()
	i := bytes.Index(out, []byte(placeholder))
	copy(out[i:], fmt.Sprintf("/Prev %010d", second))
	return out
}

func startxrefSelf() []byte {
	f := newFile()
	f.onePage("", "", "")
	entries, size := f.entries()
	f.raw("xref\n0 %d\n%strailer\n<< /Root 1 0 R /Size %d >>\n", size, entries, size)
	f.raw("startxref\n%d\n%%%%EOF\n", f.len())
	return f.bytes()
}

func revisions(n int) []byte {
	f := newFile()
	f.onePage("", "", "")
	prev := f.table("", "/Root 1 0 R")
	for range n {
		at := f.len()
		f.raw("xref\n0 0\n")
		f.end(at, fmt.Sprintf("/Root 1 0 R /Size 6 /Prev %d", prev))
		prev = at
	}
	return f.bytes()
}

// manyObjects chains three cross-reference streams of 65,536 free entries:
// each within the object numbers of a small file, together over the
// number of objects.
func manyObjects() []byte {
	const entries = 1 << 16
	f := newFile()
	f.onePage("", "", "")
	rows := zlibBytes(make([]byte, entries))
	prev := ""
	for i := range 3 {
		at := f.len()
		f.stream(6+i, fmt.Sprintf("/Type /XRef /Size %d /W [1 0 0] /Filter /FlateDecode /Root 1 0 R %s", entries, prev), rows)
		f.raw("startxref\n%d\n%%%%EOF\n", at)
		prev = fmt.Sprintf("/Prev %d", at)
	}
	return f.bytes()
}

// unterminatedStrings makes every object start a string that only the
// last bytes of the file close, so that parsing each object separately
// scans to the end of the file.
func unterminatedStrings(n int) []byte {
	f := newFile()
	for i := range n {
		f.offs[i+1] = f.len()
		f.raw("%d 0 obj (", i+1)
	}
	f.raw("%s\n", strings.Repeat(")", n))
	f.table("", "/Root 1 0 R")
	return f.bytes()
}

func objectStreams() []byte {
	f := newFile()
	data, first := objStm(1, catalog, pages, page)
	f.stream(6, fmt.Sprintf("/Type /ObjStm /N 3 /First %d /Filter /FlateDecode", first), zlibBytes(data))
	f.stream(4, "/Filter /FlateDecode", zlibBytes([]byte(content)))
	f.obj(5, font)
	f.xrefStream(7, map[int][2]int{1: {6, 0}, 2: {6, 1}, 3: {6, 2}}, "/Root 1 0 R /DecodeParms << /Predictor 12 /Columns 6 >>", nil)
	return f.bytes()
}

func incrementalUpdate() []byte {
	f := newFile()
	f.onePage("", "", "")
	prev := f.table("", "/Root 1 0 R")
	f.offs = map[int]int{}
	f.stream(4, "", []byte("BT /F1 18 Tf 72 720 Td (Quyet dinh - ban sua) Tj ET"))
	at := f.len()
	f.raw("xref\n4 1\n%010d 00000 n \n", f.offs[4])
	f.end(at, fmt.Sprintf("/Root 1 0 R /Size 6 /Prev %d", prev))
	return f.bytes()
}

// hybrid writes the font into an object stream that only the
// cross-reference stream of /XRefStm lists; the table marks it free.
func hybrid() []byte {
	f := newFile()
	f.obj(1, catalog)
	f.obj(2, pages)
	f.obj(3, page)
	f.stream(4, "", []byte(content))
	data, first := objStm(5, font)
	f.stream(6, fmt.Sprintf("/Type /ObjStm /N 1 /First %d /Filter /FlateDecode", first), zlibBytes(data))
	stm := f.len()
	f.offs[7] = stm
	rows := zlibBytes(f.xrefRows(8, map[int][2]int{5: {6, 0}}))
	f.raw("7 0 obj\n<< /Type /XRef /Size 8 /W [1 4 1] /Filter /FlateDecode /Length %d >>\nstream\n", len(rows))
	f.b.Write(rows)
	f.raw("\nendstream\nendobj\n")
	delete(f.offs, 7)
	at := f.len()
	entries, _ := f.entries()
	f.raw("xref\n0 8\n%s%010d 00000 n \n", entries, stm)
	f.end(at, fmt.Sprintf("/Root 1 0 R /Size 8 /XRefStm %d", stm))
	return f.bytes()
}
