// Package rules decides who approves a document. The rules are data — a
// versioned YAML file an administrator edits — evaluated in order: the first
// rule whose conditions all hold gives the approver.
package rules

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"slices"

	"gopkg.in/yaml.v3"
)

// Set is a loaded rules file.
type Set struct {
	Version string `yaml:"version"`
	Rules   []Rule `yaml:"rules"`
}

// Rule maps conditions to an approver. An empty condition list matches
// every document, so the last rule is usually the default.
type Rule struct {
	ID           string `yaml:"id"`
	When         When   `yaml:"when"`
	Approver     string `yaml:"approver"`
	DeadlineDays int    `yaml:"deadline_days"`
}

// When holds a rule's conditions; each non-empty list must contain the
// document's value.
type When struct {
	Kind    []string `yaml:"kind"`
	Urgency []string `yaml:"urgency"`
	Agency  []string `yaml:"agency"`
}

// Document is what rules look at.
type Document struct {
	Agency, Kind, Urgency string
}

// Route is the outcome of evaluating the rules.
type Route struct {
	RuleID       string
	Version      string
	Approver     string
	DeadlineDays int
}

// ErrNoRoute means no rule matched: the document waits for a person to route it.
var ErrNoRoute = errors.New("no routing rule matches the document")

// Load reads and checks a rules file.
func Load(path string) (*Set, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("rules.Load: %w", err)
	}
	return Parse(raw)
}

// Parse reads rules from YAML, refusing unknown fields so a typo in a
// condition does not silently widen a rule.
func Parse(raw []byte) (*Set, error) {
	var s Set
	dec := yaml.NewDecoder(bytes.NewReader(raw))
	dec.KnownFields(true)
	if err := dec.Decode(&s); err != nil {
		return nil, fmt.Errorf("rules.Parse: %w", err)
	}
	if err := s.validate(); err != nil {
		return nil, fmt.Errorf("rules.Parse: %w", err)
	}
	return &s, nil
}

func (s *Set) validate() error {
	var problems []error
	if s.Version == "" {
		problems = append(problems, errors.New("version is required"))
	}
	if len(s.Rules) == 0 {
		problems = append(problems, errors.New("at least one rule is required"))
	}
	seen := map[string]bool{}
	for i, r := range s.Rules {
		where := fmt.Sprintf("rule %d (%s)", i+1, r.ID)
		if r.ID == "" {
			problems = append(problems, fmt.Errorf("rule %d: id is required", i+1))
		} else if seen[r.ID] {
			problems = append(problems, fmt.Errorf("%s: duplicate id", where))
		}
		seen[r.ID] = true
		if r.Approver == "" {
			problems = append(problems, fmt.Errorf("%s: approver is required", where))
		}
		if r.DeadlineDays < 0 {
			problems = append(problems, fmt.Errorf("%s: deadline_days cannot be negative", where))
		}
	}
	return errors.Join(problems...)
}

// Match returns the route of the first matching rule.
func (s *Set) Match(d Document) (Route, error) {
	for _, r := range s.Rules {
		if matches(r.When.Kind, d.Kind) && matches(r.When.Urgency, d.Urgency) && matches(r.When.Agency, d.Agency) {
			days := r.DeadlineDays
			if days == 0 {
				days = 5
			}
			return Route{RuleID: r.ID, Version: s.Version, Approver: r.Approver, DeadlineDays: days}, nil
		}
	}
	return Route{}, ErrNoRoute
}

func matches(allowed []string, v string) bool {
	return len(allowed) == 0 || slices.Contains(allowed, v)
}
