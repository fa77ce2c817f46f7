package pades

import (
	"bytes"
	"compress/zlib"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"unicode/utf16"

	"golang.org/x/image/font"
	"golang.org/x/image/font/sfnt"
	"golang.org/x/image/math/fixed"

	"github.com/docflow/docflow/services/internal/pdfread"
)

// Text written on a page must stay text a reader can search and copy,
// Vietnamese included, where the signature's own appearance draws text as
// an image (appearance.go). It is set in the embedded Liberation Serif as
// a composite font, glyph by glyph, with a ToUnicode map from each glyph
// back to its letter, and only the glyphs used are kept in the font.

// annotationFlags are Print, ReadOnly, Locked and LockedContents: printed,
// and not to be moved, edited or deleted in a reader.
const annotationFlags = 4 | 64 | 128 | 512

// appendPageTexts returns an incremental update to pdf that adds texts as
// FreeText annotations to their pages, each with an appearance stream
// drawing its white background and its text. Only the pages' annotation
// lists change; their content stays as signed.
func appendPageTexts(pdf []byte, texts []PageText) ([]byte, error) {
	doc, err := pdfread.Open(pdf, pdfread.Options{})
	if err != nil {
		return nil, fmt.Errorf("read the signed PDF: %w", err)
	}
	if doc.Encrypted() {
		return nil, errors.New("the PDF is encrypted: the number and date cannot be written on it")
	}
	final := doc.Final
	rootRef, ok := pdfread.AsRef(final.Trailer["Root"])
	if !ok {
		return nil, errors.New("the document catalog is not an indirect object")
	}
	type pageRef struct {
		ref  pdfread.Ref
		dict pdfread.Dict
	}
	var pages []pageRef
	if _, err := final.Pages(func(r pdfread.Ref, d pdfread.Dict) { pages = append(pages, pageRef{r, d}) }); err != nil {
		return nil, fmt.Errorf("read the pages: %w", err)
	}
	size, _ := pdfread.AsInt(final.Trailer["Size"])
	u := &updateWriter{base: int64(len(pdf)), next: size}
	if !bytes.HasSuffix(pdf, []byte("\n")) && !bytes.HasSuffix(pdf, []byte("\r")) {
		u.buf.WriteString("\n")
	}

	for _, t := range texts {
		if strings.TrimSpace(t.Text) == "" || t.Size <= 0 || t.Box.Width <= 0 || t.Box.Height <= 0 {
			return nil, fmt.Errorf("text %q of %.1f points in a %.0f×%.0f box cannot be written", t.Text, t.Size, t.Box.Width, t.Box.Height)
		}
	}
	tf, err := newTextFont()
	if err != nil {
		return nil, err
	}
	shown := make([]string, len(texts))
	for i, t := range texts {
		if shown[i], err = tf.encode(t.Text); err != nil {
			return nil, err
		}
	}
	fontID, err := tf.write(u)
	if err != nil {
		return nil, err
	}

	added := map[int][]string{}
	for i, t := range texts {
		if t.Page < 1 || t.Page > len(pages) {
			return nil, fmt.Errorf("page %d: the document has %d pages", t.Page, len(pages))
		}
		page := pages[t.Page-1].ref
		var ap bytes.Buffer
		// The background, then the text, in the box's coordinates.
		fmt.Fprintf(&ap, "q 1 g 0 0 %.2f %.2f re f Q\nBT /F1 %.2f Tf 0 g %.2f %.2f Td <%s> Tj ET",
			t.Box.Width, t.Box.Height, t.Size, t.X-t.Box.X, t.Baseline-t.Box.Y, shown[i])
		if t.Field != "" {
			ap = *bytes.NewBuffer(append(append([]byte("/Tx BMC\n"), ap.Bytes()...), "\nEMC"...))
		}
		apID := u.object(fmt.Appendf(nil, "<< /Type /XObject /Subtype /Form /BBox [0 0 %.2f %.2f] /Resources << /Font << /F1 %s >> >> /Length %d >>\nstream\n%s\nendstream",
			t.Box.Width, t.Box.Height, ref(fontID, 0), ap.Len(), ap.Bytes()))
		if t.Field != "" {
			if err := fillField(u, final, t, apID); err != nil {
				return nil, err
			}
			continue
		}
		annot := u.object(fmt.Appendf(nil,
			"<< /Type /Annot /Subtype /FreeText /NM %s /Rect [%.2f %.2f %.2f %.2f] /Contents %s /DA (/Helv %.2f Tf 0 g) /F %d /BS << /W 0 >> /P %s /AP << /N %s >> >>",
			pdfHexString(t.Name), t.Box.X, t.Box.Y, t.Box.X+t.Box.Width, t.Box.Y+t.Box.Height, utf16Hex(t.Text), t.Size,
			annotationFlags, ref(page.Num, page.Gen), ref(apID, 0)))
		added[t.Page] = append(added[t.Page], ref(annot, 0))
	}

	for _, n := range slices.Sorted(maps.Keys(added)) {
		p := pages[n-1]
		var old []string
		annots := final.Resolve(p.dict["Annots"])
		for _, a := range pdfread.AsArray(annots) {
			var b bytes.Buffer
			if err := writeValue(&b, final, a, 0); err != nil {
				return nil, fmt.Errorf("page %d /Annots: %w", n, err)
			}
			old = append(old, b.String())
		}
		list := []byte("[" + strings.Join(append(old, added[n]...), " ") + "]")
		// An annotation list of its own is rewritten in place, so the page
		// object stays as signed.
		if r, ok := pdfread.AsRef(p.dict["Annots"]); ok && annots != nil {
			u.replace(r.Num, r.Gen, list)
			continue
		}
		var d bytes.Buffer
		d.WriteString("<<")
		for _, key := range slices.Sorted(maps.Keys(p.dict)) {
			if key == "Annots" {
				continue
			}
			fmt.Fprintf(&d, " %s ", pdfName(string(key)))
			if err := writeValue(&d, final, p.dict[key], 0); err != nil {
				return nil, fmt.Errorf("page %d /%s: %w", n, key, err)
			}
		}
		fmt.Fprintf(&d, " /Annots %s >>", list)
		u.replace(p.ref.Num, p.ref.Gen, d.Bytes())
	}
	u.finish(doc.Sections[0], final.Trailer, rootRef)
	return u.buf.Bytes(), nil
}

// fillField gives the text field t.Field the value t.Text, shown by the
// appearance apID, and makes it read-only: a form fill, which leaves the
// page and the field's place as they were signed.
func fillField(u *updateWriter, v *pdfread.View, t PageText, apID int64) error {
	field, widget, ok := findTextField(v, pdfread.AsDict(v.Resolve(v.Catalog()["AcroForm"]))["Fields"], t.Field, 0)
	if !ok {
		return fmt.Errorf("the text field %q is not in the form", t.Field)
	}
	fd := pdfread.AsDict(v.Resolve(field))
	ff, _ := pdfread.AsInt(v.Resolve(fd["Ff"]))
	set := map[pdfread.Name]string{"V": utf16Hex(t.Text), "Ff": fmt.Sprint(ff | 1)}
	if widget == field {
		set["AP"] = fmt.Sprintf("<< /N %s >>", ref(apID, 0))
	}
	if err := rewrite(u, v, field, fd, set); err != nil {
		return err
	}
	if widget != field {
		return rewrite(u, v, widget, pdfread.AsDict(v.Resolve(widget)), map[pdfread.Name]string{"AP": fmt.Sprintf("<< /N %s >>", ref(apID, 0))})
	}
	return nil
}

// findTextField finds the text field named name among fields (and their
// kids) and the widget that shows it: the field itself or its first kid.
func findTextField(v *pdfread.View, fields any, name string, depth int) (field, widget pdfread.Ref, ok bool) {
	if depth > maxNesting {
		return field, widget, false
	}
	for _, f := range pdfread.AsArray(v.Resolve(fields)) {
		r, isRef := pdfread.AsRef(f)
		d := pdfread.AsDict(v.Resolve(f))
		if !isRef || d == nil {
			continue
		}
		if title, _ := pdfread.AsString(v.Resolve(d["T"])); string(title) == name && pdfread.AsName(v.Resolve(d["FT"])) == "Tx" {
			if d["Rect"] != nil {
				return r, r, true
			}
			if kids := pdfread.AsArray(v.Resolve(d["Kids"])); len(kids) > 0 {
				if kid, ok := pdfread.AsRef(kids[0]); ok {
					return r, kid, true
				}
			}
			return field, widget, false
		}
		if field, widget, ok = findTextField(v, d["Kids"], name, depth+1); ok {
			return field, widget, true
		}
	}
	return field, widget, false
}

// rewrite writes a new version of the object r (the dictionary d) with
// the entries of set in place of its own.
func rewrite(u *updateWriter, v *pdfread.View, r pdfread.Ref, d pdfread.Dict, set map[pdfread.Name]string) error {
	var b bytes.Buffer
	b.WriteString("<<")
	for _, key := range slices.Sorted(maps.Keys(d)) {
		if _, ok := set[key]; ok {
			continue
		}
		fmt.Fprintf(&b, " %s ", pdfName(string(key)))
		if err := writeValue(&b, v, d[key], 0); err != nil {
			return fmt.Errorf("object %d /%s: %w", r.Num, key, err)
		}
	}
	for _, key := range slices.Sorted(maps.Keys(set)) {
		fmt.Fprintf(&b, " %s %s", pdfName(string(key)), set[key])
	}
	b.WriteString(" >>")
	u.replace(r.Num, r.Gen, b.Bytes())
	return nil
}

func utf16Hex(s string) string {
	var b strings.Builder
	b.WriteString("<FEFF")
	for _, u := range utf16.Encode([]rune(s)) {
		fmt.Fprintf(&b, "%04X", u)
	}
	b.WriteString(">")
	return b.String()
}

// textFont is Liberation Serif as a composite font of the glyphs used.
type textFont struct {
	f    *sfnt.Font
	data []byte
	used map[sfnt.GlyphIndex]rune
	buf  sfnt.Buffer
}

func newTextFont() (*textFont, error) {
	fs, err := fonts()
	if err != nil {
		return nil, err
	}
	return &textFont{f: fs[0], data: serifRegular, used: map[sfnt.GlyphIndex]rune{}}, nil
}

// encode returns s as the hexadecimal glyph codes of a string to show.
func (t *textFont) encode(s string) (string, error) {
	var b strings.Builder
	for _, r := range s {
		gid, err := t.f.GlyphIndex(&t.buf, r)
		if err != nil || gid == 0 {
			return "", fmt.Errorf("the embedded font has no letter %q", r)
		}
		t.used[gid] = r
		fmt.Fprintf(&b, "%04X", uint16(gid))
	}
	return b.String(), nil
}

// write adds the font with the glyphs encoded so far to u and returns the
// number of its font dictionary.
func (t *textFont) write(u *updateWriter) (int64, error) {
	gids := slices.Sorted(maps.Keys(t.used))
	sub, err := subsetTrueType(t.data, gids)
	if err != nil {
		return 0, fmt.Errorf("embed the font: %w", err)
	}
	var z bytes.Buffer
	zw := zlib.NewWriter(&z)
	if _, err := zw.Write(sub); err != nil {
		return 0, err
	}
	if err := zw.Close(); err != nil {
		return 0, err
	}
	file := u.object(fmt.Appendf(nil, "<< /Length %d /Length1 %d /Filter /FlateDecode >>\nstream\n%s\nendstream", z.Len(), len(sub), z.Bytes()))

	upem := float64(t.f.UnitsPerEm())
	scale := func(v fixed.Int26_6) float64 { return float64(v) / 64 * 1000 / upem }
	bounds, err := t.f.Bounds(&t.buf, fixed.I(int(t.f.UnitsPerEm())), font.HintingNone)
	if err != nil {
		return 0, fmt.Errorf("embed the font: %w", err)
	}
	const name = "/DOCFLW+LiberationSerif"
	desc := u.object(fmt.Appendf(nil,
		"<< /Type /FontDescriptor /FontName %s /Flags 34 /FontBBox [%.0f %.0f %.0f %.0f] /ItalicAngle 0 /Ascent 891 /Descent -216 /CapHeight 662 /StemV 80 /FontFile2 %s >>",
		name, scale(bounds.Min.X), -scale(bounds.Max.Y), scale(bounds.Max.X), -scale(bounds.Min.Y), ref(file, 0)))

	var widths, cmap strings.Builder
	for _, gid := range gids {
		adv, err := t.f.GlyphAdvance(&t.buf, gid, fixed.I(int(t.f.UnitsPerEm())), font.HintingNone)
		if err != nil {
			return 0, fmt.Errorf("embed the font: %w", err)
		}
		fmt.Fprintf(&widths, " %d [%.0f]", gid, scale(adv))
		fmt.Fprintf(&cmap, "<%04X> <%s>\n", uint16(gid), strings.Trim(utf16Hex(string(t.used[gid])), "<>")[4:])
	}
	cid := u.object(fmt.Appendf(nil,
		"<< /Type /Font /Subtype /CIDFontType2 /BaseFont %s /CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> /FontDescriptor %s /CIDToGIDMap /Identity /DW 1000 /W [%s ] >>",
		name, ref(desc, 0), widths.String()))
	cm := fmt.Sprintf("/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n%d beginbfchar\n%sendbfchar\nendcmap\nCMapName currentdict /CMap defineresource pop\nend\nend",
		len(gids), cmap.String())
	toUnicode := u.object(streamObject([]byte(cm)))
	return u.object(fmt.Appendf(nil, "<< /Type /Font /Subtype /Type0 /BaseFont %s /Encoding /Identity-H /DescendantFonts [%s] /ToUnicode %s >>",
		name, ref(cid, 0), ref(toUnicode, 0))), nil
}
