package pades

import (
	"bytes"
	_ "embed" // the fonts of rendered text
	"encoding/binary"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math"
	"strings"
	"sync"

	"github.com/digitorus/pdfsign"
	"github.com/digitorus/pdfsign/initials"
	"golang.org/x/image/font"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"

	"github.com/docflow/docflow/api/errcode"
	"github.com/docflow/docflow/services/internal/errs"
)

// Appearance is the visible part of a signature (ND30 Appendix I, DOMAIN.md
// §6): a box on one page holding images and lines of text. A Request
// without one makes an invisible signature; so does an Appearance with no
// Items, which then only draws its Note.
//
// Text is drawn into images here rather than as PDF text: the PDF library
// writes text only in WinAnsi, which has no Vietnamese letters (ố, Đ, ư),
// and a signer's title or a symbol (QĐ) must print exactly. Texts, which
// must stay searchable, are written by this package itself with an
// embedded font (page_text.go).
type Appearance struct {
	// Page is the 1-based page the box is on; 0 means the last page.
	Page int
	// Box is where on the page, in points from its lower-left corner.
	Box Rect
	// Items are drawn in order, each placed in the box's coordinates.
	Items []Item
	// Note is drawn in the same revision, as an annotation at the top right
	// of page 1 inside the margins (its Box gives only the size): the
	// number and date beside an organisation seal. Its Page is ignored.
	Note *Appearance
	// Texts are written on the pages as searchable text (the number and
	// date on their lines of page 1), in a revision just before the
	// signature's (appearance_fill.go).
	Texts []PageText
}

// Rect is a rectangle in PDF points: lower-left corner and size.
type Rect struct {
	X, Y, Width, Height float64
}

// Item is an image or a block of text in an appearance.
type Item struct {
	// At is the item's place inside the box (its lower-left corner is
	// relative to the box's).
	At Rect
	// PNG is an image, scaled to fit At keeping its proportions and
	// centred in it; transparency is kept.
	PNG []byte
	// Lines of text, one under the other from the top of At, in a
	// Times-compatible serif (Liberation Serif).
	Lines []string
	// Size is the text size in points (10 when zero); Bold the bold face.
	Size float64
	Bold bool
	// Color of the text (black when zero); Align "left", "center" (the
	// default) or "right".
	Color color.RGBA
	Align string
}

// Text colours of ND30 Appendix I.
var (
	Black = color.RGBA{A: 0xff}
)

// textDPI is the resolution text is drawn at: sharp when printed.
const textDPI = 300

//go:embed fonts/LiberationSerif-Regular.ttf
var serifRegular []byte

//go:embed fonts/LiberationSerif-Bold.ttf
var serifBold []byte

var fonts = sync.OnceValues(func() ([2]*opentype.Font, error) {
	var fs [2]*opentype.Font
	for i, data := range [][]byte{serifRegular, serifBold} {
		f, err := opentype.Parse(data)
		if err != nil {
			return fs, fmt.Errorf("pades: embedded font %d: %w", i, err)
		}
		fs[i] = f
	}
	return fs, nil
})

// validate reports what makes the appearance unusable.
func (a *Appearance) validate() error {
	var problems []string
	if a.Page < 0 {
		problems = append(problems, fmt.Sprintf("page %d: pages count from 1 (0 is the last page)", a.Page))
	}
	if len(a.Items) > 0 && (a.Box.Width <= 0 || a.Box.Height <= 0) {
		problems = append(problems, fmt.Sprintf("the box is %.0f×%.0f points: it needs a size", a.Box.Width, a.Box.Height))
	}
	for i, it := range a.Items {
		switch {
		case len(it.PNG) == 0 && len(it.Lines) == 0:
			problems = append(problems, fmt.Sprintf("item %d has neither an image nor text", i+1))
		case len(it.PNG) > 0 && len(it.Lines) > 0:
			problems = append(problems, fmt.Sprintf("item %d has both an image and text: make them two items", i+1))
		case len(it.PNG) > 0 && !bytes.HasPrefix(it.PNG, []byte("\x89PNG\r\n\x1a\n")):
			problems = append(problems, fmt.Sprintf("item %d: the image is not a PNG", i+1))
		}
		if it.At.Width <= 0 || it.At.Height <= 0 {
			problems = append(problems, fmt.Sprintf("item %d has no size", i+1))
		}
	}
	if len(problems) > 0 {
		return errs.E(opSign, errs.Invalid, errcode.InvalidArgument, "cannot draw the signature: "+strings.Join(problems, "; "))
	}
	return nil
}

// build turns the appearance into the PDF library's, for a document of
// pages pages.
func (a *Appearance) build() (*pdfsign.Appearance, int, error) {
	if err := a.validate(); err != nil {
		return nil, 0, err
	}
	out := pdfsign.NewAppearance(a.Box.Width, a.Box.Height)
	for i, it := range a.Items {
		data := it.PNG
		var w, h float64
		if len(it.Lines) > 0 {
			var err error
			if data, err = renderText(it); err != nil {
				return nil, 0, fmt.Errorf("%s: item %d: %w", opSign, i+1, err)
			}
			w, h = it.At.Width, it.At.Height
		} else {
			cfg, err := png.DecodeConfig(bytes.NewReader(data))
			if err != nil {
				return nil, 0, errs.E(opSign, errs.Invalid, errcode.InvalidArgument,
					fmt.Sprintf("cannot draw the signature: item %d: the PNG cannot be read", i+1)).WithCause(err)
			}
			scale := math.Min(it.At.Width/float64(cfg.Width), it.At.Height/float64(cfg.Height))
			w, h = float64(cfg.Width)*scale, float64(cfg.Height)*scale
		}
		x := it.At.X + (it.At.Width-w)/2
		y := it.At.Y + (it.At.Height-h)/2
		out.Image(&pdfsign.Image{Name: fmt.Sprintf("docflow-%d", i+1), Data: data}).Rect(x, y, w, h).ScaleStretch()
	}
	return out, a.Page, nil
}

// renderText draws the item's lines on a transparent image the size of
// its box at textDPI.
func renderText(it Item) ([]byte, error) {
	fs, err := fonts()
	if err != nil {
		return nil, err
	}
	f := fs[0]
	if it.Bold {
		f = fs[1]
	}
	size := it.Size
	if size == 0 {
		size = 10
	}
	face, err := opentype.NewFace(f, &opentype.FaceOptions{Size: size, DPI: textDPI, Hinting: font.HintingNone})
	if err != nil {
		return nil, err
	}
	defer func() { _ = face.Close() }()
	px := func(pt float64) int { return int(math.Ceil(pt * textDPI / 72)) }
	img := image.NewNRGBA(image.Rect(0, 0, px(it.At.Width), px(it.At.Height)))
	col := it.Color
	if col == (color.RGBA{}) {
		col = Black
	}
	d := font.Drawer{Dst: img, Src: image.NewUniform(col), Face: face}
	m := face.Metrics()
	lineHeight := m.Height.Ceil()
	y := m.Ascent.Ceil()
	for _, line := range it.Lines {
		width := d.MeasureString(line).Ceil()
		x := 0
		switch it.Align {
		case "left":
		case "right":
			x = img.Bounds().Dx() - width
		default:
			x = (img.Bounds().Dx() - width) / 2
		}
		if width > img.Bounds().Dx() {
			return nil, errs.E(opSign, errs.Invalid, errcode.InvalidArgument,
				fmt.Sprintf("cannot draw the signature: %q does not fit in %.0f points", line, it.At.Width))
		}
		d.Dot = fixed.P(x, y)
		d.DrawString(line)
		y += lineHeight
	}
	if y-lineHeight > img.Bounds().Dy() {
		return nil, errs.E(opSign, errs.Invalid, errcode.InvalidArgument,
			fmt.Sprintf("cannot draw the signature: %d lines do not fit in %.0f points", len(it.Lines), it.At.Height))
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// PNGSize is the size of a PNG in points at the resolution it records
// (its pHYs chunk), or at 96 dpi when it records none: the "real size" a
// seal image is printed at.
func PNGSize(data []byte) (width, height float64, err error) {
	cfg, err := png.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return 0, 0, errs.E("pades.PNGSize", errs.Invalid, errcode.InvalidArgument, "the image is not a readable PNG").WithCause(err)
	}
	dpmX, dpmY := pngDensity(data)
	if dpmX == 0 || dpmY == 0 {
		dpmX, dpmY = 96/0.0254, 96/0.0254
	}
	return float64(cfg.Width) / dpmX / 0.0254 * 72, float64(cfg.Height) / dpmY / 0.0254 * 72, nil
}

// pngDensity reads the pixels per metre of a PNG's pHYs chunk; zero when it
// has none or gives only an aspect ratio.
func pngDensity(data []byte) (x, y float64) {
	p := data[min(len(data), 8):]
	for len(p) >= 12 {
		n := int(binary.BigEndian.Uint32(p))
		typ := string(p[4:8])
		if n < 0 || len(p) < 12+n {
			return 0, 0
		}
		if typ == "pHYs" && n == 9 && p[16] == 1 {
			return float64(binary.BigEndian.Uint32(p[8:])), float64(binary.BigEndian.Uint32(p[12:]))
		}
		if typ == "IDAT" {
			return 0, 0
		}
		p = p[12+n:]
	}
	return 0, 0
}

// withAppearance makes b's signature visible with a, on a's page (the last
// one when a.Page is 0); nil leaves it invisible.
func withAppearance(b *pdfsign.SignBuilder, doc *pdfsign.Document, a *Appearance) error {
	if a == nil {
		return nil
	}
	if len(a.Items) == 0 && a.Note == nil && len(a.Texts) == 0 {
		return errs.E(opSign, errs.Invalid, errcode.InvalidArgument, "cannot draw the signature: its appearance is empty")
	}
	pages := doc.Reader().NumPage()
	if len(a.Items) > 0 {
		app, page, err := a.build()
		if err != nil {
			return err
		}
		if page == 0 {
			page = pages
		}
		if page < 1 || page > pages {
			return errs.E(opSign, errs.Invalid, errcode.InvalidArgument,
				fmt.Sprintf("cannot draw the signature on page %d: the document has %d pages", page, pages))
		}
		b.Appearance(app, a.Box.X, a.Box.Y).Page(page)
	}
	if a.Note != nil {
		note, _, err := a.Note.build()
		if err != nil {
			return err
		}
		// The library draws it on every page not excluded.
		others := make([]int, 0, pages-1)
		for p := 2; p <= pages; p++ {
			others = append(others, p)
		}
		doc.AddInitials(note).Position(initials.TopRight, margin, margin).ExcludePages(others...)
	}
	return nil
}
