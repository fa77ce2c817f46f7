package pdfread

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"math"
)

// Options configure Open.
type Options struct {
	// Limits bound the cost of reading the file; zero fields take their
	// defaults for the file's size.
	Limits Limits
	// LastIntactRevision lets Open read the newest revision whose
	// cross-reference data is intact when the end of the file is not one
	// (bytes appended after %%EOF, an update cut short): Tail then holds
	// the rest, for a verifier to judge. Without it the file must start
	// with its header, and the cross-reference data at the final startxref
	// must be intact and consistent, as a writer appending an update (a
	// signature) needs: nothing is repaired.
	LastIntactRevision bool
}

// maxStartxrefTries bounds the end-of-file markers tried from the end when
// Options.LastIntactRevision is set.
const maxStartxrefTries = 16

// headerWindow is where readers look for the "%PDF-" header.
const headerWindow = 1024

// EntryKind says where the cross-reference data puts an object.
type EntryKind uint8

// The kinds of cross-reference entries.
const (
	Free     EntryKind = iota // not in use; reads as null
	InFile                    // at a byte offset of the file
	InStream                  // inside an object stream
)

// Entry locates one object. It is small on purpose: a file may list
// millions of objects.
type Entry struct {
	// Off is the byte offset of an object InFile, or the object number of
	// the object stream that holds an object InStream.
	Off int64
	// Idx is the generation of an object InFile, or the index of an object
	// InStream within its object stream.
	Idx  uint32
	Kind EntryKind
}

// Section is one cross-reference section (table or stream) with its
// trailer: one revision of the file.
type Section struct {
	Off     int64 // where the section starts
	Stream  bool  // a cross-reference stream rather than a table
	Trailer Dict
	Entries map[int64]Entry
	// End is the offset just after the %%EOF marker closing this revision
	// (and its end-of-line); EndNoEOL the offset just after "%%EOF".
	End, EndNoEOL int64
}

// Document is an opened PDF: its revisions, read eagerly, and its objects,
// read when asked for.
type Document struct {
	// Sections are the cross-reference sections, newest first as the /Prev
	// chain is followed.
	Sections []*Section
	// Final is the document as its newest intact revision has it.
	Final *View
	// Tail holds what follows the end of the newest intact revision.
	Tail []byte
	// Version is the PDF version the header declares, e.g. "1.7".
	Version string

	data    []byte
	lim     Limits
	strict  bool
	objs    map[int64]any        // parsed objects by file offset
	objErrs map[int64]error      // parse failures by file offset
	objStms map[int64]*objStream // decoded object streams by file offset
	inStms  map[[2]int64]any     // objects parsed from object streams, by stream offset and number
	entries int64                // cross-reference entries read
	decoded int64                // bytes decompressed
	work    int64                // bytes scanned
}

// Open reads the structure of data: header, revisions and cross-reference
// sections, every limit checked before anything is allocated for what the
// file claims. Objects are read when asked for. The error matches one of
// the package's sentinels: ErrEmpty, ErrNotPDF, ErrHeader, ErrTruncated,
// ErrXref, or ErrLimit and the limit's own.
func Open(data []byte, opts Options) (*Document, error) {
	if len(data) == 0 {
		return nil, ErrEmpty
	}
	at := bytes.Index(data[:min(len(data), headerWindow)], []byte("%PDF-"))
	if at < 0 {
		return nil, ErrNotPDF
	}
	d := &Document{
		data:    data,
		lim:     opts.Limits.withDefaults(int64(len(data))),
		strict:  !opts.LastIntactRevision,
		Version: headerVersion(data[at+len("%PDF-"):]),
		objs:    map[int64]any{},
		objErrs: map[int64]error{},
		objStms: map[int64]*objStream{},
		inStms:  map[[2]int64]any{},
	}
	if d.strict {
		if at > 0 {
			return nil, damaged(ErrHeader, "%d bytes of other data come before the %%PDF header", at)
		}
		if !knownVersion(d.Version) {
			return nil, damaged(ErrHeader, "the header declares PDF version %q, which no PDF standard defines", clip(d.Version))
		}
	}
	if !bytes.Contains(data, []byte("%%EOF")) {
		return nil, ErrTruncated
	}
	var err error
	if d.strict {
		err = d.openFinal()
	} else {
		err = d.openLastIntact()
	}
	if err != nil {
		return nil, err
	}
	return d, nil
}

// headerVersion is the version after "%PDF-": digits and dots.
func headerVersion(b []byte) string {
	n := 0
	for n < len(b) && n < 8 && (b[n] == '.' || b[n] >= '0' && b[n] <= '9') {
		n++
	}
	return string(b[:n])
}

func knownVersion(v string) bool {
	switch v {
	case "1.0", "1.1", "1.2", "1.3", "1.4", "1.5", "1.6", "1.7", "2.0":
		return true
	}
	return false
}

// openFinal reads the revisions from the startxref before the last %%EOF
// and checks that the newest trailer is consistent with them.
func (d *Document) openFinal() error {
	eof := bytes.LastIndex(d.data, []byte("%%EOF"))
	sx := bytes.LastIndex(d.data[:eof], []byte("startxref"))
	if err := d.charge(len(d.data) - sx); err != nil {
		return err
	}
	if sx < 0 {
		return damaged(ErrXref, "malformed PDF file: missing final startxref")
	}
	lx := lexer{b: d.data, pos: sx + len("startxref")}
	off, ok := lx.unsigned()
	if !ok {
		return damaged(ErrXref, "malformed PDF file: startxref is not followed by a byte offset")
	}
	sections, err := d.loadSections(off)
	if err != nil {
		return xrefErr(err)
	}
	d.setSections(sections)
	return d.checkSize()
}

// openLastIntact tries the end-of-file markers from the last one back:
// bytes appended after a complete revision must not hide that revision.
func (d *Document) openLastIntact() error {
	limit := len(d.data)
	var firstErr error
	for range maxStartxrefTries {
		eof := bytes.LastIndex(d.data[:limit], []byte("%%EOF"))
		if eof < 0 {
			break
		}
		sx := bytes.LastIndex(d.data[:eof], []byte("startxref"))
		if err := d.charge(limit - max(sx, 0)); err != nil {
			return err
		}
		limit = eof
		if sx < 0 {
			continue
		}
		lx := lexer{b: d.data, pos: sx + len("startxref")}
		off, ok := lx.unsigned()
		if !ok {
			continue
		}
		sections, err := d.loadSections(off)
		if errors.Is(err, ErrLimit) {
			return err
		}
		if err != nil {
			firstErr = cmp.Or(firstErr, err)
			continue
		}
		d.setSections(sections)
		return nil
	}
	if firstErr == nil {
		firstErr = errors.New("malformed PDF file: missing final startxref")
	}
	return xrefErr(firstErr)
}

func (d *Document) setSections(sections []*Section) {
	d.Sections = sections
	newest := sections[0]
	d.Tail = d.data[newest.End:]
	d.Final = d.ViewAt(newest.End)
}

// checkSize holds the newest trailer's /Size to ISO 32000-1, 7.5.5: one
// more than the highest object number of the file. A writer numbers the
// objects of its update from /Size, so a /Size too small would make it
// overwrite objects.
func (d *Document) checkSize() error {
	size, ok := AsInt(d.Final.Trailer["Size"])
	if !ok || size < 1 {
		return damaged(ErrXref, "malformed PDF: the trailer has no valid /Size")
	}
	var highest int64
	for n := range d.Final.Xref {
		highest = max(highest, n)
	}
	if highest >= size {
		return damaged(ErrXref, "malformed PDF: the trailer's /Size %d does not cover object %d that the cross-reference lists", size, highest)
	}
	return nil
}

// loadSections follows the /Prev chain from the section at off.
func (d *Document) loadSections(off int64) ([]*Section, error) {
	var out []*Section
	seen := map[int64]bool{}
	for {
		if len(out) >= d.lim.MaxRevisions {
			return nil, limitErr(ErrRevisions, int64(len(out)+1), int64(d.lim.MaxRevisions),
				"the /Prev chain of cross-reference sections is longer than %[2]d sections")
		}
		if seen[off] {
			return nil, damaged(ErrXref, "malformed PDF: cross-reference sections form a loop at byte %d", off)
		}
		seen[off] = true
		s, err := d.readSection(off)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
		prev, ok := AsInt(s.Trailer["Prev"])
		if !ok {
			return out, nil
		}
		off = prev
	}
}

func (d *Document) readSection(off int64) (*Section, error) {
	if off < 0 || off >= int64(len(d.data)) {
		return nil, damaged(ErrXref, "malformed PDF: cross-reference offset %d is outside the file (%d bytes)", off, len(d.data))
	}
	l := d.lexer(int(off))
	s := &Section{Off: off, Entries: map[int64]Entry{}}
	if l.expectKeyword("xref") {
		if err := d.readXrefTable(&l, s); err != nil {
			return nil, err
		}
		// A hybrid file also lists compressed objects in a stream.
		if stm, ok := AsInt(s.Trailer["XRefStm"]); ok {
			extra := &Section{Entries: map[int64]Entry{}}
			if _, err := d.readXrefStream(stm, extra); err != nil {
				return nil, fmt.Errorf("cross-reference stream of a hybrid file: %w", err)
			}
			// The table lists the compressed objects as free or not at
			// all; the stream says where they are (ISO 32000-1, 7.5.8.4).
			for n, e := range extra.Entries {
				if old, dup := s.Entries[n]; !dup || old.Kind == Free {
					s.Entries[n] = e
				}
			}
		}
	} else {
		end, err := d.readXrefStream(off, s)
		if err != nil {
			return nil, err
		}
		s.Stream = true
		l.pos = end
	}
	// The revision ends at the %%EOF following its startxref.
	rest := d.data[l.pos:]
	sx := bytes.Index(rest, []byte("startxref"))
	eof := -1
	if sx >= 0 {
		eof = bytes.Index(rest[sx:], []byte("%%EOF"))
	}
	if err := d.charge(min(len(rest), max(sx, 0)+max(eof, 0)+len("%%EOF"))); err != nil {
		return nil, err
	}
	if sx < 0 {
		return nil, damaged(ErrXref, "malformed PDF: no startxref after the cross-reference section at byte %d", off)
	}
	if eof < 0 {
		return nil, damaged(ErrXref, "malformed PDF: no %%%%EOF after the cross-reference section at byte %d", off)
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

// minXrefEntry is the fewest bytes a table entry takes: the standard's
// twenty, less an end-of-line some writers shorten.
const minXrefEntry = 18

func (d *Document) readXrefTable(l *lexer, s *Section) error {
	start := l.pos
	for {
		l.skipSpace()
		if l.expectKeyword("trailer") {
			break
		}
		at := l.pos
		first, ok1 := l.unsigned()
		count, ok2 := l.unsigned()
		if !ok1 || !ok2 {
			return damaged(ErrXref, "malformed PDF: malformed cross-reference subsection header at byte %d", at)
		}
		if err := d.checkRange(first, count, "the cross-reference subsection at byte %d", at); err != nil {
			return err
		}
		if room := int64(len(l.b)-l.pos)/minXrefEntry + 1; count > room {
			return limitErr(ErrXrefSize, count, room,
				"the cross-reference subsection at byte %d lists %d entries; the bytes after it hold at most %d", at)
		}
		for i := range count {
			off, ok1 := l.unsigned()
			gen, ok2 := l.unsigned()
			l.skipSpace()
			kw := l.keyword()
			if !ok1 || !ok2 || len(kw) != 1 || (kw[0] != 'n' && kw[0] != 'f') {
				return syntaxErr(l.pos, "malformed cross-reference entry")
			}
			e := Entry{Kind: Free}
			if kw[0] == 'n' {
				e = Entry{Kind: InFile, Off: off, Idx: uint32(min(gen, math.MaxUint32))} //nolint:gosec // G115: clamped
			}
			if err := d.addEntry(s, first+i, e); err != nil {
				return err
			}
		}
	}
	v, err := l.object(0)
	if err != nil {
		return err
	}
	t, ok := v.(Dict)
	if !ok {
		return damaged(ErrXref, "malformed PDF: xref table not followed by trailer dictionary")
	}
	s.Trailer = t
	if err := d.checkTrailerSize(t, start); err != nil {
		return err
	}
	return d.charge(l.pos - start)
}

// checkRange checks a run of count object numbers from first.
func (d *Document) checkRange(first, count int64, format string, args ...any) error {
	if first < 0 || count < 0 {
		return damaged(ErrXref, "malformed PDF: "+format+" has a negative object number or count", args...)
	}
	// first+count cannot overflow: both fit in the file's digits, but the
	// comparison is written so that it could not either.
	if count > 0 && first > d.lim.MaxObjectNumber-(count-1) {
		return limitErr(ErrObjectNumber, first+min(count-1, math.MaxInt64-first), d.lim.MaxObjectNumber,
			format+" claims object number %d; a file of this size holds at most %d", args...)
	}
	return nil
}

// checkTrailerSize refuses a /Size beyond the object numbers the file may
// claim: a writer that appends to the file sizes its tables by it.
func (d *Document) checkTrailerSize(t Dict, at int) error {
	size, ok := AsInt(t["Size"])
	if ok && size-1 > d.lim.MaxObjectNumber {
		return limitErr(ErrObjectNumber, size-1, d.lim.MaxObjectNumber,
			"the trailer at byte %d claims object numbers up to %d (its /Size); a file of this size holds at most %d", at)
	}
	return nil
}

// addEntry records the first entry for num in s: in one section the first
// wins, as readers do.
func (d *Document) addEntry(s *Section, num int64, e Entry) error {
	if _, dup := s.Entries[num]; dup {
		return nil
	}
	if d.entries >= d.lim.MaxObjects {
		return limitErr(ErrObjects, d.entries+1, d.lim.MaxObjects, "the cross-reference sections list more than %[2]d objects")
	}
	d.entries++
	s.Entries[num] = e
	return nil
}
