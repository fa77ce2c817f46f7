package pades_test

import (
	"bytes"
	"fmt"
	"image"
	"strings"
	"testing"

	"github.com/docflow/docflow/api/errcode"
	"github.com/docflow/docflow/services/internal/errs"
	"github.com/docflow/docflow/services/internal/testkit"
	"github.com/docflow/docflow/services/signing/devpki"
	"github.com/docflow/docflow/services/signing/internal/pades"
	"github.com/docflow/docflow/services/signing/internal/pades/padestest"
	"github.com/docflow/docflow/services/signing/internal/pdftest"
)

// count is how many pixels of the rendered page inside box match.
func count(page image.Image, box pades.Rect, match func(r, g, b uint32) bool) int {
	return pdftest.Count(page, pdftest.Box(box), match)
}

func blue(r, g, b uint32) bool  { return b > 120 && r < 100 && g < 120 }
func red(r, g, b uint32) bool   { return r > 150 && g < 110 && b < 110 }
func black(r, g, b uint32) bool { return r < 90 && g < 90 && b < 90 }

// The personal signature block of ND30 Appendix I, then the seal over the
// left third of its image: both signatures stay valid for pdfsig, and each
// part is drawn where it belongs.
func TestPersonalSignatureAndSealAppearance(t *testing.T) {
	t.Parallel()
	tr := newTrust(t)
	src := pdftest.Document(t, "Quyet dinh", "Noi nhan: nhu tren")
	layout, err := pades.ReadLayout(bytes.NewReader(src), int64(len(src)))
	if err != nil {
		t.Fatal(err)
	}
	placed := layout.Place(pades.Placement{Field: "ChuKy", Anchor: "khong co trong van ban"}, pades.PersonalWidth, pades.PersonalHeight)
	if placed.How != pades.PlacedByDefault || placed.Page != 2 {
		t.Fatalf("placed %+v: with neither the field nor the anchor in the PDF, the default place on the last page", placed)
	}
	handwriting, err := devpki.SignaturePNG("lanhdao")
	if err != nil {
		t.Fatal(err)
	}
	look, err := pades.PersonalAppearance(pades.Personal{
		Authority: "kt", Head: "Bộ trưởng", Position: "Thứ trưởng", Name: "Phạm Minh Đức", Signature: handwriting,
	}, placed)
	if err != nil {
		t.Fatal(err)
	}
	req := padestest.Request(tr, "lanhdao", pades.LevelBB)
	req.Appearance = look
	personal, _ := padestest.MustSign(t, src, req)

	signedLayout, err := pades.ReadLayout(bytes.NewReader(personal), int64(len(personal)))
	if err != nil {
		t.Fatal(err)
	}
	if len(signedLayout.Widgets) != 1 || !signedLayout.Widgets[0].Signed || signedLayout.Widgets[0].Page != 2 {
		t.Fatalf("widgets %+v, want the signed personal signature on page 2", signedLayout.Widgets)
	}
	block := signedLayout.Widgets[0].Box
	img := pades.SignatureImageBox(block)
	page := pdftest.Render(t, personal, 2)
	if n := count(page, img, blue); n < 150 {
		t.Errorf("%d blue pixels in the handwritten image's box, want the signature", n)
	}
	title := pades.Rect{X: block.X, Y: block.Y + 108, Width: block.Width, Height: 40}
	name := pades.Rect{X: block.X, Y: block.Y, Width: block.Width, Height: 26}
	if count(page, title, black) < 100 || count(page, name, black) < 50 {
		t.Errorf("the position lines (%d dark pixels) and the name (%d) are not drawn above and below the image",
			count(page, title, black), count(page, name, black))
	}
	if n := count(page, img, black); n > 20 {
		t.Errorf("%d dark pixels inside the image box: the text overlaps the handwriting", n)
	}

	seal, err := devpki.SealPNG()
	if err != nil {
		t.Fatal(err)
	}
	sealLook, err := pades.SealAppearance(seal, 2, img)
	if err != nil {
		t.Fatal(err)
	}
	wantMM := float64(devpki.SealDiameterMM) / 25.4 * 72
	if d := sealLook.Box.Width - wantMM; d > 1 || d < -1 {
		t.Errorf("seal %.1f points across, want its real size %.1f", sealLook.Box.Width, wantMM)
	}
	req = padestest.Request(tr, "vanthu", pades.LevelBB)
	req.Appearance = sealLook
	sealed, _ := padestest.MustSign(t, personal, req)

	report := pdftest.PDFSig(t, sealed, pdftest.NSSTrusting(t, tr.RootFile()))
	if len(report.Signatures) != 2 || strings.Count(report.Output, "Signature is Valid.") != 2 || strings.Count(report.Output, "Certificate is Trusted.") != 2 {
		t.Fatalf("pdfsig after the seal:\n%s", report.Output)
	}
	page = pdftest.Render(t, sealed, 2)
	leftThird := pades.Rect{X: img.X, Y: img.Y, Width: img.Width / 3, Height: img.Height}
	rightPart := pades.Rect{X: img.X + img.Width/3 + 4, Y: img.Y, Width: img.Width*2/3 - 4, Height: img.Height}
	leftOf := pades.Rect{X: img.X - wantMM, Y: img.Y, Width: wantMM, Height: img.Height}
	if count(page, leftThird, red) < 30 || count(page, leftOf, red) < 100 {
		t.Errorf("red pixels: %d over the left third of the image, %d left of it; want the seal across both",
			count(page, leftThird, red), count(page, leftOf, red))
	}
	if n := count(page, rightPart, red); n != 0 {
		t.Errorf("%d red pixels over the right two thirds of the image: the seal overlaps only a third", n)
	}
	if n := count(page, img, blue); n < 100 {
		t.Errorf("%d blue pixels left: the seal hides the handwriting", n)
	}
}

// A named empty signature field places the box; else the anchor text.
func TestPlacement(t *testing.T) {
	t.Parallel()
	withField := formPDF(t, "ChuKyLanhDao", [4]float64{320, 90, 540, 240}, "KT. BO TRUONG")
	l, err := pades.ReadLayout(bytes.NewReader(withField), int64(len(withField)))
	if err != nil {
		t.Fatal(err)
	}
	got := l.Place(pades.Placement{Field: "ChuKyLanhDao", Anchor: "KT. BO TRUONG"}, pades.PersonalWidth, pades.PersonalHeight)
	if got.How != pades.PlacedByField || got.Page != 1 || got.Box != (pades.Rect{X: 320, Y: 90, Width: 220, Height: 150}) {
		t.Errorf("by field: %+v, want the field's box", got)
	}
	got = l.Place(pades.Placement{Field: "KhongCo", Anchor: "kt. bộ trưởng"}, pades.PersonalWidth, pades.PersonalHeight)
	if got.How != pades.PlacedByAnchor || got.Page != 1 || got.Box.Y+got.Box.Height > 700 || got.Box.Y+got.Box.Height < 600 {
		t.Errorf("by anchor: %+v, want the box just under the line at y=700 (diacritics and case ignored)", got)
	}
}

func TestAppearanceRefusals(t *testing.T) {
	t.Parallel()
	png, err := devpki.SignaturePNG("x")
	if err != nil {
		t.Fatal(err)
	}
	at := pades.Placed{Page: 1, Box: pades.Rect{X: 300, Y: 100, Width: pades.PersonalWidth, Height: pades.PersonalHeight}}
	for name, p := range map[string]pades.Personal{
		"unknown authority":        {Authority: "PT.", Head: "Bộ trưởng", Position: "Thứ trưởng", Name: "A", Signature: png},
		"authority without a head": {Authority: "TM.", Position: "Chủ tịch", Name: "A", Signature: png},
		"no image":                 {Position: "Chánh Văn phòng", Name: "A"},
	} {
		if _, err := pades.PersonalAppearance(p, at); errs.KindOf(err) != errs.Invalid {
			t.Errorf("%s: %v, want an invalid request", name, err)
		}
	}
	if _, err := pades.SealAppearance(png[:40], 1, at.Box); err == nil {
		t.Error("a broken seal image was accepted")
	}
	// A request whose appearance is on a page the document lacks is refused
	// before anything is signed.
	tr := newTrust(t)
	req := padestest.Request(tr, "lanhdao", pades.LevelBB)
	req.Appearance = &pades.Appearance{Page: 3, Box: at.Box, Items: []pades.Item{{At: pades.Rect{Width: 10, Height: 10}, PNG: png}}}
	e := signRefused(t, pdftest.Document(t, "Mot trang"), req)
	if e.Code != errcode.InvalidArgument || !strings.Contains(e.Message, "page 3") {
		t.Fatalf("appearance on page 3 of 1: %v", e)
	}
}

// formPDF is a one-page PDF with an empty signature field name at rect and
// a line of text at y=700.
func formPDF(t *testing.T, name string, rect [4]float64, line string) []byte {
	t.Helper()
	content := fmt.Sprintf("BT /F1 12 Tf 380 700 Td (%s) Tj ET", line)
	objs := []string{
		"<< /Type /Catalog /Pages 2 0 R /AcroForm << /Fields [6 0 R] /SigFlags 0 >> >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R /Annots [6 0 R] >>",
		"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
		fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", len(content), content),
		fmt.Sprintf("<< /Type /Annot /Subtype /Widget /FT /Sig /T (%s) /Rect [%g %g %g %g] /F 4 /P 3 0 R >>", name, rect[0], rect[1], rect[2], rect[3]),
	}
	pdf := testkit.PDF(objs...)
	pdftest.QPDFCheck(t, pdf)
	return pdf
}
