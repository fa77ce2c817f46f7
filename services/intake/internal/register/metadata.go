package register

import (
	"cmp"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	events "github.com/docflow/docflow/api/events/v1"
	"github.com/docflow/docflow/api/ids"
	svc "github.com/docflow/docflow/api/svc/v1"
	"github.com/docflow/docflow/api/vntime"
	"github.com/docflow/docflow/services/internal/clerical/text"
	"github.com/docflow/docflow/services/internal/errs"
)

// Longest values, in characters after NFC normalisation (ND30 Appendix VI).
const (
	MaxSubjectLength     = 500                 // trích yếu (Subject)
	MaxIssuerLength      = 200                 // tác giả (OrganName)
	MaxIssuerIDLength    = ids.MaxAgencyLength // mã định danh (OrganId; 13 in the legacy form)
	MaxDescriptionLength = 500                 // ghi chú (Description)
)

// Urgencies and confidentiality levels (DOMAIN.md §3), in rising order.
var (
	urgencies         = []string{"THUONG", "KHAN", "THUONG_KHAN", "HOA_TOC"}
	confidentialities = []string{"NONE", "MAT", "TOI_MAT", "TUYET_MAT"}
)

// Entry is what the submitter declared, checked and normalised, ready to be
// entered in the register.
type Entry struct {
	Agency          string
	Kind            string
	Subject         string // NFC, whitespace runs folded to one space
	Urgency         string
	Confidentiality string
	// Optional, empty when not given; text is normalised like Subject.
	Issuer      string
	IssuerID    string
	Symbol      string // without a leading "Số:"
	IssuedOn    string // YYYY-MM-DD
	Description string
	By          events.Actor
	// Direction is Incoming or Outgoing; a draft has its recipients and,
	// when the drafter named it, its drafting unit.
	Direction  string
	Recipients []events.Recipient
	Unit       string
	// ExchangeArrival is the arrival an incoming document is registered
	// from (svc.DocumentMetadata.ExchangeArrival).
	ExchangeArrival string
}

// Validate checks a submission's metadata and submitter and returns the
// normalised entry; now is when it is received, which the document's date
// may not be after. Every problem is reported at once, each under its field
// name in the error's details, so a form can mark all of them.
func (k *Kinds) Validate(meta svc.DocumentMetadata, by events.Actor, now time.Time) (Entry, error) {
	const op = "register.Validate"
	problems := map[string]string{}

	if meta.Kind == "" {
		problems["kind"] = "required: choose the kind of document, e.g. CONG_VAN or QUYET_DINH"
	} else if _, ok := k.Lookup(meta.Kind); !ok {
		problems["kind"] = fmt.Sprintf("unknown kind %q: use one of %s", text.Clip(meta.Kind), strings.Join(k.enums, ", "))
	}

	subject, why := normaliseSubject(meta.Subject)
	if why != "" {
		problems["subject"] = why
	}

	if why := oneOf(meta.Urgency, urgencies); why != "" {
		problems["urgency"] = why
	}
	if why := oneOf(meta.Confidentiality, confidentialities); why != "" {
		problems["confidentiality"] = why
	}

	issuer, why := normaliseText(meta.Issuer, MaxIssuerLength)
	if why != "" {
		problems["issuer"] = why
	}
	issuerID, why := normaliseIssuerID(meta.IssuerID)
	if why != "" {
		problems["issuer_id"] = why
	}
	symbol, why := normaliseSymbol(meta.Symbol)
	if why != "" {
		problems["symbol"] = why
	}
	issuedOn, why := normaliseDate(meta.IssuedOn, now)
	if why != "" {
		problems["issued_on"] = why
	}
	description, why := normaliseText(meta.Description, MaxDescriptionLength)
	if why != "" {
		problems["description"] = why
	}
	// The submitter comes from the gateway's authenticated session; a missing
	// one is a caller bug, refused rather than registered anonymously.
	if strings.TrimSpace(by.Username) == "" {
		problems["by.username"] = "required: the submitting user is unknown"
	}
	if strings.TrimSpace(by.Agency) == "" {
		problems["by.agency"] = "required: the receiving agency is unknown"
	}

	direction := flow(meta, by, problems)
	recipients := checkRecipients(meta, direction, by.Agency, problems)
	if why := checkArrival(meta.ExchangeArrival, direction); why != "" {
		problems["exchange_arrival"] = why
	}

	if len(problems) > 0 {
		return Entry{}, errs.Fields(op, "the document details are not valid", problems)
	}
	return Entry{
		Direction:       direction,
		Recipients:      recipients,
		Unit:            meta.Unit,
		Agency:          by.Agency,
		Kind:            meta.Kind,
		Subject:         subject,
		Urgency:         meta.Urgency,
		Confidentiality: meta.Confidentiality,
		Issuer:          issuer,
		IssuerID:        issuerID,
		Symbol:          symbol,
		IssuedOn:        issuedOn,
		Description:     description,
		By:              by,
		ExchangeArrival: meta.ExchangeArrival,
	}, nil
}

// checkArrival says what is wrong with an arrival id: the UUID of an
// exchange.arrived event, on an incoming document only.
func checkArrival(id, direction string) string {
	switch {
	case id == "":
		return ""
	case direction != Incoming:
		return "only an incoming document is registered from an exchange arrival"
	case !arrivalPattern.MatchString(id):
		return fmt.Sprintf("%q is not an arrival id: give the arrival_id of the exchange.arrived event", text.Clip(id))
	}
	return ""
}

var arrivalPattern = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)

// Roles, as the gateway names them, that may enter a document in each flow:
// clerks register what arrives; officials and leaders draft.
const (
	roleClerk    = "clerk"
	roleOfficial = "official"
	roleLeader   = "leader"
)

// MaxRecipients bounds the recipients of one draft.
const MaxRecipients = 500

// flow is the direction the submission enters, defaulted from the
// submitter's role, with why it cannot be accepted in problems.
func flow(meta svc.DocumentMetadata, by events.Actor, problems map[string]string) string {
	direction := meta.Direction
	if direction == "" {
		direction = Outgoing
		if by.Role == roleClerk {
			direction = Incoming
		}
	}
	switch direction {
	case Incoming:
		if by.Role != roleClerk {
			problems["direction"] = fmt.Sprintf("only a clerk (văn thư) registers incoming documents; as %s, create an outgoing draft (direction \"outgoing\")", cmp.Or(by.Role, "an unknown role"))
		}
		if meta.Unit != "" {
			problems["unit"] = "a drafting unit belongs to an outgoing draft, not to a document received from elsewhere"
		}
	case Outgoing:
		if by.Role != roleOfficial && by.Role != roleLeader {
			problems["direction"] = fmt.Sprintf("outgoing documents are drafted by officials and leaders; as %s, register incoming documents (direction \"incoming\")", cmp.Or(by.Role, "an unknown role"))
		}
		// These describe a document as another agency issued it; a draft
		// gets its number and date only when the clerk issues it.
		for field, v := range map[string]string{"issuer": meta.Issuer, "issuer_id": meta.IssuerID, "symbol": meta.Symbol, "issued_on": meta.IssuedOn} {
			if v != "" {
				problems[field] = "not for an outgoing draft: it takes its number, symbol and date when the clerk issues it"
			}
		}
		if meta.Unit != "" && !unitID.MatchString(meta.Unit) {
			problems["unit"] = fmt.Sprintf("%q is not a unit id of the org chart (lower-case letters, digits and hyphens, e.g. tong-hop)", text.Clip(meta.Unit))
		}
	default:
		problems["direction"] = fmt.Sprintf("%q is not a direction: use incoming (a document received, registered by a clerk) or outgoing (a draft of this agency)", text.Clip(direction))
	}
	return direction
}

// unitID is the form of an org-chart unit id.
var unitID = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,63}$`)

// checkRecipients returns a draft's recipients, or records why they cannot
// be accepted: each names exactly one unit or one other agency, none twice.
func checkRecipients(meta svc.DocumentMetadata, direction, own string, problems map[string]string) []events.Recipient {
	if direction != Outgoing {
		if len(meta.Recipients) > 0 {
			problems["recipients"] = "recipients belong to an outgoing draft; an incoming document is addressed already"
		}
		return nil
	}
	switch n := len(meta.Recipients); {
	case n == 0:
		problems["recipients"] = `required: name where the document goes (nơi nhận), e.g. [{"unit": "tong-hop"}, {"agency": "000.00.00.H49"}]`
		return nil
	case n > MaxRecipients:
		problems["recipients"] = fmt.Sprintf("too many: %d recipients, at most %d", n, MaxRecipients)
		return nil
	}
	seen := map[events.Recipient]bool{}
	for i, r := range meta.Recipients {
		key := fmt.Sprintf("recipients[%d]", i)
		switch {
		case (r.Unit == "") == (r.Agency == ""):
			problems[key] = "name exactly one of unit (a unit of this agency) or agency (another agency's identifier)"
		case r.Unit != "" && !unitID.MatchString(r.Unit):
			problems[key] = fmt.Sprintf("%q is not a unit id of the org chart (lower-case letters, digits and hyphens, e.g. tong-hop)", text.Clip(r.Unit))
		case r.Agency != "" && ids.CheckAgency(r.Agency) != nil:
			problems[key] = ids.CheckAgency(r.Agency).Error()
		case r.Agency == own:
			problems[key] = "this is the drafting agency itself: name the unit of it that receives the document"
		case seen[r]:
			problems[key] = "named twice"
		}
		seen[r] = true
	}
	return meta.Recipients
}

// normaliseSubject returns the subject in NFC with whitespace runs (line
// breaks pasted from a word processor) folded to single spaces, or why it
// cannot be accepted.
func normaliseSubject(s string) (string, string) {
	s, why := normaliseText(s, MaxSubjectLength)
	if why == "" && s == "" {
		return "", "required: write the subject (trích yếu) of the document"
	}
	return s, why
}

// normaliseText returns optional free text normalised like the subject, or
// why it cannot be accepted; an empty result means none was given.
func normaliseText(s string, limit int) (string, string) {
	if !utf8.ValidString(s) {
		return "", "not valid UTF-8 text"
	}
	s = strings.Join(strings.Fields(norm.NFC.String(s)), " ")
	if strings.IndexFunc(s, unicode.IsControl) >= 0 {
		return "", "contains control characters"
	}
	if n := utf8.RuneCountInString(s); n > limit {
		return "", fmt.Sprintf("too long: %d characters, at most %d", n, limit)
	}
	return s, ""
}

// normaliseIssuerID trims the optional issuer identifier. A lower-case one
// is refused rather than changed: identifiers are compared exactly.
func normaliseIssuerID(s string) (string, string) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", ""
	}
	if err := ids.CheckAgency(s); err != nil {
		return "", err.Error()
	}
	return s, ""
}

// symbol is a number (CodeNumber, up to 11 digits) and a symbol
// (CodeNotation, up to 30 characters without spaces), as in 12/QĐ-UBND or
// 30/2020/NĐ-CP.
var symbol = regexp.MustCompile(`^[0-9]{1,11}/[^\s\p{Z}\p{C}]{1,30}$`)

func normaliseSymbol(s string) (string, string) {
	if !utf8.ValidString(s) {
		return "", "not valid UTF-8 text"
	}
	s = strings.TrimSpace(norm.NFC.String(s))
	// Copied from the document, the line reads "Số: 12/QĐ-UBND".
	for _, prefix := range []string{"Số:", "số:", "SỐ:"} {
		if rest, ok := strings.CutPrefix(s, prefix); ok {
			s = strings.TrimSpace(rest)
			break
		}
	}
	if s == "" || symbol.MatchString(s) {
		return s, ""
	}
	return "", fmt.Sprintf("%q is not a number and symbol: write it as printed, e.g. 12/QĐ-UBND or 7816/VPCP-TTĐT (a number of up to 11 digits, \"/\", then up to 30 characters without spaces)", text.Clip(s))
}

func normaliseDate(s string, now time.Time) (string, string) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", ""
	}
	day, err := time.ParseInLocation(time.DateOnly, s, vntime.Zone)
	if err != nil {
		return "", fmt.Sprintf("%q is not a date: write it as YYYY-MM-DD, e.g. 2026-03-05", text.Clip(s))
	}
	today := now.In(vntime.Zone)
	if day.After(time.Date(today.Year(), today.Month(), today.Day(), 0, 0, 0, 0, vntime.Zone)) {
		return "", fmt.Sprintf("%s is in the future: the document cannot be dated after today, %s", s, today.Format(time.DateOnly))
	}
	return s, ""
}

func oneOf(v string, allowed []string) string {
	list := strings.Join(allowed, ", ")
	switch {
	case v == "":
		return "required: use one of " + list
	case !slices.Contains(allowed, v):
		return fmt.Sprintf("unknown value %q: use one of %s", text.Clip(v), list)
	}
	return ""
}
