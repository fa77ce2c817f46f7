// Package secrecy holds the rules on confidentiality and urgency marks
// (DOMAIN.md §3). A secret document — MẬT, TỐI MẬT or TUYỆT MẬT — must
// never go over the electronic exchange: RefuseSecret is the refusal an
// action that sends or dispatches a document gives for one.
package secrecy

import (
	"fmt"
	"slices"
	"strings"

	"github.com/docflow/docflow/api/errcode"
	"github.com/docflow/docflow/services/internal/errs"
)

// Level is a confidentiality mark.
type Level string

// The levels, as they appear in the API.
const (
	None     Level = "NONE"
	Mat      Level = "MAT"
	ToiMat   Level = "TOI_MAT"
	TuyetMat Level = "TUYET_MAT"
)

var levels = marks[Level]{field: "confidentiality", values: []Level{None, Mat, ToiMat, TuyetMat}, labels: []string{"", "MẬT", "TỐI MẬT", "TUYỆT MẬT"}}

// ParseLevel reads a level; the empty string is not a level: every
// document states its confidentiality.
func ParseLevel(s string) (Level, error) { return levels.parse("secrecy.ParseLevel", s) }

// Secret reports whether the level is one of the secret marks.
func (l Level) Secret() bool { return l == Mat || l == ToiMat || l == TuyetMat }

// Label is the mark as stamped on the document ("TỐI MẬT"); empty for None.
func (l Level) Label() string { return levels.label(l) }

// RefuseSecret returns a Forbidden error with errcode.Confidential when the
// document is secret, naming the action that was refused; nil otherwise.
// Callers record the refusal in the audit trail.
func RefuseSecret(action string, l Level) error {
	if !l.Secret() {
		return nil
	}
	return errs.E("secrecy.RefuseSecret", errs.Forbidden, errcode.Confidential,
		fmt.Sprintf("the document is marked %s and cannot be %s electronically; secret documents go on paper through the secret-document channel", l.Label(), action))
}

// Urgency is an urgency mark.
type Urgency string

// The urgency marks, as they appear in the API.
const (
	Normal     Urgency = "THUONG"
	Khan       Urgency = "KHAN"
	ThuongKhan Urgency = "THUONG_KHAN"
	HoaToc     Urgency = "HOA_TOC"
)

// In the order of their edXML Priority values (QCVN 102): 0 normal, 1 khẩn,
// 2 thượng khẩn, 3 hỏa tốc; 4 (hỏa tốc hẹn giờ) is legacy and read as hỏa
// tốc with a due time.
var urgencies = marks[Urgency]{field: "urgency", values: []Urgency{Normal, Khan, ThuongKhan, HoaToc}, labels: []string{"", "KHẨN", "THƯỢNG KHẨN", "HỎA TỐC"}}

// ParseUrgency reads an urgency mark.
func ParseUrgency(s string) (Urgency, error) { return urgencies.parse("secrecy.ParseUrgency", s) }

// Label is the mark as stamped on the document ("HỎA TỐC"); empty for Normal.
func (u Urgency) Label() string { return urgencies.label(u) }

// Urgent reports whether the document must be handled at once (alerts,
// short deadlines), not only on the same or next working day.
func (u Urgency) Urgent() bool { return u != Normal }

// Priority is the edXML Priority of the mark.
func (u Urgency) Priority() int { return max(slices.Index(urgencies.values, u), 0) }

// FromPriority reads an edXML Priority. The legacy 4 (hỏa tốc hẹn giờ) is
// hỏa tốc, and reports that the document carries a due time.
func FromPriority(p int) (u Urgency, timed bool, err error) {
	switch {
	case p >= 0 && p < len(urgencies.values):
		return urgencies.values[p], false, nil
	case p == 4:
		return HoaToc, true, nil
	}
	return "", false, errs.E("secrecy.FromPriority", errs.Invalid, errcode.InvalidArgument,
		fmt.Sprintf("edXML Priority %d is not one of 0–4", p)).WithDetail("priority", "out of range")
}

// marks is one kind of mark: its values as the API writes them, and the
// label stamped on the document for each.
type marks[M ~string] struct {
	field  string // the API field that carries the mark
	values []M
	labels []string
}

func (m marks[M]) parse(op, s string) (M, error) {
	if !slices.Contains(m.values, M(s)) {
		names := make([]string, len(m.values))
		for i, v := range m.values {
			names[i] = string(v)
		}
		return "", errs.E(op, errs.Invalid, errcode.InvalidArgument,
			fmt.Sprintf("%s %q is not one of %s", m.field, s, strings.Join(names, ", "))).WithDetail(m.field, "unknown value")
	}
	return M(s), nil
}

func (m marks[M]) label(v M) string {
	if i := slices.Index(m.values, v); i >= 0 {
		return m.labels[i]
	}
	return ""
}
