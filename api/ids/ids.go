// Package ids checks the identifiers that travel between services and end up
// in object keys, subjects and workflow ids: document ids, usernames and
// agency identifiers.
//
// Each kind has one rule, applied wherever an identifier comes in, so that
// an id one service accepts is never refused by the next one, and none can
// step out of the key or subject it is put in (no '/', no leading '.', no
// spaces). A refusal is an *Error that says what is wrong and how to write
// the identifier instead.
package ids

import (
	"fmt"
	"regexp"
	"unicode/utf8"
)

// Longest identifiers.
const (
	MaxIDLength       = 128
	MaxUsernameLength = 64
	// MaxAgencyLength is the longest agency identifier (mã định danh,
	// OrganId; 13 in the legacy form).
	MaxAgencyLength = 35
)

var (
	// An id docflow makes: a UUID in practice, but any token of these
	// characters is safe in a key or a workflow id.
	idPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*$`)
	// Usernames are also file names (a person's keys and certificates).
	usernamePattern = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]*$`)
	// Both forms of DOMAIN.md §7, the legacy 000.00.00.G22 and the newer
	// H49.64.33, are levels of digits and capitals separated by dots; the
	// agency directory knows which form is which.
	agencyPattern = regexp.MustCompile(`^[0-9A-Z]+(\.[0-9A-Z]+)*$`)
)

// Error is an identifier refused: which kind of identifier was expected,
// the value given and the reason, which says how to write one.
type Error struct {
	What   string // e.g. "agency identifier"
	Value  string
	Reason string // e.g. "not an agency identifier: write it as …"
}

func (e *Error) Error() string {
	if e.Value == "" {
		return e.What + " is " + e.Reason
	}
	return fmt.Sprintf("%q is %s", clip(e.Value), e.Reason)
}

// The kinds of identifier, as a refusal names them.
var (
	document = kind{"document id", "a document id"}
	username = kind{"username", "a username"}
	agency   = kind{"agency identifier", "an agency identifier"}
)

type kind struct{ name, withArticle string }

// CheckDocument checks a document id.
func CheckDocument(id string) error {
	return check(document, id, MaxIDLength, idPattern, "use letters, digits, '.', '_' and '-', starting with a letter or digit")
}

// CheckUsername checks a username.
func CheckUsername(name string) error {
	return check(username, name, MaxUsernameLength, usernamePattern,
		"use lower-case letters, digits, '.', '_' and '-', starting with a letter or digit")
}

// CheckAgency checks an agency identifier, in either form. Identifiers are
// compared exactly everywhere, so a lower-case one is refused rather than
// changed.
func CheckAgency(id string) error {
	return check(agency, id, MaxAgencyLength, agencyPattern,
		"write it as 000.00.00.G22 or H49.64.33 (digits, capital letters and dots)")
}

func check(k kind, value string, limit int, pattern *regexp.Regexp, how string) error {
	switch {
	case value == "":
		return &Error{What: k.name, Reason: "required"}
	case len(value) > limit:
		return &Error{What: k.name, Value: value, Reason: fmt.Sprintf(
			"too long: %d characters, at most %d in %s", utf8.RuneCountInString(value), limit, k.withArticle)}
	case !pattern.MatchString(value):
		return &Error{What: k.name, Value: value, Reason: "not " + k.withArticle + ": " + how}
	}
	return nil
}

// clip shortens a value quoted in a message: a megabyte of junk is not
// repeated back.
func clip(s string) string {
	const limit = 40
	if utf8.RuneCountInString(s) <= limit {
		return s
	}
	return string([]rune(s)[:limit]) + "…"
}
