// Package kinds is the one list of document kinds (ND30 Art. 7, Appendix III;
// DOMAIN.md §1) and what each maps to: its Vietnamese name, the abbreviation
// written in a document's symbol, the edXML type and the archive code.
//
// The mappings are reference data in kinds.json, embedded in the binary and
// versioned with the code, so amending them is a data change. The enum values
// are declared here as constants because code branches on some of them.
package kinds

import (
	_ "embed"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync"

	"github.com/docflow/docflow/api/errcode"
	"github.com/docflow/docflow/services/internal/clerical/refdata"
	"github.com/docflow/docflow/services/internal/clerical/text"
	"github.com/docflow/docflow/services/internal/errs"
)

// Kind is a document kind, named by its enum value (e.g. "QUYET_DINH"), the
// value clients send and services store.
type Kind string

// The kinds of DOMAIN.md §1: administrative documents, then copies.
const (
	NghiQuyet     Kind = "NGHI_QUYET"
	QuyetDinh     Kind = "QUYET_DINH"
	ChiThi        Kind = "CHI_THI"
	QuyChe        Kind = "QUY_CHE"
	QuyDinh       Kind = "QUY_DINH"
	ThongCao      Kind = "THONG_CAO"
	ThongBao      Kind = "THONG_BAO"
	HuongDan      Kind = "HUONG_DAN"
	ChuongTrinh   Kind = "CHUONG_TRINH"
	KeHoach       Kind = "KE_HOACH"
	PhuongAn      Kind = "PHUONG_AN"
	DeAn          Kind = "DE_AN"
	DuAn          Kind = "DU_AN"
	BaoCao        Kind = "BAO_CAO"
	ToTrinh       Kind = "TO_TRINH"
	GiayUyQuyen   Kind = "GIAY_UY_QUYEN"
	PhieuGui      Kind = "PHIEU_GUI"
	PhieuChuyen   Kind = "PHIEU_CHUYEN"
	PhieuBao      Kind = "PHIEU_BAO"
	BienBan       Kind = "BIEN_BAN"
	HopDong       Kind = "HOP_DONG"
	CongVan       Kind = "CONG_VAN"
	CongDien      Kind = "CONG_DIEN"
	BanGhiNho     Kind = "BAN_GHI_NHO"
	BanThoaThuan  Kind = "BAN_THOA_THUAN"
	GiayMoi       Kind = "GIAY_MOI"
	GiayGioiThieu Kind = "GIAY_GIOI_THIEU"
	GiayNghiPhep  Kind = "GIAY_NGHI_PHEP"
	ThuCong       Kind = "THU_CONG"
	SaoY          Kind = "SAO_Y"
	TrichSao      Kind = "TRICH_SAO"
	SaoLuc        Kind = "SAO_LUC"
)

// Series says which numbering series and which symbol grammar a kind uses
// (ND30 Art. 15, DOMAIN.md §2).
type Series string

const (
	// SeriesDocument is an administrative document, numbered in the agency's
	// register: "12/QĐ-UBND", or "7816/VPCP-TTĐT" for a kind without an
	// abbreviation (công văn, thư công).
	SeriesDocument Series = "document"
	// SeriesCopy is a copy (sao y, trích sao, sao lục), numbered in its own
	// series: "15/SY-UBND".
	SeriesCopy Series = "copy"
	// SeriesLegal is a legal-normative document, with the year in its number:
	// "30/2020/NĐ-CP".
	SeriesLegal Series = "legal"
)

// Info is what the data file says of one kind.
type Info struct {
	Kind Kind   `json:"kind"`
	Name string `json:"name"` // Vietnamese name, NFC, e.g. "Quyết định"
	// Abbreviation is written in the symbol, case-sensitive and exact ("QyĐ",
	// "TTr"); empty for Công văn and Thư công, which have none.
	Abbreviation string `json:"abbreviation"`
	// EdXMLType is the QCVN 102 DocumentType/Type code; empty while the data
	// file has no confirmed code for the kind.
	EdXMLType   string `json:"edxml_type"`
	ArchiveCode string `json:"archive_code"` // TT05 code, e.g. "02"; empty for copies
	Series      Series `json:"series"`
}

//go:embed kinds.json
var kindsJSON []byte

// table is parsed from the embedded file on first use. The file is part of
// the build and its test proves it parses, so an error here means a broken
// build; it is still returned, never turned into a panic.
var table = sync.OnceValues(func() (*Table, error) { return Parse(kindsJSON) })

// Table is a parsed kinds file.
type Table struct {
	refdata.Header
	list   []Info
	byKind map[Kind]Info
	byAbbr map[string]Info
}

// Lookup returns the kind whose enum value is s, compared exactly. An
// unknown or empty value is an Invalid error naming the field "kind" and the
// accepted values.
func Lookup(s string) (Info, error) {
	t, err := table()
	if err != nil {
		return Info{}, err
	}
	return t.Lookup(s)
}

// All lists every kind in the data file's order; nil only when the embedded
// file is broken (see Version).
func All() []Info {
	t, err := table()
	if err != nil {
		return nil
	}
	return t.All()
}

// ByAbbreviation returns the kind written with abbr in a symbol. The match
// is case-sensitive: "TrS" is trích sao, "TRS" is nothing.
func ByAbbreviation(abbr string) (Info, bool) {
	t, err := table()
	if err != nil {
		return Info{}, false
	}
	return t.ByAbbreviation(abbr)
}

// Version is the embedded data file's version, or an error when the file
// cannot be read; services call it at start-up to fail early and log it.
func Version() (string, error) {
	t, err := table()
	if err != nil {
		return "", err
	}
	return t.Version, nil
}

// Lookup is the package-level Lookup on this table.
func (t *Table) Lookup(s string) (Info, error) {
	const op = "kinds.Lookup"
	if info, ok := t.byKind[Kind(s)]; ok {
		return info, nil
	}
	why := "required: choose the kind of document, e.g. CONG_VAN or QUYET_DINH"
	if s != "" {
		why = fmt.Sprintf("unknown kind %q: use one of %s", text.Clip(s), strings.Join(t.names(), ", "))
	}
	return Info{}, errs.E(op, errs.Invalid, errcode.InvalidArgument, "kind: "+why).WithDetail("kind", why)
}

// All is the package-level All on this table.
func (t *Table) All() []Info { return slices.Clone(t.list) }

// ByAbbreviation is the package-level ByAbbreviation on this table.
func (t *Table) ByAbbreviation(abbr string) (Info, bool) {
	if abbr == "" {
		return Info{}, false
	}
	info, ok := t.byAbbr[abbr]
	return info, ok
}

func (t *Table) names() []string {
	names := make([]string, len(t.list))
	for i, info := range t.list {
		names[i] = string(info.Kind)
	}
	return names
}

var (
	enumPattern    = regexp.MustCompile(`^[A-Z][A-Z_]*[A-Z]$`)
	archivePattern = regexp.MustCompile(`^[0-9]{2}$`)
	edxmlPattern   = regexp.MustCompile(`^[0-9]{1,3}$`)
)

// Parse reads and checks a kinds file. Every problem is reported at once.
func Parse(data []byte) (*Table, error) {
	const op = "kinds.Parse"
	var file struct {
		refdata.Header
		Kinds []Info `json:"kinds"`
	}
	if err := refdata.Decode(data, "the kinds file", &file); err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	var check refdata.Check
	check.Version("the kinds file", file.Version)
	if len(file.Kinds) == 0 {
		check.Bad("the kinds file lists no kinds")
	}
	t := &Table{Header: file.Header, byKind: map[Kind]Info{}, byAbbr: map[string]Info{}}
	for i, info := range file.Kinds {
		at := fmt.Sprintf("kind %d (%s)", i+1, info.Kind)
		if !enumPattern.MatchString(string(info.Kind)) {
			check.Bad("%s: the enum value must be upper-case words joined by _", at)
		}
		if _, dup := t.byKind[info.Kind]; dup {
			check.Bad("%s: listed twice", at)
		}
		check.Name(at, info.Name)
		check.Abbreviation(at, info.Abbreviation)
		if prev, dup := t.byAbbr[info.Abbreviation]; dup && info.Abbreviation != "" {
			check.Bad("%s: abbreviation %q is already used by %s", at, info.Abbreviation, prev.Kind)
		}
		if info.EdXMLType != "" && !edxmlPattern.MatchString(info.EdXMLType) {
			check.Bad("%s: the edXML type must be a number", at)
		}
		switch info.Series {
		case SeriesDocument, SeriesLegal:
			// A legal-normative kind may not have a TT05 code yet.
			optional := info.Series == SeriesLegal && info.ArchiveCode == ""
			if !optional && !archivePattern.MatchString(info.ArchiveCode) {
				check.Bad("%s: the archive code must be two digits", at)
			}
		case SeriesCopy:
			if info.Abbreviation == "" {
				check.Bad("%s: a copy needs its abbreviation", at)
			}
		default:
			check.Bad("%s: series %q is not one of document, copy, legal", at, info.Series)
		}
		if info.Series == SeriesLegal && info.Abbreviation == "" {
			check.Bad("%s: a legal-normative kind needs its abbreviation", at)
		}
		t.list = append(t.list, info)
		t.byKind[info.Kind] = info
		if info.Abbreviation != "" {
			t.byAbbr[info.Abbreviation] = info
		}
	}
	if err := check.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	return t, nil
}
