package verify

import (
	"bytes"
	"fmt"
	"slices"

	"github.com/docflow/docflow/services/internal/pdfread"
)

// maxChanges bounds the changes listed in a report; the verdict still
// considers every object.
const maxChanges = 64

// catalogKeysMayChange are the catalog entries a later revision may add or
// change without touching what was signed: form fields (further signatures,
// form fill), validation data, and the PDF version and extension markers
// that adding them implies.
var catalogKeysMayChange = []pdfread.Name{"AcroForm", "DSS", "Version", "Extensions", "Metadata"}

// fieldKeysFixed are the entries of a form field that a form fill or a
// signature does not change: what the field is and where it sits.
var fieldKeysFixed = []pdfread.Name{"FT", "T", "Parent"}

type changeSet struct {
	list       []Change
	disallowed bool
	kinds      map[string]bool
}

func (c *changeSet) add(ch Change) {
	if !ch.Permitted {
		c.disallowed = true
	}
	if c.kinds == nil {
		c.kinds = map[string]bool{}
	}
	// Permitted changes of one kind are summarised once; each disallowed
	// change is listed, since it is what a person has to look at.
	if ch.Permitted && c.kinds[ch.What] {
		return
	}
	c.kinds[ch.What] = true
	if len(c.list) < maxChanges {
		c.list = append(c.list, ch)
	}
}

// changesSince compares the document as signed (old) with the document as
// it is now (cur).
func changesSince(old, cur *pdfread.View) *changeSet {
	cs := &changeSet{}
	ctx := newChangeContext(old, cur)

	nums := make([]int64, 0, len(cur.Xref))
	for n := range cur.Xref {
		nums = append(nums, n)
	}
	for n := range old.Xref {
		if _, ok := cur.Xref[n]; !ok {
			nums = append(nums, n)
		}
	}
	slices.Sort(nums)

	for _, n := range nums {
		oe, inOld := old.Xref[n]
		ne, inCur := cur.Xref[n]
		inOld = inOld && oe.Kind != pdfread.Free
		inCur = inCur && ne.Kind != pdfread.Free
		switch {
		case !inOld && !inCur:
		case !inOld:
			ctx.added(cs, n)
		case !inCur:
			o, _ := old.Object(n)
			if structural(o) {
				continue
			}
			cs.add(Change{What: "object_deleted", Object: n, Detail: fmt.Sprintf("object %d (%s) of the signed revision was deleted", n, describeObject(o))})
		default:
			// An object in an object stream is unchanged when its stream
			// (Off, for such an object) is.
			if oe == ne && (oe.Kind != pdfread.InStream || old.Xref[oe.Off] == cur.Xref[oe.Off]) {
				continue
			}
			o, _ := old.Object(n)
			c, _ := cur.Object(n)
			if equalValues(o, c, 0) {
				continue
			}
			ctx.changed(cs, n, o, c)
		}
	}
	ctx.catalog(cs)
	ctx.signedFieldsKept(cs)
	return cs
}

type changeContext struct {
	old, cur         *pdfread.View
	oldRoot, curRoot int64
	info             map[int64]bool
	dss              map[int64]bool
	form             map[int64]bool
	annots           map[int64]bool
	pagesLoaded      bool
}

func newChangeContext(old, cur *pdfread.View) *changeContext {
	ctx := &changeContext{old: old, cur: cur, info: map[int64]bool{}, dss: map[int64]bool{}, form: map[int64]bool{}}
	if r, ok := pdfread.AsRef(old.Trailer["Root"]); ok {
		ctx.oldRoot = r.Num
	}
	if r, ok := pdfread.AsRef(cur.Trailer["Root"]); ok {
		ctx.curRoot = r.Num
	}
	for _, t := range []pdfread.Dict{old.Trailer, cur.Trailer} {
		if r, ok := pdfread.AsRef(t["Info"]); ok {
			ctx.info[r.Num] = true
		}
	}
	for _, v := range []*pdfread.View{old, cur} {
		cat := pdfread.AsDict(v.Resolve(v.Trailer["Root"]))
		ctx.collectDSS(v, cat["DSS"])
		if r, ok := pdfread.AsRef(cat["AcroForm"]); ok {
			ctx.form[r.Num] = true
		}
		if r, ok := pdfread.AsRef(pdfread.AsDict(v.Resolve(cat["AcroForm"]))["Fields"]); ok {
			ctx.form[r.Num] = true
		}
	}
	return ctx
}

// collectDSS marks the objects that make up a document security store.
func (ctx *changeContext) collectDSS(v *pdfread.View, dss any) {
	mark := func(o any) any {
		if r, ok := pdfread.AsRef(o); ok {
			ctx.dss[r.Num] = true
		}
		return v.Resolve(o)
	}
	d := pdfread.AsDict(mark(dss))
	for _, k := range []pdfread.Name{"Certs", "OCSPs", "CRLs"} {
		mark(d[k])
	}
	vri := pdfread.AsDict(mark(d["VRI"]))
	n := 0
	for _, e := range vri {
		if n++; n > 1024 {
			break
		}
		ed := pdfread.AsDict(mark(e))
		for _, k := range []pdfread.Name{"Cert", "OCSP", "CRL", "TS"} {
			mark(ed[k])
		}
	}
}

// loadPages marks the annotation arrays of the signed revision's pages. A
// damaged page tree marks the pages before the damage: what cannot be
// marked is judged a change of signed content, the safe side.
func (ctx *changeContext) loadPages() {
	if ctx.pagesLoaded {
		return
	}
	ctx.pagesLoaded = true
	ctx.annots = map[int64]bool{}
	_, _ = ctx.old.Pages(func(_ pdfread.Ref, page pdfread.Dict) {
		if r, ok := pdfread.AsRef(page["Annots"]); ok {
			ctx.annots[r.Num] = true
		}
	})
}

// added notes objects new in the later revisions that say what an update
// was for. Anything else new only matters through what refers to it.
func (ctx *changeContext) added(cs *changeSet, n int64) {
	o, _ := ctx.cur.Object(n)
	d := pdfread.AsDict(o)
	switch pdfread.AsName(d["Type"]) {
	case "Sig":
		cs.add(Change{What: "signature", Object: n, Permitted: true, Detail: "a further signature was added"})
	case "DocTimeStamp":
		cs.add(Change{What: "document_timestamp", Object: n, Permitted: true, Detail: "a document timestamp was added"})
	}
}

func (ctx *changeContext) changed(cs *changeSet, n int64, o, c any) {
	od := pdfread.AsDict(o)
	switch {
	case structural(o):
		return
	case n == ctx.oldRoot:
		// The catalog is compared as a whole in catalog().
		return
	case ctx.info[n] || pdfread.AsName(od["Type"]) == "Metadata":
		cs.add(Change{What: "metadata", Object: n, Permitted: true, Detail: "document information (metadata) was updated"})
		return
	case ctx.dss[n]:
		cs.add(Change{What: "dss", Object: n, Permitted: true, Detail: "validation data (DSS) was added"})
		return
	case ctx.form[n]:
		cs.add(Change{What: "form_fill", Object: n, Permitted: true, Detail: "the form's field list was extended"})
		return
	case pdfread.AsName(od["Type"]) == "Page":
		if key, same := equalExcept(od, pdfread.AsDict(c), []pdfread.Name{"Annots"}); !same {
			cs.add(Change{What: "page", Object: n, Detail: fmt.Sprintf("page object %d was changed (its /%s)", n, key)})
			return
		}
		cs.add(Change{What: "annotation", Object: n, Permitted: true, Detail: "annotations or signature fields were added to a page"})
		return
	case isField(od) || pdfread.AsName(od["Subtype"]) == "Widget":
		cd := pdfread.AsDict(c)
		if pdfread.AsName(od["FT"]) == "Sig" && od["V"] != nil && !equalValues(od["V"], cd["V"], 0) {
			cs.add(Change{What: "object_changed", Object: n, Detail: fmt.Sprintf("the signature field %q was emptied or given another signature", string(decodeText(asStr(od["T"]))))})
			return
		}
		for _, k := range fieldKeysFixed {
			if !equalValues(od[k], cd[k], 0) {
				cs.add(Change{What: "object_changed", Object: n, Detail: fmt.Sprintf("form field object %d was restructured (its /%s changed)", n, k)})
				return
			}
		}
		cs.add(Change{What: "form_fill", Object: n, Permitted: true, Detail: "form fields were filled in or signed"})
		return
	case od != nil && od["Subtype"] != nil && (od["Rect"] != nil || pdfread.AsName(od["Type"]) == "Annot"):
		cs.add(Change{What: "annotation", Object: n, Permitted: true, Detail: "an annotation was changed"})
		return
	}
	if _, isArray := o.(pdfread.Array); isArray {
		ctx.loadPages()
		if ctx.annots[n] {
			cs.add(Change{What: "annotation", Object: n, Permitted: true, Detail: "annotations or signature fields were added to a page"})
			return
		}
	}
	cs.add(Change{What: "object_changed", Object: n, Detail: fmt.Sprintf("object %d (%s) of the signed revision was rewritten", n, describeObject(o))})
}

// catalog compares the signed catalog with the current one, which updates
// often write as a new object.
func (ctx *changeContext) catalog(cs *changeSet) {
	oc := pdfread.AsDict(ctx.old.Resolve(ctx.old.Trailer["Root"]))
	cc := pdfread.AsDict(ctx.cur.Resolve(ctx.cur.Trailer["Root"]))
	if oc == nil || cc == nil {
		cs.add(Change{What: "catalog", Detail: "the document catalog cannot be read in both revisions"})
		return
	}
	if key, same := equalExcept(oc, cc, catalogKeysMayChange); !same {
		cs.add(Change{What: "catalog", Object: ctx.curRoot, Detail: fmt.Sprintf("the document catalog's /%s was changed", key)})
		return
	}
	if !equalValues(oc["DSS"], cc["DSS"], 0) {
		cs.add(Change{What: "dss", Object: ctx.curRoot, Permitted: true, Detail: "validation data (DSS) was added"})
	}
	if !equalValues(oc["AcroForm"], cc["AcroForm"], 0) {
		cs.add(Change{What: "form_fill", Object: ctx.curRoot, Permitted: true, Detail: "the form's field list was extended"})
	}
}

// signedFieldsKept checks that every signature present when this revision
// was signed is still in the document with the same value.
func (ctx *changeContext) signedFieldsKept(cs *changeSet) {
	now := map[string]any{}
	for _, f := range collectFields(ctx.cur) {
		now[f.name] = f.value
	}
	for _, f := range collectFields(ctx.old) {
		if f.value == nil {
			continue
		}
		v, ok := now[f.name]
		if !ok {
			cs.add(Change{What: "object_deleted", Object: f.num, Detail: fmt.Sprintf("the signature field %q was removed", f.name)})
		} else if !equalValues(f.value, v, 0) {
			cs.add(Change{What: "object_changed", Object: f.num, Detail: fmt.Sprintf("the signature field %q was emptied or given another signature", f.name)})
		}
	}
}

func structural(o any) bool {
	s, ok := o.(*pdfread.Stream)
	if !ok {
		return false
	}
	t := pdfread.AsName(s.Dict["Type"])
	return t == "XRef" || t == "ObjStm"
}

func isField(d pdfread.Dict) bool {
	return d["FT"] != nil || (d["T"] != nil && (d["Kids"] != nil || d["Parent"] != nil))
}

func describeObject(o any) string {
	switch t := o.(type) {
	case *pdfread.Stream:
		if typ := pdfread.AsName(t.Dict["Type"]); typ != "" {
			return "a /" + string(typ) + " stream"
		}
		return "a stream, such as page content"
	case pdfread.Dict:
		if typ := pdfread.AsName(t["Type"]); typ != "" {
			return "a /" + string(typ) + " dictionary"
		}
		return "a dictionary"
	case pdfread.Array:
		return "an array"
	case nil:
		return "null"
	}
	return "a value"
}

// equalExcept compares two dictionaries ignoring some keys; it returns the
// first differing key in sorted order.
func equalExcept(a, b pdfread.Dict, ignore []pdfread.Name) (pdfread.Name, bool) {
	keys := make([]pdfread.Name, 0, len(a)+len(b))
	for k := range a {
		keys = append(keys, k)
	}
	for k := range b {
		if _, ok := a[k]; !ok {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	for _, k := range keys {
		if slices.Contains(ignore, k) {
			continue
		}
		if !equalValues(a[k], b[k], 0) {
			return k, false
		}
	}
	return "", true
}

// equalValues compares PDF values; references are equal when they name the
// same object (whose own changes are judged separately).
func equalValues(a, b any, depth int) bool {
	if depth > pdfread.DefaultMaxDepth {
		return false
	}
	switch x := a.(type) {
	case nil:
		return b == nil
	case bool:
		y, ok := b.(bool)
		return ok && x == y
	case int64, float64:
		xf, _ := toFloat(a)
		yf, ok := toFloat(b)
		return ok && xf == yf
	case pdfread.Name:
		y, ok := b.(pdfread.Name)
		return ok && x == y
	case pdfread.String:
		y, ok := b.(pdfread.String)
		return ok && bytes.Equal(x, y)
	case pdfread.Ref:
		y, ok := b.(pdfread.Ref)
		return ok && x == y
	case pdfread.Array:
		y, ok := b.(pdfread.Array)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !equalValues(x[i], y[i], depth+1) {
				return false
			}
		}
		return true
	case pdfread.Dict:
		y, ok := b.(pdfread.Dict)
		if !ok || len(x) != len(y) {
			return false
		}
		for k, xv := range x {
			yv, ok := y[k]
			if !ok || !equalValues(xv, yv, depth+1) {
				return false
			}
		}
		return true
	case *pdfread.Stream:
		y, ok := b.(*pdfread.Stream)
		return ok && bytes.Equal(x.Raw, y.Raw) && equalValues(x.Dict, y.Dict, depth+1)
	}
	return false
}

func toFloat(v any) (float64, bool) {
	switch t := v.(type) {
	case int64:
		return float64(t), true
	case float64:
		return t, true
	}
	return 0, false
}
