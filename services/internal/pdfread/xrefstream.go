package pdfread

import "math"

// maxFieldWidth is the widest field of a cross-reference stream row: eight
// bytes hold any offset of any file.
const maxFieldWidth = 8

// readXrefStream reads the cross-reference stream object at off into s and
// returns the offset after it. Every claim of its dictionary (/Size, /W,
// /Index) is checked against the limits and against the rows the decoded
// data holds before a row is read.
func (d *Document) readXrefStream(off int64, s *Section) (int, error) {
	if off < 0 || off >= int64(len(d.data)) {
		return 0, damaged(ErrXref, "malformed PDF: cross-reference stream offset %d is outside the file", off)
	}
	l := d.lexer(int(off))
	if _, ok := l.unsigned(); !ok {
		return 0, damaged(ErrXref, "malformed PDF: cross-reference table not found")
	}
	l.pos = int(off)
	// The stream's /Length must be direct: nothing can be resolved before
	// the cross-reference data is read.
	v, err := l.indirect(-1, AsInt)
	if cerr := d.charge(l.pos - int(off) + l.scanned); cerr != nil {
		return 0, cerr
	}
	if err != nil {
		return 0, err
	}
	stm, ok := v.(*Stream)
	if !ok || AsName(stm.Dict["Type"]) != "XRef" {
		return 0, damaged(ErrXref, "malformed PDF: cross-reference table not found at byte %d (an object that is not a cross-reference stream is there)", off)
	}
	if !l.expectKeyword("endobj") {
		return 0, syntaxErr(l.pos, "cross-reference stream without endobj")
	}
	if err := d.checkTrailerSize(stm.Dict, int(off)); err != nil {
		return 0, err
	}
	w, rowLen, err := rowWidths(stm.Dict, off)
	if err != nil {
		return 0, err
	}
	index, rows, err := d.xrefIndex(stm.Dict, off)
	if err != nil {
		return 0, err
	}
	data, err := d.decode(stm)
	if err != nil {
		return 0, xrefErr(err)
	}
	if have := int64(len(data) / rowLen); rows > have {
		return 0, limitErr(ErrXrefSize, rows, have,
			"the cross-reference stream at byte %d lists %d entries in its /Index; its data holds %d rows", off)
	}
	row := 0
	for i := 0; i < len(index); i += 2 {
		first, count := index[i], index[i+1]
		for j := range count {
			r := data[row*rowLen : (row+1)*rowLen]
			row++
			typ := int64(1)
			if w[0] > 0 {
				typ = beInt(r[:w[0]])
			}
			f2 := beInt(r[w[0] : w[0]+w[1]])
			f3 := beInt(r[w[0]+w[1]:])
			var e Entry
			switch typ {
			case 0:
				e = Entry{Kind: Free}
			case 1:
				e = Entry{Kind: InFile, Off: f2, Idx: uint32(min(max(f3, 0), math.MaxUint32))}
			case 2:
				e = Entry{Kind: InStream, Off: f2, Idx: uint32(min(max(f3, 0), math.MaxUint32))}
			default:
				continue // ISO 32000-1, 7.5.8.3: other types are null references
			}
			if err := d.addEntry(s, first+j, e); err != nil {
				return 0, err
			}
		}
	}
	if s.Trailer == nil {
		s.Trailer = stm.Dict
	}
	return l.pos, nil
}

// rowWidths reads /W: three field widths of at most eight bytes each.
func rowWidths(dict Dict, off int64) ([3]int, int, error) {
	var w [3]int
	ws := AsArray(dict["W"])
	if len(ws) != len(w) {
		return w, 0, damaged(ErrXref, "malformed PDF: the cross-reference stream at byte %d has no valid /W", off)
	}
	rowLen := 0
	for i := range w {
		n, ok := AsInt(ws[i])
		if !ok || n < 0 {
			return w, 0, damaged(ErrXref, "malformed PDF: the cross-reference stream at byte %d has no valid /W", off)
		}
		if n > maxFieldWidth {
			return w, 0, limitErr(ErrXrefSize, n, maxFieldWidth,
				"the cross-reference stream at byte %d has a /W field %d bytes wide; no offset needs more than %d", off)
		}
		w[i] = int(n)
		rowLen += w[i]
	}
	if rowLen == 0 {
		return w, 0, damaged(ErrXref, "malformed PDF: the cross-reference stream at byte %d has empty rows (/W [0 0 0])", off)
	}
	return w, rowLen, nil
}

// xrefIndex reads /Index (by default [0 /Size]) as pairs of first object
// number and count, each range checked, and returns the rows they need.
func (d *Document) xrefIndex(dict Dict, off int64) ([]int64, int64, error) {
	var raw Array
	if v, ok := dict["Index"]; ok {
		raw = AsArray(v)
	} else {
		size, _ := AsInt(dict["Size"])
		raw = Array{int64(0), size}
	}
	if len(raw)%2 != 0 {
		return nil, 0, damaged(ErrXref, "malformed PDF: the cross-reference stream at byte %d has an /Index with an odd number of entries", off)
	}
	index := make([]int64, len(raw))
	var rows int64
	for i := 0; i < len(raw); i += 2 {
		first, ok1 := AsInt(raw[i])
		count, ok2 := AsInt(raw[i+1])
		if !ok1 || !ok2 {
			return nil, 0, damaged(ErrXref, "malformed PDF: the cross-reference stream at byte %d has an /Index that is not integers", off)
		}
		if err := d.checkRange(first, count, "the /Index of the cross-reference stream at byte %d", off); err != nil {
			return nil, 0, err
		}
		index[i], index[i+1] = first, count
		// Each count is at most MaxObjectNumber+1: the sum cannot overflow
		// before it passes any row count the data can hold.
		rows = min(rows+count, math.MaxInt64/2)
	}
	return index, rows, nil
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
