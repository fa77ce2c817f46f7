// Package orgchart is an agency's organisation as data: units, the positions
// in them, the person holding each position and the position each one answers
// to. Routing addresses positions, so staff changes never touch the rules.
package orgchart

import (
	"errors"
	"fmt"
	"slices"

	"github.com/docflow/docflow/api/errcode"
	"github.com/docflow/docflow/services/internal/errs"
	"github.com/docflow/docflow/services/routing/internal/datafile"
)

// Charts are the org charts of the agencies one installation hosts, by
// agency identifier.
type Charts map[string]*Chart

// TitleOf is the title of username's first position in whichever chart
// lists them: usernames are unique across an installation.
func (c Charts) TitleOf(username string) string {
	for _, chart := range c {
		if chart.IsPerson(username) {
			return chart.TitleOf(username)
		}
	}
	return ""
}

// Chart is a loaded, validated org chart. It is read-only once loaded and
// safe to share between goroutines.
type Chart struct {
	Agency    string     `yaml:"agency" json:"agency"`
	People    []string   `yaml:"people" json:"people"`
	Units     []Unit     `yaml:"units" json:"units"`
	Positions []Position `yaml:"positions" json:"positions"`

	units     map[string]Unit
	positions map[string]Position
	people    map[string]bool
}

// Unit is a department (phòng, ban, văn phòng). Head is the position that
// answers for the unit when a document is addressed to the unit as a whole.
type Unit struct {
	ID     string `yaml:"id" json:"id"`
	Name   string `yaml:"name" json:"name"`
	Parent string `yaml:"parent,omitempty" json:"parent,omitempty"`
	Head   string `yaml:"head" json:"head"`
	// Abbreviation is the unit's part of the symbol of the documents it
	// drafts (DOMAIN.md §2: the TH of 12/VPCP-TH); empty when it has none.
	Abbreviation string `yaml:"abbreviation,omitempty" json:"abbreviation,omitempty"`
}

// Position is a post in a unit, held by one person. Supervisor is the
// position that overdue tasks of this one escalate to; the top position has
// none.
type Position struct {
	ID         string `yaml:"id" json:"id"`
	Title      string `yaml:"title" json:"title"`
	Unit       string `yaml:"unit" json:"unit"`
	Holder     string `yaml:"holder" json:"holder"`
	Supervisor string `yaml:"supervisor,omitempty" json:"supervisor,omitempty"`
}

// Load reads and validates an org chart file (package datafile).
func Load(path string) (*Chart, error) { return datafile.Load("orgchart.Load", path, (*Chart).index) }

// Parse reads an org chart from YAML (package datafile).
func Parse(raw []byte) (*Chart, error) { return datafile.Parse("orgchart.Parse", raw, (*Chart).index) }

func (c *Chart) index() error {
	var problems []error
	if c.Agency == "" {
		problems = append(problems, errors.New("agency is required"))
	}
	c.people = map[string]bool{}
	for _, p := range c.People {
		if c.people[p] {
			problems = append(problems, fmt.Errorf("person %q listed twice", p))
		}
		c.people[p] = true
	}
	var unitIDs, positionIDs []error
	c.units, unitIDs = byID("unit", c.Units, func(u Unit) string { return u.ID })
	c.positions, positionIDs = byID("position", c.Positions, func(p Position) string { return p.ID })
	problems = append(append(problems, unitIDs...), positionIDs...)
	for _, u := range c.Units {
		if u.Name == "" {
			problems = append(problems, fmt.Errorf("unit %q: name is required", u.ID))
		}
		if u.Parent != "" && c.units[u.Parent].ID == "" {
			problems = append(problems, fmt.Errorf("unit %q: unknown parent unit %q", u.ID, u.Parent))
		}
		if !validAbbreviation(u.Abbreviation) {
			problems = append(problems, fmt.Errorf("unit %q: abbreviation %q must be 1 to %d upper-case letters or digits (Đ allowed), as the symbol prints it", u.ID, u.Abbreviation, maxAbbreviation))
		}
		if head, ok := c.positions[u.Head]; !ok {
			problems = append(problems, fmt.Errorf("unit %q: head %q is not a position of the chart", u.ID, u.Head))
		} else if head.Unit != u.ID {
			problems = append(problems, fmt.Errorf("unit %q: head %q belongs to unit %q", u.ID, u.Head, head.Unit))
		}
	}
	for _, p := range c.Positions {
		if p.Title == "" {
			problems = append(problems, fmt.Errorf("position %q: title is required", p.ID))
		}
		if c.units[p.Unit].ID == "" {
			problems = append(problems, fmt.Errorf("position %q: unknown unit %q", p.ID, p.Unit))
		}
		if !c.people[p.Holder] {
			problems = append(problems, fmt.Errorf("position %q: holder %q is not one of the agency's people", p.ID, p.Holder))
		}
		if p.Supervisor != "" && c.positions[p.Supervisor].ID == "" {
			problems = append(problems, fmt.Errorf("position %q: unknown supervisor position %q", p.ID, p.Supervisor))
		}
	}
	problems = append(problems, c.cycles()...)
	return errors.Join(problems...)
}

// maxAbbreviation bounds a unit's abbreviation, so a symbol built from it
// stays within its field (DOMAIN.md §10: CodeNotation 30).
const maxAbbreviation = 10

// validAbbreviation says whether a is empty or fit to print in a symbol:
// upper-case Latin letters, digits and Đ (ĐT, TTĐT), compared exactly.
func validAbbreviation(a string) bool {
	if a == "" {
		return true
	}
	n := 0
	for _, r := range a {
		n++
		if (r < 'A' || r > 'Z') && (r < '0' || r > '9') && r != 'Đ' {
			return false
		}
	}
	return n <= maxAbbreviation
}

// byID indexes items by their id, reporting each item without one and each
// id taken twice; what names the kind of item in the messages.
func byID[T any](what string, items []T, id func(T) string) (map[string]T, []error) {
	index := make(map[string]T, len(items))
	var problems []error
	for i, item := range items {
		k := id(item)
		_, taken := index[k]
		switch {
		case k == "":
			problems = append(problems, fmt.Errorf("%s %d: id is required", what, i+1))
		case taken:
			problems = append(problems, fmt.Errorf("%s %q: duplicate id", what, k))
		}
		index[k] = item
	}
	return index, problems
}

// cycles finds supervisor chains that loop: an overdue task escalated along
// one would never reach anyone with more authority.
func (c *Chart) cycles() []error {
	var problems []error
	reported := map[string]bool{}
	for _, p := range c.Positions {
		seen := map[string]bool{}
		for cur := p.ID; cur != ""; cur = c.positions[cur].Supervisor {
			if seen[cur] {
				if !reported[cur] {
					problems = append(problems, fmt.Errorf("position %q: its supervisors loop back to it", cur))
					reported[cur] = true
				}
				break
			}
			seen[cur] = true
		}
	}
	return problems
}

func notFound(op, what, id string) error {
	return errs.E(op, errs.NotFound, errcode.NotFound, fmt.Sprintf("no %s %q in the org chart", what, id))
}

// Position returns a position by id.
func (c *Chart) Position(id string) (Position, error) {
	p, ok := c.positions[id]
	if !ok {
		return Position{}, notFound("orgchart.Position", "position", id)
	}
	return p, nil
}

// Unit returns a unit by id.
func (c *Chart) Unit(id string) (Unit, error) {
	u, ok := c.units[id]
	if !ok {
		return Unit{}, notFound("orgchart.Unit", "unit", id)
	}
	return u, nil
}

// Holder is the username of the person holding a position.
func (c *Chart) Holder(position string) (string, error) {
	p, ok := c.positions[position]
	if !ok {
		return "", notFound("orgchart.Holder", "position", position)
	}
	return p.Holder, nil
}

// Supervisor is the position a position answers to; ok is false for the top
// of the chart (and for an unknown position).
func (c *Chart) Supervisor(position string) (Position, bool) {
	p, ok := c.positions[position]
	if !ok || p.Supervisor == "" {
		return Position{}, false
	}
	return c.positions[p.Supervisor], true
}

// PositionsOf lists the positions a person holds, in chart order.
func (c *Chart) PositionsOf(username string) []Position {
	return c.positionsWhere(func(p Position) bool { return p.Holder == username })
}

// PositionsIn lists the positions of a unit (not of its sub-units), in
// chart order.
func (c *Chart) PositionsIn(unit string) []Position {
	return c.positionsWhere(func(p Position) bool { return p.Unit == unit })
}

// positionsWhere lists the positions that keep holds for, in chart order.
func (c *Chart) positionsWhere(keep func(Position) bool) []Position {
	var out []Position
	for _, p := range c.Positions {
		if keep(p) {
			out = append(out, p)
		}
	}
	return out
}

// TitleOf is the title of the first position username holds, or "" when
// they hold none.
func (c *Chart) TitleOf(username string) string {
	if ps := c.PositionsOf(username); len(ps) > 0 {
		return ps[0].Title
	}
	return ""
}

// IsPerson says whether username is one of the agency's people.
func (c *Chart) IsPerson(username string) bool { return c.people[username] }

// Holds says whether username holds the position.
func (c *Chart) Holds(username, position string) bool {
	return slices.ContainsFunc(c.PositionsOf(username), func(p Position) bool { return p.ID == position })
}
