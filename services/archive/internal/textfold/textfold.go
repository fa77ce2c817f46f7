// Package textfold prepares Vietnamese text for storage and search. Stored
// text is NFC, so one word has one byte form whatever keyboard typed it;
// search runs on a folded form without case or diacritics, so that a records
// officer typing "quyet dinh" on any keyboard finds "Quyết định".
package textfold

import (
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// NFC returns s in Unicode normalisation form C.
func NFC(s string) string { return norm.NFC.String(s) }

// Fold returns s lower-cased, without diacritics (đ becomes d) and with every
// run of characters that are neither letters nor digits collapsed into one
// space, so that "Số 12/QĐ-UBND" folds to "so 12 qd ubnd".
func Fold(s string) string { return strings.Join(Words(s), " ") }

// Words splits the folded form of s into its words. Search matches each of
// them on its own, so word order and punctuation in a query do not matter.
func Words(s string) []string {
	var b strings.Builder
	b.Grow(len(s))
	// NFD separates a base letter from its tone and vowel marks (ế is
	// e + circumflex + acute), so dropping the marks leaves the base letter.
	for _, r := range norm.NFD.String(s) {
		switch {
		case unicode.Is(unicode.Mn, r):
			continue
		case r == 'đ' || r == 'Đ':
			// đ is a letter of its own, not d with a mark: NFD keeps it whole.
			b.WriteRune('d')
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			b.WriteRune(unicode.ToLower(r))
		default:
			b.WriteRune(' ')
		}
	}
	return strings.Fields(b.String())
}
