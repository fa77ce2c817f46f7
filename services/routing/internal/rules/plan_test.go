package rules_test

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	events "github.com/docflow/docflow/api/events/v1"
	svc "github.com/docflow/docflow/api/svc/v1"
	"github.com/docflow/docflow/api/vntime"
	"github.com/docflow/docflow/services/internal/testkit"
	"github.com/docflow/docflow/services/routing/internal/delegation"
	"github.com/docflow/docflow/services/routing/internal/orgchart"
	"github.com/docflow/docflow/services/routing/internal/routingtest"
	"github.com/docflow/docflow/services/routing/internal/rules"
	"github.com/docflow/docflow/workflows"
)

func planner(t *testing.T, rulesYAML string) (*rules.Planner, *delegation.Store) {
	t.Helper()
	chart := routingtest.Chart(t)
	set := parse(t, chart, rulesYAML)
	now := func() time.Time { return time.Date(2026, 3, 1, 9, 0, 0, 0, vntime.Zone) }
	store := routingtest.Delegations(t, testkit.SQLite(t), chart, now)
	return &rules.Planner{Rules: func() *rules.Set { return set }, Chart: func() *orgchart.Chart { return chart }, Substitutes: store}, store
}

// parse is the rules in rulesYAML, the development rules when it is empty,
// checked against chart.
func parse(t *testing.T, chart *orgchart.Chart, rulesYAML string) *rules.Set {
	t.Helper()
	if rulesYAML == "" {
		return routingtest.Rules(t, chart)
	}
	set, err := rules.Parse([]byte(rulesYAML))
	if err != nil {
		t.Fatal(err)
	}
	if err := set.CheckChart(chart); err != nil {
		t.Fatal(err)
	}
	return set
}

func usernames(as []workflows.Assignee) []string {
	var out []string
	for _, a := range as {
		out = append(out, a.Username)
	}
	return out
}

// The demo decision chain: specialist, head of unit, head of office, then
// two of three opinions, each with its escalation target.
func TestPlanOfTheDemoDecisionChain(t *testing.T) {
	t.Parallel()
	p, _ := planner(t, "")
	plan, err := p.Plan(t.Context(), rules.Document{Agency: "000.00.00.G22", Kind: "QUYET_DINH", Urgency: "THUONG"}, time.Date(2026, 3, 3, 9, 0, 0, 0, vntime.Zone))
	if err != nil {
		t.Fatal(err)
	}
	if plan.RuleID != "quyet-dinh" || plan.RuleVersion == "" || len(plan.Steps) != 4 {
		t.Fatalf("plan %+v", plan)
	}
	tests := []struct {
		mode        string
		required    int
		people      []string
		supervisors []string
		days        int
	}{
		{rules.ModeAll, 1, []string{"chuyenvien1"}, []string{"chuyenvien2"}, 2},
		// The unit in a sequential step is its head.
		{rules.ModeAll, 1, []string{"chuyenvien2"}, []string{"lanhdao"}, 2},
		{rules.ModeAll, 1, []string{"lanhdao"}, []string{""}, 1},
		// In a parallel step the unit is every position in it.
		{rules.ModeNOfM, 2, []string{"chuyenvien2", "chuyenvien1", "lanhdao"}, []string{"lanhdao", "chuyenvien2", ""}, 2},
	}
	for i, tc := range tests {
		st := plan.Steps[i]
		var sups []string
		for _, a := range st.Assignees {
			sups = append(sups, a.Supervisor)
		}
		if st.Mode != tc.mode || st.Required != tc.required || !slices.Equal(usernames(st.Assignees), tc.people) ||
			!slices.Equal(sups, tc.supervisors) || st.DeadlineWorkingDays != tc.days {
			t.Errorf("step %d (%s): %+v", i+1, st.ID, st)
		}
	}
}

// An official on leave: the plan names the substitute whose delegation is in
// force when the document is routed, and only for kinds in its scope.
func TestPlanNamesValidSubstitutes(t *testing.T) {
	t.Parallel()
	p, store := planner(t, "")
	head := events.Actor{Username: "chuyenvien2", Role: "official", Agency: "000.00.00.G22"}
	from := time.Date(2026, 3, 2, 0, 0, 0, 0, vntime.Zone)
	if _, err := store.Create(t.Context(), svc.CreateDelegationRequest{
		By: head, Position: "truong-phong-tong-hop", Substitute: "luutru", From: from, Until: from.AddDate(0, 0, 5),
		Authority: delegation.TUQ, Kinds: []string{"QUYET_DINH"},
	}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		kind string
		at   time.Time
		want []string
	}{
		{"during the leave", "QUYET_DINH", from.Add(33 * time.Hour), []string{"luutru"}},
		{"after the leave", "QUYET_DINH", from.AddDate(0, 0, 6), nil},
		{"outside the scope", "CONG_VAN", from.Add(33 * time.Hour), nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			plan, err := p.Plan(t.Context(), rules.Document{Kind: tc.kind, Urgency: "THUONG"}, tc.at)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, st := range plan.Steps {
				for _, a := range st.Assignees {
					if a.Position != "truong-phong-tong-hop" {
						if len(a.Substitutes) > 0 {
							t.Fatalf("%s has substitutes %+v", a.Position, a.Substitutes)
						}
						continue
					}
					for _, s := range a.Substitutes {
						got = append(got, s.Username)
						if s.Authority != delegation.TUQ || !s.Until.Equal(from.AddDate(0, 0, 5)) {
							t.Fatalf("substitute %+v", s)
						}
					}
				}
			}
			// The head of unit is in two steps of the chain.
			got = slices.Compact(got)
			if !slices.Equal(got, tc.want) {
				t.Fatalf("substitutes %v, want %v", got, tc.want)
			}
		})
	}
}

func TestPlanMatchesSenderRecipientAndMetadata(t *testing.T) {
	t.Parallel()
	p, _ := planner(t, `
version: t
rules:
  - id: from-ministry
    when: {issuer_id: ["000.00.01.H01"], recipient_unit: [tong-hop], metadata: {linh_vuc: [ngan-sach, thue]}}
    approver: chuyenvien2
    steps:
      - {id: any-of-unit, name: Phòng Tổng hợp, mode: any, to: [{unit: tong-hop}]}
  - id: legacy
    approver: lanhdao
    deadline_days: 2
`)
	doc := rules.Document{Kind: "CONG_VAN", IssuerID: "000.00.01.H01", RecipientUnit: "tong-hop", Metadata: map[string]string{"linh_vuc": "thue"}}
	plan, err := p.Plan(t.Context(), doc, time.Date(2026, 3, 3, 9, 0, 0, 0, vntime.Zone))
	if err != nil {
		t.Fatal(err)
	}
	if plan.RuleID != "from-ministry" || plan.Steps[0].Required != 1 || len(plan.Steps[0].Assignees) != 2 || plan.Steps[0].DeadlineWorkingDays != 5 {
		t.Fatalf("plan %+v", plan)
	}
	for name, d := range map[string]rules.Document{
		"other sender":   {IssuerID: "x", RecipientUnit: "tong-hop", Metadata: doc.Metadata},
		"other unit":     {IssuerID: doc.IssuerID, RecipientUnit: "hanh-chinh", Metadata: doc.Metadata},
		"other field":    {IssuerID: doc.IssuerID, RecipientUnit: "tong-hop", Metadata: map[string]string{"linh_vuc": "y-te"}},
		"no field given": {IssuerID: doc.IssuerID, RecipientUnit: "tong-hop"},
	} {
		plan, err := p.Plan(t.Context(), d, time.Date(2026, 3, 3, 9, 0, 0, 0, vntime.Zone))
		if err != nil {
			t.Fatal(err)
		}
		// A rule without steps is one step to its approver's position.
		if plan.RuleID != "legacy" || len(plan.Steps) != 1 || plan.Steps[0].Assignees[0].Position != "chanh-van-phong" || plan.Steps[0].DeadlineWorkingDays != 2 {
			t.Fatalf("%s: plan %+v", name, plan)
		}
	}
}

func TestPlanWithoutMatchingRule(t *testing.T) {
	t.Parallel()
	p, _ := planner(t, "version: t\nrules:\n  - {id: only, when: {kind: [TO_TRINH]}, approver: lanhdao}\n")
	if _, err := p.Plan(t.Context(), rules.Document{Kind: "CONG_VAN"}, time.Now()); !errors.Is(err, rules.ErrNoRoute) {
		t.Fatalf("got %v", err)
	}
}

func TestStepsValidatedStrictly(t *testing.T) {
	t.Parallel()
	const head = "version: t\nrules:\n  - id: r\n    approver: lanhdao\n    steps:\n"
	tests := []struct{ name, steps, want string }{
		{"no targets", "      - {id: a, name: A}\n", "at least one position or unit"},
		{"both position and unit", "      - {id: a, name: A, to: [{position: p, unit: u}]}\n", "exactly one of position or unit"},
		{"unknown mode", "      - {id: a, name: A, mode: most, to: [{position: p}]}\n", `unknown mode "most"`},
		{"n_of_m without required", "      - {id: a, name: A, mode: n_of_m, to: [{position: p}]}\n", "required of 1 or more"},
		{"duplicate step", "      - {id: a, name: A, to: [{position: p}]}\n      - {id: a, name: B, to: [{position: p}]}\n", "duplicate step id"},
		{"typo", "      - {id: a, name: A, too: [{position: p}]}\n", "too"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := rules.Parse([]byte(head + tc.steps))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want %q", err, tc.want)
			}
		})
	}
}

func TestRulesMustAgreeWithTheChart(t *testing.T) {
	t.Parallel()
	chart := routingtest.Chart(t)
	set, err := rules.Parse([]byte("version: t\nrules:\n  - id: r\n    approver: lanhdao\n    steps:\n      - {id: a, name: A, to: [{position: ke-toan}, {unit: tai-vu}]}\n"))
	if err != nil {
		t.Fatal(err)
	}
	err = set.CheckChart(chart)
	if err == nil || !strings.Contains(err.Error(), `no position "ke-toan"`) || !strings.Contains(err.Error(), `no unit "tai-vu"`) {
		t.Fatalf("got %v", err)
	}
}

func TestNOfMNeedsEnoughAssignees(t *testing.T) {
	t.Parallel()
	p, _ := planner(t, "version: t\nrules:\n  - id: r\n    approver: lanhdao\n    steps:\n      - {id: a, name: A, mode: n_of_m, required: 3, to: [{unit: tong-hop}]}\n")
	_, err := p.Plan(t.Context(), rules.Document{}, time.Date(2026, 3, 3, 9, 0, 0, 0, vntime.Zone))
	if err == nil || !strings.Contains(err.Error(), "needs 3 approvals but has only 2") {
		t.Fatalf("got %v", err)
	}
}

// A document from another agency is presented to the leaders for
// assignment (the demo rules' first rule); one the agency issued itself, or
// with no issuer, goes to approval.
func TestIncomingDocumentsGoToHandling(t *testing.T) {
	t.Parallel()
	p, _ := planner(t, "")
	at := time.Date(2026, 3, 2, 9, 0, 0, 0, vntime.Zone)
	plan, err := p.Plan(t.Context(), rules.Document{Agency: "000.00.00.G22", Kind: "CONG_VAN", IssuerID: "000.00.00.H29"}, at)
	if err != nil {
		t.Fatal(err)
	}
	if !plan.Handling || plan.RuleID != "van-ban-den" || len(plan.Steps) != 1 || !slices.Equal(usernames(plan.Steps[0].Assignees), []string{"lanhdao"}) {
		t.Fatalf("incoming plan: %+v", plan)
	}
	for _, issuer := range []string{"", "000.00.00.G22"} {
		plan, err := p.Plan(t.Context(), rules.Document{Agency: "000.00.00.G22", Kind: "CONG_VAN", IssuerID: issuer}, at)
		if err != nil {
			t.Fatal(err)
		}
		if plan.Handling {
			t.Fatalf("issuer %q: %+v goes to handling", issuer, plan)
		}
	}
}

func TestHandlingRulesHaveOneStep(t *testing.T) {
	t.Parallel()
	for name, yaml := range map[string]string{
		"two steps":        "version: t\nrules:\n  - id: r\n    workflow: handling\n    steps:\n      - {id: a, name: A, to: [{position: p}]}\n      - {id: b, name: B, to: [{position: p}]}\n",
		"unknown workflow": "version: t\nrules:\n  - id: r\n    workflow: review\n    steps:\n      - {id: a, name: A, to: [{position: p}]}\n",
	} {
		if _, err := rules.Parse([]byte(yaml)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}
