package pades

import (
	"fmt"
	"slices"
	"strings"

	"github.com/docflow/docflow/api/errcode"
	"github.com/docflow/docflow/services/internal/errs"
)

// The layouts of ND30 Appendix I (DOMAIN.md §6).

// Authorities are the signing authority prefixes, written in capitals.
var Authorities = []string{"KT.", "TM.", "TL.", "TUQ.", "Q."}

// Personal is the visible part of a competent person's signature: the
// authority and title lines, the handwritten image, the name.
type Personal struct {
	// Authority is "" (signing directly) or one of Authorities; Head is the
	// title it refers to ("BỘ TRƯỞNG" in "KT. BỘ TRƯỞNG").
	Authority string
	Head      string
	// Position is the signer's own position ("THỨ TRƯỞNG"); Name their
	// full name.
	Position string
	Name     string
	// Signature is the handwritten image: a PNG, blue on transparent.
	Signature []byte
}

// Size of the personal signature block, and where the handwritten image
// sits in it: between the position lines and the name, centred.
const (
	PersonalWidth  = 220.0
	PersonalHeight = 150.0
)

var personalImage = Rect{X: (PersonalWidth - 130) / 2, Y: 34, Width: 130, Height: 70}

// SignatureImageBox is where the handwritten image of a personal signature
// block placed at block is on the page; the seal overlaps it.
func SignatureImageBox(block Rect) Rect {
	sx, sy := block.Width/PersonalWidth, block.Height/PersonalHeight
	return Rect{
		X: block.X + personalImage.X*sx, Y: block.Y + personalImage.Y*sy,
		Width: personalImage.Width * sx, Height: personalImage.Height * sy,
	}
}

// PersonalAppearance lays out p in the box at (PersonalWidth ×
// PersonalHeight, or the size of the field it was placed in).
func PersonalAppearance(p Personal, at Placed) (*Appearance, error) {
	const op = "pades.PersonalAppearance"
	var problems []string
	authority := strings.ToUpper(strings.TrimSpace(p.Authority))
	if authority != "" && !strings.HasSuffix(authority, ".") {
		authority += "."
	}
	if authority != "" && !slices.Contains(Authorities, authority) {
		problems = append(problems, fmt.Sprintf("signing authority %q is not one of %s", p.Authority, strings.Join(Authorities, ", ")))
	}
	if authority != "" && strings.TrimSpace(p.Head) == "" {
		problems = append(problems, fmt.Sprintf("%s needs the title it signs for (e.g. %s BỘ TRƯỞNG)", authority, authority))
	}
	if strings.TrimSpace(p.Position) == "" || strings.TrimSpace(p.Name) == "" {
		problems = append(problems, "the signer's position and name are required")
	}
	if len(p.Signature) == 0 {
		problems = append(problems, "the signer's handwritten image is missing")
	}
	if len(problems) > 0 {
		return nil, errs.E(op, errs.Invalid, errcode.InvalidArgument, "cannot draw the personal signature: "+strings.Join(problems, "; "))
	}
	var lines []string
	if authority != "" {
		lines = append(lines, authority+" "+strings.ToUpper(strings.TrimSpace(p.Head)))
	}
	lines = append(lines, strings.ToUpper(strings.TrimSpace(p.Position)))
	sx, sy := at.Box.Width/PersonalWidth, at.Box.Height/PersonalHeight
	scale := func(r Rect) Rect { return Rect{X: r.X * sx, Y: r.Y * sy, Width: r.Width * sx, Height: r.Height * sy} }
	return &Appearance{Page: at.Page, Box: at.Box, Items: []Item{
		{At: scale(Rect{Y: 108, Width: PersonalWidth, Height: 40}), Lines: lines, Size: 12 * min(sx, sy), Bold: true},
		{At: scale(personalImage), PNG: p.Signature},
		{At: scale(Rect{Y: 4, Width: PersonalWidth, Height: 22}), Lines: []string{strings.TrimSpace(p.Name)}, Size: 12 * min(sx, sy), Bold: true},
	}}, nil
}

// Real sizes a seal image may have, in points: 25 to 60 mm across. An
// image outside them says its resolution is wrong, not that the seal is.
const (
	minSeal = 25 / 25.4 * 72
	maxSeal = 60 / 25.4 * 72
)

// SealAppearance puts the red seal image, at its real size, over the left
// third of the signer's handwritten image (signer, on page).
func SealAppearance(seal []byte, page int, signer Rect) (*Appearance, error) {
	const op = "pades.SealAppearance"
	w, h, err := PNGSize(seal)
	if err != nil {
		return nil, errs.Wrap(op, err)
	}
	if w < minSeal || w > maxSeal || h < minSeal || h > maxSeal {
		return nil, errs.E(op, errs.Invalid, errcode.InvalidArgument, fmt.Sprintf(
			"the seal image is %.0f×%.0f mm at the resolution it records; a seal is 25 to 60 mm across: save it with its real resolution",
			w/72*25.4, h/72*25.4))
	}
	// The seal's right edge falls a third of the way into the image, its
	// centre level with the image's.
	box := Rect{X: signer.X + signer.Width/3 - w, Y: signer.Y + signer.Height/2 - h/2, Width: w, Height: h}
	return &Appearance{Page: page, Box: box, Items: []Item{{At: Rect{Width: w, Height: h}, PNG: seal}}}, nil
}

// Text block of an attachment's organisation signature.
const (
	TextBlockWidth = 170.0
	textBlockLine  = 12.0
)

// AttachmentAppearance is the organisation signature of an attachment filed
// separately: the signature itself invisible, the lines (number and
// symbol, signing time) in Times 10 black at the top right of page 1.
func AttachmentAppearance(l *Layout, lines []string) (*Appearance, error) {
	note, err := TextBlockAppearance(l, lines)
	if err != nil {
		return nil, err
	}
	return &Appearance{Note: note}, nil
}

// TextBlockAppearance is a box of lines in Times 10 black at the top right
// of page 1: the number and date beside a seal, or an attachment's block.
func TextBlockAppearance(l *Layout, lines []string) (*Appearance, error) {
	if len(lines) == 0 {
		return nil, errs.E("pades.TextBlockAppearance", errs.Invalid, errcode.InvalidArgument, "the text block has no lines")
	}
	height := textBlockLine*float64(len(lines)) + 4
	at := l.TopRight(TextBlockWidth, height)
	return &Appearance{Page: at.Page, Box: at.Box, Items: []Item{
		{At: Rect{Width: TextBlockWidth, Height: height}, Lines: lines, Size: 10, Color: Black, Align: "left"},
	}}, nil
}
