// Package rules decides who approves a document. The rules are data — a
// versioned YAML file an administrator edits — evaluated in order: the first
// rule whose conditions all hold gives the approver.
package rules

import (
	"errors"
	"fmt"
	"slices"

	"github.com/docflow/docflow/services/routing/internal/datafile"
)

// Set is a loaded rules file.
type Set struct {
	Version string `yaml:"version"`
	Rules   []Rule `yaml:"rules"`
}

// Rule maps conditions to an approver and a plan of steps. An empty
// condition list matches every document, so the last rule is usually the
// default. Approver is the single approver of the one-step approval
// workflow; Steps is the plan of the multi-step one (see Plan).
type Rule struct {
	ID           string `yaml:"id" json:"id"`
	When         When   `yaml:"when" json:"when"`
	Approver     string `yaml:"approver" json:"approver"`
	DeadlineDays int    `yaml:"deadline_days" json:"deadline_days"`
	Steps        []Step `yaml:"steps" json:"steps,omitempty"`
	// Workflow is what runs the plan: WorkflowApproval (the default) or
	// WorkflowHandling, where the one step names the leaders the incoming
	// document is presented to and its deadline is the time they have to
	// assign it (DOMAIN.md §5).
	Workflow string `yaml:"workflow" json:"workflow,omitempty"`
}

// Workflows a rule can start.
const (
	WorkflowApproval = "approval"
	WorkflowHandling = "handling"
)

// Handling reports whether the rule starts the handling of an incoming
// document rather than an approval.
func (r Rule) Handling() bool { return r.Workflow == WorkflowHandling }

// When holds a rule's conditions; each non-empty list must contain the
// document's value, and each metadata key must have one of its values.
type When struct {
	Kind          []string            `yaml:"kind" json:"kind,omitempty"`
	Urgency       []string            `yaml:"urgency" json:"urgency,omitempty"`
	Agency        []string            `yaml:"agency" json:"agency,omitempty"`
	IssuerID      []string            `yaml:"issuer_id" json:"issuer_id,omitempty"`
	RecipientUnit []string            `yaml:"recipient_unit" json:"recipient_unit,omitempty"`
	Metadata      map[string][]string `yaml:"metadata" json:"metadata,omitempty"`
	// Incoming, when set, requires the document to come from another agency
	// (true: it names an issuer other than the receiving agency) or not.
	Incoming *bool `yaml:"incoming" json:"incoming,omitempty"`
}

// Document is what rules look at.
type Document struct {
	Agency, Kind, Urgency string
	IssuerID              string            // the sending agency, for incoming documents
	RecipientUnit         string            // the unit the document is addressed to, if any
	Metadata              map[string]string // further facts rules may test
}

// ErrNoRoute means no rule matched: the document waits for a person to route it.
var ErrNoRoute = errors.New("no routing rule matches the document")

// Load reads and checks a rules file (package datafile).
func Load(path string) (*Set, error) { return datafile.Load("rules.Load", path, (*Set).validate) }

// Parse reads rules from YAML (package datafile).
func Parse(raw []byte) (*Set, error) { return datafile.Parse("rules.Parse", raw, (*Set).validate) }

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
		if r.Approver == "" && len(r.Steps) == 0 {
			problems = append(problems, fmt.Errorf("%s: approver or steps are required", where))
		}
		if r.DeadlineDays < 0 {
			problems = append(problems, fmt.Errorf("%s: deadline_days cannot be negative", where))
		}
		problems = append(problems, validateSteps(where, r.Steps)...)
		switch r.Workflow {
		case "", WorkflowApproval:
		case WorkflowHandling:
			if len(r.Steps) != 1 || r.Steps[0].Mode == "n_of_m" {
				problems = append(problems, fmt.Errorf("%s: a handling rule has one step, naming the leaders the document is presented to (mode all or any)", where))
			}
		default:
			problems = append(problems, fmt.Errorf("%s: workflow %q is not approval or handling", where, r.Workflow))
		}
	}
	return errors.Join(problems...)
}

func (w When) holds(d Document) bool {
	if !matches(w.Kind, d.Kind) || !matches(w.Urgency, d.Urgency) || !matches(w.Agency, d.Agency) ||
		!matches(w.IssuerID, d.IssuerID) || !matches(w.RecipientUnit, d.RecipientUnit) {
		return false
	}
	if w.Incoming != nil && *w.Incoming != (d.IssuerID != "" && d.IssuerID != d.Agency) {
		return false
	}
	for k, allowed := range w.Metadata {
		if v, ok := d.Metadata[k]; !ok || !matches(allowed, v) {
			return false
		}
	}
	return true
}

func matches(allowed []string, v string) bool {
	return len(allowed) == 0 || slices.Contains(allowed, v)
}
