package register

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"github.com/docflow/docflow/api/errcode"
	events "github.com/docflow/docflow/api/events/v1"
	svc "github.com/docflow/docflow/api/svc/v1"
	"github.com/docflow/docflow/services/internal/errs"
)

// MaxSubjectLength is the longest trích yếu, in characters after NFC
// normalisation (ND30 Appendix VI).
const MaxSubjectLength = 500

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
	By              events.Actor
}

// Validate checks a submission's metadata and submitter and returns the
// normalised entry. Every problem is reported at once, each under its field
// name in the error's details, so a form can mark all of them.
func (k *Kinds) Validate(meta svc.DocumentMetadata, by events.Actor) (Entry, error) {
	const op = "register.Validate"
	problems := map[string]string{}

	if meta.Kind == "" {
		problems["kind"] = "required: choose the kind of document, e.g. CONG_VAN or QUYET_DINH"
	} else if _, ok := k.Lookup(meta.Kind); !ok {
		problems["kind"] = fmt.Sprintf("unknown kind %q: use one of %s", clip(meta.Kind), strings.Join(k.enums, ", "))
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
	// The submitter comes from the gateway's authenticated session; a missing
	// one is a caller bug, refused rather than registered anonymously.
	if strings.TrimSpace(by.Username) == "" {
		problems["by.username"] = "required: the submitting user is unknown"
	}
	if strings.TrimSpace(by.Agency) == "" {
		problems["by.agency"] = "required: the receiving agency is unknown"
	}

	if len(problems) > 0 {
		return Entry{}, invalid(op, problems)
	}
	return Entry{
		Agency:          by.Agency,
		Kind:            meta.Kind,
		Subject:         subject,
		Urgency:         meta.Urgency,
		Confidentiality: meta.Confidentiality,
		By:              by,
	}, nil
}

// normaliseSubject returns the subject in NFC with whitespace runs (line
// breaks pasted from a word processor) folded to single spaces, or why it
// cannot be accepted.
func normaliseSubject(s string) (string, string) {
	if !utf8.ValidString(s) {
		return "", "not valid UTF-8 text"
	}
	s = strings.Join(strings.Fields(norm.NFC.String(s)), " ")
	if s == "" {
		return "", "required: write the subject (trích yếu) of the document"
	}
	if strings.IndexFunc(s, unicode.IsControl) >= 0 {
		return "", "contains control characters"
	}
	if n := utf8.RuneCountInString(s); n > MaxSubjectLength {
		return "", fmt.Sprintf("too long: %d characters, at most %d", n, MaxSubjectLength)
	}
	return s, ""
}

func oneOf(v string, allowed []string) string {
	list := strings.Join(allowed, ", ")
	switch {
	case v == "":
		return "required: use one of " + list
	case !slices.Contains(allowed, v):
		return fmt.Sprintf("unknown value %q: use one of %s", clip(v), list)
	}
	return ""
}

// clip keeps an echoed value short, so a huge field does not become a huge
// error message.
func clip(s string) string {
	const limit = 40
	if utf8.RuneCountInString(s) <= limit {
		return s
	}
	return string([]rune(s)[:limit]) + "…"
}

func invalid(op string, problems map[string]string) *errs.Error {
	fields := make([]string, 0, len(problems))
	for f := range problems {
		fields = append(fields, f)
	}
	sort.Strings(fields)
	parts := make([]string, len(fields))
	for i, f := range fields {
		parts[i] = f + ": " + problems[f]
	}
	e := errs.E(op, errs.Invalid, errcode.InvalidArgument, "the document details are not valid: "+strings.Join(parts, "; "))
	for _, f := range fields {
		e = e.WithDetail(f, problems[f])
	}
	return e
}
