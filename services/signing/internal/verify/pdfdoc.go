package verify

import (
	"bytes"
	"compress/zlib"
	"errors"
	"fmt"
	"io"
)

// Limits that keep a crafted document from costing more than a real one.
const (
	maxSections      = 4096     // cross-reference sections followed through /Prev
	maxXrefEntries   = 1 << 21  // entries of one cross-reference section
	maxObjectNumber  = 1 << 23  // PDF's own implementation limit is 8,388,607
	maxDecodedTotal  = 64 << 20 // bytes decompressed while verifying one document
	maxStartxrefTrys = 16       // end-of-file markers tried from the end
	// Parsing objects costs at most this many bytes scanned per byte of
	// file (plus a fixed allowance): a real document parses each object
	// once, a crafted one could make every object span the rest of the file.
	parseBudgetPerByte = 8
	parseBudgetFixed   = 32 << 20
	// maxWork bounds the cross-reference entries compared while judging
	// later revisions, over all signatures of a document.
	maxWork = 1 << 24
)

var errTooComplex = errors.New("the document is too complex to verify within the verifier's limits")

// xrefEntry locates an object: in the file (kind 1, at Off) or inside an
// object stream (kind 2, object stream Stm, index Idx). Kind 0 is free.
type xrefEntry struct {
	Kind int
	Off  int64
	Stm  int64
	Idx  int64
}

// section is one cross-reference section (table or stream) with its trailer:
// one revision of the file.
type section struct {
	Off     int64 // where the section starts
	Trailer pdfDict
	Entries map[int64]xrefEntry
	// End is the offset just after the %%EOF marker closing this revision
	// (and its end-of-line); EndNoEOL the offset just after "%%EOF".
	End, EndNoEOL int64
}

// document is a parsed PDF: its bytes, its revisions and caches.
type document struct {
	data     []byte
	sections []*section // newest first, as the /Prev chain is followed
	final    *view
	// tail holds what follows the end of the newest revision.
	tail []byte

	objs    map[int64]any        // parsed objects by file offset
	objErrs map[int64]error      // parse failures by file offset
	objStms map[int64]*objStream // decoded object streams by file offset
	inStms  map[[2]int64]any     // objects parsed from object streams, by stream offset and number
	decoded int64                // decompressed bytes so far
	parsed  int64                // bytes scanned parsing objects so far
	work    int64                // cross-reference entries compared so far
}

// overBudget reports whether parsing has used up the document's budget.
func (d *document) overBudget() bool {
	return d.parsed > parseBudgetFixed+parseBudgetPerByte*int64(len(d.data))
}

// charge counts n bytes of parsing against the budget.
func (d *document) charge(n int) error {
	d.parsed += int64(n)
	if d.overBudget() {
		return errTooComplex
	}
	return nil
}

// view is the document as it stood at the end of one revision: the
// cross-reference entries of that revision and every earlier one.
type view struct {
	doc     *document
	end     int64
	trailer pdfDict
	xref    map[int64]xrefEntry
}

type objStream struct {
	data    []byte
	offsets map[int64]int // object number -> offset in data
	order   []int64       // object numbers by index
	err     error
}

// docError is a reason the document as a whole cannot be verified.
type docError struct {
	code Code
	msg  string
	err  error
}

func (e *docError) Error() string {
	if e.err != nil {
		return e.msg + ": " + e.err.Error()
	}
	return e.msg
}

func (e *docError) Unwrap() error { return e.err }

func malformed(msg string, err error) *docError {
	return &docError{code: CodeMalformedPDF, msg: msg, err: err}
}

// openDocument parses the structure of data: header, revisions and
// cross-reference sections. Objects are parsed lazily.
func openDocument(data []byte) (*document, *docError) {
	if len(data) == 0 {
		return nil, &docError{code: CodeEmptyFile, msg: "the file is empty"}
	}
	head := data[:min(len(data), 1024)]
	if !bytes.Contains(head, []byte("%PDF-")) {
		return nil, &docError{code: CodeNotPDF, msg: "the file is not a PDF: missing %PDF header"}
	}
	d := &document{
		data:    data,
		objs:    map[int64]any{},
		objErrs: map[int64]error{},
		objStms: map[int64]*objStream{},
		inStms:  map[[2]int64]any{},
	}

	// Try the end-of-file markers from the last one back: bytes appended
	// after a complete revision must not hide that revision.
	limit := len(data)
	var firstErr error
	for try := 0; try < maxStartxrefTrys; try++ {
		eof := bytes.LastIndex(data[:limit], []byte("%%EOF"))
		if eof < 0 {
			break
		}
		limit = eof
		sx := bytes.LastIndex(data[:eof], []byte("startxref"))
		if sx < 0 {
			continue
		}
		lx := lexer{b: data, pos: sx + len("startxref")}
		off, ok := lx.unsigned()
		if !ok {
			continue
		}
		sections, err := d.loadSections(off)
		if err != nil {
			if firstErr == nil {
				firstErr = err
			}
			continue
		}
		d.sections = sections
		newest := sections[0]
		d.tail = data[newest.End:]
		d.final = d.viewAt(newest.End)
		return d, nil
	}
	if !bytes.Contains(data, []byte("%%EOF")) {
		return nil, &docError{code: CodeTruncated,
			msg: "the file has no end-of-file marker (%%EOF): it was cut short, e.g. by an interrupted download or copy"}
	}
	if firstErr == nil {
		firstErr = errors.New("no startxref before the end-of-file marker")
	}
	return nil, malformed("the cross-reference table cannot be read", firstErr)
}

// loadSections follows the /Prev chain from the section at off.
func (d *document) loadSections(off int64) ([]*section, error) {
	var out []*section
	seen := map[int64]bool{}
	total := 0
	for {
		if len(out) >= maxSections {
			return nil, fmt.Errorf("more than %d cross-reference sections", maxSections)
		}
		if seen[off] {
			return nil, fmt.Errorf("cross-reference sections form a loop at byte %d", off)
		}
		seen[off] = true
		s, err := d.readSection(off)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
		if total += len(s.Entries); total > maxXrefEntries*2 {
			return nil, fmt.Errorf("cross-reference sections list more than %d entries", maxXrefEntries*2)
		}
		prev, ok := asInt(s.Trailer["Prev"])
		if !ok {
			return out, nil
		}
		off = prev
	}
}

func (d *document) readSection(off int64) (*section, error) {
	if off < 0 || off >= int64(len(d.data)) {
		return nil, fmt.Errorf("cross-reference offset %d is outside the file (%d bytes)", off, len(d.data))
	}
	l := lexer{b: d.data, pos: int(off)}
	s := &section{Off: off, Entries: map[int64]xrefEntry{}}
	if l.expectKeyword("xref") {
		if err := readXrefTable(&l, s); err != nil {
			return nil, err
		}
		// A hybrid file also lists compressed objects in a stream.
		if stm, ok := asInt(s.Trailer["XRefStm"]); ok {
			extra := &section{Entries: map[int64]xrefEntry{}}
			if _, err := d.readXrefStream(stm, extra); err != nil {
				return nil, fmt.Errorf("cross-reference stream of a hybrid file: %w", err)
			}
			for n, e := range extra.Entries {
				if _, dup := s.Entries[n]; !dup {
					s.Entries[n] = e
				}
			}
		}
	} else {
		end, err := d.readXrefStream(off, s)
		if err != nil {
			return nil, err
		}
		l.pos = end
	}
	// The revision ends at the %%EOF following its startxref.
	rest := d.data[l.pos:]
	sx := bytes.Index(rest, []byte("startxref"))
	if sx < 0 {
		return nil, fmt.Errorf("no startxref after the cross-reference section at byte %d", off)
	}
	eof := bytes.Index(rest[sx:], []byte("%%EOF"))
	if eof < 0 {
		return nil, fmt.Errorf("no %%%%EOF after the cross-reference section at byte %d", off)
	}
	end := l.pos + sx + eof + len("%%EOF")
	s.EndNoEOL = int64(end)
	if end < len(d.data) && d.data[end] == '\r' {
		end++
	}
	if end < len(d.data) && d.data[end] == '\n' {
		end++
	}
	s.End = int64(end)
	return s, nil
}

func readXrefTable(l *lexer, s *section) error {
	for {
		l.skipSpace()
		if l.expectKeyword("trailer") {
			break
		}
		first, ok1 := l.unsigned()
		count, ok2 := l.unsigned()
		if !ok1 || !ok2 {
			return syntaxErr(l.pos, "malformed cross-reference subsection header")
		}
		if count > maxXrefEntries || first > maxObjectNumber || count > int64(len(l.b)-l.pos)/18+1 {
			return syntaxErr(l.pos, "cross-reference subsection of %d entries is larger than the file allows", count)
		}
		for i := range count {
			off, ok1 := l.unsigned()
			gen, ok2 := l.unsigned()
			l.skipSpace()
			kw := l.keyword()
			if !ok1 || !ok2 || len(kw) != 1 || (kw[0] != 'n' && kw[0] != 'f') {
				return syntaxErr(l.pos, "malformed cross-reference entry")
			}
			num := first + i
			if _, dup := s.Entries[num]; dup {
				continue // the first entry for a number wins
			}
			if kw[0] == 'n' {
				s.Entries[num] = xrefEntry{Kind: 1, Off: off, Idx: gen}
			} else {
				s.Entries[num] = xrefEntry{Kind: 0}
			}
		}
	}
	v, err := l.object(0)
	if err != nil {
		return err
	}
	t, ok := v.(pdfDict)
	if !ok {
		return syntaxErr(l.pos, "trailer is not a dictionary")
	}
	s.Trailer = t
	return nil
}

// readXrefStream reads the cross-reference stream object at off into s and
// returns the offset after it.
func (d *document) readXrefStream(off int64, s *section) (int, error) {
	if off < 0 || off >= int64(len(d.data)) {
		return 0, fmt.Errorf("cross-reference stream offset %d is outside the file", off)
	}
	l := lexer{b: d.data, pos: int(off)}
	v, err := l.indirect(-1, func(v any) (int64, bool) { return asInt(v) })
	if err != nil {
		return 0, err
	}
	stm, ok := v.(*pdfStream)
	if !ok || asName(stm.Dict["Type"]) != "XRef" {
		return 0, fmt.Errorf("no cross-reference table or stream at byte %d", off)
	}
	if !l.expectKeyword("endobj") {
		return 0, syntaxErr(l.pos, "cross-reference stream without endobj")
	}
	data, err := d.decode(stm)
	if err != nil {
		return 0, fmt.Errorf("cross-reference stream: %w", err)
	}
	var w [3]int
	ws := asArray(stm.Dict["W"])
	if len(ws) != 3 {
		return 0, errors.New("cross-reference stream without a valid /W")
	}
	rowLen := 0
	for i := range w {
		n, ok := asInt(ws[i])
		if !ok || n < 0 || n > 8 {
			return 0, errors.New("cross-reference stream /W has a field wider than 8 bytes")
		}
		w[i] = int(n)
		rowLen += w[i]
	}
	if rowLen == 0 {
		return 0, errors.New("cross-reference stream rows are empty")
	}
	size, _ := asInt(stm.Dict["Size"])
	index := asArray(stm.Dict["Index"])
	if index == nil {
		index = pdfArray{int64(0), size}
	}
	if len(index)%2 != 0 {
		return 0, errors.New("cross-reference stream /Index has an odd number of entries")
	}
	row := 0
	for i := 0; i < len(index); i += 2 {
		first, ok1 := asInt(index[i])
		count, ok2 := asInt(index[i+1])
		if !ok1 || !ok2 || first < 0 || count < 0 || first > maxObjectNumber || count > maxXrefEntries {
			return 0, errors.New("cross-reference stream /Index is out of range")
		}
		for j := range count {
			if (row+1)*rowLen > len(data) {
				return 0, errors.New("cross-reference stream is shorter than its /Index says")
			}
			r := data[row*rowLen : (row+1)*rowLen]
			row++
			typ := int64(1)
			if w[0] > 0 {
				typ = beInt(r[:w[0]])
			}
			f2 := beInt(r[w[0] : w[0]+w[1]])
			f3 := beInt(r[w[0]+w[1]:])
			num := first + j
			if _, dup := s.Entries[num]; dup {
				continue
			}
			switch typ {
			case 0:
				s.Entries[num] = xrefEntry{Kind: 0}
			case 1:
				s.Entries[num] = xrefEntry{Kind: 1, Off: f2, Idx: f3}
			case 2:
				s.Entries[num] = xrefEntry{Kind: 2, Stm: f2, Idx: f3}
			}
		}
	}
	if s.Trailer == nil {
		s.Trailer = stm.Dict
	}
	return l.pos, nil
}

func beInt(b []byte) int64 {
	var n int64
	for _, c := range b {
		n = n<<8 | int64(c)
	}
	// Eight-byte fields can overflow into negative numbers; they are
	// offsets no file has.
	if n < 0 {
		return -1
	}
	return n
}

// viewAt is the document as it stood at the revision ending at end: the
// sections that end there or before, newest first.
func (d *document) viewAt(end int64) *view {
	v := &view{doc: d, end: end, xref: map[int64]xrefEntry{}}
	for _, s := range d.sections {
		if s.EndNoEOL > end {
			continue
		}
		if v.trailer == nil {
			v.trailer = s.Trailer
		}
		for n, e := range s.Entries {
			if _, ok := v.xref[n]; !ok {
				v.xref[n] = e
			}
		}
	}
	return v
}

// revisionEnds are the offsets at which a revision of the file ends.
func (d *document) isRevisionEnd(off int64) bool {
	for _, s := range d.sections {
		if off == s.End || off == s.EndNoEOL {
			return true
		}
	}
	return false
}

// resolve follows references to the object they name.
func (v *view) resolve(o any) any {
	for range 8 {
		r, ok := o.(pdfRef)
		if !ok {
			return o
		}
		o, _ = v.object(r.Num)
	}
	return nil
}

// object returns object num as this view sees it; a free or missing object
// is null, as ISO 32000 says.
func (v *view) object(num int64) (any, error) {
	e, ok := v.xref[num]
	if !ok || e.Kind == 0 {
		return nil, nil
	}
	switch e.Kind {
	case 1:
		return v.doc.objectAt(e.Off, num, v)
	case 2:
		return v.doc.inObjStream(e.Stm, e.Idx, num, v)
	}
	return nil, nil
}

func (d *document) objectAt(off, num int64, v *view) (any, error) {
	if o, ok := d.objs[off]; ok {
		return o, nil
	}
	if err, ok := d.objErrs[off]; ok {
		return nil, err
	}
	if d.overBudget() {
		return nil, errTooComplex
	}
	if off < 0 || off >= int64(len(d.data)) {
		err := fmt.Errorf("object %d is said to be at byte %d, outside the file", num, off)
		d.objErrs[off] = err
		return nil, err
	}
	// Mark the offset while parsing: an indirect /Length that points back
	// to its own stream must not recurse.
	d.objErrs[off] = fmt.Errorf("object %d refers to itself", num)
	l := lexer{b: d.data, pos: int(off)}
	o, err := l.indirect(num, func(x any) (int64, bool) {
		if r, ok := x.(pdfRef); ok {
			x, _ = v.object(r.Num)
		}
		return asInt(x)
	})
	if cerr := d.charge(l.pos - int(off) + l.scanned); cerr != nil && err == nil {
		err = cerr
	}
	if err != nil {
		d.objErrs[off] = err
		return nil, err
	}
	delete(d.objErrs, off)
	d.objs[off] = o
	return o, nil
}

func (d *document) inObjStream(stmNum, idx, num int64, v *view) (any, error) {
	e, ok := v.xref[stmNum]
	if !ok || e.Kind != 1 {
		return nil, fmt.Errorf("object stream %d of object %d is not in the file", stmNum, num)
	}
	os, ok := d.objStms[e.Off]
	if !ok {
		os = &objStream{err: fmt.Errorf("object stream %d contains itself", stmNum)}
		d.objStms[e.Off] = os
		os = d.loadObjStream(e.Off, stmNum, v)
		d.objStms[e.Off] = os
	}
	if os.err != nil {
		return nil, os.err
	}
	pos, ok := os.offsets[num]
	if !ok && idx >= 0 && idx < int64(len(os.order)) {
		pos, ok = os.offsets[os.order[idx]]
	}
	if !ok {
		return nil, fmt.Errorf("object %d is not in object stream %d", num, stmNum)
	}
	key := [2]int64{e.Off, num}
	if o, ok := d.inStms[key]; ok {
		return o, nil
	}
	if d.overBudget() {
		return nil, errTooComplex
	}
	l := lexer{b: os.data, pos: pos}
	o, err := l.object(0)
	if cerr := d.charge(l.pos - pos); cerr != nil && err == nil {
		err = cerr
	}
	if err != nil {
		return nil, fmt.Errorf("object %d in object stream %d: %w", num, stmNum, err)
	}
	if _, isRef := o.(pdfRef); isRef {
		return nil, fmt.Errorf("object %d in object stream %d is a bare reference", num, stmNum)
	}
	d.inStms[key] = o
	return o, nil
}

func (d *document) loadObjStream(off, num int64, v *view) *objStream {
	o, err := d.objectAt(off, num, v)
	if err != nil {
		return &objStream{err: err}
	}
	stm, ok := o.(*pdfStream)
	if !ok || asName(stm.Dict["Type"]) != "ObjStm" {
		return &objStream{err: fmt.Errorf("object %d is not an object stream", num)}
	}
	data, err := d.decode(stm)
	if err != nil {
		return &objStream{err: fmt.Errorf("object stream %d: %w", num, err)}
	}
	n, _ := asInt(stm.Dict["N"])
	first, _ := asInt(stm.Dict["First"])
	if n < 0 || n > maxXrefEntries || first < 0 || first > int64(len(data)) {
		return &objStream{err: fmt.Errorf("object stream %d has an invalid /N or /First", num)}
	}
	os := &objStream{data: data, offsets: map[int64]int{}}
	l := lexer{b: data[:first]}
	for range n {
		objNum, ok1 := l.unsigned()
		rel, ok2 := l.unsigned()
		if !ok1 || !ok2 || rel > int64(len(data))-first {
			return &objStream{err: fmt.Errorf("object stream %d has a malformed header", num)}
		}
		if _, dup := os.offsets[objNum]; !dup {
			os.offsets[objNum] = int(first + rel)
		}
		os.order = append(os.order, objNum)
	}
	return os
}

// decode returns the decoded data of a stream. Only the filters found in
// the structures a verifier reads are supported (FlateDecode with PNG
// predictors), and the output counts against the document's budget.
func (d *document) decode(s *pdfStream) ([]byte, error) {
	filters := s.Dict["Filter"]
	params := s.Dict["DecodeParms"]
	var fl pdfArray
	var pl pdfArray
	switch f := filters.(type) {
	case nil:
		return s.Raw, nil
	case pdfName:
		fl = pdfArray{f}
		pl = pdfArray{params}
	case pdfArray:
		fl = f
		pl = asArray(params)
	default:
		return nil, errors.New("stream /Filter is neither a name nor an array")
	}
	data := s.Raw
	for i, f := range fl {
		var p pdfDict
		if i < len(pl) {
			p = asDict(pl[i])
		}
		switch asName(f) {
		case "FlateDecode", "Fl":
			out, err := d.inflate(data)
			if err != nil {
				return nil, err
			}
			data, err = unpredict(out, p)
			if err != nil {
				return nil, err
			}
		default:
			return nil, fmt.Errorf("stream filter %q is not supported here", clip(string(asName(f))))
		}
	}
	return data, nil
}

func (d *document) inflate(in []byte) ([]byte, error) {
	zr, err := zlib.NewReader(bytes.NewReader(in))
	if err != nil {
		return nil, fmt.Errorf("FlateDecode: %w", err)
	}
	defer func() { _ = zr.Close() }()
	budget := maxDecodedTotal - d.decoded
	out, err := io.ReadAll(io.LimitReader(zr, budget+1))
	d.decoded += int64(len(out))
	if int64(len(out)) > budget {
		return nil, fmt.Errorf("decompressed streams exceed %d MiB", maxDecodedTotal>>20)
	}
	// Data cut short before the checksum is common and harmless to read.
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) {
		return nil, fmt.Errorf("FlateDecode: %w", err)
	}
	return out, nil
}

// unpredict reverses a PNG predictor (the only kind cross-reference and
// object streams use).
func unpredict(data []byte, p pdfDict) ([]byte, error) {
	pred, _ := asInt(p["Predictor"])
	if pred <= 1 {
		return data, nil
	}
	if pred < 10 {
		return nil, fmt.Errorf("predictor %d is not supported", pred)
	}
	cols, ok := asInt(p["Columns"])
	if !ok {
		cols = 1
	}
	colors, ok := asInt(p["Colors"])
	if !ok {
		colors = 1
	}
	bpc, ok := asInt(p["BitsPerComponent"])
	if !ok {
		bpc = 8
	}
	if cols < 1 || cols > 1<<20 || colors < 1 || colors > 32 || (bpc != 1 && bpc != 2 && bpc != 4 && bpc != 8 && bpc != 16) {
		return nil, errors.New("invalid predictor parameters")
	}
	bpp := int(max((colors*bpc+7)/8, 1))
	rowLen := int((cols*colors*bpc + 7) / 8)
	stride := rowLen + 1
	out := make([]byte, 0, len(data)/stride*rowLen)
	prev := make([]byte, rowLen)
	for i := 0; i+stride <= len(data); i += stride {
		typ := data[i]
		row := append([]byte(nil), data[i+1:i+stride]...)
		for j := range row {
			var left, upLeft byte
			if j >= bpp {
				left = row[j-bpp]
				upLeft = prev[j-bpp]
			}
			up := prev[j]
			switch typ {
			case 0:
			case 1:
				row[j] += left
			case 2:
				row[j] += up
			case 3:
				row[j] += left/2 + up/2 + left&up&1
			case 4:
				row[j] += paeth(left, up, upLeft)
			default:
				return nil, fmt.Errorf("unknown PNG filter type %d", typ)
			}
		}
		out = append(out, row...)
		prev = row
	}
	return out, nil
}

func paeth(a, b, c byte) byte {
	p := int(a) + int(b) - int(c)
	pa, pb, pc := abs(p-int(a)), abs(p-int(b)), abs(p-int(c))
	switch {
	case pa <= pb && pa <= pc:
		return a
	case pb <= pc:
		return b
	}
	return c
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}
