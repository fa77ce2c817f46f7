package pades

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"

	"golang.org/x/image/font/sfnt"
)

// subsetTrueType returns the TrueType font data with the outlines of the
// glyphs keep (and of the glyphs they are composed of) and every other
// glyph empty. Glyph numbers stay as they are, so a composite font shows
// them with /CIDToGIDMap /Identity; the whole Liberation Serif would add a
// quarter of a megabyte to every sealed document for a dozen letters.
// Tables a PDF reader does not use for a composite font (layout, kerning,
// device metrics) are left out.
func subsetTrueType(data []byte, keep []sfnt.GlyphIndex) ([]byte, error) {
	if len(data) < 12 {
		return nil, errors.New("the font file is too short")
	}
	n := int(binary.BigEndian.Uint16(data[4:]))
	tables := map[string][]byte{}
	var tags []string
	for i := range n {
		rec := 12 + 16*i
		if rec+16 > len(data) {
			return nil, errors.New("the font's table directory is cut short")
		}
		tag := string(data[rec : rec+4])
		off, length := int(binary.BigEndian.Uint32(data[rec+8:])), int(binary.BigEndian.Uint32(data[rec+12:]))
		if off < 0 || length < 0 || off+length > len(data) {
			return nil, fmt.Errorf("the font's %s table is out of the file", tag)
		}
		tables[tag] = data[off : off+length]
		tags = append(tags, tag)
	}
	head, loca, glyf, maxp := tables["head"], tables["loca"], tables["glyf"], tables["maxp"]
	if len(head) < 54 || loca == nil || glyf == nil || len(maxp) < 6 {
		return nil, errors.New("the font has no TrueType outlines")
	}
	long := binary.BigEndian.Uint16(head[50:]) == 1
	count := int(binary.BigEndian.Uint16(maxp[4:]))
	offset := func(i int) int {
		if long {
			if 4*i+4 > len(loca) {
				return -1
			}
			return int(binary.BigEndian.Uint32(loca[4*i:]))
		}
		if 2*i+2 > len(loca) {
			return -1
		}
		return 2 * int(binary.BigEndian.Uint16(loca[2*i:]))
	}
	outline := func(i int) []byte {
		a, b := offset(i), offset(i+1)
		if a < 0 || b < a || b > len(glyf) {
			return nil
		}
		return glyf[a:b]
	}

	kept := map[int]bool{0: true}
	queue := []int{0}
	for _, g := range keep {
		queue = append(queue, int(g))
	}
	for len(queue) > 0 {
		g := queue[0]
		queue = queue[1:]
		if g >= count {
			continue
		}
		kept[g] = true
		for _, c := range components(outline(g)) {
			if !kept[c] {
				queue = append(queue, c)
			}
		}
	}

	var newGlyf bytes.Buffer
	newLoca := make([]byte, 0, 4*(count+1))
	for i := 0; i <= count; i++ {
		newLoca = binary.BigEndian.AppendUint32(newLoca, uint32(newGlyf.Len())) //nolint:gosec // G115: bounded by the font's size
		if i < count && kept[i] {
			newGlyf.Write(outline(i))
			for newGlyf.Len()%4 != 0 {
				newGlyf.WriteByte(0)
			}
		}
	}
	newHead := slices.Clone(head)
	binary.BigEndian.PutUint16(newHead[50:], 1) // long offsets
	binary.BigEndian.PutUint32(newHead[8:], 0)  // checkSumAdjustment: not checked by PDF readers
	tables["head"], tables["loca"], tables["glyf"] = newHead, newLoca, newGlyf.Bytes()

	var out []string
	for _, tag := range tags {
		switch tag {
		case "GSUB", "GPOS", "GDEF", "kern", "DSIG", "hdmx", "VDMX", "LTSH", "JSTF", "BASE", "MATH", "meta", "gasp":
		default:
			out = append(out, tag)
		}
	}
	slices.Sort(out)
	var b bytes.Buffer
	b.Write(data[:4])
	_ = binary.Write(&b, binary.BigEndian, uint16(len(out))) //nolint:gosec // G115: fewer tables than the font had
	_ = binary.Write(&b, binary.BigEndian, [3]uint16{})      // search hints, unused by PDF readers
	off := 12 + 16*len(out)
	var body bytes.Buffer
	for _, tag := range out {
		t := tables[tag]
		b.WriteString(tag)
		_ = binary.Write(&b, binary.BigEndian, [3]uint32{checksum(t), uint32(off + body.Len()), uint32(len(t))}) //nolint:gosec // G115: bounded by the font's size
		body.Write(t)
		for body.Len()%4 != 0 {
			body.WriteByte(0)
		}
	}
	b.Write(body.Bytes())
	return b.Bytes(), nil
}

// components lists the glyphs a composite glyph is made of.
func components(g []byte) []int {
	if len(g) < 10 || int16(binary.BigEndian.Uint16(g)) >= 0 { //nolint:gosec // G115: numberOfContours is signed
		return nil
	}
	var out []int
	p := 10
	for p+4 <= len(g) {
		flags := binary.BigEndian.Uint16(g[p:])
		out = append(out, int(binary.BigEndian.Uint16(g[p+2:])))
		p += 4
		if flags&0x0001 != 0 { // ARG_1_AND_2_ARE_WORDS
			p += 4
		} else {
			p += 2
		}
		switch {
		case flags&0x0008 != 0: // WE_HAVE_A_SCALE
			p += 2
		case flags&0x0040 != 0: // WE_HAVE_AN_X_AND_Y_SCALE
			p += 4
		case flags&0x0080 != 0: // WE_HAVE_A_TWO_BY_TWO
			p += 8
		}
		if flags&0x0020 == 0 { // MORE_COMPONENTS
			break
		}
	}
	return out
}

func checksum(t []byte) uint32 {
	var sum uint32
	for i := 0; i < len(t); i += 4 {
		var w [4]byte
		copy(w[:], t[i:])
		sum += binary.BigEndian.Uint32(w[:])
	}
	return sum
}
