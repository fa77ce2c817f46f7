// Package agencies is the directory of agency identifiers (mã định danh;
// DOMAIN.md §7): the two forms an identifier takes, the agency's name, the
// dates its code is valid, and the code that succeeds it after a merger or a
// re-issue (QĐ 09/2025/QĐ-TTg).
//
// The directory is reference data in agencies.json, embedded in the binary;
// a new code, a closed one or a successor link is a data change.
package agencies

import (
	_ "embed"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/docflow/docflow/api/errcode"
	events "github.com/docflow/docflow/api/events/v1"
	"github.com/docflow/docflow/api/vntime"
	"github.com/docflow/docflow/services/internal/clerical/refdata"
	"github.com/docflow/docflow/services/internal/clerical/text"
	"github.com/docflow/docflow/services/internal/errs"
)

// Form is the form of an identifier.
type Form int

const (
	// Legacy is the QCVN 102:2016 form, 13 characters with level 1 on the
	// right: 000.00.00.G22 (G ministries, H provincial People's Committees,
	// K provincial People's Councils).
	Legacy Form = iota + 1
	// Modern is the QĐ 20/2020/QĐ-TTg form, up to 35 characters of [0-9A-Z.]
	// with level 1 on the left: H49.64.33.
	Modern
)

func (f Form) String() string {
	switch f {
	case Legacy:
		return "legacy"
	case Modern:
		return "modern"
	default:
		return "none"
	}
}

var (
	legacyID = regexp.MustCompile(`^[0-9]{3}\.[0-9]{2}\.[0-9]{2}\.[A-Z][0-9]{2}$`)
	modernID = regexp.MustCompile(`^[A-Z][0-9]{2}(\.[0-9A-Z]+)*$`)
)

// FormOf says which form id is written in, or why it is not an identifier
// (an Invalid error with the detail "id").
func FormOf(id string) (Form, error) {
	const op = "agencies.FormOf"
	switch {
	case legacyID.MatchString(id):
		return Legacy, nil
	case modernID.MatchString(id) && len(id) <= text.OrganID.Max:
		return Modern, nil
	}
	why := fmt.Sprintf("%q is not an agency identifier: write it as 000.00.00.G22 (QCVN 102) or H49.64.33 (QĐ 20/2020, at most %d characters of 0-9, A-Z and dots)", text.Clip(id), text.OrganID.Max)
	if id == "" {
		why = "required: the agency identifier, e.g. 000.00.00.G22"
	} else if strings.ToUpper(id) != id && (legacyID.MatchString(strings.ToUpper(id)) || modernID.MatchString(strings.ToUpper(id))) {
		why = fmt.Sprintf("%q: identifiers are written in capitals, %s", text.Clip(id), strings.ToUpper(id))
	}
	return 0, errs.E(op, errs.Invalid, errcode.InvalidArgument, "agency id: "+why).WithDetail("id", why)
}

// Agency is one entry of the directory.
type Agency struct {
	ID           string
	Form         Form
	Name         string // NFC, at most 200 characters
	Abbreviation string // as written in symbols, e.g. "VPCP"; may be empty
	// ValidFrom and ValidUntil are the first and last days (in Vietnam) the
	// code is valid; zero when the directory does not know, i.e. open-ended.
	ValidFrom  time.Time
	ValidUntil time.Time
	// Successor is the code that replaced this one when it closed; empty
	// when it is still valid or closed without one.
	Successor string
	Source    string // where the entry comes from
}

// ValidOn says whether the code is valid on the day of t in Vietnam.
func (a Agency) ValidOn(t time.Time) bool {
	day := dayOf(t)
	return (a.ValidFrom.IsZero() || !day.Before(a.ValidFrom)) && (a.ValidUntil.IsZero() || !day.After(a.ValidUntil))
}

func dayOf(t time.Time) time.Time {
	y, m, d := t.In(vntime.Zone).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, vntime.Zone)
}

// Directory is a loaded agency directory. It is immutable and safe for
// concurrent use.
type Directory struct {
	refdata.Header
	byID map[string]Agency
	ids  []string // sorted
}

//go:embed agencies.json
var agenciesJSON []byte

// Load reads the directory shipped with the code.
func Load() (*Directory, error) { return Parse(agenciesJSON) }

type fileAgency struct {
	ID           string `json:"id"`
	Name         string `json:"name"`
	Abbreviation string `json:"abbreviation"`
	ValidFrom    string `json:"valid_from"`
	ValidUntil   string `json:"valid_until"`
	Successor    string `json:"successor"`
	Source       string `json:"source"`
}

// Parse reads and checks a directory file: identifiers valid and unique,
// names NFC and within OrganName, dates in order, successors present, and
// no chain of successors that loops. Every problem is reported at once.
func Parse(data []byte) (*Directory, error) {
	const op = "agencies.Parse"
	var file struct {
		refdata.Header
		Agencies []fileAgency `json:"agencies"`
	}
	if err := refdata.Decode(data, "the directory", &file); err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	var check refdata.Check
	check.Version("the directory", file.Version)
	d := &Directory{Header: file.Header, byID: map[string]Agency{}}
	for i, f := range file.Agencies {
		at := fmt.Sprintf("agency %d (%s)", i+1, f.ID)
		form, err := FormOf(f.ID)
		if err != nil {
			check.Bad("%s: %v", at, errs.Wire(err).Message)
			continue
		}
		if _, dup := d.byID[f.ID]; dup {
			check.Bad("%s: listed twice", at)
			continue
		}
		if check.Name(at, f.Name) && utf8.RuneCountInString(f.Name) > text.OrganName.Max {
			check.Bad("%s: the name is longer than %d characters", at, text.OrganName.Max)
		}
		check.Abbreviation(at, f.Abbreviation)
		from, errFrom := parseDay(f.ValidFrom)
		until, errUntil := parseDay(f.ValidUntil)
		if errFrom != nil || errUntil != nil {
			check.Bad("%s: dates are written YYYY-MM-DD, or empty when open", at)
		} else if !from.IsZero() && !until.IsZero() && until.Before(from) {
			check.Bad("%s: valid_until is before valid_from", at)
		}
		if f.Successor != "" {
			if until.IsZero() && errUntil == nil {
				check.Bad("%s: a code with a successor has closed: give its valid_until", at)
			}
			if f.Successor == f.ID {
				check.Bad("%s: an agency cannot succeed itself", at)
			}
		}
		d.byID[f.ID] = Agency{
			ID: f.ID, Form: form, Name: f.Name, Abbreviation: f.Abbreviation,
			ValidFrom: from, ValidUntil: until, Successor: f.Successor, Source: f.Source,
		}
		d.ids = append(d.ids, f.ID)
	}
	for _, id := range d.ids {
		if succ := d.byID[id].Successor; succ != "" {
			if _, ok := d.byID[succ]; !ok {
				check.Bad("agency %s: its successor %s is not in the directory", id, succ)
			}
		}
		if loop := d.successorLoop(id); loop != nil {
			check.Bad("agency %s: its successors loop: %s", id, strings.Join(loop, " → "))
		}
	}
	if err := check.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	slices.Sort(d.ids)
	return d, nil
}

func parseDay(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	return time.ParseInLocation(time.DateOnly, s, vntime.Zone)
}

// successorLoop returns the chain from id back to a code already seen on
// it, or nil when following successors from id ends.
func (d *Directory) successorLoop(id string) []string {
	seen := map[string]bool{}
	var chain []string
	for id != "" {
		chain = append(chain, id)
		if seen[id] {
			return chain
		}
		seen[id] = true
		id = d.byID[id].Successor
	}
	return nil
}

// Get returns the agency with the identifier id, valid or not.
func (d *Directory) Get(id string) (Agency, error) {
	const op = "agencies.Get"
	if _, err := FormOf(id); err != nil {
		return Agency{}, errs.Wrap(op, err)
	}
	a, ok := d.byID[id]
	if !ok {
		return Agency{}, errs.E(op, errs.NotFound, errcode.NotFound, fmt.Sprintf("agency %s is not in the directory", id))
	}
	return a, nil
}

// Resolve returns the agency that id stands for on the day of at: id's own
// entry when it is valid then, otherwise the successor it led to, followed
// as far as needed. A code that was not yet valid, or closed without a
// successor, is NotFound; a loop of successors is an Internal error.
func (d *Directory) Resolve(id string, at time.Time) (Agency, error) {
	const op = "agencies.Resolve"
	a, err := d.Get(id)
	if err != nil {
		return Agency{}, errs.Wrap(op, err)
	}
	seen := map[string]bool{}
	day := dayOf(at).Format(time.DateOnly)
	for {
		if a.ValidOn(at) {
			return a, nil
		}
		if seen[a.ID] {
			return Agency{}, errs.E(op, errs.Internal, errcode.Internal,
				fmt.Sprintf("the successors of agency %s loop back to %s: the directory data must be corrected", id, a.ID))
		}
		seen[a.ID] = true
		switch {
		case !a.ValidFrom.IsZero() && dayOf(at).Before(a.ValidFrom):
			return Agency{}, errs.E(op, errs.NotFound, errcode.NotFound,
				fmt.Sprintf("agency %s was not yet valid on %s (valid from %s)", a.ID, day, a.ValidFrom.Format(time.DateOnly)))
		case a.Successor == "":
			return Agency{}, errs.E(op, errs.NotFound, errcode.NotFound,
				fmt.Sprintf("agency %s closed on %s and has no successor", a.ID, a.ValidUntil.Format(time.DateOnly)))
		}
		next, ok := d.byID[a.Successor]
		if !ok {
			return Agency{}, errs.E(op, errs.Internal, errcode.Internal,
				fmt.Sprintf("agency %s names successor %s, which is not in the directory", a.ID, a.Successor))
		}
		a = next
	}
}

// List returns the agencies matching query, ordered by identifier: those
// whose identifier starts with it, and those whose name or abbreviation
// contains it ignoring diacritics and case ("quang ninh" finds "Ủy ban nhân
// dân tỉnh Quảng Ninh"). An empty query lists every agency.
func (d *Directory) List(query string) []Agency {
	query = strings.TrimSpace(query)
	folded := text.Fold(query)
	prefix := strings.ToUpper(query)
	var out []Agency
	for _, id := range d.ids {
		a := d.byID[id]
		if query == "" || strings.HasPrefix(a.ID, prefix) ||
			strings.Contains(text.Fold(a.Name), folded) ||
			(a.Abbreviation != "" && strings.Contains(text.Fold(a.Abbreviation), folded)) {
			out = append(out, a)
		}
	}
	return out
}

// Token is id as one NATS subject token (000.00.00.G22 → 000_00_00_G22),
// the encoding of api/events/v1.
func Token(id string) (string, error) {
	if _, err := FormOf(id); err != nil {
		return "", errs.Wrap("agencies.Token", err)
	}
	return events.AgencyToken(id), nil
}

// FromToken reverses Token, refusing a token that does not decode to an
// identifier.
func FromToken(token string) (string, error) {
	const op = "agencies.FromToken"
	if strings.Contains(token, ".") {
		why := fmt.Sprintf("%q: a subject token has no dots", text.Clip(token))
		return "", errs.E(op, errs.Invalid, errcode.InvalidArgument, "agency token: "+why).WithDetail("token", why)
	}
	id := events.AgencyFromToken(token)
	if _, err := FormOf(id); err != nil {
		return "", errs.Wrap(op, err)
	}
	return id, nil
}
