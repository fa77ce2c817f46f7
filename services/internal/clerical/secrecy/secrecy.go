// Package secrecy holds the rules on confidentiality and urgency marks
// (DOMAIN.md §3). A secret document — MẬT, TỐI MẬT or TUYỆT MẬT — never goes
// over the electronic exchange: every action that sends or dispatches a
// document calls RefuseSecret first.
package secrecy

import (
	"fmt"

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

var levelLabels = map[Level]string{None: "", Mat: "MẬT", ToiMat: "TỐI MẬT", TuyetMat: "TUYỆT MẬT"}

// ParseLevel reads a level; the empty string is not a level: every
// document states its confidentiality.
func ParseLevel(s string) (Level, error) {
	l := Level(s)
	if _, ok := levelLabels[l]; !ok {
		return "", errs.E("secrecy.ParseLevel", errs.Invalid, errcode.InvalidArgument,
			fmt.Sprintf("confidentiality %q is not one of NONE, MAT, TOI_MAT, TUYET_MAT", s)).WithDetail("confidentiality", "unknown value")
	}
	return l, nil
}

// Secret reports whether the level is one of the secret marks.
func (l Level) Secret() bool { return l == Mat || l == ToiMat || l == TuyetMat }

// Label is the mark as stamped on the document ("TỐI MẬT"); empty for None.
func (l Level) Label() string { return levelLabels[l] }

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

var urgencyLabels = map[Urgency]string{Normal: "", Khan: "KHẨN", ThuongKhan: "THƯỢNG KHẨN", HoaToc: "HỎA TỐC"}

// edXML Priority values (QCVN 102): 0 normal, 1 khẩn, 2 thượng khẩn, 3 hỏa tốc;
// 4 (hỏa tốc hẹn giờ) is legacy and read as hỏa tốc with a due time.
var priorities = []Urgency{Normal, Khan, ThuongKhan, HoaToc}

// ParseUrgency reads an urgency mark.
func ParseUrgency(s string) (Urgency, error) {
	u := Urgency(s)
	if _, ok := urgencyLabels[u]; !ok {
		return "", errs.E("secrecy.ParseUrgency", errs.Invalid, errcode.InvalidArgument,
			fmt.Sprintf("urgency %q is not one of THUONG, KHAN, THUONG_KHAN, HOA_TOC", s)).WithDetail("urgency", "unknown value")
	}
	return u, nil
}

// Label is the mark as stamped on the document ("HỎA TỐC"); empty for Normal.
func (u Urgency) Label() string { return urgencyLabels[u] }

// Urgent reports whether the document must be handled at once (alerts,
// short deadlines), not only on the same or next working day.
func (u Urgency) Urgent() bool { return u != Normal }

// Priority is the edXML Priority of the mark.
func (u Urgency) Priority() int {
	for i, p := range priorities {
		if p == u {
			return i
		}
	}
	return 0
}

// FromPriority reads an edXML Priority. The legacy 4 (hỏa tốc hẹn giờ) is
// hỏa tốc, and reports that the document carries a due time.
func FromPriority(p int) (u Urgency, timed bool, err error) {
	switch {
	case p >= 0 && p < len(priorities):
		return priorities[p], false, nil
	case p == 4:
		return HoaToc, true, nil
	}
	return "", false, errs.E("secrecy.FromPriority", errs.Invalid, errcode.InvalidArgument,
		fmt.Sprintf("edXML Priority %d is not one of 0–4", p)).WithDetail("priority", "out of range")
}
