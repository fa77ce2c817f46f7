package rules

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/docflow/docflow/api/errcode"
	svc "github.com/docflow/docflow/api/svc/v1"
	"github.com/docflow/docflow/services/internal/errs"
	"github.com/docflow/docflow/services/routing/internal/orgchart"
	"github.com/docflow/docflow/workflows"
	"github.com/docflow/docflow/workflows/chain"
)

// Step modes. A step's assignees decide in parallel; steps run one after
// another.
const (
	// ModeAll: every assignee must approve (a single-assignee step is "all").
	ModeAll = "all"
	// ModeAny: the first approval decides the step.
	ModeAny = "any"
	// ModeNOfM: Required approvals out of the assignees decide the step.
	ModeNOfM = "n_of_m"
	// ModeExternal: another agency (Agency) takes the step; the document is
	// sent to it and the step waits, until its deadline and past it, for
	// the agency's reply.
	ModeExternal = "external"
)

// Step is one step of a rule's plan, addressed to positions or units, never
// to named people.
//
// A unit stands for the position that heads it when the step is sequential
// (one target, mode "all"): the unit answers through its head. When the step
// is parallel (several targets, or mode "any" or "n_of_m") a unit stands for
// every position in it (not its sub-units), so anyone in the unit can take
// the task.
type Step struct {
	ID           string   `yaml:"id" json:"id"`
	Name         string   `yaml:"name" json:"name"`
	Mode         string   `yaml:"mode" json:"mode"`
	Required     int      `yaml:"required" json:"required,omitempty"` // n_of_m only
	To           []Target `yaml:"to" json:"to"`
	DeadlineDays int      `yaml:"deadline_days" json:"deadline_days"`
	Agency       string   `yaml:"agency" json:"agency,omitempty"` // external only: the agency identifier
}

// Target is a position or a unit; exactly one is set.
type Target struct {
	Position string `yaml:"position" json:"position,omitempty"`
	Unit     string `yaml:"unit" json:"unit,omitempty"`
}

func (s Step) parallel() bool { return len(s.To) > 1 || s.Mode == ModeAny || s.Mode == ModeNOfM }

func validateSteps(where string, steps []Step) []error {
	var problems []error
	seen := map[string]bool{}
	for i, st := range steps {
		at := fmt.Sprintf("%s step %d (%s)", where, i+1, st.ID)
		switch {
		case st.ID == "":
			problems = append(problems, fmt.Errorf("%s: id is required", at))
		case seen[st.ID]:
			problems = append(problems, fmt.Errorf("%s: duplicate step id", at))
		}
		seen[st.ID] = true
		if st.Name == "" {
			problems = append(problems, fmt.Errorf("%s: name is required", at))
		}
		if st.Mode == ModeExternal {
			if st.Agency == "" || len(st.To) > 0 {
				problems = append(problems, fmt.Errorf("%s: an external step names the agency that takes it (agency), and no positions or units", at))
			}
		} else if len(st.To) == 0 {
			problems = append(problems, fmt.Errorf("%s: to needs at least one position or unit", at))
		} else if st.Agency != "" {
			problems = append(problems, fmt.Errorf("%s: agency is only for mode external", at))
		}
		for j, tg := range st.To {
			if (tg.Position == "") == (tg.Unit == "") {
				problems = append(problems, fmt.Errorf("%s: target %d must name exactly one of position or unit", at, j+1))
			}
		}
		switch st.Mode {
		case "", ModeAll, ModeAny, ModeExternal:
			if st.Required != 0 {
				problems = append(problems, fmt.Errorf("%s: required is only for mode n_of_m", at))
			}
		case ModeNOfM:
			if st.Required < 1 {
				problems = append(problems, fmt.Errorf("%s: mode n_of_m needs required of 1 or more", at))
			}
		default:
			problems = append(problems, fmt.Errorf("%s: unknown mode %q: use all, any, n_of_m or external", at, st.Mode))
		}
		if st.DeadlineDays < 0 {
			problems = append(problems, fmt.Errorf("%s: deadline_days cannot be negative", at))
		}
	}
	return problems
}

// CheckChart reports every step target the org chart does not have, so a
// rules file and a chart that disagree are refused at start-up rather than
// when a document arrives.
func (s *Set) CheckChart(chart *orgchart.Chart) error {
	var problems []error
	for _, r := range s.Rules {
		for _, st := range r.Steps {
			for _, tg := range st.To {
				if _, err := chart.Position(tg.Position); tg.Position != "" && err != nil {
					problems = append(problems, fmt.Errorf("rule %s step %s: no position %q in the org chart", r.ID, st.ID, tg.Position))
				}
				if _, err := chart.Unit(tg.Unit); tg.Unit != "" && err != nil {
					problems = append(problems, fmt.Errorf("rule %s step %s: no unit %q in the org chart", r.ID, st.ID, tg.Unit))
				}
			}
		}
		if sg := r.Signing; sg != nil {
			if _, err := chart.Position(sg.Position); err != nil {
				problems = append(problems, fmt.Errorf("rule %s signing %s: no position %q in the org chart", r.ID, sg.ID, sg.Position))
			}
		}
	}
	if is := s.Issuing; is != nil {
		if _, err := chart.Position(is.Position); err != nil {
			problems = append(problems, fmt.Errorf("issuing: no position %q in the org chart", is.Position))
		}
	}
	if err := errors.Join(problems...); err != nil {
		return fmt.Errorf("rules.CheckChart: %w", err)
	}
	return nil
}

// Plan is who handles a document, step by step, resolved to people at a
// moment: the plan the chain workflow runs, each step with its assignees,
// the approvals that decide it (Required, in every mode) and their
// supervisors and substitutes.
type Plan struct {
	chain.Plan
	// Handling: the plan's one step presents an incoming document to its
	// leaders for assignment (Rule.Workflow).
	Handling bool
}

// Substitutes finds the delegations in force for a position; the
// delegation store satisfies it.
type Substitutes interface {
	Substitutes(ctx context.Context, agency, position string, at time.Time, kind string) ([]svc.Delegation, error)
}

// Planner resolves the plans of one agency's documents with its current
// rules, org chart and delegations.
type Planner struct {
	Rules       func() *Set
	Chart       func() *orgchart.Chart
	Substitutes Substitutes
}

// defaultStepDays is a step's deadline when the rules give none.
const defaultStepDays = 5

// Plan is the plan of the first rule of doc's direction matching doc,
// resolved at at. A matching rule without steps is a single step to its
// approver, so every routed document gets a plan; an outgoing one also gets
// its signing step and drafting unit. ErrNoRoute means no rule matched.
func (p *Planner) Plan(ctx context.Context, doc Document, at time.Time) (Plan, error) {
	const op = "rules.Plan"
	if doc.Direction != Incoming && doc.Direction != Outgoing {
		return Plan{}, errs.E(op, errs.Internal, errcode.Internal, fmt.Sprintf("document direction %q is not incoming or outgoing", doc.Direction))
	}
	set, chart := p.Rules(), p.Chart()
	i := slices.IndexFunc(set.Rules, func(r Rule) bool { return r.Direction() == doc.Direction && r.When.holds(doc) })
	if i < 0 {
		return Plan{}, ErrNoRoute
	}
	r := set.Rules[i]
	plan := Plan{Plan: chain.Plan{RuleID: r.ID, RuleVersion: set.Version}, Handling: r.Handling()}
	if len(r.Steps) == 0 && len(chart.PositionsOf(r.Approver)) == 0 {
		return Plan{}, errs.E(op, errs.Internal, errcode.Internal,
			fmt.Sprintf("rule %s names approver %q, who holds no position in the org chart: fix the rules or the chart", r.ID, r.Approver))
	}
	for _, st := range p.Steps(r) {
		rs, err := p.resolve(ctx, chart, st, doc, at)
		if err != nil {
			return Plan{}, errs.Wrap(op, fmt.Errorf("rule %s step %s: %w", r.ID, st.ID, err))
		}
		plan.Steps = append(plan.Steps, rs)
	}
	if doc.Direction == Outgoing {
		sg := r.Signing
		signer, err := p.assignee(ctx, chart, sg.Position, doc.Kind, at)
		if err != nil {
			return Plan{}, errs.Wrap(op, fmt.Errorf("rule %s signing %s: %w", r.ID, sg.ID, err))
		}
		plan.Signing = &chain.Signing{
			ID: sg.ID, Name: sg.Name, Signer: signer, Authority: sg.Authority, For: sg.For,
			DeadlineWorkingDays: sg.WorkingDays(),
		}
		plan.Unit, plan.Units = draftingUnit(chart, doc)
		if is := set.Issuing; is != nil {
			clerk, err := p.assignee(ctx, chart, is.Position, doc.Kind, at)
			if err != nil {
				return Plan{}, errs.Wrap(op, fmt.Errorf("issuing %s: %w", is.Position, err))
			}
			plan.Issuing = &chain.Issuing{Clerk: clerk, DeadlineWorkingDays: is.DeadlineDays}
		}
	}
	return plan, nil
}

// draftingUnit is the unit a draft is made in and the abbreviations its
// symbol carries for it (DOMAIN.md §2: 12/VPCP-TH): the unit the drafter
// chose, or else the unit of their first position. Only the unit's own
// abbreviation is carried, none when it has none. A chosen unit the chart
// does not know is kept as chosen, without an abbreviation, rather than
// holding the draft back: the reviewers see the unit before it is numbered.
func draftingUnit(chart *orgchart.Chart, doc Document) (string, []string) {
	unit := doc.Unit
	if unit == "" {
		positions := chart.PositionsOf(doc.Drafter)
		if len(positions) == 0 {
			return "", nil
		}
		unit = positions[0].Unit
	}
	if u, err := chart.Unit(unit); err == nil && u.Abbreviation != "" {
		return unit, []string{u.Abbreviation}
	}
	return unit, nil
}

// Steps are the rule's steps, with defaults filled in: a rule without steps
// is one step to its approver's first position.
func (p *Planner) Steps(r Rule) []Step {
	steps := slices.Clone(r.Steps)
	if len(steps) == 0 {
		if positions := p.Chart().PositionsOf(r.Approver); len(positions) > 0 {
			steps = []Step{{ID: "approve", Name: "Phê duyệt", To: []Target{{Position: positions[0].ID}}, DeadlineDays: r.DeadlineDays}}
		}
	}
	for i := range steps {
		steps[i].Mode = cmp.Or(steps[i].Mode, ModeAll)
		steps[i].DeadlineDays = cmp.Or(steps[i].DeadlineDays, defaultStepDays)
	}
	return steps
}

func (p *Planner) resolve(ctx context.Context, chart *orgchart.Chart, st Step, doc Document, at time.Time) (chain.Step, error) {
	var positions []string
	for _, tg := range st.To {
		if tg.Position != "" {
			positions = append(positions, tg.Position)
			continue
		}
		u, err := chart.Unit(tg.Unit)
		if err != nil {
			return chain.Step{}, err
		}
		if !st.parallel() {
			positions = append(positions, u.Head)
			continue
		}
		for _, pos := range chart.PositionsIn(u.ID) {
			positions = append(positions, pos.ID)
		}
	}
	mode := st.Mode
	rs := chain.Step{ID: st.ID, Name: st.Name, Mode: mode, DeadlineWorkingDays: st.DeadlineDays, Agency: st.Agency}
	seen := map[string]bool{}
	for _, id := range positions {
		if seen[id] {
			continue
		}
		seen[id] = true
		a, err := p.assignee(ctx, chart, id, doc.Kind, at)
		if err != nil {
			return chain.Step{}, err
		}
		rs.Assignees = append(rs.Assignees, a)
	}
	switch mode {
	case ModeAll:
		rs.Required = len(rs.Assignees)
	case ModeAny:
		rs.Required = 1
	case ModeNOfM:
		rs.Required = st.Required
		if st.Required > len(rs.Assignees) {
			return chain.Step{}, fmt.Errorf("needs %d approvals but has only %d assignees", st.Required, len(rs.Assignees))
		}
	}
	return rs, nil
}

// Assignee is the holder of position as a workflow addresses them, with the
// substitutes in force at at for documents of kind.
func (p *Planner) Assignee(ctx context.Context, position, kind string, at time.Time) (workflows.Assignee, error) {
	return p.assignee(ctx, p.Chart(), position, kind, at)
}

func (p *Planner) assignee(ctx context.Context, chart *orgchart.Chart, position, kind string, at time.Time) (workflows.Assignee, error) {
	pos, err := chart.Position(position)
	if err != nil {
		return workflows.Assignee{}, err
	}
	holder, err := chart.Holder(position)
	if err != nil {
		return workflows.Assignee{}, err
	}
	a := workflows.Assignee{Position: position, Title: pos.Title, Username: holder}
	if sup, ok := chart.Supervisor(position); ok {
		a.Supervisor = sup.Holder
	}
	ds, err := p.Substitutes.Substitutes(ctx, chart.Agency, position, at, kind)
	if err != nil {
		return workflows.Assignee{}, err
	}
	for _, d := range ds {
		a.Substitutes = append(a.Substitutes, workflows.Substitute{
			Username: d.Substitute, From: d.From, Until: d.Until, Kinds: d.Kinds, Authority: d.Authority, Reference: d.Reference,
			Title: chart.TitleOf(d.Substitute),
		})
	}
	return a, nil
}
