package kinds_test

import (
	"errors"
	"strings"
	"testing"

	"golang.org/x/text/unicode/norm"

	"github.com/docflow/docflow/api/errcode"
	"github.com/docflow/docflow/services/internal/clerical/kinds"
	"github.com/docflow/docflow/services/internal/errs"
)

// The DOMAIN.md §1 table, written out again so that a change to the data
// file that breaks the law's mapping fails here.
func TestDomainTable(t *testing.T) {
	t.Parallel()
	tests := []struct {
		kind    kinds.Kind
		name    string
		abbr    string
		archive string
		series  kinds.Series
	}{
		{kinds.NghiQuyet, "Nghị quyết", "NQ", "01", kinds.SeriesDocument},
		{kinds.QuyetDinh, "Quyết định", "QĐ", "02", kinds.SeriesDocument},
		{kinds.ChiThi, "Chỉ thị", "CT", "03", kinds.SeriesDocument},
		{kinds.QuyChe, "Quy chế", "QC", "04", kinds.SeriesDocument},
		{kinds.QuyDinh, "Quy định", "QyĐ", "05", kinds.SeriesDocument},
		{kinds.ThongCao, "Thông cáo", "TC", "06", kinds.SeriesDocument},
		{kinds.ThongBao, "Thông báo", "TB", "07", kinds.SeriesDocument},
		{kinds.HuongDan, "Hướng dẫn", "HD", "08", kinds.SeriesDocument},
		{kinds.ChuongTrinh, "Chương trình", "CTr", "09", kinds.SeriesDocument},
		{kinds.KeHoach, "Kế hoạch", "KH", "10", kinds.SeriesDocument},
		{kinds.PhuongAn, "Phương án", "PA", "11", kinds.SeriesDocument},
		{kinds.DeAn, "Đề án", "ĐA", "12", kinds.SeriesDocument},
		{kinds.DuAn, "Dự án", "DA", "13", kinds.SeriesDocument},
		{kinds.BaoCao, "Báo cáo", "BC", "14", kinds.SeriesDocument},
		{kinds.ToTrinh, "Tờ trình", "TTr", "15", kinds.SeriesDocument},
		{kinds.GiayUyQuyen, "Giấy ủy quyền", "GUQ", "16", kinds.SeriesDocument},
		{kinds.PhieuGui, "Phiếu gửi", "PG", "17", kinds.SeriesDocument},
		{kinds.PhieuChuyen, "Phiếu chuyển", "PC", "18", kinds.SeriesDocument},
		{kinds.PhieuBao, "Phiếu báo", "PB", "19", kinds.SeriesDocument},
		{kinds.BienBan, "Biên bản", "BB", "20", kinds.SeriesDocument},
		{kinds.HopDong, "Hợp đồng", "HĐ", "21", kinds.SeriesDocument},
		{kinds.CongVan, "Công văn", "", "22", kinds.SeriesDocument},
		{kinds.CongDien, "Công điện", "CĐ", "23", kinds.SeriesDocument},
		{kinds.BanGhiNho, "Bản ghi nhớ", "BGN", "24", kinds.SeriesDocument},
		{kinds.BanThoaThuan, "Bản thỏa thuận", "BTT", "25", kinds.SeriesDocument},
		{kinds.GiayMoi, "Giấy mời", "GM", "26", kinds.SeriesDocument},
		{kinds.GiayGioiThieu, "Giấy giới thiệu", "GGT", "27", kinds.SeriesDocument},
		{kinds.GiayNghiPhep, "Giấy nghỉ phép", "GNP", "28", kinds.SeriesDocument},
		{kinds.ThuCong, "Thư công", "", "29", kinds.SeriesDocument},
		{kinds.SaoY, "Bản sao y", "SY", "", kinds.SeriesCopy},
		{kinds.TrichSao, "Bản trích sao", "TrS", "", kinds.SeriesCopy},
		{kinds.SaoLuc, "Bản sao lục", "SL", "", kinds.SeriesCopy},
	}
	if got := len(kinds.All()); got != len(tests) {
		t.Errorf("the data file lists %d kinds, the law's table %d", got, len(tests))
	}
	for _, tc := range tests {
		t.Run(string(tc.kind), func(t *testing.T) {
			t.Parallel()
			info, err := kinds.Lookup(string(tc.kind))
			if err != nil {
				t.Fatal(err)
			}
			// The expectations are typed in NFC; compare in NFC so a
			// decomposed data file cannot pass.
			if info.Name != norm.NFC.String(tc.name) || info.Abbreviation != tc.abbr ||
				info.ArchiveCode != tc.archive || info.Series != tc.series {
				t.Errorf("got %+v, want name %q abbr %q archive %q series %q", info, tc.name, tc.abbr, tc.archive, tc.series)
			}
			if !norm.NFC.IsNormalString(info.Name) || !norm.NFC.IsNormalString(info.Abbreviation) {
				t.Errorf("%s: name or abbreviation is not NFC", tc.kind)
			}
			if tc.abbr != "" {
				back, ok := kinds.ByAbbreviation(tc.abbr)
				if !ok || back.Kind != tc.kind {
					t.Errorf("ByAbbreviation(%q) = %v, %v; want %s", tc.abbr, back.Kind, ok, tc.kind)
				}
			}
		})
	}
}

// The traps DOMAIN.md §1 names: no "CV", "TrS" not "TS", case matters.
func TestAbbreviationTraps(t *testing.T) {
	t.Parallel()
	for _, abbr := range []string{"CV", "TS", "TRS", "QYĐ", "qđ", "Ttr", "CTR", ""} {
		if info, ok := kinds.ByAbbreviation(abbr); ok {
			t.Errorf("ByAbbreviation(%q) found %s; want nothing", abbr, info.Kind)
		}
	}
	for _, k := range []kinds.Kind{kinds.CongVan, kinds.ThuCong} {
		info, err := kinds.Lookup(string(k))
		if err != nil {
			t.Fatal(err)
		}
		if info.Abbreviation != "" {
			t.Errorf("%s has abbreviation %q; it has none", k, info.Abbreviation)
		}
	}
}

func TestLookupRejects(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want string // in the detail
	}{
		{"", "required"},
		{"quyet_dinh", "unknown kind"},
		{"CV", "unknown kind"},
		{"QUYET DINH", "unknown kind"},
	}
	for _, tc := range tests {
		_, err := kinds.Lookup(tc.in)
		var e *errs.Error
		if !errors.As(err, &e) || e.Kind != errs.Invalid || e.Code != errcode.InvalidArgument {
			t.Fatalf("Lookup(%q) = %v; want an invalid-argument error", tc.in, err)
		}
		if !strings.Contains(e.Details["kind"], tc.want) {
			t.Errorf("Lookup(%q) detail %q; want it to mention %q", tc.in, e.Details["kind"], tc.want)
		}
	}
}

func TestVersion(t *testing.T) {
	t.Parallel()
	v, err := kinds.Version()
	if err != nil || v == "" {
		t.Fatalf("Version() = %q, %v", v, err)
	}
}

func TestParseRejectsBrokenFiles(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		data string
		want string
	}{
		{"not json", `{`, "not valid JSON"},
		{"unknown field", `{"version":"1","kinds":[],"extra":1}`, "not valid JSON"},
		{"no version", `{"kinds":[{"kind":"A_B","name":"x","abbreviation":"X","archive_code":"01","series":"document"}]}`, "no version"},
		{"empty", `{"version":"1","kinds":[]}`, "lists no kinds"},
		{"duplicate kind", `{"version":"1","kinds":[
			{"kind":"A_B","name":"x","abbreviation":"X","archive_code":"01","series":"document"},
			{"kind":"A_B","name":"y","abbreviation":"Y","archive_code":"02","series":"document"}]}`, "listed twice"},
		{"duplicate abbreviation", `{"version":"1","kinds":[
			{"kind":"A_B","name":"x","abbreviation":"X","archive_code":"01","series":"document"},
			{"kind":"C_D","name":"y","abbreviation":"X","archive_code":"02","series":"document"}]}`, "already used"},
		{"abbreviation with a dash", `{"version":"1","kinds":[{"kind":"A_B","name":"x","abbreviation":"X-Y","archive_code":"01","series":"document"}]}`, "without spaces"},
		{"decomposed name", `{"version":"1","kinds":[{"kind":"A_B","name":"Quye\u0302\u0301t","abbreviation":"X","archive_code":"01","series":"document"}]}`, "NFC"},
		{"bad series", `{"version":"1","kinds":[{"kind":"A_B","name":"x","abbreviation":"X","archive_code":"01","series":"other"}]}`, "series"},
		{"copy without abbreviation", `{"version":"1","kinds":[{"kind":"A_B","name":"x","abbreviation":"","series":"copy"}]}`, "copy needs"},
		{"bad archive code", `{"version":"1","kinds":[{"kind":"A_B","name":"x","abbreviation":"X","archive_code":"2","series":"document"}]}`, "archive code"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := kinds.Parse([]byte(tc.data))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Parse = %v; want an error mentioning %q", err, tc.want)
			}
		})
	}
}

// The edXML DocumentType/Type codes of vn-standards.md §5 (NĐ 09/2010 and
// TT 01/2011 type list, L-rated): written out again so a slip in the data
// file, or two kinds sharing a code, fails here. Phiếu báo and the copies
// have no code in that list.
func TestEdXMLTypes(t *testing.T) {
	t.Parallel()
	want := map[kinds.Kind]string{
		kinds.NghiQuyet: "1", kinds.QuyetDinh: "2", kinds.ChiThi: "3", kinds.QuyChe: "4", kinds.QuyDinh: "5",
		kinds.ThongCao: "6", kinds.ThongBao: "7", kinds.HuongDan: "8", kinds.ChuongTrinh: "9", kinds.KeHoach: "10",
		kinds.PhuongAn: "11", kinds.DeAn: "12", kinds.DuAn: "13", kinds.BaoCao: "14", kinds.BienBan: "15",
		kinds.ToTrinh: "16", kinds.HopDong: "17", kinds.CongVan: "18", kinds.CongDien: "19", kinds.BanGhiNho: "20",
		kinds.BanThoaThuan: "22", kinds.GiayUyQuyen: "24", kinds.GiayMoi: "25", kinds.GiayGioiThieu: "26",
		kinds.GiayNghiPhep: "27", kinds.PhieuGui: "30", kinds.PhieuChuyen: "31", kinds.ThuCong: "32",
		kinds.PhieuBao: "", kinds.SaoY: "", kinds.TrichSao: "", kinds.SaoLuc: "",
	}
	byCode := map[string]kinds.Kind{}
	for _, info := range kinds.All() {
		code, ok := want[info.Kind]
		if !ok {
			t.Errorf("%s: no expected edXML type; add it here from vn-standards.md §5", info.Kind)
			continue
		}
		if info.EdXMLType != code {
			t.Errorf("%s: edXML type %q; want %q", info.Kind, info.EdXMLType, code)
		}
		if prev, dup := byCode[code]; dup && code != "" {
			t.Errorf("%s and %s share the edXML type %s", prev, info.Kind, code)
		}
		byCode[code] = info.Kind
	}
	if got := len(kinds.All()); got != len(want) {
		t.Errorf("the data file lists %d kinds, the table here %d", got, len(want))
	}
}
