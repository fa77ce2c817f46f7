// Package refdata reads the reference data the clerical packages embed in
// the binary (the agency directory, the document kinds, the working-day
// calendar) by one set of rules: a file is decoded strictly, so a misspelt
// field is an error instead of a value silently left empty; it says which
// version it is; and every problem in it is reported at once, so one round
// of corrections fixes the whole file.
package refdata

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Header is how the agency directory and the kinds file begin: the data's
// version, which services log at start-up, and the texts it comes from, for
// the people who maintain it.
type Header struct {
	Version string   `json:"version"`
	Sources []string `json:"sources"`
}

// Decode decodes the JSON file data, called what in the error, into v,
// refusing any field v does not declare.
func Decode(data []byte, what string, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("%s is not valid JSON of the expected shape: %w", what, err)
	}
	return nil
}

// Check collects the problems found in one file.
type Check struct {
	// File, when set, starts every problem, for data spread over files.
	File     string
	problems []error
}

// Bad records a problem.
func (c *Check) Bad(format string, args ...any) {
	err := fmt.Errorf(format, args...)
	if c.File != "" {
		err = fmt.Errorf("%s: %w", c.File, err)
	}
	c.problems = append(c.problems, err)
}

// Version records a problem when the file, called what, has no version.
func (c *Check) Version(what, version string) {
	if version == "" {
		c.Bad("%s has no version", what)
	}
}

// Name records a problem when name, the name of the entry at, is not
// non-empty NFC text, and reports whether it is.
func (c *Check) Name(at, name string) bool {
	if name == "" || !utf8.ValidString(name) || !norm.NFC.IsNormalString(name) {
		c.Bad("%s: the name must be non-empty NFC text", at)
		return false
	}
	return true
}

// Abbreviation records a problem when abbr, the abbreviation of the entry
// at, could not be written in a document's symbol: it must be NFC, without
// the spaces, slashes and hyphens that separate a symbol's parts.
func (c *Check) Abbreviation(at, abbr string) {
	if !norm.NFC.IsNormalString(abbr) || strings.ContainsAny(abbr, " /-") {
		c.Bad("%s: the abbreviation must be NFC without spaces, '/' or '-'", at)
	}
}

// Err is every problem recorded, joined; nil when there is none.
func (c *Check) Err() error { return errors.Join(c.problems...) }
