// Package rules decides who handles a document. The rules are data — a
// versioned YAML file an administrator edits — evaluated in order: the first
// rule of the document's direction whose conditions all hold gives the plan.
//
// The two flows of DOMAIN.md never share a rule: a handling rule
// (workflow: handling) presents incoming documents to their leaders (§5),
// every other rule plans the review and signing of outgoing drafts (§4). A
// draft that matched a handling rule would never be signed, and an incoming
// document that matched an approval rule would be signed and numbered by its
// receiver, so the direction is decided by the event, not by conditions an
// administrator could get wrong.
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
	// Issuing names the agency's văn thư position: once signed, every
	// outgoing document waits on a task of its holder's to be issued.
	// Optional: without it the document waits for any clerk, with no
	// deadline.
	Issuing *Issuing `yaml:"issuing"`
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
	// Signing is where the competent person signs an outgoing document once
	// every step agreed; every approval rule names one, and a handling rule
	// none (the receiver never signs what it receives).
	Signing *Signing `yaml:"signing" json:"signing,omitempty"`
}

// Direction is which flow a document is in, and so which rules may plan it.
type Direction string

// Directions of documents.
const (
	Incoming Direction = "incoming" // registered on arrival (events.DocumentReceived)
	Outgoing Direction = "outgoing" // drafted in the agency (events.DocumentDrafted)
)

// Direction is the flow the rule plans: incoming for a handling rule,
// outgoing for every other.
func (r Rule) Direction() Direction {
	if r.Handling() {
		return Incoming
	}
	return Outgoing
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
	// Incoming is accepted for the rules files written before the direction
	// decided, and not tested: a handling rule only ever sees incoming
	// documents and an approval rule only outgoing ones. A value that
	// contradicts the rule's direction is refused, since the rule would
	// never have matched what it now plans.
	Incoming *bool `yaml:"incoming" json:"incoming,omitempty"`
}

// Document is what rules look at.
type Document struct {
	Direction             Direction // chooses the rules considered
	Agency, Kind, Urgency string
	IssuerID              string            // the sending agency, for incoming documents
	RecipientUnit         string            // the unit the document is addressed to, if any
	Metadata              map[string]string // further facts rules may test
	// Outgoing only: the drafter's username and the drafting unit they
	// chose (empty: the unit of the drafter's first position).
	Drafter, Unit string
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
	if s.Issuing != nil {
		if s.Issuing.Position == "" {
			problems = append(problems, errors.New("issuing: position is required: the văn thư position whose holder issues signed documents"))
		}
		if s.Issuing.DeadlineDays < 0 {
			problems = append(problems, errors.New("issuing: deadline_days cannot be negative"))
		}
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
			if r.Signing == nil {
				problems = append(problems, fmt.Errorf("%s plans an outgoing document but names no signing step: add signing: {id, name, position}", where))
			} else {
				problems = append(problems, r.Signing.validate(where, r.Steps)...)
			}
		case WorkflowHandling:
			if len(r.Steps) != 1 || r.Steps[0].Mode == "n_of_m" {
				problems = append(problems, fmt.Errorf("%s: a handling rule has one step, naming the leaders the document is presented to (mode all or any)", where))
			}
			if r.Signing != nil {
				problems = append(problems, fmt.Errorf("%s: a handling rule names no signing step: an incoming document is never signed by its receiver", where))
			}
		default:
			problems = append(problems, fmt.Errorf("%s: workflow %q is not approval or handling", where, r.Workflow))
		}
		if in := r.When.Incoming; in != nil && *in != (r.Direction() == Incoming) {
			problems = append(problems, fmt.Errorf("%s: incoming: %t contradicts the rule, which plans %s documents: remove the condition, the direction decides", where, *in, r.Direction()))
		}
	}
	return errors.Join(problems...)
}

func (w When) holds(d Document) bool {
	if !matches(w.Kind, d.Kind) || !matches(w.Urgency, d.Urgency) || !matches(w.Agency, d.Agency) ||
		!matches(w.IssuerID, d.IssuerID) || !matches(w.RecipientUnit, d.RecipientUnit) {
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
