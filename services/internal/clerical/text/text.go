// Package text holds the rules every piece of clerical text follows
// (DOMAIN.md §10–11): it is Unicode NFC, its length is counted in characters
// after normalisation against the limits of ND30 Appendix VI, and search
// ignores diacritics and case.
package text

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"

	"github.com/docflow/docflow/services/internal/errs"
)

// NFC returns s in Unicode Normalisation Form C, the one form docflow
// stores and compares: "Quyết" typed on a Mac (decomposed) and on Windows
// (composed) become the same string.
func NFC(s string) string { return norm.NFC.String(s) }

// Clip keeps a value echoed in an error message short (40 characters), so
// a huge field does not become a huge message.
func Clip(s string) string {
	const limit = 40
	if utf8.RuneCountInString(s) <= limit {
		return s
	}
	return string([]rune(s)[:limit]) + "…"
}

// Length is the number of characters of s once in NFC, the unit the limits
// of Appendix VI count in.
func Length(s string) int { return utf8.RuneCountInString(NFC(s)) }

// Fold returns s in the form search compares: diacritics removed, đ as d
// (and the look-alike Ð, often typed for Đ, as D), lower case. "Quyết định"
// and "quyet dinh" fold to the same string. Fold is for matching only; it
// never replaces the stored text.
func Fold(s string) string {
	stripped, _, err := transform.String(foldMarks(), s)
	if err != nil {
		// The chain only fails on errors it cannot produce for a string
		// source; keep the text rather than losing it.
		stripped = s
	}
	stripped = strings.NewReplacer("đ", "d", "Đ", "D", "Ð", "D").Replace(stripped)
	return strings.ToLower(stripped)
}

// foldMarks decomposes, drops combining marks and recomposes. A transformer
// holds state, so each call builds its own.
func foldMarks() transform.Transformer {
	return transform.Chain(norm.NFD, runes.Remove(runes.In(unicode.Mn)), norm.NFC)
}

// Limit is one length limit of ND30 Appendix VI, named by its edXML element.
type Limit struct {
	Element string // e.g. "Subject"
	Max     int    // characters after NFC
}

// The limits of DOMAIN.md §10 (ND30 Appendix VI; QCVN 102 element names).
var (
	CodeNumber    = Limit{Element: "CodeNumber", Max: 11}   // the number of a symbol
	CodeNotation  = Limit{Element: "CodeNotation", Max: 30} // the symbol after the number
	Subject       = Limit{Element: "Subject", Max: 500}     // trích yếu
	OrganName     = Limit{Element: "OrganName", Max: 200}   // an agency's name
	OrganIDLegacy = Limit{Element: "OrganId", Max: 13}      // legacy QCVN 102 identifier, 000.00.00.G22
	OrganID       = Limit{Element: "OrganId", Max: 35}      // QĐ 20/2020 identifier
	ArrivalNumber = Limit{Element: "ArrivalNumber", Max: 10}
	Description   = Limit{Element: "Description", Max: 500}
)

// Limits lists every limit, for documentation and API schemas.
func Limits() []Limit {
	return []Limit{CodeNumber, CodeNotation, Subject, OrganName, OrganIDLegacy, OrganID, ArrivalNumber, Description}
}

// Field is one value to check, named as the caller's API names it.
type Field struct {
	Name     string // the field as the caller knows it, e.g. "subject"; the detail key
	Value    string
	Limit    Limit
	Required bool // an empty (or all-whitespace) value is a problem
}

// Check reports every field that is empty when required, longer than its
// limit, or not valid UTF-8, as one Invalid error with one detail per field:
// details{"subject": "at most 500 characters, got 512"}. Lengths are counted
// in characters after NFC. Check returns nil when every field is acceptable.
func Check(fields ...Field) error {
	const op = "text.Check"
	problems := map[string]string{}
	for _, f := range fields {
		if why := problem(f); why != "" {
			problems[f.Name] = why
		}
	}
	if len(problems) == 0 {
		return nil
	}
	return errs.Fields(op, "", problems)
}

func problem(f Field) string {
	if !utf8.ValidString(f.Value) {
		return "not valid UTF-8 text"
	}
	if strings.TrimSpace(f.Value) == "" {
		if f.Required {
			return "required"
		}
		return ""
	}
	if f.Limit.Max > 0 {
		if n := Length(f.Value); n > f.Limit.Max {
			return fmt.Sprintf("at most %d characters, got %d", f.Limit.Max, n)
		}
	}
	return ""
}
