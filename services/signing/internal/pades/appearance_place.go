package pades

import (
	"fmt"
	"io"
	"strings"

	"github.com/digitorus/pdf"

	"github.com/docflow/docflow/api/errcode"
	"github.com/docflow/docflow/services/internal/clerical/text"
	"github.com/docflow/docflow/services/internal/errs"
)

// Placement says where a signature's box goes on the document, in order of
// preference: the named signature field when the PDF has it, else below the
// anchor text (configured per template, e.g. the signer's position line),
// else the default place on the last page.
type Placement struct {
	Field  string
	Anchor string
}

// How a box was placed.
const (
	PlacedByField   = "field"
	PlacedByAnchor  = "anchor"
	PlacedByDefault = "default"
)

// Placed is where a box of the asked size goes.
type Placed struct {
	Page int // 1-based
	Box  Rect
	How  string // PlacedByField, PlacedByAnchor, PlacedByDefault
}

// PageSize is the width and height of a page in points (its crop box, or
// media box).
type PageSize struct{ Width, Height float64 }

// Widget is the box of a signature field on a page.
type Widget struct {
	Name string
	Page int
	Box  Rect
	// Signed says the field holds a signature.
	Signed bool
}

// Layout is what placing needs of a document: its pages, its signature
// fields and where texts are on the pages.
type Layout struct {
	Pages   []PageSize
	Widgets []Widget
	// TextFields are the text form fields' boxes: a template may name
	// where the number and date go (TextSymbol, TextDate).
	TextFields []Widget
	reader     *pdf.Reader
}

// ReadLayout reads the pages and signature fields of a PDF. It reads them
// with the signing library's reader, which also extracts the pages' text
// for anchors; that reader sizes its tables by what a file claims, so the
// file must have passed the shared guarded reader's limits first
// (pdfread.Inspect, as the signing activity does with every source).
func ReadLayout(in io.ReaderAt, size int64) (l *Layout, err error) {
	const op = "pades.ReadLayout"
	defer func() {
		// A crafted PDF can make the parser panic; it is the document's fault.
		if r := recover(); r != nil {
			l, err = nil, errs.E(op, errs.Invalid, errcode.MalformedPDF,
				"the PDF's pages cannot be read to place the signature").WithCause(fmt.Errorf("%v", r))
		}
	}()
	r, err := pdf.NewReader(in, size)
	if err != nil {
		return nil, errs.E(op, errs.Invalid, errcode.MalformedPDF, "the PDF's pages cannot be read to place the signature").WithCause(err)
	}
	l = &Layout{reader: r}
	n := r.NumPage()
	if n == 0 {
		return nil, errs.E(op, errs.Invalid, errcode.MalformedPDF, "the PDF has no pages to place the signature on")
	}
	for i := 1; i <= n; i++ {
		p := r.Page(i)
		box := rect(inherited(p.V, "CropBox"))
		if box.Width <= 0 || box.Height <= 0 {
			box = rect(inherited(p.V, "MediaBox"))
		}
		if box.Width <= 0 || box.Height <= 0 {
			box = Rect{Width: 595.28, Height: 841.89} // A4, what a page without a box is printed on
		}
		l.Pages = append(l.Pages, PageSize{Width: box.Width, Height: box.Height})
		annots := p.V.Key("Annots")
		for j := 0; j < annots.Len(); j++ {
			a := annots.Index(j)
			if a.Key("Subtype").Name() != "Widget" {
				continue
			}
			field := a
			if field.Key("FT").IsNull() && !a.Key("Parent").IsNull() {
				field = a.Key("Parent")
			}
			if field.Key("FT").Name() == "Tx" {
				l.TextFields = append(l.TextFields, Widget{Name: field.Key("T").Text(), Page: i, Box: rect(a.Key("Rect"))})
				continue
			}
			if field.Key("FT").Name() != "Sig" {
				continue
			}
			l.Widgets = append(l.Widgets, Widget{
				Name: field.Key("T").Text(), Page: i, Box: rect(a.Key("Rect")), Signed: !field.Key("V").IsNull(),
			})
		}
	}
	return l, nil
}

// inherited is a page attribute, from the page or the page tree above it.
func inherited(page pdf.Value, key string) pdf.Value {
	for v, depth := page, 0; !v.IsNull() && depth < 64; v, depth = v.Key("Parent"), depth+1 {
		if r := v.Key(key); !r.IsNull() {
			return r
		}
	}
	return pdf.Value{}
}

// rect reads a PDF rectangle [llx lly urx ury] in either corner order.
func rect(v pdf.Value) Rect {
	if v.Len() != 4 {
		return Rect{}
	}
	x1, y1, x2, y2 := v.Index(0).Float64(), v.Index(1).Float64(), v.Index(2).Float64(), v.Index(3).Float64()
	return Rect{X: min(x1, x2), Y: min(y1, y2), Width: max(x1, x2) - min(x1, x2), Height: max(y1, y2) - min(y1, y2)}
}

// margin is the distance kept from the page's edges: 2 cm, ND30's smallest
// margin (Appendix I).
const margin = 56.7

// Place finds where a box of width × height goes. A field gives its own
// box, and the size asked is fitted inside it; an anchor puts the box
// centred under the text; the default is the lower right of the last page,
// inside the margins, where the signature block of ND30's layout is.
func (l *Layout) Place(p Placement, width, height float64) Placed {
	if p.Field != "" {
		for _, w := range l.Widgets {
			if w.Name == p.Field && !w.Signed && w.Box.Width > 0 && w.Box.Height > 0 {
				return Placed{Page: w.Page, Box: w.Box, How: PlacedByField}
			}
		}
	}
	if p.Anchor != "" {
		if page, x, y, ok := l.find(p.Anchor); ok {
			size := l.Pages[page-1]
			bx := clamp(x-width/2, margin, size.Width-margin-width)
			by := clamp(y-height, margin, size.Height-margin-height)
			return Placed{Page: page, Box: Rect{X: bx, Y: by, Width: width, Height: height}, How: PlacedByAnchor}
		}
	}
	last := len(l.Pages)
	size := l.Pages[last-1]
	return Placed{Page: last, Box: Rect{X: size.Width - margin - width, Y: margin, Width: width, Height: height}, How: PlacedByDefault}
}

// TopRight is the box of the organisation signature's text block on an
// attachment: the top right of page 1, inside the margins.
func (l *Layout) TopRight(width, height float64) Placed {
	size := l.Pages[0]
	return Placed{Page: 1, Box: Rect{X: size.Width - margin - width, Y: size.Height - margin - height, Width: width, Height: height}, How: PlacedByDefault}
}

// find looks for anchor on the pages, last page first (the signature block
// closes a document), comparing text without diacritics or case as the
// content streams may split or encode it differently. It returns the
// centre of the anchor's line and its baseline.
func (l *Layout) find(anchor string) (page int, x, y float64, ok bool) {
	want := strings.Join(strings.Fields(text.Fold(anchor)), "")
	if want == "" {
		return 0, 0, 0, false
	}
	for i := len(l.Pages); i >= 1; i-- {
		var (
			line  strings.Builder
			items []pdf.Text
		)
		flush := func() bool {
			got := strings.Join(strings.Fields(text.Fold(line.String())), "")
			if k := strings.Index(got, want); k >= 0 && len(items) > 0 {
				first, lastItem := items[0], items[len(items)-1]
				x, y = (first.X+lastItem.X+lastItem.W)/2, first.Y
				return true
			}
			line.Reset()
			items = items[:0]
			return false
		}
		for _, t := range l.content(i) {
			if len(items) > 0 && abs(t.Y-items[len(items)-1].Y) > 1 {
				if flush() {
					return i, x, y, true
				}
			}
			line.WriteString(t.S)
			items = append(items, t)
		}
		if flush() {
			return i, x, y, true
		}
	}
	return 0, 0, 0, false
}

func (l *Layout) content(page int) (texts []pdf.Text) {
	defer func() {
		if r := recover(); r != nil {
			texts = nil
		}
	}()
	return l.reader.Page(page).Content().Text
}

func clamp(v, lo, hi float64) float64 {
	if hi < lo {
		return lo
	}
	return min(max(v, lo), hi)
}

func abs(v float64) float64 {
	if v < 0 {
		return -v
	}
	return v
}
