package rules

import (
	"cmp"
	"fmt"
	"slices"

	"github.com/docflow/docflow/workflows/chain"
)

// Signing is an approval rule's signing step: the position whose holder
// signs the document once every step agreed (DOMAIN.md §4), addressed, like
// steps, to a position and never to a person.
type Signing struct {
	ID       string `yaml:"id" json:"id"`
	Name     string `yaml:"name" json:"name"`
	Position string `yaml:"position" json:"position"`
	// Authority is how the position signs (chain.Authority*: "", "TM.",
	// "TL.", "Q."), and For the collective or the head it signs for under
	// TM. or TL. KT. and TUQ. are not written here: they follow from the
	// substitute who signs in the holder's place.
	Authority    string `yaml:"authority" json:"authority,omitempty"`
	For          string `yaml:"for" json:"for,omitempty"`
	DeadlineDays int    `yaml:"deadline_days" json:"deadline_days"`
}

// Issuing is the clerk's part of every outgoing plan (Set.Issuing): the
// position whose holder issues signed documents, and the working days they
// have, 0 (the default) being the day of the signature (ND30 Art. 18).
type Issuing struct {
	Position     string `yaml:"position" json:"position"`
	DeadlineDays int    `yaml:"deadline_days" json:"deadline_days"`
}

// defaultSigningDays is a signing's deadline when the rules give none. The
// review is over by then and the document is to be issued the day it is
// signed, so a signing waiting longer than the next working day holds up
// the issue; past it the task escalates to the signer's supervisor.
const defaultSigningDays = 1

// WorkingDays is the signing's deadline in working days, the default when
// the rules give none.
func (sg *Signing) WorkingDays() int { return cmp.Or(sg.DeadlineDays, defaultSigningDays) }

var authorities = []string{chain.AuthorityDirect, chain.AuthorityTM, chain.AuthorityTL, chain.AuthorityQ}

func (sg *Signing) validate(where string, steps []Step) []error {
	var problems []error
	at := fmt.Sprintf("%s signing (%s)", where, sg.ID)
	switch {
	case sg.ID == "":
		problems = append(problems, fmt.Errorf("%s: id is required", at))
	case slices.ContainsFunc(steps, func(st Step) bool { return st.ID == sg.ID }):
		// Tasks and the history name their step by id: the two would be confused.
		problems = append(problems, fmt.Errorf("%s: id is also a step's id", at))
	}
	if sg.Name == "" {
		problems = append(problems, fmt.Errorf("%s: name is required", at))
	}
	if sg.Position == "" {
		problems = append(problems, fmt.Errorf("%s: position is required: the position whose holder signs", at))
	}
	switch {
	case !slices.Contains(authorities, sg.Authority):
		problems = append(problems, fmt.Errorf(`%s: authority %q is not "", "TM.", "TL." or "Q." (KT. and TUQ. come from the substitute who signs)`, at, sg.Authority))
	case (sg.Authority == chain.AuthorityTM || sg.Authority == chain.AuthorityTL) && sg.For == "":
		problems = append(problems, fmt.Errorf("%s: authority %s needs for: the collective or head signed for", at, sg.Authority))
	case sg.Authority != chain.AuthorityTM && sg.Authority != chain.AuthorityTL && sg.For != "":
		problems = append(problems, fmt.Errorf("%s: for is only for authority TM. or TL., not %q", at, sg.Authority))
	}
	if sg.DeadlineDays < 0 {
		problems = append(problems, fmt.Errorf("%s: deadline_days cannot be negative", at))
	}
	return problems
}
