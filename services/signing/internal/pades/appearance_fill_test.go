package pades_test

import (
	"bytes"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/docflow/docflow/services/internal/testkit"
	"github.com/docflow/docflow/services/signing/internal/pades"
	"github.com/docflow/docflow/services/signing/internal/pades/padestest"
	"github.com/docflow/docflow/services/signing/internal/pdftest"
	"github.com/docflow/docflow/services/signing/internal/verify"
)

// lineOf is the line of pdftotext's layout output holding want, with its
// runs of spaces made one; "" when no line holds it.
func lineOf(text, want string) string {
	spaces := regexp.MustCompile(`\s+`)
	for line := range strings.Lines(text) {
		if l := spaces.ReplaceAllString(strings.TrimSpace(line), " "); strings.Contains(l, want) {
			return l
		}
	}
	return ""
}

// The number and date written in the blanks of a draft's page 1 are text
// pdftotext finds on the Số line and the date line, Vietnamese intact,
// and both signatures stay valid.
func TestNumberAndDateOnTheirLines(t *testing.T) {
	t.Parallel()
	tr := newTrust(t)
	body := pdftest.Line{Y: 600, Size: 13, Runs: []pdftest.Run{{X: 80, Text: "Điều 1. Phê duyệt kế hoạch công tác năm 2026."}}}
	for _, tc := range []struct {
		name   string
		page   []pdftest.Line
		symbol string
		date   string
		// wantSo and wantDate are what the Số and date lines read after.
		wantSo, wantDate string
	}{{
		name: "ND30 layout: the Số and date lines share a baseline, the symbol's end printed",
		page: []pdftest.Line{
			{Y: 760, Size: 13, Runs: []pdftest.Run{{X: 90, Text: "Số:        /QĐ-VPCP"}, {X: 320, Text: "Hà Nội, ngày        tháng        năm 2026"}}},
			body,
		},
		symbol: "12/QĐ-VPCP", date: "Hà Nội, ngày 07 tháng 12 năm 2026",
		wantSo: "Số: 12/QĐ-VPCP", wantDate: "Hà Nội, ngày 07 tháng 12 năm 2026",
	}, {
		name: "separate lines, a bare Số label, gaps between runs and the year left blank",
		page: []pdftest.Line{
			{Y: 760, Size: 13, Runs: []pdftest.Run{{X: 90, Text: "Số:"}}},
			{Y: 740, Size: 13, Runs: []pdftest.Run{{X: 300, Text: "Hà Nội, ngày"}, {X: 400, Text: "tháng"}, {X: 460, Text: "năm"}}},
			body,
		},
		symbol: "05/TTr-SNV-VP", date: "Hà Nội, ngày 05 tháng 03 năm 2027",
		wantSo: "Số: 05/TTr-SNV-VP", wantDate: "Hà Nội, ngày 05 tháng 03 năm 2027",
	}} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			draft := pdftest.Lines(t, tc.page)
			personal, _ := padestest.MustSign(t, draft, padestest.Request(tr, "lanhdao", pades.LevelBB))

			layout, err := pades.ReadLayout(bytes.NewReader(personal), int64(len(personal)))
			if err != nil {
				t.Fatal(err)
			}
			so, reason := layout.SymbolText(tc.symbol)
			if reason != "" {
				t.Fatalf("SymbolText: %s", reason)
			}
			date, reason := layout.DateTexts(tc.date)
			if reason != "" {
				t.Fatalf("DateTexts: %s", reason)
			}
			req := padestest.Request(tr, "vanthu", pades.LevelBB)
			req.Appearance = &pades.Appearance{Texts: append([]pades.PageText{so}, date...)}
			sealed, _ := padestest.MustSign(t, personal, req)

			text := pdftest.PDFToText(t, sealed, 1, 1)
			if got := lineOf(text, "Số:"); !strings.Contains(got, tc.wantSo) {
				t.Errorf("the Số line reads %q, want %q in it; page 1:\n%s", got, tc.wantSo, text)
			}
			if got := lineOf(text, "ngày"); !strings.Contains(got, tc.wantDate) {
				t.Errorf("the date line reads %q, want %q in it; page 1:\n%s", got, tc.wantDate, text)
			}
			if got := lineOf(text, "Điều 1."); got != "Điều 1. Phê duyệt kế hoạch công tác năm 2026." {
				t.Errorf("the body line reads %q, want it as drafted", got)
			}

			report := pdftest.PDFSig(t, sealed, pdftest.NSSTrusting(t, tr.RootFile()))
			if len(report.Signatures) != 2 || strings.Count(report.Output, "Signature is Valid.") != 2 {
				t.Fatalf("pdfsig after the number and date:\n%s", report.Output)
			}
			rep, err := verify.Verify(t.Context(), bytes.NewReader(sealed), int64(len(sealed)), verify.Options{Roots: tr.Roots()})
			if err != nil {
				t.Fatal(err)
			}
			if len(rep.Signatures) != 2 || !rep.Signatures[0].Valid || rep.Signatures[0].Coverage.LaterChanges != "permitted" || !rep.Signatures[1].Valid {
				t.Fatalf("verifier: %+v", rep.Signatures)
			}
			pdftest.QPDFCheck(t, sealed)
		})
	}
}

// A template that names the places of the number and date with text
// fields gets them filled: the fields win over the lines of the page.
func TestNumberAndDateInNamedFields(t *testing.T) {
	t.Parallel()
	tr := newTrust(t)
	content := "BT /F1 12 Tf 72 760 Td (So:) Tj ET BT /F1 12 Tf 72 600 Td (Dieu 1.) Tj ET"
	draft := testkit.PDF(
		"<< /Type /Catalog /Pages 2 0 R /AcroForm << /Fields [6 0 R 7 0 R] >> >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R /Annots [6 0 R 7 0 R] >>",
		"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
		fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", len(content), content),
		"<< /Type /Annot /Subtype /Widget /FT /Tx /T (so_ky_hieu) /Rect [100 755 250 773] /F 4 /P 3 0 R >>",
		"<< /Type /Annot /Subtype /Widget /FT /Tx /T (ngay_thang) /Rect [300 755 540 773] /F 4 /P 3 0 R >>",
	)
	personal, _ := padestest.MustSign(t, draft, padestest.Request(tr, "lanhdao", pades.LevelBB))
	layout, err := pades.ReadLayout(bytes.NewReader(personal), int64(len(personal)))
	if err != nil {
		t.Fatal(err)
	}
	so, reason := layout.SymbolText("12/QĐ-VPCP")
	if reason != "" || so.Field != pades.TextSymbol {
		t.Fatalf("SymbolText = %+v, %q; want the field %s", so, reason, pades.TextSymbol)
	}
	date, reason := layout.DateTexts("Hà Nội, ngày 07 tháng 12 năm 2026")
	if reason != "" || len(date) != 1 || date[0].Field != pades.TextDate {
		t.Fatalf("DateTexts = %+v, %q; want the field %s", date, reason, pades.TextDate)
	}
	req := padestest.Request(tr, "vanthu", pades.LevelBB)
	req.Appearance = &pades.Appearance{Texts: append([]pades.PageText{so}, date...)}
	sealed, _ := padestest.MustSign(t, personal, req)

	text := pdftest.PDFToText(t, sealed, 1, 1)
	if got := lineOf(text, "So:"); !strings.Contains(got, "So: 12/QĐ-VPCP Hà Nội, ngày 07 tháng 12 năm 2026") {
		t.Errorf("the first line reads %q, want the symbol and the date in their fields; page 1:\n%s", got, text)
	}
	report := pdftest.PDFSig(t, sealed, pdftest.NSSTrusting(t, tr.RootFile()))
	if len(report.Signatures) != 2 || strings.Count(report.Output, "Signature is Valid.") != 2 {
		t.Fatalf("pdfsig after filling the fields:\n%s", report.Output)
	}
	rep, err := verify.Verify(t.Context(), bytes.NewReader(sealed), int64(len(sealed)), verify.Options{Roots: tr.Roots()})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Signatures) != 2 || !rep.Signatures[0].Valid || rep.Signatures[0].Coverage.LaterChanges != "permitted" || !rep.Signatures[1].Valid {
		t.Fatalf("verifier: %+v", rep.Signatures)
	}
	pdftest.QPDFCheck(t, sealed)
}

// A page 1 where the number or date cannot go says why, for the seal to
// fall back to its corner block.
func TestNumberAndDateNotPlaced(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name       string
		line       pdftest.Line
		symbol     string
		date       string
		wantSymbol string // in the reason, "" when the symbol is placed
		wantDate   string
	}{{
		name:   "no Số line, no date line",
		line:   pdftest.Line{Y: 760, Size: 13, Runs: []pdftest.Run{{X: 90, Text: "Hồ sơ: lưu trữ"}}},
		symbol: "12/QĐ-VPCP", date: "Hà Nội, ngày 07 tháng 12 năm 2026",
		wantSymbol: "no line starting with Số:", wantDate: "no line with ngày",
	}, {
		name:   "the Số line prints another kind, the date line another year",
		line:   pdftest.Line{Y: 760, Size: 13, Runs: []pdftest.Run{{X: 90, Text: "Số:        /TB-VPCP"}, {X: 320, Text: "Hà Nội, ngày        tháng        năm 2025"}}},
		symbol: "12/QĐ-VPCP", date: "Hà Nội, ngày 07 tháng 12 năm 2026",
		wantSymbol: `"/TB-VPCP", which is not the end of the symbol`, wantDate: "prints the year 2025, not 2026",
	}, {
		name:   "blanks too narrow, a date already written",
		line:   pdftest.Line{Y: 760, Size: 13, Runs: []pdftest.Run{{X: 90, Text: "Số: /QĐ-VPCP"}, {X: 320, Text: "Hà Nội, ngày 01 tháng 12 năm 2026"}}},
		symbol: "12/QĐ-VPCP", date: "Hà Nội, ngày 07 tháng 12 năm 2026",
		wantSymbol: "too narrow", wantDate: "already filled in",
	}, {
		name:   "a numbered page 1, a date line that is no date",
		line:   pdftest.Line{Y: 760, Size: 13, Runs: []pdftest.Run{{X: 90, Text: "Số: 11/QĐ-VPCP"}, {X: 320, Text: "Hà Nội, ngày        tháng        năm 2026"}}},
		symbol: "12/QĐ-VPCP", date: "07/12/2026",
		wantSymbol: `already reads "Số: 11/QĐ-VPCP"`, wantDate: "does not read ngày",
	}} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			draft := pdftest.Lines(t, []pdftest.Line{tc.line})
			layout, err := pades.ReadLayout(bytes.NewReader(draft), int64(len(draft)))
			if err != nil {
				t.Fatal(err)
			}
			if so, reason := layout.SymbolText(tc.symbol); !strings.Contains(reason, tc.wantSymbol) || reason == "" {
				t.Errorf("SymbolText = %+v, %q; want a reason with %q", so, reason, tc.wantSymbol)
			}
			if date, reason := layout.DateTexts(tc.date); !strings.Contains(reason, tc.wantDate) || reason == "" {
				t.Errorf("DateTexts = %+v, %q; want a reason with %q", date, reason, tc.wantDate)
			}
		})
	}
}
