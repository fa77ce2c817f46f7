// Package registers prints the registers of Decree 30/2020/NĐ-CP, Appendix
// IV: the incoming register (sổ đăng ký văn bản đến), the outgoing register
// (sổ đăng ký văn bản đi) and the follow-up of incoming documents (sổ theo dõi
// giải quyết văn bản đến), with exactly the columns the decree prescribes
// (DOMAIN.md §10), as CSV for spreadsheets and as an A4 PDF for paper.
package registers

import (
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"github.com/docflow/docflow/api/errcode"
	events "github.com/docflow/docflow/api/events/v1"
	"github.com/docflow/docflow/api/vntime"
	"github.com/docflow/docflow/services/gateway/internal/readmodel"
	"github.com/docflow/docflow/services/internal/clerical/kinds"
	"github.com/docflow/docflow/services/internal/errs"
)

// Name names a register in the API.
type Name string

// The registers.
const (
	Incoming Name = "incoming"
	Outgoing Name = "outgoing"
	FollowUp Name = "followup"
	// Secret documents are registered apart (ND30 Art. 16.3, 22.4), in the
	// same columns, each row's mark in its note.
	IncomingSecret Name = "incoming-secret"
	OutgoingSecret Name = "outgoing-secret"
)

// Secret says the register holds secret documents only.
func (n Name) Secret() bool { return n == IncomingSecret || n == OutgoingSecret }

// Column is one column of a register: its heading, exactly as the decree
// words it, and its share of the printed width in millimetres (A4 landscape
// less the margins is 277 mm).
type Column struct {
	Heading string
	Width   float64
	Centred bool // dates and numbers are centred in the PDF
}

// Register is the form of one register.
type Register struct {
	Name     Name
	Title    string // printed above the table, in capitals
	FileStem string // the file name without year and extension, ASCII
	Columns  []Column
}

// The column widths of each register add up to the printable width.
var forms = map[Name]Register{
	Incoming: {
		Name: Incoming, Title: "SỔ ĐĂNG KÝ VĂN BẢN ĐẾN", FileStem: "so-van-ban-den",
		Columns: []Column{
			{"Ngày đến", 20, true}, {"Số đến", 15, true}, {"Tác giả", 35, false}, {"Số, ký hiệu", 28, false},
			{"Ngày tháng", 20, true}, {"Tên loại và trích yếu", 70, false}, {"Đơn vị hoặc người nhận", 32, false},
			{"Ngày chuyển", 20, true}, {"Ký nhận", 17, false}, {"Ghi chú", 20, false},
		},
	},
	Outgoing: {
		Name: Outgoing, Title: "SỔ ĐĂNG KÝ VĂN BẢN ĐI", FileStem: "so-van-ban-di",
		Columns: []Column{
			{"Số, ký hiệu", 28, false}, {"Ngày tháng", 20, true}, {"Tên loại và trích yếu", 63, false},
			{"Người ký", 30, false}, {"Nơi nhận", 35, false}, {"Đơn vị, người nhận bản lưu", 30, false},
			{"Số lượng bản", 18, true}, {"Ngày chuyển", 20, true}, {"Ký nhận", 15, false}, {"Ghi chú", 18, false},
		},
	},
	FollowUp: {
		Name: FollowUp, Title: "SỔ THEO DÕI GIẢI QUYẾT VĂN BẢN ĐẾN", FileStem: "so-theo-doi-giai-quyet-van-ban-den",
		Columns: []Column{
			{"Số đến", 15, true}, {"Tên loại, số, ký hiệu, ngày tháng, cơ quan ban hành", 80, false},
			{"Đơn vị hoặc người nhận", 40, false}, {"Thời hạn giải quyết", 25, true}, {"Tiến độ giải quyết", 35, false},
			{"Số, ký hiệu văn bản trả lời", 42, false}, {"Ghi chú", 40, false},
		},
	},
}

// secretForms are the secret registers: the ordinary forms under their own
// titles and file names.
var secretForms = map[Name]Register{
	IncomingSecret: secretForm(Incoming, IncomingSecret, "SỔ ĐĂNG KÝ VĂN BẢN MẬT ĐẾN", "so-van-ban-mat-den"),
	OutgoingSecret: secretForm(Outgoing, OutgoingSecret, "SỔ ĐĂNG KÝ VĂN BẢN MẬT ĐI", "so-van-ban-mat-di"),
}

func secretForm(of, name Name, title, stem string) Register {
	r := forms[of]
	r.Name, r.Title, r.FileStem = name, title, stem
	return r
}

// Lookup returns the register called name, or an Invalid error naming the
// registers there are.
func Lookup(name string) (Register, error) {
	r, ok := forms[Name(name)]
	if !ok {
		r, ok = secretForms[Name(name)]
	}
	if !ok {
		return Register{}, errs.E("registers.Lookup", errs.Invalid, errcode.InvalidArgument,
			fmt.Sprintf("there is no register %q: choose incoming, outgoing, followup, incoming-secret or outgoing-secret", name)).WithDetail("register", "unknown register")
	}
	return r, nil
}

// Headings are the column headings in order.
func (r Register) Headings() []string {
	out := make([]string, len(r.Columns))
	for i, c := range r.Columns {
		out[i] = c.Heading
	}
	return out
}

// Period is the span of a print: a year, or some days of it, both included.
type Period struct {
	Year     int
	From, To time.Time // midnight in Vietnam of the first and the last day
}

// NewPeriod checks a year and optional first and last days (zero when not
// given; only their calendar date counts) and reports every problem at once,
// each under its parameter's name.
func NewPeriod(year int, from, to time.Time) (Period, error) {
	details := map[string]string{}
	var problems []string
	if year < 2000 || year > 9999 {
		details["year"] = "must be a year from 2000 to 9999"
		problems = append(problems, fmt.Sprintf("year %d is out of range", year))
		year = max(2000, min(year, 9999))
	}
	p := Period{Year: year, From: civil(year, 1, 1), To: civil(year, 12, 31)}
	if !from.IsZero() {
		p.From = day(from)
		if p.From.Year() != year {
			details["from"] = fmt.Sprintf("must be a day of %d", year)
			problems = append(problems, fmt.Sprintf("from %s is not in %d", p.From.Format(time.DateOnly), year))
		}
	}
	if !to.IsZero() {
		p.To = day(to)
		if p.To.Year() != year {
			details["to"] = fmt.Sprintf("must be a day of %d", year)
			problems = append(problems, fmt.Sprintf("to %s is not in %d", p.To.Format(time.DateOnly), year))
		}
	}
	if len(problems) == 0 && p.To.Before(p.From) {
		details["to"] = "must not be before from"
		problems = append(problems, fmt.Sprintf("to %s is before from %s", p.To.Format(time.DateOnly), p.From.Format(time.DateOnly)))
	}
	if len(problems) > 0 {
		e := errs.E("registers.NewPeriod", errs.Invalid, errcode.InvalidArgument, "the register's period is invalid: "+
			strings.Join(problems, "; ")+"; give year, and optionally from and to as YYYY-MM-DD days of that year")
		e.Details = details
		return Period{}, e
	}
	return p, nil
}

// Whole reports whether the period is the whole year.
func (p Period) Whole() bool {
	return p.From.Equal(civil(p.Year, 1, 1)) && p.To.Equal(civil(p.Year, 12, 31))
}

// Bounds are the instants the period covers: [since, until).
func (p Period) Bounds() (since, until time.Time) {
	return p.From, p.To.AddDate(0, 0, 1)
}

func civil(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, vntime.Zone) }

func day(t time.Time) time.Time {
	y, m, d := t.Date()
	return civil(y, m, d)
}

// Sheet is a register ready to print.
type Sheet struct {
	Register Register
	Agency   string // the agency's name as the title shows it
	Period   Period
	Rows     [][]string // one cell per column, in column order
}

// FileName is the name the file is saved under, e.g.
// so-van-ban-den-2026.csv or so-van-ban-den-2026-03-01-2026-03-31.pdf.
func (s Sheet) FileName(ext string) string {
	name := fmt.Sprintf("%s-%d", s.Register.FileStem, s.Period.Year)
	if !s.Period.Whole() {
		name += "-" + s.Period.From.Format(time.DateOnly) + "-" + s.Period.To.Format(time.DateOnly)
	}
	return name + "." + ext
}

// Names turns who the read model stores into the names a register prints.
// A nil function prints the stored value as it is.
type Names struct {
	Person func(username string) string // a person's full name
	Agency func(id string) string       // an agency's name from its identifier; "" when unknown
	Unit   func(id string) string       // a unit's name from the org chart; "" when unknown
}

// kindName is the Vietnamese name of a kind (QUYET_DINH → Quyết định) from
// the kinds table; a kind the table does not know is printed as stored
// rather than dropped from the register.
func kindName(k string) string {
	info, err := kinds.Lookup(k)
	if err != nil {
		return k
	}
	return info.Name
}

func (n Names) person(u string) string {
	if n.Person == nil || u == "" {
		return u
	}
	return n.Person(u)
}

// author is who issued the document: the name the clerk typed, else the
// directory's name for the identifier, else the identifier.
func (n Names) author(s readmodel.SelfDescription) string {
	if s.Issuer != "" || s.IssuerID == "" {
		return s.Issuer
	}
	return n.agency(s.IssuerID)
}

// IncomingRows are the rows of the incoming register, one per document in
// the order given. "Ký nhận" stays blank: it is signed by hand on paper.
func IncomingRows(docs []readmodel.Arrival, names Names) [][]string {
	rows := make([][]string, 0, len(docs))
	for _, d := range docs {
		rows = append(rows, []string{
			date(d.ReceivedAt),
			fmt.Sprint(d.ArrivalNumber),
			names.author(d.Self),
			d.Self.Symbol,
			isoDate(d.Self.IssuedOn),
			kindAndSubject(kindName(d.Kind), d.Subject),
			names.person(d.Assignee),
			date(d.AssignedAt),
			"",
			note(d.Confidentiality, d.Self.Description),
		})
	}
	return rows
}

// OutgoingRows are the rows of the outgoing register, one per issued
// document in the order given. What docflow does not know yet (where the
// document was sent, who keeps the file copy, how many copies, when it was
// dispatched) stays blank rather than invented; "Ký nhận" is signed by hand
// on paper.
func OutgoingRows(docs []readmodel.Issued, names Names) [][]string {
	rows := make([][]string, 0, len(docs))
	for _, d := range docs {
		var to []string
		var sent time.Time
		for _, r := range d.Recipients {
			if r.Unit != "" {
				to = append(to, names.unit(r.Unit))
			} else {
				to = append(to, names.agency(r.Agency))
			}
			if r.Status == events.DispatchDelivered || r.Status == events.DispatchQueued {
				if sent.IsZero() || r.StatusAt.Before(sent) {
					sent = r.StatusAt
				}
			}
		}
		kept := names.person(d.Drafter)
		if d.Unit != "" {
			kept = names.unit(d.Unit) + " (" + kept + ")"
		}
		copies := ""
		if len(d.Recipients) > 0 {
			copies = fmt.Sprint(len(d.Recipients))
		}
		rows = append(rows, []string{
			d.Symbol,
			date(d.IssuedAt),
			kindAndSubject(kindName(d.Kind), d.Subject),
			names.person(d.Signer),
			strings.Join(to, "; "),
			kept,
			copies,
			date(sent),
			"", note(d.Confidentiality, ""),
		})
	}
	return rows
}

// note is the register's Ghi chú: a secret document's mark first, as the
// secret registers print it, then the note entered for it.
func note(confidentiality, text string) string {
	mark := map[string]string{"MAT": "MẬT", "TOI_MAT": "TỐI MẬT", "TUYET_MAT": "TUYỆT MẬT", "": "TUYỆT MẬT (không đóng dấu độ mật)"}[confidentiality]
	switch {
	case confidentiality == "NONE" || mark == "":
		return text
	case text == "":
		return mark
	}
	return mark + "; " + text
}

// unit is a unit's name, else its id.
func (n Names) unit(id string) string {
	if n.Unit != nil {
		if name := n.Unit(id); name != "" {
			return name
		}
	}
	return id
}

// agency is an agency's name, else its identifier.
func (n Names) agency(id string) string {
	if n.Agency != nil {
		if name := n.Agency(id); name != "" {
			return name
		}
	}
	return id
}

// FollowUpRows are the rows of the follow-up register at the time now (which
// decides whether an open document is overdue). "Số, ký hiệu văn bản trả lời"
// stays blank until docflow issues replies.
func FollowUpRows(docs []readmodel.Arrival, names Names, now time.Time) [][]string {
	rows := make([][]string, 0, len(docs))
	for _, d := range docs {
		rows = append(rows, []string{
			fmt.Sprint(d.ArrivalNumber),
			identification(kindName(d.Kind), d.Self, names.author(d.Self)),
			names.person(d.Assignee),
			date(d.Deadline),
			progress(d, now),
			"",
			d.Self.Description,
		})
	}
	return rows
}

// kindAndSubject is "Tên loại và trích yếu": the kind's name, then the
// summary. Summaries often begin with the kind's name already ("Quyết định
// phê duyệt …"); the name is not printed twice.
func kindAndSubject(kind, subject string) string {
	switch {
	case kind == "":
		return subject
	case hasWordPrefix(subject, kind):
		return subject
	case subject == "":
		return kind
	}
	return kind + " " + subject
}

func hasWordPrefix(s, prefix string) bool {
	if len(s) < len(prefix) || !strings.EqualFold(s[:len(prefix)], prefix) {
		return false
	}
	next, _ := utf8.DecodeRuneInString(s[len(prefix):])
	return len(s) == len(prefix) || unicode.IsSpace(next) || unicode.IsPunct(next)
}

// identification is "Tên loại, số, ký hiệu, ngày tháng, cơ quan ban hành",
// worded as a clerk writes it: "Công văn số 12/BNV-VP ngày 27/02/2026 của Bộ
// Nội vụ".
func identification(kind string, s readmodel.SelfDescription, author string) string {
	parts := []string{kind}
	if s.Symbol != "" {
		parts = append(parts, "số "+s.Symbol)
	}
	if d := isoDate(s.IssuedOn); d != "" {
		parts = append(parts, "ngày "+d)
	}
	if author != "" {
		parts = append(parts, "của "+author)
	}
	return strings.TrimSpace(strings.Join(parts, " "))
}

// progress is "Tiến độ giải quyết": where the document stands, and whether
// it is late.
func progress(d readmodel.Arrival, now time.Time) string {
	var s string
	done := false
	switch d.Status {
	case readmodel.StatusRegistered:
		s = "Chưa giao xử lý"
	case readmodel.StatusArchived, readmodel.StatusHandled:
		s, done = "Đã xong", true
	case readmodel.StatusRejected:
		s, done = "Đã xong (không phê duyệt)", true
	default:
		s = "Đang xử lý"
	}
	if !done && !d.Deadline.IsZero() && now.After(d.Deadline) {
		s += ", quá hạn"
	}
	return s
}

// date writes an instant as its day in Vietnam, dd/mm/yyyy; blank for none.
func date(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(vntime.Zone).Format("02/01/2006")
}

// isoDate rewrites YYYY-MM-DD as dd/mm/yyyy, leaving anything else as it is.
func isoDate(s string) string {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return s
	}
	return t.Format("02/01/2006")
}

// printable makes a cell safe for both outputs: NFC (so each Vietnamese
// letter is one glyph), no control characters, and nothing outside the
// fonts' plane.
func printable(s string) string {
	s = norm.NFC.String(s)
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\n' || r == '\t':
			return ' '
		case unicode.IsControl(r):
			return -1
		case r > 0xFFFF || r == utf8.RuneError:
			return '?'
		}
		return r
	}, s)
}
