package pades

import (
	"bytes"
	"cmp"
	"encoding/hex"
	"io"
	"math"
	"regexp"
	"slices"
	"unicode/utf16"

	"github.com/digitorus/pdf"
	"golang.org/x/image/font"
	"golang.org/x/image/font/sfnt"
	"golang.org/x/image/math/fixed"
)

// The blanks a drafter leaves on a line ("Số:      /QĐ-VPCP") are spaces
// or gaps between shown strings, so finding them needs every character's
// extent, spaces included. The PDF library's own text extraction drops
// spaces and advances by nothing in fonts without a /Widths array (every
// composite font, which is how word processors embed Vietnamese text), so
// this reader interprets the content itself, with the fonts' widths.

// glyph is one character shown on a page, where a reader sees it.
type glyph struct {
	s      string // the text it stands for; "" when the font does not say
	x0, x1 float64
	y      float64 // baseline
	size   float64 // effective font size
}

func (g glyph) space() bool { return g.s == " " || g.s == "\u00a0" }

// textLine is the glyphs on one baseline, left to right.
type textLine struct {
	y      float64
	glyphs []glyph
}

// pageFont is what placing text needs of a font: how its codes split,
// how wide each is, and what text each stands for.
type pageFont struct {
	twoByte  bool
	widths   map[string]float64 // per code, in 1/1000 of the size
	fallback float64            // the width of a code not in widths; < 0 to estimate
	unicode  map[string]string
	simple   pdf.TextEncoding
}

func readPageFont(v pdf.Value) *pageFont {
	f := &pageFont{widths: map[string]float64{}, unicode: map[string]string{}, fallback: -1}
	if v.Key("Subtype").Name() == "Type0" {
		f.twoByte = true
		d := v.Key("DescendantFonts").Index(0)
		f.fallback = 1000
		if dw := d.Key("DW"); dw.Kind() == pdf.Integer || dw.Kind() == pdf.Real {
			f.fallback = dw.Float64()
		}
		w := d.Key("W")
		// Codes are two bytes, so there are at most 1<<16 widths; a /W
		// listing more is not read further.
		budget := 1 << 16
		for i := 0; i < w.Len() && budget > 0; {
			first := int(w.Index(i).Int64())
			if i+1 < w.Len() && w.Index(i+1).Kind() == pdf.Array {
				arr := w.Index(i + 1)
				for j := 0; j < arr.Len() && budget > 0; j++ {
					f.widths[code2(first+j)] = arr.Index(j).Float64()
					budget--
				}
				i += 2
				continue
			}
			if i+2 >= w.Len() {
				break
			}
			last, width := int(w.Index(i+1).Int64()), w.Index(i+2).Float64()
			for c := first; c <= last && budget > 0; c++ {
				f.widths[code2(c)] = width
				budget--
			}
			i += 3
		}
	} else {
		first := int(v.Key("FirstChar").Int64())
		ws := v.Key("Widths")
		for i := 0; i < ws.Len() && i < 256; i++ {
			f.widths[string([]byte{low(first + i)})] = ws.Index(i).Float64()
		}
		if ws.Len() > 0 {
			f.fallback = v.Key("FontDescriptor").Key("MissingWidth").Float64()
		}
		f.simple = pdf.Font{V: v}.Encoder()
	}
	if tu := v.Key("ToUnicode"); tu.Kind() == pdf.Stream {
		readToUnicode(tu, f.unicode)
	}
	return f
}

func code2(c int) string { return string([]byte{low(c >> 8), low(c)}) }

// low is the last byte of c: character codes are bytes, and a code
// computed past 255 wraps as the PDF's own arithmetic on strings would.
func low(c int) byte { return byte(c & 0xff) }

func (f *pageFont) text(code string) string {
	if s, ok := f.unicode[code]; ok {
		return s
	}
	if f.simple != nil {
		return f.simple.Decode(code)
	}
	return ""
}

// width is a code's width in 1/1000 of the size. A font without widths is
// a standard font; the documents ND30 governs are set in Times New Roman,
// whose widths Liberation Serif shares, so it measures what is missing.
func (f *pageFont) width(code, s string) float64 {
	if w, ok := f.widths[code]; ok {
		return w
	}
	if f.fallback >= 0 {
		return f.fallback
	}
	return measure(s, 1000)
}

// measure is the width of s in Liberation Serif at size, in points; 0 when
// the font cannot be read.
func measure(s string, size float64) float64 {
	fs, err := fonts()
	if err != nil {
		return 0
	}
	var buf sfnt.Buffer
	total := 0.0
	for _, r := range s {
		gid, err := fs[0].GlyphIndex(&buf, r)
		if err != nil {
			continue
		}
		adv, err := fs[0].GlyphAdvance(&buf, gid, fixed.I(1000), font.HintingNone)
		if err != nil {
			continue
		}
		total += float64(adv) / 64
	}
	return total * size / 1000
}

// CMap syntax of the mappings: a hexadecimal code and its text, or a
// range of codes and the text of its first or an array of texts.
var (
	bfchar     = regexp.MustCompile(`(?s)beginbfchar(.*?)endbfchar`)
	bfrange    = regexp.MustCompile(`(?s)beginbfrange(.*?)endbfrange`)
	charPair   = regexp.MustCompile(`<([0-9A-Fa-f\s]*)>\s*<([0-9A-Fa-f\s]*)>`)
	rangeEntry = regexp.MustCompile(`<([0-9A-Fa-f\s]*)>\s*<([0-9A-Fa-f\s]*)>\s*(?:<([0-9A-Fa-f\s]*)>|\[([^\]]*)\])`)
	hexString  = regexp.MustCompile(`<([0-9A-Fa-f\s]*)>`)
)

// maxCMap bounds the ToUnicode map read; a font's is a few kilobytes.
const maxCMap = 1 << 20

// readToUnicode reads the bfchar and bfrange mappings of a ToUnicode CMap.
// The PDF library's own reader knows only ranges and stops at the
// PostScript around them.
func readToUnicode(stream pdf.Value, into map[string]string) {
	defer func() { _ = recover() }() // a broken CMap only loses the text
	rd := stream.Reader()
	data, _ := io.ReadAll(io.LimitReader(rd, maxCMap))
	_ = rd.Close()
	for _, block := range bfchar.FindAllSubmatch(data, -1) {
		for _, m := range charPair.FindAllSubmatch(block[1], -1) {
			into[unhex(m[1])] = utf16Text(unhex(m[2]))
		}
	}
	budget := 1 << 17 // mappings; a font has at most 1<<16 glyphs
	for _, block := range bfrange.FindAllSubmatch(data, -1) {
		for _, m := range rangeEntry.FindAllSubmatch(block[1], -1) {
			lo, hi := unhex(m[1]), unhex(m[2])
			if len(lo) == 0 || len(lo) != len(hi) {
				continue
			}
			var list [][][]byte
			if m[4] != nil {
				list = hexString.FindAllSubmatch(m[4], -1)
			}
			first, last := codeValue(lo), codeValue(hi)
			for c := first; c <= last && budget > 0; c++ {
				budget--
				code := string([]byte{low(c)})
				if len(lo) > 1 {
					code = lo[:len(lo)-2] + code2(c)
				}
				if m[4] != nil {
					if c-first < len(list) {
						into[code] = utf16Text(unhex(list[c-first][1]))
					}
					continue
				}
				b := []byte(unhex(m[3]))
				if len(b) > 0 {
					b[len(b)-1] += low(c - first)
				}
				into[code] = utf16Text(string(b))
			}
		}
	}
}

func unhex(b []byte) string {
	b = bytes.Join(bytes.Fields(b), nil)
	if len(b)%2 == 1 {
		b = append(b, '0')
	}
	out, _ := hex.DecodeString(string(b))
	return string(out)
}

// codeValue is the value of the last two bytes of a code.
func codeValue(code string) int {
	if len(code) == 1 {
		return int(code[0])
	}
	return int(code[len(code)-2])<<8 | int(code[len(code)-1])
}

func utf16Text(b string) string {
	u := make([]uint16, 0, len(b)/2)
	for i := 0; i+1 < len(b); i += 2 {
		u = append(u, uint16(b[i])<<8|uint16(b[i+1]))
	}
	return string(utf16.Decode(u))
}

type matrix [6]float64 // a b c d e f

var identity = matrix{1, 0, 0, 1, 0, 0}

func (m matrix) mul(n matrix) matrix {
	return matrix{
		m[0]*n[0] + m[1]*n[2], m[0]*n[1] + m[1]*n[3],
		m[2]*n[0] + m[3]*n[2], m[2]*n[1] + m[3]*n[3],
		m[4]*n[0] + m[5]*n[2] + n[4], m[4]*n[1] + m[5]*n[3] + n[5],
	}
}

func translate(x, y float64) matrix { return matrix{1, 0, 0, 1, x, y} }

type textState struct {
	ctm, tm, tlm         matrix
	font                 *pageFont
	size, tc, tw, th, tl float64
	rise                 float64
}

// glyphs reads the characters page shows in its content (not its
// annotations), upright text only.
func (l *Layout) glyphs(page int) (out []glyph) {
	defer func() {
		if r := recover(); r != nil {
			out = nil
		}
	}()
	p := l.reader.Page(page)
	fontsByName := map[string]*pageFont{}
	g := textState{ctm: identity, tm: identity, tlm: identity, th: 1}
	var stack []textState
	show := func(s string) {
		if g.font == nil {
			return
		}
		step := 1
		if g.font.twoByte {
			step = 2
		}
		for i := 0; i+step <= len(s); i += step {
			code := s[i : i+step]
			text := g.font.text(code)
			w := g.font.width(code, text)
			trm := matrix{g.size * g.th, 0, 0, g.size, 0, g.rise}.mul(g.tm).mul(g.ctm)
			out = append(out, glyph{s: text, x0: trm[4], x1: trm[4] + w/1000*trm[0], y: trm[5], size: math.Abs(trm[3])})
			adv := w/1000*g.size + g.tc
			if step == 1 && code == " " {
				adv += g.tw
			}
			g.tm = translate(adv*g.th, 0).mul(g.tm)
		}
	}
	interpret := func(op string, args []pdf.Value) {
		num := func(i int) float64 { return args[i].Float64() }
		switch {
		case op == "q":
			stack = append(stack, g)
		case op == "Q" && len(stack) > 0:
			g, stack = stack[len(stack)-1], stack[:len(stack)-1]
		case op == "cm" && len(args) == 6:
			g.ctm = matrix{num(0), num(1), num(2), num(3), num(4), num(5)}.mul(g.ctm)
		case op == "BT":
			g.tm, g.tlm = identity, identity
		case op == "Tf" && len(args) == 2:
			name := args[0].Name()
			if _, ok := fontsByName[name]; !ok {
				fontsByName[name] = readPageFont(p.Resources().Key("Font").Key(name))
			}
			g.font, g.size = fontsByName[name], num(1)
		case op == "Tc" && len(args) == 1:
			g.tc = num(0)
		case op == "Tw" && len(args) == 1:
			g.tw = num(0)
		case op == "Tz" && len(args) == 1:
			g.th = num(0) / 100
		case op == "TL" && len(args) == 1:
			g.tl = num(0)
		case op == "Ts" && len(args) == 1:
			g.rise = num(0)
		case (op == "Td" || op == "TD") && len(args) == 2:
			if op == "TD" {
				g.tl = -num(1)
			}
			g.tlm = translate(num(0), num(1)).mul(g.tlm)
			g.tm = g.tlm
		case op == "Tm" && len(args) == 6:
			g.tlm = matrix{num(0), num(1), num(2), num(3), num(4), num(5)}
			g.tm = g.tlm
		case op == "T*":
			g.tlm = translate(0, -g.tl).mul(g.tlm)
			g.tm = g.tlm
		case op == "Tj" && len(args) == 1:
			show(args[0].RawString())
		case (op == "'" || op == "\"") && len(args) >= 1:
			if op == "\"" && len(args) == 3 {
				g.tw, g.tc = num(0), num(1)
			}
			g.tlm = translate(0, -g.tl).mul(g.tlm)
			g.tm = g.tlm
			show(args[len(args)-1].RawString())
		case op == "TJ" && len(args) == 1:
			for i := 0; i < args[0].Len(); i++ {
				if x := args[0].Index(i); x.Kind() == pdf.String {
					show(x.RawString())
				} else {
					g.tm = translate(-x.Float64()/1000*g.size*g.th, 0).mul(g.tm)
				}
			}
		}
	}
	contents := p.V.Key("Contents")
	streams := []pdf.Value{contents}
	if contents.Kind() == pdf.Array {
		streams = streams[:0]
		for i := 0; i < contents.Len(); i++ {
			streams = append(streams, contents.Index(i))
		}
	}
	for _, s := range streams {
		pdf.Interpret(s, func(stk *pdf.Stack, op string) {
			args := make([]pdf.Value, stk.Len())
			for i := len(args) - 1; i >= 0; i-- {
				args[i] = stk.Pop()
			}
			interpret(op, args)
		})
	}
	return out
}

// lines groups the glyphs of page by baseline, top to bottom, each line
// left to right.
func (l *Layout) lines(page int) []textLine {
	var lines []textLine
	for _, g := range l.glyphs(page) {
		if g.size <= 0 {
			continue
		}
		i := slices.IndexFunc(lines, func(t textLine) bool { return math.Abs(t.y-g.y) <= g.size*0.2 })
		if i < 0 {
			lines = append(lines, textLine{y: g.y})
			i = len(lines) - 1
		}
		lines[i].glyphs = append(lines[i].glyphs, g)
	}
	for i := range lines {
		slices.SortStableFunc(lines[i].glyphs, func(a, b glyph) int { return cmp.Compare(a.x0, b.x0) })
	}
	slices.SortFunc(lines, func(a, b textLine) int { return cmp.Compare(b.y, a.y) })
	return lines
}
