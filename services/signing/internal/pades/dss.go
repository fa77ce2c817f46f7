package pades

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"

	pdflib "github.com/digitorus/pdf"
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
// what it lacks is added.
func appendDSS(pdf []byte, vd validationData) (update []byte, err error) {
	// A damaged file can make the PDF reader panic; it is the document's
	// fault, not a reason to stop the service.
	defer func() {
		if r := recover(); r != nil {
			update, err = nil, fmt.Errorf("read the signed PDF: %v", r)
		}
	}()
	r, err := pdflib.NewReader(bytes.NewReader(pdf), int64(len(pdf)))
	if err != nil {
		return nil, fmt.Errorf("read the signed PDF: %w", err)
	}
	trailer := r.Trailer()
	if !trailer.Key("Encrypt").IsNull() {
		return nil, errors.New("the PDF is encrypted: validation data cannot be added to it")
	}
	root := trailer.Key("Root")
	if root.Kind() != pdflib.Dict {
		return nil, errors.New("the PDF has no document catalog")
	}
	rootPtr := root.GetPtr()
	if rootPtr.GetID() == 0 {
		return nil, errors.New("the document catalog is not an indirect object")
	}

	size := max(trailer.Key("Size").Int64(), int64(len(r.Xref())))
	// ISO 32000-1, C.2 caps object numbers far below this; a larger /Size
	// is a damaged trailer.
	if size <= 0 || size > math.MaxInt32 {
		return nil, fmt.Errorf("the trailer's /Size %d is not valid", size)
	}
	u := &updateWriter{base: int64(len(pdf)), next: uint32(size)}
	// The previous revision may end without an end-of-line after %%EOF.
	if !bytes.HasSuffix(pdf, []byte("\n")) && !bytes.HasSuffix(pdf, []byte("\r")) {
		u.buf.WriteString("\n")
	}

	dss := root.Key("DSS")
	added := false
	arrays := map[string][]string{}
	for _, entry := range []struct {
		key   string
		items [][]byte
	}{{"Certs", vd.certs}, {"OCSPs", vd.ocsps}, {"CRLs", vd.crls}} {
		refs, have, err := existingStreams(dss.Key(entry.key))
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
		arrays[entry.key] = refs
	}
	if !added {
		return nil, nil
	}

	var d bytes.Buffer
	d.WriteString("<< /Type /DSS")
	for _, key := range []string{"Certs", "OCSPs", "CRLs"} {
		if len(arrays[key]) > 0 {
			fmt.Fprintf(&d, " /%s [%s]", key, joinRefs(arrays[key]))
		}
	}
	// Anything else an earlier DSS holds (per-signature /VRI, /TS) stays.
	for _, key := range dss.Keys() {
		switch key {
		case "Type", "Certs", "OCSPs", "CRLs":
			continue
		}
		fmt.Fprintf(&d, " %s ", pdfName(key))
		if err := writeValue(&d, dss.GetPtr(), dss.Key(key), 0); err != nil {
			return nil, fmt.Errorf("DSS /%s: %w", key, err)
		}
	}
	d.WriteString(" >>")
	dssID := u.object(d.Bytes())

	var c bytes.Buffer
	c.WriteString("<<")
	for _, key := range root.Keys() {
		if key == "DSS" {
			continue
		}
		fmt.Fprintf(&c, " %s ", pdfName(key))
		if err := writeValue(&c, rootPtr, root.Key(key), 0); err != nil {
			return nil, fmt.Errorf("document catalog /%s: %w", key, err)
		}
	}
	fmt.Fprintf(&c, " /DSS %s", ref(dssID, 0))
	if root.Key("Extensions").IsNull() {
		// The DSS is ETSI's extension of ISO 32000-1 (ETSI EN 319 142-1,
		// 5.4.1); readers of PDF 1.7 learn of it from this entry.
		c.WriteString(" /Extensions << /ESIC << /BaseVersion /1.7 /ExtensionLevel 5 >> >>")
	}
	c.WriteString(" >>")
	u.replace(rootPtr.GetID(), rootPtr.GetGen(), c.Bytes())

	if err := u.finish(r, trailer, rootPtr); err != nil {
		return nil, err
	}
	return u.buf.Bytes(), nil
}

// existingStreams reads an array of the DSS: references to its streams and
// the digests of their contents, so nothing is stored twice.
func existingStreams(arr pdflib.Value) ([]string, map[[32]byte]bool, error) {
	have := map[[32]byte]bool{}
	if arr.IsNull() {
		return nil, have, nil
	}
	if arr.Kind() != pdflib.Array {
		return nil, nil, errors.New("not an array")
	}
	refs := make([]string, 0, arr.Len())
	for i := range arr.Len() {
		item := arr.Index(i)
		p := item.GetPtr()
		if item.Kind() != pdflib.Stream || p.GetID() == 0 {
			return nil, nil, fmt.Errorf("entry %d is not a stream", i)
		}
		data, err := io.ReadAll(item.Reader())
		if err != nil {
			return nil, nil, fmt.Errorf("entry %d: %w", i, err)
		}
		have[sha256.Sum256(data)] = true
		refs = append(refs, ref(p.GetID(), p.GetGen()))
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

func ref(id uint32, gen uint16) string { return fmt.Sprintf("%d %d R", id, gen) }

func joinRefs(refs []string) string {
	var b bytes.Buffer
	for i, r := range refs {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(r)
	}
	return b.String()
}

// updateWriter collects the objects of one incremental update.
type updateWriter struct {
	buf     bytes.Buffer
	base    int64  // where the update starts in the file
	next    uint32 // the next free object number
	entries []xrefEntry
}

type xrefEntry struct {
	id     uint32
	gen    uint16
	offset int64
}

// object writes a new object and returns its number.
func (u *updateWriter) object(body []byte) uint32 {
	id := u.next
	u.next++
	u.replace(id, 0, body)
	return id
}

// replace writes a new version of object id.
func (u *updateWriter) replace(id uint32, gen uint16, body []byte) {
	u.entries = append(u.entries, xrefEntry{id: id, gen: gen, offset: u.base + int64(u.buf.Len())})
	fmt.Fprintf(&u.buf, "%d %d obj\n", id, gen)
	u.buf.Write(body)
	u.buf.WriteString("\nendobj\n")
}

// finish writes the cross-reference section, in the style of the previous
// one, and the end of the file.
func (u *updateWriter) finish(r *pdflib.Reader, trailer pdflib.Value, root pdflib.Ptr) error {
	var extra bytes.Buffer
	fmt.Fprintf(&extra, " /Root %s", ref(root.GetID(), root.GetGen()))
	fmt.Fprintf(&extra, " /Prev %d", r.XrefInformation.StartPos)
	if info := trailer.Key("Info"); !info.IsNull() && info.GetPtr().GetID() != 0 {
		fmt.Fprintf(&extra, " /Info %s", ref(info.GetPtr().GetID(), info.GetPtr().GetGen()))
	}
	if id := trailer.Key("ID"); id.Kind() == pdflib.Array && id.Len() == 2 {
		fmt.Fprintf(&extra, " /ID [%s %s]", pdfHexString(id.Index(0).RawString()), pdfHexString(id.Index(1).RawString()))
	}

	switch r.XrefInformation.Type {
	case "table":
		start := u.base + int64(u.buf.Len())
		u.buf.WriteString("xref\n")
		for _, sub := range subsections(u.entries) {
			fmt.Fprintf(&u.buf, "%d %d\n", sub[0].id, len(sub))
			for _, e := range sub {
				fmt.Fprintf(&u.buf, "%010d %05d n\r\n", e.offset, e.gen)
			}
		}
		fmt.Fprintf(&u.buf, "trailer\n<< /Size %d%s >>\nstartxref\n%d\n%%%%EOF\n", u.next, extra.Bytes(), start)
	case "stream":
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
				binary.BigEndian.PutUint16(gen[:], e.gen)
				data.Write(gen[:])
			}
		}
		fmt.Fprintf(&u.buf, "%d 0 obj\n<< /Type /XRef /Size %d /Index [%s ] /W [1 %d 2] /Length %d%s >>\nstream\n",
			id, u.next, index.Bytes(), offsetWidth, data.Len(), extra.Bytes())
		u.buf.Write(data.Bytes())
		fmt.Fprintf(&u.buf, "\nendstream\nendobj\nstartxref\n%d\n%%%%EOF\n", start)
	default:
		return fmt.Errorf("unknown cross-reference type %q", r.XrefInformation.Type)
	}
	return nil
}

// subsections groups entries into runs of consecutive object numbers, in
// increasing order, as a cross-reference section lists them.
func subsections(entries []xrefEntry) [][]xrefEntry {
	sorted := slices.Clone(entries)
	slices.SortFunc(sorted, func(a, b xrefEntry) int { return int(a.id) - int(b.id) })
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

// writeValue writes v, read from inside the object parent, as PDF syntax.
// What the reader resolved through a reference is written as that reference
// again, so only the direct parts of parent are copied.
func writeValue(w *bytes.Buffer, parent pdflib.Ptr, v pdflib.Value, depth int) error {
	if depth > maxNesting {
		return errors.New("objects nested too deeply")
	}
	if p := v.GetPtr(); p != parent {
		if p.GetID() == 0 {
			// A reference to an object that does not exist is null (ISO
			// 32000-1, 7.3.10).
			w.WriteString("null")
			return nil
		}
		w.WriteString(ref(p.GetID(), p.GetGen()))
		return nil
	}
	switch v.Kind() {
	case pdflib.Null:
		w.WriteString("null")
	case pdflib.Bool:
		w.WriteString(strconv.FormatBool(v.Bool()))
	case pdflib.Integer:
		w.WriteString(strconv.FormatInt(v.Int64(), 10))
	case pdflib.Real:
		w.WriteString(strconv.FormatFloat(v.Float64(), 'f', -1, 64))
	case pdflib.String:
		w.WriteString(pdfHexString(v.RawString()))
	case pdflib.Name:
		w.WriteString(pdfName(v.Name()))
	case pdflib.Array:
		w.WriteString("[")
		for i := range v.Len() {
			if i > 0 {
				w.WriteString(" ")
			}
			if err := writeValue(w, parent, v.Index(i), depth+1); err != nil {
				return err
			}
		}
		w.WriteString("]")
	case pdflib.Dict:
		w.WriteString("<<")
		for _, key := range v.Keys() {
			fmt.Fprintf(w, " %s ", pdfName(key))
			if err := writeValue(w, parent, v.Key(key), depth+1); err != nil {
				return err
			}
		}
		w.WriteString(" >>")
	default:
		// Streams are always indirect, so one here means a broken file.
		return fmt.Errorf("unexpected %v object inside a dictionary", v.Kind())
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
