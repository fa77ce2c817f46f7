package pdfread

import (
	"fmt"
	"maps"
	"slices"
)

// View is the document as it stood at the end of one revision: the
// cross-reference entries of that revision and of every earlier one.
type View struct {
	// End is the offset at which the revision ends.
	End int64
	// Trailer is the revision's trailer dictionary.
	Trailer Dict
	// Xref maps object numbers to where the revision has them. It may be
	// shared with a Section: read it, never change it.
	Xref map[int64]Entry

	doc *Document
}

type objStream struct {
	data    []byte
	offsets map[int64]int // object number -> offset in data
	order   []int64       // object numbers by index
	err     error
}

// lexer reads the file from pos.
func (d *Document) lexer(pos int) lexer {
	return lexer{b: d.data, pos: pos, maxDepth: d.lim.MaxDepth}
}

// Exhausted reports whether reading has used up the file's work budget:
// what was not read then is not known.
func (d *Document) Exhausted() bool { return d.work > d.lim.Work }

// charge counts n bytes scanned against the work budget.
func (d *Document) charge(n int) error {
	d.work += int64(max(n, 0))
	if d.Exhausted() {
		return limitErr(ErrWork, d.work, d.lim.Work, "reading scanned %d bytes, more than the %d a file of this size needs")
	}
	return nil
}

// Encrypted reports whether the newest trailer names an encryption
// dictionary: strings and streams are then encrypted, and the document can
// neither be read further nor signed.
func (d *Document) Encrypted() bool { return d.Final.Trailer["Encrypt"] != nil }

// ViewAt is the document as it stood at the revision ending at end: the
// sections that end there or before, newest first.
func (d *Document) ViewAt(end int64) *View {
	v := &View{doc: d, End: end}
	var in []*Section
	for _, s := range d.Sections {
		if s.EndNoEOL <= end {
			in = append(in, s)
		}
	}
	if len(in) == 0 {
		v.Xref = map[int64]Entry{}
		return v
	}
	v.Trailer = in[0].Trailer
	if len(in) == 1 {
		v.Xref = in[0].Entries
		return v
	}
	v.Xref = make(map[int64]Entry, len(in[0].Entries))
	for _, s := range in {
		for n, e := range s.Entries {
			if _, ok := v.Xref[n]; !ok {
				v.Xref[n] = e
			}
		}
	}
	return v
}

// IsRevisionEnd reports whether a revision of the file ends at off, with
// or without the end-of-line after its %%EOF.
func (d *Document) IsRevisionEnd(off int64) bool {
	for _, s := range d.Sections {
		if off == s.End || off == s.EndNoEOL {
			return true
		}
	}
	return false
}

// maxRefChain bounds the references followed from one value to another:
// "1 0 R" naming an object that is itself only "2 0 R" is legal, a chain of
// them is not something any writer makes.
const maxRefChain = 8

// Resolve follows references to the object they name; what cannot be read
// is null, as ISO 32000-1, 7.3.10 says of missing objects.
func (v *View) Resolve(o any) any {
	o, _ = v.ResolveErr(o)
	return o
}

// ResolveErr is Resolve that reports why an object cannot be read.
func (v *View) ResolveErr(o any) (any, error) {
	for range maxRefChain {
		r, ok := o.(Ref)
		if !ok {
			return o, nil
		}
		var err error
		if o, err = v.Object(r.Num); err != nil {
			return nil, err
		}
	}
	return nil, nil
}

// Object returns object num as this view has it; a free or missing object
// is null, as ISO 32000-1 says.
func (v *View) Object(num int64) (any, error) {
	e, ok := v.Xref[num]
	if !ok {
		return nil, nil
	}
	switch e.Kind {
	case InFile:
		return v.doc.objectAt(e.Off, num, v)
	case InStream:
		return v.doc.inObjStream(e.Off, int64(e.Idx), num, v)
	}
	return nil, nil
}

// ObjectAt parses the object num said to be at offset off, resolving an
// indirect stream /Length as the final revision has it.
func (d *Document) ObjectAt(off, num int64) (any, error) { return d.objectAt(off, num, d.Final) }

func (d *Document) objectAt(off, num int64, v *View) (any, error) {
	if o, ok := d.objs[off]; ok {
		return o, nil
	}
	if err, ok := d.objErrs[off]; ok {
		return nil, err
	}
	if d.Exhausted() {
		return nil, d.charge(0)
	}
	if off < 0 || off >= int64(len(d.data)) {
		err := damaged(ErrXref, "object %d is said to be at byte %d, outside the file", num, off)
		d.objErrs[off] = err
		return nil, err
	}
	// Mark the offset while parsing: an indirect /Length that points back
	// to its own stream must not recurse.
	d.objErrs[off] = damaged(ErrSyntax, "object %d refers to itself", num)
	l := d.lexer(int(off))
	o, err := l.indirect(num, func(x any) (int64, bool) {
		if r, ok := x.(Ref); ok {
			x, _ = v.Object(r.Num)
		}
		return AsInt(x)
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

func (d *Document) inObjStream(stmNum, idx, num int64, v *View) (any, error) {
	e, ok := v.Xref[stmNum]
	if !ok || e.Kind != InFile {
		return nil, damaged(ErrXref, "object stream %d of object %d is not in the file", stmNum, num)
	}
	os, ok := d.objStms[e.Off]
	if !ok {
		d.objStms[e.Off] = &objStream{err: damaged(ErrSyntax, "object stream %d contains itself", stmNum)}
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
		return nil, damaged(ErrXref, "object %d is not in object stream %d", num, stmNum)
	}
	key := [2]int64{e.Off, num}
	if o, ok := d.inStms[key]; ok {
		return o, nil
	}
	if d.Exhausted() {
		return nil, d.charge(0)
	}
	l := lexer{b: os.data, pos: pos, maxDepth: d.lim.MaxDepth}
	o, err := l.object(0)
	if cerr := d.charge(l.pos - pos); cerr != nil && err == nil {
		err = cerr
	}
	if err != nil {
		return nil, fmt.Errorf("object %d in object stream %d: %w", num, stmNum, err)
	}
	if _, isRef := o.(Ref); isRef {
		return nil, damaged(ErrSyntax, "object %d in object stream %d is a bare reference", num, stmNum)
	}
	d.inStms[key] = o
	return o, nil
}

// minObjStmPair is the fewest bytes one "number offset" pair of an object
// stream's header takes: two digits and two separators.
const minObjStmPair = 4

func (d *Document) loadObjStream(off, num int64, v *View) *objStream {
	fail := func(err error) *objStream { return &objStream{err: err} }
	stm, err := d.objStmAt(off, num, v)
	if err != nil {
		return fail(err)
	}
	n, okN := AsInt(stm.Dict["N"])
	first, okFirst := AsInt(stm.Dict["First"])
	if !okN || !okFirst || n < 0 || first < 0 {
		return fail(damaged(ErrSyntax, "object stream %d has no valid /N or /First", num))
	}
	if n > d.lim.MaxObjects {
		return fail(limitErr(ErrObjectStream, n, d.lim.MaxObjects, "object stream %d claims /N %d objects; the file may hold at most %d", num))
	}
	if err := d.checkExtends(stm, num, v); err != nil {
		return fail(err)
	}
	data, err := d.decode(stm)
	if err != nil {
		return fail(fmt.Errorf("object stream %d: %w", num, err))
	}
	if first > int64(len(data)) {
		return fail(limitErr(ErrObjectStream, first, int64(len(data)), "object stream %d puts its first object (/First) at byte %d of %d decoded bytes", num))
	}
	if room := first/minObjStmPair + 1; n > room {
		return fail(limitErr(ErrObjectStream, n, room, "object stream %d claims /N %d objects; its header of /First bytes has room for %d", num))
	}
	os := &objStream{data: data, offsets: map[int64]int{}}
	l := lexer{b: data[:first]}
	for range n {
		objNum, ok1 := l.unsigned()
		rel, ok2 := l.unsigned()
		if !ok1 || !ok2 || rel > int64(len(data))-first {
			return fail(damaged(ErrSyntax, "object stream %d has a malformed header", num))
		}
		if objNum > d.lim.MaxObjectNumber {
			return fail(limitErr(ErrObjectNumber, objNum, d.lim.MaxObjectNumber, "object stream %d claims object number %d; a file of this size holds at most %d", num))
		}
		if _, dup := os.offsets[objNum]; !dup {
			os.offsets[objNum] = int(first + rel)
		}
		os.order = append(os.order, objNum)
	}
	if err := d.charge(l.pos); err != nil {
		return fail(err)
	}
	return os
}

// objStmAt reads the object stream num at off.
func (d *Document) objStmAt(off, num int64, v *View) (*Stream, error) {
	o, err := d.objectAt(off, num, v)
	if err != nil {
		return nil, err
	}
	stm, ok := o.(*Stream)
	if !ok || AsName(stm.Dict["Type"]) != "ObjStm" {
		return nil, damaged(ErrSyntax, "object %d is not an object stream", num)
	}
	return stm, nil
}

// checkExtends follows the /Extends chain of an object stream. Readers that
// look an object up through the chain would follow a loop forever; this
// reader finds objects through the cross-reference data and only checks
// that the chain ends.
func (d *Document) checkExtends(stm *Stream, num int64, v *View) error {
	seen := map[int64]bool{num: true}
	for steps := 0; ; steps++ {
		r, ok := AsRef(stm.Dict["Extends"])
		if !ok {
			return nil
		}
		if seen[r.Num] {
			// A loop is a chain without end: longer than any limit.
			return limitErr(ErrObjectStream, int64(d.lim.MaxDepth+1), int64(d.lim.MaxDepth),
				"the /Extends chain of object stream %d loops back to object stream %d and never ends; chains end within %[4]d", num, r.Num)
		}
		if steps >= d.lim.MaxDepth {
			return limitErr(ErrObjectStream, int64(steps+1), int64(d.lim.MaxDepth),
				"the /Extends chain of object stream %d is %d streams long, more than %d", num)
		}
		seen[r.Num] = true
		e, ok := v.Xref[r.Num]
		if !ok || e.Kind != InFile {
			return nil // a chain to nothing ends there
		}
		next, err := d.objStmAt(e.Off, r.Num, v)
		if err != nil {
			return fmt.Errorf("object stream %d extends object %d: %w", num, r.Num, err)
		}
		stm = next
	}
}

// ReadAll parses every object the final revision lists, object streams
// included, and returns the first error: a file accepted whole, not only
// the parts a reader happened to look at.
func (d *Document) ReadAll() error {
	for _, n := range slices.Sorted(maps.Keys(d.Final.Xref)) {
		if _, err := d.Final.Object(n); err != nil {
			return fmt.Errorf("object %d: %w", n, err)
		}
	}
	return nil
}
