package pades_test

import (
	"bytes"
	"regexp"
	"strings"
	"testing"

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
