package testkit

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"unicode/utf16"

	"golang.org/x/image/font"
	"golang.org/x/image/font/sfnt"
	"golang.org/x/image/math/fixed"
)

// TextRun is text shown from X (points from the page's left edge) on a line.
type TextRun struct {
	X    float64
	Text string
}

// Line is one baseline of a page: Y points from the page's bottom, its
// runs in Size-point text.
type Line struct {
	Y, Size float64
	Runs    []TextRun
}

// VietnamesePDF writes an A4 PDF with one page per entry of pages, each showing
// its lines in Liberation Serif embedded as a composite font with its
// widths and a ToUnicode map: Vietnamese text as word processors write it,
// which the standard fonts of Document cannot show. A blank a drafter left
// ("Số:      /QĐ-VPCP") is spaces in a run or a gap between runs.
func VietnamesePDF(t testing.TB, pages ...[]Line) []byte {
	t.Helper()
	// The signing service embeds the font for its appearances; the source
	// tree the tests run in has it.
	_, here, _, _ := runtime.Caller(0)
	data, err := os.ReadFile(filepath.Join(filepath.Dir(here), "..", "..", "signing", "internal", "pades", "fonts", "LiberationSerif-Regular.ttf"))
	if err != nil {
		t.Fatal(err)
	}
	f, err := sfnt.Parse(data)
	if err != nil {
		t.Fatal(err)
	}
	var buf sfnt.Buffer
	used := map[sfnt.GlyphIndex]rune{}
	glyphs := func(s string) string {
		var b strings.Builder
		for _, r := range s {
			gid, err := f.GlyphIndex(&buf, r)
			if err != nil || gid == 0 {
				t.Fatalf("Liberation Serif has no letter %q", r)
			}
			used[gid] = r
			fmt.Fprintf(&b, "%04X", uint16(gid))
		}
		return b.String()
	}

	// 1 catalog, 2 page tree, 3 font, 4 descendant, 5 descriptor, 6 font
	// file, 7 ToUnicode, then a page and its content per page.
	var contents []string
	for _, lines := range pages {
		var c strings.Builder
		for _, l := range lines {
			for _, r := range l.Runs {
				fmt.Fprintf(&c, "BT /F1 %g Tf %g %g Td <%s> Tj ET\n", l.Size, r.X, l.Y, glyphs(r.Text))
			}
		}
		contents = append(contents, c.String())
	}
	var widths, cmap strings.Builder
	upem := fixed.I(int(f.UnitsPerEm()))
	for gid, r := range used {
		adv, err := f.GlyphAdvance(&buf, gid, upem, font.HintingNone)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&widths, " %d [%d]", gid, int(float64(adv)/64*1000/float64(f.UnitsPerEm())+0.5))
		fmt.Fprintf(&cmap, "<%04X> <%04X>\n", uint16(gid), utf16.Encode([]rune{r})[0])
	}
	cm := fmt.Sprintf("/CIDInit /ProcSet findresource begin 12 dict begin begincmap /CMapName /Adobe-Identity-UCS def /CMapType 2 def\n"+
		"1 begincodespacerange <0000> <FFFF> endcodespacerange\n%d beginbfchar\n%sendbfchar\nendcmap CMapName currentdict /CMap defineresource pop end end",
		len(used), cmap.String())
	kids := make([]string, len(pages))
	for i := range pages {
		kids[i] = fmt.Sprintf("%d 0 R", 8+2*i)
	}
	objs := []string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		fmt.Sprintf("<< /Type /Pages /Kids [%s] /Count %d >>", strings.Join(kids, " "), len(pages)),
		"<< /Type /Font /Subtype /Type0 /BaseFont /LiberationSerif /Encoding /Identity-H /DescendantFonts [4 0 R] /ToUnicode 7 0 R >>",
		fmt.Sprintf("<< /Type /Font /Subtype /CIDFontType2 /BaseFont /LiberationSerif /CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> /FontDescriptor 5 0 R /CIDToGIDMap /Identity /W [%s ] >>", widths.String()),
		"<< /Type /FontDescriptor /FontName /LiberationSerif /Flags 34 /FontBBox [-543 -303 2000 981] /ItalicAngle 0 /Ascent 891 /Descent -216 /CapHeight 662 /StemV 80 /FontFile2 6 0 R >>",
		fmt.Sprintf("<< /Length %d /Length1 %d >>\nstream\n%s\nendstream", len(data), len(data), data),
		fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", len(cm), cm),
	}
	for i, c := range contents {
		objs = append(objs,
			fmt.Sprintf("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 3 0 R >> >> /Contents %d 0 R >>", 9+2*i),
			fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", len(c), c),
		)
	}
	return PDF(objs...)
}
