// Package directory answers, over NATS, what routing plans with: the rules
// in force, the org chart with today's substitutes, and the assignee record
// of a person a task is handed to. People see these through the gateway; a
// leader reassigning a task needs the new assignee as a workflow addresses
// them (position, supervisor, substitutes).
package directory

import (
	"context"
	"fmt"
	"time"

	"github.com/docflow/docflow/api/errcode"
	events "github.com/docflow/docflow/api/events/v1"
	svc "github.com/docflow/docflow/api/svc/v1"
	"github.com/docflow/docflow/services/internal/errs"
	"github.com/docflow/docflow/services/internal/natsx"
	"github.com/docflow/docflow/services/routing/internal/delegation"
	"github.com/docflow/docflow/services/routing/internal/orgchart"
	"github.com/docflow/docflow/services/routing/internal/rules"
)

// Directory answers from one agency's current data.
type Directory struct {
	Rules       func() *rules.Set
	Chart       func() *orgchart.Chart
	Planner     *rules.Planner
	Delegations *delegation.Store
	Now         func() time.Time
}

// Agencies are the directories of the agencies the installation hosts, by
// agency identifier. Each request is answered from the directory of the
// agency of the person asking, never another's.
type Agencies map[string]*Directory

// Endpoints are the directory's NATS endpoints.
func (a Agencies) Endpoints() []natsx.Endpoint {
	return []natsx.Endpoint{
		natsx.Handle(svc.RoutingRules, func(_ context.Context, req svc.RulesRequest) (svc.RuleSet, error) {
			d, err := a.of("rules.Show", req.By)
			if err != nil {
				return svc.RuleSet{}, err
			}
			return d.RuleSet(), nil
		}),
		natsx.Handle(svc.RoutingOrgChart, func(ctx context.Context, req svc.OrgChartRequest) (svc.OrgChart, error) {
			d, err := a.of("orgchart.Show", req.By)
			if err != nil {
				return svc.OrgChart{}, err
			}
			at := req.At
			if at.IsZero() {
				at = d.Now()
			}
			return d.OrgChart(ctx, at)
		}),
		natsx.Handle(svc.RoutingAssignee, func(ctx context.Context, req svc.AssigneeRequest) (svc.Assignee, error) {
			d, err := a.of("directory.Assignee", req.By)
			if err != nil {
				return svc.Assignee{}, err
			}
			return d.Assignee(ctx, req.Username, req.Kind, d.Now())
		}),
	}
}

func (a Agencies) of(op string, by events.Actor) (*Directory, error) {
	d, ok := a[by.Agency]
	if !ok {
		return nil, errs.E(op, errs.Forbidden, errcode.Forbidden, fmt.Sprintf("routing here does not serve agency %q", by.Agency))
	}
	return d, nil
}

// RuleSet is the rules in force as people read them: a rule written with a
// single approver shows as the one step it is planned as, and a signing
// with its deadline as planned.
func (d *Directory) RuleSet() svc.RuleSet {
	set := d.Rules()
	out := svc.RuleSet{Version: set.Version, Rules: []svc.Rule{}}
	if is := set.Issuing; is != nil {
		out.Issuing = &svc.RuleIssuing{Position: is.Position, DeadlineDays: is.DeadlineDays}
	}
	for _, r := range set.Rules {
		w := r.When
		rule := svc.Rule{ID: r.ID, When: svc.RuleWhen{
			Kind: w.Kind, Urgency: w.Urgency, Agency: w.Agency, IssuerID: w.IssuerID,
			RecipientUnit: w.RecipientUnit, Metadata: w.Metadata,
		}, Direction: string(r.Direction()), Steps: []svc.RuleStep{}}
		for _, st := range d.Planner.Steps(r) {
			step := svc.RuleStep{ID: st.ID, Name: st.Name, Mode: st.Mode, Required: st.Required, DeadlineDays: st.DeadlineDays, To: []svc.RuleTarget{}}
			for _, t := range st.To {
				step.To = append(step.To, svc.RuleTarget{Position: t.Position, Unit: t.Unit})
			}
			rule.Steps = append(rule.Steps, step)
		}
		if sg := r.Signing; sg != nil {
			rule.Signing = &svc.RuleSigning{
				ID: sg.ID, Name: sg.Name, Position: sg.Position, Authority: sg.Authority, For: sg.For, DeadlineDays: sg.WorkingDays(),
			}
		}
		out.Rules = append(out.Rules, rule)
	}
	return out
}

// OrgChart is the chart with the delegations in force at at.
func (d *Directory) OrgChart(ctx context.Context, at time.Time) (svc.OrgChart, error) {
	chart := d.Chart()
	out := svc.OrgChart{Agency: chart.Agency, Units: []svc.OrgUnit{}, Positions: []svc.OrgPosition{}}
	for _, u := range chart.Units {
		out.Units = append(out.Units, svc.OrgUnit{ID: u.ID, Name: u.Name, Parent: u.Parent, Head: u.Head, Abbreviation: u.Abbreviation})
	}
	for _, p := range chart.Positions {
		subs, err := d.Delegations.Substitutes(ctx, chart.Agency, p.ID, at, "")
		if err != nil {
			return svc.OrgChart{}, err
		}
		out.Positions = append(out.Positions, svc.OrgPosition{
			ID: p.ID, Title: p.Title, Unit: p.Unit, Holder: p.Holder, Supervisor: p.Supervisor,
			Substitutes: append([]svc.Delegation{}, subs...),
		})
	}
	return out, nil
}

// Assignee is username as the assignee of a task on a document of kind: in
// their first position in the chart, with its supervisor and substitutes.
func (d *Directory) Assignee(ctx context.Context, username, kind string, at time.Time) (svc.Assignee, error) {
	const op = "directory.Assignee"
	positions := d.Chart().PositionsOf(username)
	if len(positions) == 0 {
		return svc.Assignee{}, errs.E(op, errs.NotFound, errcode.NotFound,
			fmt.Sprintf("%q holds no position in the org chart and cannot be given tasks", username)).WithDetail("to", "no position")
	}
	return d.Planner.Assignee(ctx, positions[0].ID, kind, at)
}
