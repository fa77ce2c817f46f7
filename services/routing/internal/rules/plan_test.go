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
	plan, err := p.Plan(t.Context(), rules.Document{
		Direction: rules.Outgoing, Agency: "000.00.00.G22", Kind: "QUYET_DINH", Urgency: "THUONG", Drafter: "chuyenvien1",
	}, time.Date(2026, 3, 3, 9, 0, 0, 0, vntime.Zone))
	if err != nil {
		t.Fatal(err)
	}
	if plan.RuleID != "quyet-dinh" || plan.RuleVersion == "" || len(plan.Steps) != 4 || plan.Handling {
		t.Fatalf("plan %+v", plan)
	}
	// The opinions come last, yet the chief of office signs, by position,
	// not whoever gave the last opinion.
	if last := plan.Steps[len(plan.Steps)-1]; last.ID != "gop-y" {
		t.Fatalf("last review step %s, want gop-y", last.ID)
	}
	sg := plan.Signing
	if sg == nil || sg.ID != "ky" || sg.Signer.Username != "lanhdao" || sg.Signer.Position != "chanh-van-phong" ||
		sg.Signer.Title != "Chánh Văn phòng" || sg.Authority != "" || sg.For != "" || sg.DeadlineWorkingDays != 1 {
		t.Fatalf("signing %+v", sg)
	}
	// Once signed, it waits on the văn thư's task, due the same day.
	if is := plan.Issuing; is == nil || is.Clerk.Username != "vanthu" || is.Clerk.Position != "van-thu" || is.DeadlineWorkingDays != 0 {
		t.Fatalf("issuing %+v, want the văn thư's task due the same day", is)
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
		Authority: delegation.TUQ, Kinds: []string{"QUYET_DINH"}, Reference: "07/GUQ-TH ngày 01/03/2026",
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
			plan, err := p.Plan(t.Context(), rules.Document{Direction: rules.Outgoing, Kind: tc.kind, Urgency: "THUONG"}, tc.at)
			if err != nil {
				t.Fatal(err)
			}
			if subs := plan.Signing.Signer.Substitutes; len(subs) > 0 {
				t.Fatalf("the signer has substitutes %+v", subs)
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
						if s.Authority != delegation.TUQ || s.Reference != "07/GUQ-TH ngày 01/03/2026" || !s.Until.Equal(from.AddDate(0, 0, 5)) {
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
    workflow: handling
    when: {issuer_id: ["000.00.01.H01"], recipient_unit: [tong-hop], metadata: {linh_vuc: [ngan-sach, thue]}}
    steps:
      - {id: any-of-unit, name: Phòng Tổng hợp, mode: any, to: [{unit: tong-hop}]}
  - id: other-incoming
    workflow: handling
    steps:
      - {id: phan-cong, name: Phân công, to: [{position: chanh-van-phong}], deadline_days: 2}
`)
	doc := rules.Document{Direction: rules.Incoming, Kind: "CONG_VAN", IssuerID: "000.00.01.H01", RecipientUnit: "tong-hop", Metadata: map[string]string{"linh_vuc": "thue"}}
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
		d.Direction = rules.Incoming
		plan, err := p.Plan(t.Context(), d, time.Date(2026, 3, 3, 9, 0, 0, 0, vntime.Zone))
		if err != nil {
			t.Fatal(err)
		}
		if plan.RuleID != "other-incoming" || len(plan.Steps) != 1 || plan.Steps[0].Assignees[0].Position != "chanh-van-phong" || plan.Steps[0].DeadlineWorkingDays != 2 {
			t.Fatalf("%s: plan %+v", name, plan)
		}
	}
}

func TestPlanWithoutMatchingRule(t *testing.T) {
	t.Parallel()
	p, _ := planner(t, "version: t\nrules:\n  - id: only\n    when: {kind: [TO_TRINH]}\n    approver: lanhdao\n"+sign)
	if _, err := p.Plan(t.Context(), rules.Document{Direction: rules.Outgoing, Kind: "CONG_VAN"}, time.Now()); !errors.Is(err, rules.ErrNoRoute) {
		t.Fatalf("got %v", err)
	}
}

func TestStepsValidatedStrictly(t *testing.T) {
	t.Parallel()
	const head = "version: t\nrules:\n  - id: r\n    approver: lanhdao\n" + sign + "    steps:\n"
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
	set, err := rules.Parse([]byte("version: t\nrules:\n  - id: r\n    approver: lanhdao\n    steps:\n      - {id: a, name: A, to: [{position: ke-toan}, {unit: tai-vu}]}\n" +
		"    signing: {id: ky, name: Giám đốc ký, position: giam-doc}\n"))
	if err != nil {
		t.Fatal(err)
	}
	err = set.CheckChart(chart)
	if err == nil || !strings.Contains(err.Error(), `no position "ke-toan"`) || !strings.Contains(err.Error(), `no unit "tai-vu"`) ||
		!strings.Contains(err.Error(), `rule r signing ky: no position "giam-doc"`) {
		t.Fatalf("got %v", err)
	}
}

func TestNOfMNeedsEnoughAssignees(t *testing.T) {
	t.Parallel()
	p, _ := planner(t, "version: t\nrules:\n  - id: r\n    approver: lanhdao\n    steps:\n      - {id: a, name: A, mode: n_of_m, required: 3, to: [{unit: tong-hop}]}\n"+sign)
	_, err := p.Plan(t.Context(), rules.Document{Direction: rules.Outgoing}, time.Date(2026, 3, 3, 9, 0, 0, 0, vntime.Zone))
	if err == nil || !strings.Contains(err.Error(), "needs 3 approvals but has only 2") {
		t.Fatalf("got %v", err)
	}
}

// Every incoming document of the demo agency, whatever its kind and
// whoever sent it, is presented to the leaders for assignment; a draft of
// the same kind goes to review and signing.
func TestIncomingDocumentsGoToHandling(t *testing.T) {
	t.Parallel()
	p, _ := planner(t, "")
	at := time.Date(2026, 3, 2, 9, 0, 0, 0, vntime.Zone)
	for _, doc := range []rules.Document{
		{Kind: "CONG_VAN", IssuerID: "000.00.00.H29"},
		{Kind: "QUYET_DINH", IssuerID: "000.00.00.H29"},
		{Kind: "BAO_CAO", Urgency: "HOA_TOC"},
		{Kind: "CONG_VAN", IssuerID: "000.00.00.G22"},
	} {
		doc.Direction, doc.Agency = rules.Incoming, "000.00.00.G22"
		plan, err := p.Plan(t.Context(), doc, at)
		if err != nil {
			t.Fatal(err)
		}
		if !plan.Handling || plan.RuleID != "van-ban-den" || len(plan.Steps) != 1 || !slices.Equal(usernames(plan.Steps[0].Assignees), []string{"lanhdao"}) ||
			plan.Signing != nil || plan.Unit != "" {
			t.Fatalf("incoming %+v: plan %+v", doc, plan)
		}
		doc.Direction = rules.Outgoing
		plan, err = p.Plan(t.Context(), doc, at)
		if err != nil {
			t.Fatal(err)
		}
		if plan.Handling || plan.RuleID == "van-ban-den" || plan.Signing == nil {
			t.Fatalf("draft %+v: plan %+v", doc, plan)
		}
	}
}

// The direction decides before any condition: a rule of the other
// direction is passed over even when it comes first and matches
// everything, and a document with no rule of its direction is not routed.
func TestRulesApplyToTheirDirectionOnly(t *testing.T) {
	t.Parallel()
	const handling = "  - id: den\n    workflow: handling\n    steps:\n      - {id: phan-cong, name: Phân công, to: [{position: chanh-van-phong}]}\n"
	const approval = "  - id: di\n    approver: chuyenvien1\n" + sign
	at := time.Date(2026, 3, 2, 9, 0, 0, 0, vntime.Zone)
	tests := []struct {
		name, rules string
		dir         rules.Direction
		want        string // rule id, "" for ErrNoRoute
	}{
		{"a draft passes a handling rule", handling + approval, rules.Outgoing, "di"},
		{"an incoming document passes an approval rule", approval + handling, rules.Incoming, "den"},
		{"a draft with only handling rules", handling, rules.Outgoing, ""},
		{"an incoming document with only approval rules", approval, rules.Incoming, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p, _ := planner(t, "version: t\nrules:\n"+tc.rules)
			plan, err := p.Plan(t.Context(), rules.Document{Direction: tc.dir, Kind: "QUYET_DINH", Drafter: "chuyenvien1"}, at)
			switch {
			case tc.want == "" && !errors.Is(err, rules.ErrNoRoute):
				t.Fatalf("got %+v, %v; want no route", plan, err)
			case tc.want != "" && (err != nil || plan.RuleID != tc.want || plan.Handling != (tc.dir == rules.Incoming)):
				t.Fatalf("got %+v, %v; want rule %s", plan, err, tc.want)
			}
		})
	}
	p, _ := planner(t, "version: t\nrules:\n"+handling+approval)
	if _, err := p.Plan(t.Context(), rules.Document{Kind: "QUYET_DINH"}, at); err == nil || errors.Is(err, rules.ErrNoRoute) {
		t.Fatalf("a document of no direction: %v", err)
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

// The chief of office on leave: a deputy signs in the holder's place, so the
// signing step names the substitute in force as a review step does.
func TestSignerHasTheSubstitutesInForce(t *testing.T) {
	t.Parallel()
	p, store := planner(t, "")
	from := time.Date(2026, 3, 2, 0, 0, 0, 0, vntime.Zone)
	if _, err := store.Create(t.Context(), svc.CreateDelegationRequest{
		By: events.Actor{Username: "lanhdao", Role: "leader", Agency: "000.00.00.G22"}, Position: "chanh-van-phong",
		Substitute: "chuyenvien2", From: from, Until: from.AddDate(0, 0, 5),
	}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		at   time.Time
		want []string
	}{
		{"during the leave", from.Add(33 * time.Hour), []string{"chuyenvien2"}},
		{"after the leave", from.AddDate(0, 0, 6), nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			plan, err := p.Plan(t.Context(), rules.Document{Direction: rules.Outgoing, Kind: "QUYET_DINH", Drafter: "chuyenvien1"}, tc.at)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, s := range plan.Signing.Signer.Substitutes {
				got = append(got, s.Username)
				if s.Title != "Trưởng phòng" || !s.Until.Equal(from.AddDate(0, 0, 5)) {
					t.Fatalf("substitute %+v", s)
				}
			}
			if !slices.Equal(got, tc.want) {
				t.Fatalf("signer's substitutes %v, want %v", got, tc.want)
			}
			// The same position approves in a review step, with the same substitutes.
			lead := plan.Steps[2].Assignees[0]
			if lead.Position != "chanh-van-phong" || !slices.Equal(usernames(plan.Steps[2].Assignees), []string{"lanhdao"}) || len(lead.Substitutes) != len(got) {
				t.Fatalf("review step of the same position: %+v", lead)
			}
		})
	}
}

// The drafting unit is the one the drafter chose, or else the unit of the
// drafter's first position; the symbol carries that unit's abbreviation.
func TestPlanNamesTheDraftingUnit(t *testing.T) {
	t.Parallel()
	p, _ := planner(t, "")
	tests := []struct {
		name, drafter, unit string
		wantUnit            string
		wantUnits           []string
	}{
		{"the drafter's unit", "chuyenvien1", "", "tong-hop", []string{"TH"}},
		{"the first of several positions", "lanhdao", "", "van-phong", []string{"VP"}},
		{"the unit chosen", "chuyenvien1", "hanh-chinh", "hanh-chinh", []string{"HC"}},
		{"a drafter without a position", "khach", "", "", nil},
		{"a unit the chart does not know", "chuyenvien1", "ke-toan", "ke-toan", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			plan, err := p.Plan(t.Context(), rules.Document{Direction: rules.Outgoing, Kind: "CONG_VAN", Drafter: tc.drafter, Unit: tc.unit},
				time.Date(2026, 3, 3, 9, 0, 0, 0, vntime.Zone))
			if err != nil {
				t.Fatal(err)
			}
			if plan.Unit != tc.wantUnit || !slices.Equal(plan.Units, tc.wantUnits) {
				t.Fatalf("unit %q %v, want %q %v", plan.Unit, plan.Units, tc.wantUnit, tc.wantUnits)
			}
		})
	}
}
