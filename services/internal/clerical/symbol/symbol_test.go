package symbol_test

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/docflow/docflow/api/errcode"
	"github.com/docflow/docflow/api/vntime"
	"github.com/docflow/docflow/services/internal/clerical/kinds"
	"github.com/docflow/docflow/services/internal/clerical/symbol"
	"github.com/docflow/docflow/services/internal/clerical/text"
	"github.com/docflow/docflow/services/internal/errs"
)

func TestFormatNumber(t *testing.T) {
	t.Parallel()
	tests := map[int]string{1: "01", 9: "09", 10: "10", 11: "11", 99: "99", 123: "123", 7816: "7816"}
	for n, want := range tests {
		got, err := symbol.FormatNumber(n)
		if err != nil || got != want {
			t.Errorf("FormatNumber(%d) = %q, %v; want %q", n, got, err, want)
		}
	}
	for _, n := range []int{0, -1} {
		_, err := symbol.FormatNumber(n)
		wantField(t, err, "number")
	}
}

// The grammars of DOMAIN.md §2, and the abbreviations whose case and dots
// must survive (QyĐ, TTr, CTr, TrS, NHNo.ĐT).
func TestRoundTrip(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want symbol.Symbol
	}{
		{"12/QĐ-UBND", symbol.Symbol{Form: symbol.FormKind, Number: 12, Kind: kinds.QuyetDinh, Abbreviation: "QĐ", Issuer: "UBND"}},
		{"05/TTr-SNV-VP", symbol.Symbol{Form: symbol.FormKind, Number: 5, Kind: kinds.ToTrinh, Abbreviation: "TTr", Issuer: "SNV", Units: []string{"VP"}}},
		{"01/QyĐ-BNV", symbol.Symbol{Form: symbol.FormKind, Number: 1, Kind: kinds.QuyDinh, Abbreviation: "QyĐ", Issuer: "BNV"}},
		{"09/CTr-UBND", symbol.Symbol{Form: symbol.FormKind, Number: 9, Kind: kinds.ChuongTrinh, Abbreviation: "CTr", Issuer: "UBND"}},
		{"123/QĐ-NHNo.ĐT", symbol.Symbol{Form: symbol.FormKind, Number: 123, Kind: kinds.QuyetDinh, Abbreviation: "QĐ", Issuer: "NHNo.ĐT"}},
		{"7816/VPCP-TTĐT", symbol.Symbol{Form: symbol.FormCongVan, Number: 7816, Issuer: "VPCP", Units: []string{"TTĐT"}}},
		{"45/UBND", symbol.Symbol{Form: symbol.FormCongVan, Number: 45, Issuer: "UBND"}},
		{"15/SY-UBND", symbol.Symbol{Form: symbol.FormCopy, Number: 15, Kind: kinds.SaoY, Abbreviation: "SY", Issuer: "UBND"}},
		{"03/TrS-VPCP", symbol.Symbol{Form: symbol.FormCopy, Number: 3, Kind: kinds.TrichSao, Abbreviation: "TrS", Issuer: "VPCP"}},
		{"10/SL-BTC", symbol.Symbol{Form: symbol.FormCopy, Number: 10, Kind: kinds.SaoLuc, Abbreviation: "SL", Issuer: "BTC"}},
		{"30/2020/NĐ-CP", symbol.Symbol{Form: symbol.FormLegal, Number: 30, Year: 2020, Abbreviation: "NĐ", Issuer: "CP"}},
		{"45/2019/QH14", symbol.Symbol{Form: symbol.FormLegal, Number: 45, Year: 2019, Issuer: "QH14"}},
		{"01/2020/TTLT-BNV-BTC", symbol.Symbol{Form: symbol.FormLegal, Number: 1, Year: 2020, Abbreviation: "TTLT", Issuer: "BNV", Units: []string{"BTC"}}},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			t.Parallel()
			got, err := symbol.Parse(tc.in)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("Parse(%q) = %+v, want %+v", tc.in, got, tc.want)
			}
			out, err := symbol.Format(got)
			if err != nil || out != tc.in {
				t.Errorf("Format(Parse(%q)) = %q, %v", tc.in, out, err)
			}
			labelled, err := symbol.FormatWithLabel(got)
			if err != nil || labelled != "Số: "+tc.in {
				t.Errorf("FormatWithLabel = %q, %v", labelled, err)
			}
		})
	}
}

// Input arrives labelled, decomposed, or both; it is read the same and
// written back without the label, in NFC.
func TestParseNormalises(t *testing.T) {
	t.Parallel()
	for _, in := range []string{
		"Số: 12/QĐ-UBND",
		"Số 12/QĐ-UBND",
		"Số:12/QĐ-UBND",
		"So\u0302\u0301: 12/Q\u0110-UBND", // "Số" decomposed
		"12/QĐ-UBND",
	} {
		sym, err := symbol.Parse(in)
		if err != nil {
			t.Errorf("Parse(%q): %v", in, err)
			continue
		}
		if out, _ := symbol.Format(sym); out != "12/QĐ-UBND" {
			t.Errorf("Parse(%q) formats as %q", in, out)
		}
	}
	// NFC applies inside the groups too: a unit typed with a decomposed ệ.
	sym, err := symbol.Parse("05/QĐ-SNV-PHe\u0323\u0302")
	if err != nil {
		t.Fatal(err)
	}
	if sym.Units[0] != "PHệ" {
		t.Errorf("unit %q is not NFC", sym.Units[0])
	}
}

// Every problem is a field-level, invalid-argument error naming the field.
func TestParseRejects(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in    string
		field string
		says  string
	}{
		{"", "symbol", "required"},
		{"Số: ", "symbol", "required"},
		{"12 /QĐ-UBND", "symbol", "no spaces"},
		{"12/QĐ-UBND ", "symbol", "no spaces"},
		{"12/QĐ - UBND", "symbol", "no spaces"},
		{"12-QĐ-UBND", "symbol", "number/symbol"},
		{"12/2020/2021/NĐ-CP", "symbol", "number/symbol"},
		{"1/QĐ-UBND", "number", "write the number as 01"},
		{"012/QĐ-UBND", "number", "write the number as 12"},
		{"00/QĐ-UBND", "number", "1 or more"},
		{"12a/QĐ-UBND", "number", "digits"},
		{"/QĐ-UBND", "number", "digits"},
		{"123456789012/QĐ-UBND", "number", "at most 11 digits"},
		{"30/20/NĐ-CP", "year", "four digits"},
		{"30/2020/-CP", "abbreviation", "required"},
		{"30/2020/NĐ-", "issuer", "required"},
		{"30/2020/NĐ-CP-", "units", "required"},
		{"30/2020/", "issuer", "required"},
		{"12/QĐ--UBND", "issuer", "required"},
		{"12/QĐ-UBND-", "units", "required"},
		{"12/QĐ-.UBND", "issuer", "dot"},
		{"12/QĐ-UB..ND", "issuer", "dot"},
		{"12/QĐ-UB_ND", "issuer", "only letters, digits and dots"},
		{"12/-UBND", "issuer", "required"},
		{"12/QĐ-UBNDTINHQUANGNINHVANPHONGUBND", "notation", "at most 30 characters"},
		{"12/QĐ-UBND\xff", "symbol", "UTF-8"},
	}
	for _, tc := range tests {
		_, err := symbol.Parse(tc.in)
		details := wantField(t, err, tc.field)
		if details != nil && !strings.Contains(details[tc.field], tc.says) {
			t.Errorf("Parse(%q): %s = %q; want it to say %q", tc.in, tc.field, details[tc.field], tc.says)
		}
	}
}

func TestParseFor(t *testing.T) {
	t.Parallel()
	// Cục Thuế's công văn "CT-TTHT" looks like a chỉ thị; the declared kind
	// settles it, and the text is unchanged.
	sym, err := symbol.ParseFor("1234/CT-TTHT", kinds.CongVan)
	if err != nil {
		t.Fatal(err)
	}
	want := symbol.Symbol{Form: symbol.FormCongVan, Number: 1234, Kind: kinds.CongVan, Issuer: "CT", Units: []string{"TTHT"}}
	if !reflect.DeepEqual(sym, want) {
		t.Errorf("ParseFor = %+v, want %+v", sym, want)
	}
	if out, err := symbol.Format(sym); err != nil || out != "1234/CT-TTHT" {
		t.Errorf("Format = %q, %v", out, err)
	}
	if sym, err := symbol.ParseFor("15/2020/QĐ-TTg", kinds.QuyetDinh); err != nil || sym.Form != symbol.FormLegal {
		t.Errorf("a legal-normative quyết định: %+v, %v", sym, err)
	}

	for _, tc := range []struct {
		in    string
		kind  kinds.Kind
		field string
	}{
		{"12/QĐ-UBND", kinds.ToTrinh, "abbreviation"},     // the wrong kind's abbreviation
		{"12/VPCP-TTĐT", kinds.QuyetDinh, "abbreviation"}, // a công văn's form for a quyết định
		{"12/SY-UBND", kinds.QuyetDinh, "abbreviation"},
		{"12/QĐ-UBND", "QD", "kind"},
	} {
		_, err := symbol.ParseFor(tc.in, tc.kind)
		wantField(t, err, tc.field)
	}
}

func TestNew(t *testing.T) {
	t.Parallel()
	tests := []struct {
		kind   kinds.Kind
		number int
		issuer string
		units  []string
		want   string
	}{
		{kinds.QuyetDinh, 12, "UBND", nil, "12/QĐ-UBND"},
		{kinds.ToTrinh, 5, "SNV", []string{"VP"}, "05/TTr-SNV-VP"},
		{kinds.CongVan, 7816, "VPCP", []string{"TTĐT"}, "7816/VPCP-TTĐT"},
		{kinds.ThuCong, 3, "UBND", nil, "03/UBND"},
		{kinds.SaoY, 15, "UBND", nil, "15/SY-UBND"},
		{kinds.TrichSao, 1, "NHNo.ĐT", nil, "01/TrS-NHNo.ĐT"},
	}
	for _, tc := range tests {
		sym, err := symbol.New(tc.kind, tc.number, tc.issuer, tc.units...)
		if err != nil {
			t.Errorf("New(%s): %v", tc.kind, err)
			continue
		}
		if got, err := symbol.Format(sym); err != nil || got != tc.want {
			t.Errorf("New(%s) formats as %q, %v; want %q", tc.kind, got, err, tc.want)
		}
		// What New builds, Parse reads back the same.
		back, err := symbol.ParseFor(tc.want, tc.kind)
		if err != nil || !reflect.DeepEqual(back, sym) {
			t.Errorf("ParseFor(%q) = %+v, %v; want %+v", tc.want, back, err, sym)
		}
	}
	// A Symbol built by hand with decomposed text is written in NFC.
	decomposed := symbol.Symbol{Form: symbol.FormKind, Number: 2, Abbreviation: "QĐ", Issuer: "SNV", Units: []string{"PHe\u0323\u0302"}}
	if got, err := symbol.Format(decomposed); err != nil || got != "02/QĐ-SNV-PHệ" {
		t.Errorf("Format of decomposed text = %q, %v", got, err)
	}
	legal, err := symbol.NewLegal(30, 2020, "NĐ", "CP")
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := symbol.Format(legal); got != "30/2020/NĐ-CP" {
		t.Errorf("NewLegal formats as %q", got)
	}

	_, err = symbol.New(kinds.QuyetDinh, 0, "UB ND")
	details := wantField(t, err, "number")
	if details != nil && details["issuer"] == "" {
		t.Errorf("New reported %v; want the issuer's space too", details)
	}
	_, err = symbol.New("CV", 1, "UBND")
	wantField(t, err, "kind")
	_, err = symbol.NewLegal(1, 20, "NĐ", "CP")
	wantField(t, err, "year")
}

func TestFormatRejects(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		sym   symbol.Symbol
		field string
	}{
		{"no form", symbol.Symbol{Number: 1, Issuer: "UBND"}, "form"},
		{"unknown abbreviation", symbol.Symbol{Form: symbol.FormKind, Number: 1, Abbreviation: "CV", Issuer: "UBND"}, "abbreviation"},
		{"lower-cased abbreviation", symbol.Symbol{Form: symbol.FormKind, Number: 1, Abbreviation: "Qyđ", Issuer: "UBND"}, "abbreviation"},
		{"kind and abbreviation disagree", symbol.Symbol{Form: symbol.FormKind, Number: 1, Kind: kinds.ToTrinh, Abbreviation: "QĐ", Issuer: "UBND"}, "abbreviation"},
		{"công văn with an abbreviation", symbol.Symbol{Form: symbol.FormCongVan, Number: 1, Abbreviation: "QĐ", Issuer: "UBND"}, "abbreviation"},
		{"copy with a kind's abbreviation", symbol.Symbol{Form: symbol.FormCopy, Number: 1, Abbreviation: "QĐ", Issuer: "UBND"}, "abbreviation"},
		{"year outside legal", symbol.Symbol{Form: symbol.FormKind, Number: 1, Year: 2020, Abbreviation: "QĐ", Issuer: "UBND"}, "year"},
		{"no issuer", symbol.Symbol{Form: symbol.FormCongVan, Number: 1}, "issuer"},
		{"legal units without an abbreviation", symbol.Symbol{Form: symbol.FormLegal, Number: 1, Year: 2020, Issuer: "BNV", Units: []string{"BTC"}}, "abbreviation"},
		{"slash in a unit", symbol.Symbol{Form: symbol.FormCongVan, Number: 1, Issuer: "UBND", Units: []string{"A/B"}}, "units"},
	}
	for _, tc := range tests {
		_, err := symbol.Format(tc.sym)
		if wantField(t, err, tc.field) == nil {
			t.Errorf("%s", tc.name)
		}
	}
}

func TestDateLine(t *testing.T) {
	t.Parallel()
	tests := []struct {
		place string
		at    time.Time
		want  string
	}{
		{"Hà Nội", time.Date(2026, 1, 5, 9, 0, 0, 0, vntime.Zone), "Hà Nội, ngày 05 tháng 01 năm 2026"},
		{"Hà Nội", time.Date(2026, 3, 5, 9, 0, 0, 0, vntime.Zone), "Hà Nội, ngày 05 tháng 3 năm 2026"},
		{"Hà Nội", time.Date(2026, 2, 28, 9, 0, 0, 0, vntime.Zone), "Hà Nội, ngày 28 tháng 02 năm 2026"},
		{"Quảng Ninh", time.Date(2026, 12, 31, 9, 0, 0, 0, vntime.Zone), "Quảng Ninh, ngày 31 tháng 12 năm 2026"},
		{"Hà Nội", time.Date(2026, 10, 10, 9, 0, 0, 0, vntime.Zone), "Hà Nội, ngày 10 tháng 10 năm 2026"},
		// 18:00 UTC on 4 March is already 5 March in Hà Nội.
		{"Hà Nội", time.Date(2026, 3, 4, 18, 0, 0, 0, time.UTC), "Hà Nội, ngày 05 tháng 3 năm 2026"},
		{"Ha\u0300 No\u0323\u0302i", time.Date(2026, 3, 5, 9, 0, 0, 0, vntime.Zone), "Hà Nội, ngày 05 tháng 3 năm 2026"},
		{"", time.Date(2026, 3, 5, 9, 0, 0, 0, vntime.Zone), "ngày 05 tháng 3 năm 2026"},
	}
	for _, tc := range tests {
		if got := symbol.DateLine(tc.place, tc.at); got != tc.want {
			t.Errorf("DateLine(%q, %s) = %q, want %q", tc.place, tc.at, got, tc.want)
		}
	}
}

// Parse never panics, and what it accepts formats back to its input (in
// NFC, without the label).
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"12/QĐ-UBND", "05/TTr-SNV-VP", "7816/VPCP-TTĐT", "15/SY-UBND", "03/TrS-NHNo.ĐT",
		"30/2020/NĐ-CP", "45/2019/QH14", "Số: 01/QyĐ-BNV", "Số 09/CTr-UBND", "1/QĐ", "12/QĐ--X",
		"So\u0302\u0301: 12/QĐ-UBND", "12/QĐ-UB.ND.", "", "/", "//", "1/2/3/4", "30/2020/-CP",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		sym, err := symbol.Parse(s)
		if err != nil {
			var e *errs.Error
			if !errors.As(err, &e) || e.Kind != errs.Invalid || len(e.Details) == 0 {
				t.Fatalf("Parse(%q) failed without a field-level error: %v", s, err)
			}
			return
		}
		out, err := symbol.Format(sym)
		if err != nil {
			t.Fatalf("Parse(%q) accepted %+v, which Format refuses: %v", s, sym, err)
		}
		want := text.NFC(s)
		for _, label := range []string{"Số: ", "Số:", "Số "} {
			if rest, ok := strings.CutPrefix(want, label); ok {
				want = rest
				break
			}
		}
		if out != want {
			t.Fatalf("Format(Parse(%q)) = %q, want %q", s, out, want)
		}
		again, err := symbol.Parse(out)
		if err != nil || !reflect.DeepEqual(again, sym) {
			t.Fatalf("Parse(Format(Parse(%q))) = %+v, %v; want %+v", s, again, err, sym)
		}
	})
}

// wantField asserts err is an invalid-argument error with a detail for
// field, and returns its details (nil after a failed assertion).
func wantField(t *testing.T, err error, field string) map[string]string {
	t.Helper()
	var e *errs.Error
	if !errors.As(err, &e) || e.Kind != errs.Invalid || e.Code != errcode.InvalidArgument {
		t.Errorf("got %v; want an invalid-argument error", err)
		return nil
	}
	if _, ok := e.Details[field]; !ok {
		t.Errorf("error %q has details %v; want one for %q", e.Message, e.Details, field)
		return nil
	}
	return e.Details
}
