package pades

import (
	"bytes"
	"cmp"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/docflow/docflow/services/internal/pdfread"
)

// validationData is what the document security store (DSS, ISO 32000-2,
// 12.8.4.3) holds for the signatures and timestamps of a document: every
// certificate of their chains, and the OCSP responses and CRLs that show
// those certificates were not revoked. All of it is DER.
type validationData struct {
	certs [][]byte
	ocsps [][]byte
	crls  [][]byte
}

// maxNesting bounds how deep the catalog's direct objects are copied; a
// catalog nested deeper than this is not one any PDF producer writes.
const maxNesting = 32

// appendDSS returns an incremental update to pdf that adds vd to the DSS
// dictionary of the document catalog, or nil when the DSS already holds all
// of it. The update is written in the style of the file's last
// cross-reference section (a classic table or a cross-reference stream, with
// /Prev to it); every byte of pdf stays as it is, so every signature in it
// stays valid.
//
// An existing DSS keeps what it has: its entries are carried over and only
// what it lacks is added. The signed PDF is read with the shared guarded
// reader, strictly: an update is appended to the cross-reference data at
// the final startxref, so that must be intact.
func appendDSS(pdf []byte, vd validationData) ([]byte, error) {
	doc, err := pdfread.Open(pdf, pdfread.Options{})
	if err != nil {
		return nil, fmt.Errorf("read the signed PDF: %w", err)
	}
	if doc.Encrypted() {
		return nil, errors.New("the PDF is encrypted: validation data cannot be added to it")
	}
	final := doc.Final
	rootRef, ok := pdfread.AsRef(final.Trailer["Root"])
	if !ok {
		return nil, errors.New("the document catalog is not an indirect object")
	}
	root := pdfread.AsDict(final.Resolve(rootRef))
	if root == nil {
		return nil, errors.New("the PDF has no document catalog")
	}
	// The strict reader has checked /Size against every object number.
	size, _ := pdfread.AsInt(final.Trailer["Size"])
	u := &updateWriter{base: int64(len(pdf)), next: size}
	// The previous revision may end without an end-of-line after %%EOF.
	if !bytes.HasSuffix(pdf, []byte("\n")) && !bytes.HasSuffix(pdf, []byte("\r")) {
		u.buf.WriteString("\n")
	}

	dss := pdfread.AsDict(final.Resolve(root["DSS"]))
	added := false
	arrays := map[string][]string{}
	for _, entry := range []struct {
		key   pdfread.Name
		items [][]byte
	}{{"Certs", vd.certs}, {"OCSPs", vd.ocsps}, {"CRLs", vd.crls}} {
		refs, have, err := existingStreams(doc, dss[entry.key])
		if err != nil {
			return nil, fmt.Errorf("DSS /%s: %w", entry.key, err)
		}
		for _, item := range entry.items {
			sum := sha256.Sum256(item)
			if have[sum] {
				continue
			}
			have[sum] = true
			id := u.object(streamObject(item))
			refs = append(refs, ref(id, 0))
			added = true
		}
		arrays[string(entry.key)] = refs
	}
	if !added {
		return nil, nil
	}

	var d bytes.Buffer
	d.WriteString("<< /Type /DSS")
	for _, key := range []string{"Certs", "OCSPs", "CRLs"} {
		if len(arrays[key]) > 0 {
			fmt.Fprintf(&d, " /%s [%s]", key, strings.Join(arrays[key], " "))
		}
	}
	// Anything else an earlier DSS holds (per-signature /VRI, /TS) stays.
	for _, key := range slices.Sorted(maps.Keys(dss)) {
		switch key {
		case "Type", "Certs", "OCSPs", "CRLs":
			continue
		}
		fmt.Fprintf(&d, " %s ", pdfName(string(key)))
		if err := writeValue(&d, final, dss[key], 0); err != nil {
			return nil, fmt.Errorf("DSS /%s: %w", key, err)
		}
	}
	d.WriteString(" >>")
	dssID := u.object(d.Bytes())

	var c bytes.Buffer
	c.WriteString("<<")
	for _, key := range slices.Sorted(maps.Keys(root)) {
		if key == "DSS" {
			continue
		}
		fmt.Fprintf(&c, " %s ", pdfName(string(key)))
		if err := writeValue(&c, final, root[key], 0); err != nil {
			return nil, fmt.Errorf("document catalog /%s: %w", key, err)
		}
	}
	fmt.Fprintf(&c, " /DSS %s", ref(dssID, 0))
	if root["Extensions"] == nil {
		// The DSS is ETSI's extension of ISO 32000-1 (ETSI EN 319 142-1,
		// 5.4.1); readers of PDF 1.7 learn of it from this entry.
		c.WriteString(" /Extensions << /ESIC << /BaseVersion /1.7 /ExtensionLevel 5 >> >>")
	}
	c.WriteString(" >>")
	u.replace(rootRef.Num, rootRef.Gen, c.Bytes())

	u.finish(doc.Sections[0], final.Trailer, rootRef)
	return u.buf.Bytes(), nil
}

// existingStreams reads an array of the DSS: references to its streams and
// the digests of their contents, so nothing is stored twice.
func existingStreams(doc *pdfread.Document, v any) ([]string, map[[32]byte]bool, error) {
	have := map[[32]byte]bool{}
	arr := doc.Final.Resolve(v)
	if arr == nil {
		return nil, have, nil
	}
	items, ok := arr.(pdfread.Array)
	if !ok {
		return nil, nil, errors.New("not an array")
	}
	refs := make([]string, 0, len(items))
	for i, item := range items {
		r, isRef := pdfread.AsRef(item)
		stm, isStream := doc.Final.Resolve(item).(*pdfread.Stream)
		if !isRef || !isStream {
			return nil, nil, fmt.Errorf("entry %d is not a stream", i)
		}
		data, err := doc.Decode(stm)
		if err != nil {
			return nil, nil, fmt.Errorf("entry %d: %w", i, err)
		}
		have[sha256.Sum256(data)] = true
		refs = append(refs, ref(r.Num, r.Gen))
	}
	return refs, have, nil
}

func streamObject(data []byte) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "<< /Length %d >>\nstream\n", len(data))
	b.Write(data)
	b.WriteString("\nendstream")
	return b.Bytes()
}

func ref(id, gen int64) string { return fmt.Sprintf("%d %d R", id, gen) }

// updateWriter collects the objects of one incremental update.
type updateWriter struct {
	buf     bytes.Buffer
	base    int64 // where the update starts in the file
	next    int64 // the next free object number
	entries []xrefEntry
}

type xrefEntry struct {
	id     int64
	gen    int64
	offset int64
}

// object writes a new object and returns its number.
func (u *updateWriter) object(body []byte) int64 {
	id := u.next
	u.next++
	u.replace(id, 0, body)
	return id
}

// replace writes a new version of object id.
func (u *updateWriter) replace(id, gen int64, body []byte) {
	u.entries = append(u.entries, xrefEntry{id: id, gen: gen, offset: u.base + int64(u.buf.Len())})
	fmt.Fprintf(&u.buf, "%d %d obj\n", id, gen)
	u.buf.Write(body)
	u.buf.WriteString("\nendobj\n")
}

// finish writes the cross-reference section, in the style of the newest
// one, last, and the end of the file.
func (u *updateWriter) finish(last *pdfread.Section, trailer pdfread.Dict, root pdfread.Ref) {
	var extra bytes.Buffer
	fmt.Fprintf(&extra, " /Root %s", ref(root.Num, root.Gen))
	fmt.Fprintf(&extra, " /Prev %d", last.Off)
	if info, ok := pdfread.AsRef(trailer["Info"]); ok {
		fmt.Fprintf(&extra, " /Info %s", ref(info.Num, info.Gen))
	}
	if id := pdfread.AsArray(trailer["ID"]); len(id) == 2 {
		first, ok1 := pdfread.AsString(id[0])
		second, ok2 := pdfread.AsString(id[1])
		if ok1 && ok2 {
			fmt.Fprintf(&extra, " /ID [%s %s]", pdfHexString(string(first)), pdfHexString(string(second)))
		}
	}

	if !last.Stream {
		start := u.base + int64(u.buf.Len())
		u.buf.WriteString("xref\n")
		for _, sub := range subsections(u.entries) {
			fmt.Fprintf(&u.buf, "%d %d\n", sub[0].id, len(sub))
			for _, e := range sub {
				fmt.Fprintf(&u.buf, "%010d %05d n\r\n", e.offset, e.gen)
			}
		}
		fmt.Fprintf(&u.buf, "trailer\n<< /Size %d%s >>\nstartxref\n%d\n%%%%EOF\n", u.next, extra.Bytes(), start)
		return
	}
	// The cross-reference stream lists itself as well.
	id := u.next
	u.next++
	start := u.base + int64(u.buf.Len())
	entries := append(slices.Clone(u.entries), xrefEntry{id: id, offset: start})
	offsetWidth := 4
	for _, e := range entries {
		for e.offset>>(8*offsetWidth) != 0 {
			offsetWidth++
		}
	}
	var data, index bytes.Buffer
	for _, sub := range subsections(entries) {
		fmt.Fprintf(&index, " %d %d", sub[0].id, len(sub))
		for _, e := range sub {
			data.WriteByte(1)
			var off [8]byte
			binary.BigEndian.PutUint64(off[:], uint64(e.offset)) //nolint:gosec // G115: offsets are never negative
			data.Write(off[8-offsetWidth:])
			var gen [2]byte
			binary.BigEndian.PutUint16(gen[:], uint16(min(max(e.gen, 0), math.MaxUint16)))
			data.Write(gen[:])
		}
	}
	fmt.Fprintf(&u.buf, "%d 0 obj\n<< /Type /XRef /Size %d /Index [%s ] /W [1 %d 2] /Length %d%s >>\nstream\n",
		id, u.next, index.Bytes(), offsetWidth, data.Len(), extra.Bytes())
	u.buf.Write(data.Bytes())
	fmt.Fprintf(&u.buf, "\nendstream\nendobj\nstartxref\n%d\n%%%%EOF\n", start)
}

// subsections groups entries into runs of consecutive object numbers, in
// increasing order, as a cross-reference section lists them.
func subsections(entries []xrefEntry) [][]xrefEntry {
	sorted := slices.Clone(entries)
	slices.SortFunc(sorted, func(a, b xrefEntry) int { return cmp.Compare(a.id, b.id) })
	var subs [][]xrefEntry
	for i, e := range sorted {
		if i > 0 && e.id == sorted[i-1].id+1 {
			subs[len(subs)-1] = append(subs[len(subs)-1], e)
			continue
		}
		subs = append(subs, []xrefEntry{e})
	}
	return subs
}

// writeValue writes a value of an object of v as PDF syntax: references
// stay references, so only the direct parts of the object are copied.
func writeValue(w *bytes.Buffer, v *pdfread.View, o any, depth int) error {
	if depth > maxNesting {
		return errors.New("objects nested too deeply")
	}
	switch x := o.(type) {
	case nil:
		w.WriteString("null")
	case bool:
		w.WriteString(strconv.FormatBool(x))
	case int64:
		w.WriteString(strconv.FormatInt(x, 10))
	case float64:
		w.WriteString(strconv.FormatFloat(x, 'f', -1, 64))
	case pdfread.String:
		w.WriteString(pdfHexString(string(x)))
	case pdfread.Name:
		w.WriteString(pdfName(string(x)))
	case pdfread.Ref:
		// A reference to an object that does not exist is null (ISO
		// 32000-1, 7.3.10).
		if e, ok := v.Xref[x.Num]; !ok || e.Kind == pdfread.Free {
			w.WriteString("null")
			return nil
		}
		w.WriteString(ref(x.Num, x.Gen))
	case pdfread.Array:
		w.WriteString("[")
		for i, item := range x {
			if i > 0 {
				w.WriteString(" ")
			}
			if err := writeValue(w, v, item, depth+1); err != nil {
				return err
			}
		}
		w.WriteString("]")
	case pdfread.Dict:
		w.WriteString("<<")
		for _, key := range slices.Sorted(maps.Keys(x)) {
			fmt.Fprintf(w, " %s ", pdfName(string(key)))
			if err := writeValue(w, v, x[key], depth+1); err != nil {
				return err
			}
		}
		w.WriteString(" >>")
	default:
		// Streams are always indirect, so one here means a broken file.
		return fmt.Errorf("unexpected %T inside a dictionary", o)
	}
	return nil
}

// pdfHexString writes s as a hexadecimal string, which needs no escaping
// whatever bytes it holds.
func pdfHexString(s string) string { return "<" + hex.EncodeToString([]byte(s)) + ">" }

// pdfName writes a name, escaping what ISO 32000-1, 7.3.5 requires.
func pdfName(name string) string {
	var b bytes.Buffer
	b.WriteByte('/')
	for i := range len(name) {
		c := name[i]
		if c < '!' || c > '~' || bytes.IndexByte([]byte("#()<>[]{}/%"), c) >= 0 {
			fmt.Fprintf(&b, "#%02X", c)
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}
