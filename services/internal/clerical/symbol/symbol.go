// Package symbol formats and parses a document's number and symbol (số, ký
// hiệu; ND30 Art. 15, DOMAIN.md §2) and its place and date line.
//
// Four grammars, all without spaces, a "/" after the number and "-" between
// groups:
//
//	kind document    12/QĐ-UBND, 05/TTr-SNV-VP    number/kind-issuer[-unit…]
//	công văn         7816/VPCP-TTĐT               number/issuer[-unit…]
//	copy             15/SY-UBND                   number/copy-issuer[-unit…]
//	legal-normative  30/2020/NĐ-CP, 45/2019/QH14  number/year/[kind-]issuer[-…]
//
// Abbreviations keep their case and dots exactly (QyĐ, TTr, NHNo.ĐT): symbols
// are compared exactly, never case-folded.
package symbol

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/docflow/docflow/api/vntime"
	"github.com/docflow/docflow/services/internal/clerical/kinds"
	"github.com/docflow/docflow/services/internal/clerical/text"
	"github.com/docflow/docflow/services/internal/errs"
)

// Form is the grammar a symbol follows.
type Form int

// The grammars. The zero value is no grammar: a Symbol must choose one.
const (
	FormKind    Form = iota + 1 // 12/QĐ-UBND: a kind with an abbreviation
	FormCongVan                 // 7816/VPCP-TTĐT: công văn or thư công, no abbreviation
	FormCopy                    // 15/SY-UBND: sao y, trích sao, sao lục
	FormLegal                   // 30/2020/NĐ-CP: legal-normative, with the year
)

func (f Form) String() string {
	switch f {
	case FormKind:
		return "kind"
	case FormCongVan:
		return "công văn"
	case FormCopy:
		return "copy"
	case FormLegal:
		return "legal-normative"
	default:
		return "none"
	}
}

// Symbol is a number and symbol taken apart.
type Symbol struct {
	Form   Form
	Number int // issue order in the year, from 1
	Year   int // FormLegal only: the year written in the symbol
	// Kind is the kind the abbreviation names (FormKind, FormCopy), or the
	// kind a caller declared (ParseFor, New); empty when unknown.
	Kind kinds.Kind
	// Abbreviation is the kind's abbreviation as written: "QĐ", "TTr", "SY";
	// for FormLegal the first group when there are two or more ("NĐ" in
	// NĐ-CP); empty for FormCongVan.
	Abbreviation string
	// Issuer is the abbreviated name of the issuing agency or title: "UBND",
	// "VPCP", "CP", "QH14".
	Issuer string
	// Units are the groups after the issuer: the drafting unit ("VP" in
	// 05/TTr-SNV-VP, "TTĐT" in 7816/VPCP-TTĐT), or the further issuers of a
	// joint document.
	Units []string
}

// Label is what precedes a symbol on the page.
const Label = "Số: "

// FormatNumber writes an issue number as ND30 wants it: below 10 with a
// leading zero (01…09), then 10, 11, … 123. A number below 1 is an error.
func FormatNumber(n int) (string, error) {
	if n < 1 {
		return "", invalid("symbol.FormatNumber", map[string]string{"number": fmt.Sprintf("must be 1 or more, got %d", n)})
	}
	return formatNumber(n), nil
}

func formatNumber(n int) string {
	if n < 10 {
		return "0" + strconv.Itoa(n)
	}
	return strconv.Itoa(n)
}

// New builds the symbol of a document of kind k: the grammar follows the
// kind (a copy, a kind with an abbreviation, or công văn/thư công without
// one). issuer is the agency's abbreviation, units the optional further
// groups.
func New(k kinds.Kind, number int, issuer string, units ...string) (Symbol, error) {
	const op = "symbol.New"
	info, err := kinds.Lookup(string(k))
	if err != nil {
		return Symbol{}, errs.Wrap(op, err)
	}
	s := Symbol{Number: number, Kind: k, Abbreviation: info.Abbreviation, Issuer: text.NFC(issuer), Units: nfcAll(units)}
	switch {
	case info.Series == kinds.SeriesCopy:
		s.Form = FormCopy
	case info.Series == kinds.SeriesLegal:
		return Symbol{}, invalid(op, map[string]string{"kind": "a legal-normative document needs its year: use NewLegal"})
	case info.Abbreviation == "":
		s.Form = FormCongVan
	default:
		s.Form = FormKind
	}
	if problems := s.check(); len(problems) > 0 {
		return Symbol{}, invalid(op, problems)
	}
	return s, nil
}

// NewLegal builds a legal-normative symbol: number/year/abbreviation-issuer,
// or number/year/issuer when abbreviation is empty (a law: 45/2019/QH14).
func NewLegal(number, year int, abbreviation, issuer string, units ...string) (Symbol, error) {
	s := Symbol{Form: FormLegal, Number: number, Year: year, Abbreviation: text.NFC(abbreviation), Issuer: text.NFC(issuer), Units: nfcAll(units)}
	if problems := s.check(); len(problems) > 0 {
		return Symbol{}, invalid("symbol.NewLegal", problems)
	}
	return s, nil
}

// Format writes s in its grammar, without the "Số: " label, its text in
// NFC. Every problem is reported at once, each under the name of the Symbol
// field at fault.
func Format(s Symbol) (string, error) {
	s.Abbreviation, s.Issuer, s.Units = text.NFC(s.Abbreviation), text.NFC(s.Issuer), nfcAll(s.Units)
	if problems := s.check(); len(problems) > 0 {
		return "", invalid("symbol.Format", problems)
	}
	return s.format(), nil
}

// FormatWithLabel writes s as it appears on the page: "Số: 12/QĐ-UBND".
func FormatWithLabel(s Symbol) (string, error) {
	out, err := Format(s)
	if err != nil {
		return "", err
	}
	return Label + out, nil
}

// Notation is s without its number: "QĐ-UBND" for 12/QĐ-UBND, "2020/NĐ-CP"
// for 30/2020/NĐ-CP (edXML CodeNotation). It does not check s.
func (s Symbol) Notation() string {
	groups := make([]string, 0, 2+len(s.Units))
	if s.Abbreviation != "" && s.Form != FormCongVan {
		groups = append(groups, s.Abbreviation)
	}
	groups = append(groups, s.Issuer)
	groups = append(groups, s.Units...)
	notation := strings.Join(groups, "-")
	if s.Form == FormLegal {
		notation = strconv.Itoa(s.Year) + "/" + notation
	}
	return notation
}

func (s Symbol) format() string { return formatNumber(s.Number) + "/" + s.Notation() }

// check lists every problem of s by field.
func (s Symbol) check() map[string]string {
	problems := map[string]string{}
	if s.Number < 1 {
		problems["number"] = fmt.Sprintf("must be 1 or more, got %d", s.Number)
	} else if n := len(formatNumber(s.Number)); n > text.CodeNumber.Max {
		problems["number"] = fmt.Sprintf("at most %d digits, got %d", text.CodeNumber.Max, n)
	}
	switch s.Form {
	case FormLegal:
		if s.Year < 1000 || s.Year > 9999 {
			problems["year"] = fmt.Sprintf("must be a four-digit year, got %d", s.Year)
		}
	case FormKind, FormCongVan, FormCopy:
		if s.Year != 0 {
			problems["year"] = "only a legal-normative symbol carries a year"
		}
	default:
		problems["form"] = "choose the grammar: kind, công văn, copy or legal-normative"
	}
	if why := s.checkKind(); why != "" {
		problems["abbreviation"] = why
	}
	if why := checkGroup(s.Issuer); why != "" {
		problems["issuer"] = why
	}
	for i, u := range s.Units {
		if why := checkGroup(u); why != "" {
			problems["units"] = fmt.Sprintf("unit %d: %s", i+1, why)
			break
		}
	}
	if len(problems) == 0 {
		if n := utf8.RuneCountInString(s.Notation()); n > text.CodeNotation.Max {
			problems["notation"] = fmt.Sprintf("the symbol after the number is at most %d characters, got %d", text.CodeNotation.Max, n)
		}
	}
	return problems
}

// checkKind checks the abbreviation against the form and the kind.
func (s Symbol) checkKind() string {
	var declared kinds.Info
	if s.Kind != "" {
		info, err := kinds.Lookup(string(s.Kind))
		if err != nil {
			return fmt.Sprintf("unknown kind %q", s.Kind)
		}
		declared = info
	}
	switch s.Form {
	case FormKind, FormCopy:
		want := kinds.SeriesDocument
		if s.Form == FormCopy {
			want = kinds.SeriesCopy
		}
		info, ok := kinds.ByAbbreviation(s.Abbreviation)
		switch {
		case s.Abbreviation == "":
			return "required: the kind's abbreviation, e.g. QĐ"
		case !ok || info.Series != want:
			if s.Form == FormCopy {
				return fmt.Sprintf("%q is not the abbreviation of a copy: use SY, TrS or SL", s.Abbreviation)
			}
			return fmt.Sprintf("%q is not the abbreviation of a document kind (abbreviations are case-sensitive)", s.Abbreviation)
		case s.Kind != "" && info.Kind != s.Kind:
			return fmt.Sprintf("%q is the abbreviation of %s, not of %s (%s)", s.Abbreviation, info.Name, declared.Name, declared.Abbreviation)
		}
	case FormCongVan:
		if s.Abbreviation != "" {
			return "a công văn symbol has no kind abbreviation"
		}
		if s.Kind != "" && declared.Abbreviation != "" {
			return fmt.Sprintf("%s has the abbreviation %s: it is not written as a công văn", declared.Name, declared.Abbreviation)
		}
	case FormLegal:
		if s.Abbreviation != "" {
			return checkGroup(s.Abbreviation)
		}
		if len(s.Units) > 0 {
			// Written without it, the issuer would read back as the abbreviation.
			return "required when groups follow the issuer, e.g. TTLT in 01/2020/TTLT-BNV-BTC"
		}
	}
	return ""
}

// checkGroup checks one "-"-separated group: letters and digits, with
// single dots inside (NHNo.ĐT).
func checkGroup(g string) string {
	switch {
	case g == "":
		return "required"
	case !utf8.ValidString(g):
		return "not valid UTF-8 text"
	case strings.HasPrefix(g, ".") || strings.HasSuffix(g, ".") || strings.Contains(g, ".."):
		return fmt.Sprintf("%q: a dot must sit between letters", text.Clip(g))
	}
	for _, r := range g {
		if r != '.' && !unicode.IsLetter(r) && !unicode.IsDigit(r) {
			if unicode.IsSpace(r) {
				return fmt.Sprintf("%q: no spaces are allowed in a symbol", text.Clip(g))
			}
			return fmt.Sprintf("%q: only letters, digits and dots are allowed, not %q", text.Clip(g), r)
		}
	}
	return ""
}

// Parse reads a number and symbol in any of the four grammars, with or
// without a leading "Số: " or "Số ". The text is NFC-normalised first;
// otherwise it must be exact: no spaces, numbers written as FormatNumber
// writes them, so that Format(Parse(s)) gives s back without its label.
//
// A first group that is a kind's abbreviation followed by an issuer makes a
// kind document (or a copy); otherwise the symbol is a công văn. An agency
// whose own abbreviation is also a kind's (a công văn of "CT-TTHT") reads as
// that kind: when the document's kind is known, use ParseFor.
func Parse(s string) (Symbol, error) {
	sym, problems := parse(s)
	if len(problems) > 0 {
		return Symbol{}, invalid("symbol.Parse", problems)
	}
	return sym, nil
}

// ParseFor parses s as the symbol of a document of kind k: a kind with an
// abbreviation must carry exactly that abbreviation, and a công văn or thư
// công reads its first group as the issuer whatever it spells. A
// legal-normative symbol is accepted for any kind.
func ParseFor(s string, k kinds.Kind) (Symbol, error) {
	const op = "symbol.ParseFor"
	info, err := kinds.Lookup(string(k))
	if err != nil {
		return Symbol{}, errs.Wrap(op, err)
	}
	sym, problems := parse(s)
	if len(problems) > 0 {
		return Symbol{}, invalid(op, problems)
	}
	if sym.Form == FormLegal {
		return sym, nil
	}
	if info.Abbreviation == "" && sym.Form != FormCongVan {
		// Read the abbreviation-looking group as the issuer: the text, and so
		// the round trip, is unchanged.
		sym.Units = append([]string{sym.Issuer}, sym.Units...)
		sym.Issuer, sym.Abbreviation, sym.Form = sym.Abbreviation, "", FormCongVan
	}
	sym.Kind = k
	if problems := sym.check(); len(problems) > 0 {
		return Symbol{}, invalid(op, problems)
	}
	return sym, nil
}

func parse(in string) (Symbol, map[string]string) {
	if !utf8.ValidString(in) {
		return Symbol{}, map[string]string{"symbol": "not valid UTF-8 text"}
	}
	s := stripLabel(text.NFC(in))
	switch {
	case s == "":
		return Symbol{}, map[string]string{"symbol": "required: write the number and symbol, e.g. 12/QĐ-UBND"}
	case strings.IndexFunc(s, unicode.IsSpace) >= 0:
		return Symbol{}, map[string]string{"symbol": fmt.Sprintf("%q: no spaces are allowed in a number and symbol", text.Clip(s))}
	}
	parts := strings.Split(s, "/")
	if len(parts) != 2 && len(parts) != 3 {
		return Symbol{}, map[string]string{"symbol": fmt.Sprintf("%q: write it as number/symbol, e.g. 12/QĐ-UBND or 30/2020/NĐ-CP", text.Clip(s))}
	}
	problems := map[string]string{}
	var sym Symbol
	if n, why := parseNumber(parts[0]); why != "" {
		problems["number"] = why
	} else {
		sym.Number = n
	}
	// Each group's own syntax is checked by check below, under the name the
	// group turns out to have.
	groups := strings.Split(parts[len(parts)-1], "-")
	if len(parts) == 3 {
		sym.Form = FormLegal
		if y, why := parseYear(parts[1]); why != "" {
			problems["year"] = why
		} else {
			sym.Year = y
		}
		if len(groups) == 1 {
			sym.Issuer = groups[0]
		} else {
			sym.Abbreviation, sym.Issuer, sym.Units = groups[0], groups[1], groups[2:]
			if sym.Abbreviation == "" {
				// Without this, "30/2020/-CP" would read as the law-like "30/2020/CP".
				problems["abbreviation"] = "required before the issuer, e.g. NĐ in 30/2020/NĐ-CP"
			}
		}
	} else {
		info, isKind := kinds.ByAbbreviation(groups[0])
		switch {
		case isKind && len(groups) > 1 && (info.Series == kinds.SeriesDocument || info.Series == kinds.SeriesCopy):
			sym.Form = FormKind
			if info.Series == kinds.SeriesCopy {
				sym.Form = FormCopy
			}
			sym.Kind, sym.Abbreviation, sym.Issuer, sym.Units = info.Kind, groups[0], groups[1], groups[2:]
		default:
			// A công văn: the first group is the issuer, not an abbreviation.
			sym.Form = FormCongVan
			sym.Issuer, sym.Units = groups[0], groups[1:]
		}
	}
	if len(sym.Units) == 0 {
		sym.Units = nil
	}
	// The number and year problems found while reading are more precise than
	// check's, which sees only the zero left in their place.
	for field, why := range sym.check() {
		if _, seen := problems[field]; !seen {
			problems[field] = why
		}
	}
	if len(problems) > 0 {
		return Symbol{}, problems
	}
	return sym, nil
}

// stripLabel removes a leading "Số:" or "Số" label and the space after it.
func stripLabel(s string) string {
	for _, label := range []string{"Số: ", "Số:", "Số "} {
		if rest, ok := strings.CutPrefix(s, label); ok {
			return rest
		}
	}
	return s
}

func parseNumber(s string) (int, string) {
	if !allDigits(s) {
		return 0, fmt.Sprintf("%q: the number is written in digits, e.g. 01 or 123", text.Clip(s))
	}
	if len(s) > text.CodeNumber.Max {
		return 0, fmt.Sprintf("at most %d digits, got %d", text.CodeNumber.Max, len(s))
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 {
		return 0, fmt.Sprintf("%q: the number must be 1 or more", s)
	}
	if formatNumber(n) != s {
		return 0, fmt.Sprintf("%q: write the number as %s (two digits below 10, no other leading zeros)", s, formatNumber(n))
	}
	return n, ""
}

func parseYear(s string) (int, string) {
	if len(s) != 4 || !allDigits(s) || s[0] == '0' {
		return 0, fmt.Sprintf("%q: the year is four digits, e.g. 2020", text.Clip(s))
	}
	y, err := strconv.Atoi(s)
	if err != nil {
		return 0, fmt.Sprintf("%q: the year is four digits, e.g. 2020", s)
	}
	return y, ""
}

func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := range len(s) {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// DateLine writes the place and date line of a document: "Hà Nội, ngày 05
// tháng 3 năm 2026". The date is the calendar day in Vietnam (+07:00); days
// below 10 and the months January and February take a leading zero, other
// months do not (ND30 Appendix I).
func DateLine(place string, d time.Time) string {
	d = d.In(vntime.Zone)
	month := strconv.Itoa(int(d.Month()))
	if d.Month() <= time.February {
		month = "0" + month
	}
	line := fmt.Sprintf("ngày %02d tháng %s năm %d", d.Day(), month, d.Year())
	if place = strings.TrimSpace(text.NFC(place)); place != "" {
		line = place + ", " + line
	}
	return line
}

func nfcAll(ss []string) []string {
	if len(ss) == 0 {
		return nil
	}
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = text.NFC(s)
	}
	return out
}

// invalid is the one error shape of this package: Invalid, with a detail
// per field and a message listing them.
func invalid(op string, problems map[string]string) error {
	return errs.Fields(op, "number and symbol", problems)
}
