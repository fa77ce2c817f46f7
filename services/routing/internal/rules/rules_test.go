package rules_test

import (
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/docflow/docflow/api/vntime"
	"github.com/docflow/docflow/services/routing/internal/routingtest"
	"github.com/docflow/docflow/services/routing/internal/rules"
)

const sample = `
version: "t1"
rules:
  - id: urgent-decisions
    when: {kind: [QUYET_DINH], urgency: [HOA_TOC]}
    approver: lanhdao
    deadline_days: 1
  - id: decisions
    when: {kind: [QUYET_DINH]}
    approver: chuyenvien1
  - id: reports
    when: {kind: [BAO_CAO]}
    approver: chuyenvien2
    deadline_days: 3
`

// The first rule whose conditions hold decides; a rule with only an
// approver is one step to the approver's position.
func TestFirstRuleWins(t *testing.T) {
	t.Parallel()
	p, _ := planner(t, sample)
	at := time.Date(2026, 3, 5, 9, 0, 0, 0, vntime.Zone)
	tests := []struct {
		doc      rules.Document
		approver string
		rule     string
		days     int
	}{
		{rules.Document{Kind: "QUYET_DINH", Urgency: "HOA_TOC"}, "lanhdao", "urgent-decisions", 1},
		{rules.Document{Kind: "QUYET_DINH", Urgency: "THUONG"}, "chuyenvien1", "decisions", 5},
		{rules.Document{Kind: "BAO_CAO", Urgency: "KHAN"}, "chuyenvien2", "reports", 3},
	}
	for _, tc := range tests {
		plan, err := p.Plan(t.Context(), tc.doc, at)
		if err != nil {
			t.Fatal(err)
		}
		if len(plan.Steps) != 1 || len(plan.Steps[0].Assignees) != 1 || plan.Steps[0].Assignees[0].Username != tc.approver ||
			plan.RuleID != tc.rule || plan.Steps[0].DeadlineWorkingDays != tc.days || plan.RuleVersion != "t1" {
			t.Errorf("%+v → %+v", tc.doc, plan)
		}
	}
	if _, err := p.Plan(t.Context(), rules.Document{Kind: "CONG_VAN"}, at); !errors.Is(err, rules.ErrNoRoute) {
		t.Fatalf("unmatched document: %v", err)
	}
}

func TestParseRefusesBadFiles(t *testing.T) {
	t.Parallel()
	tests := map[string]string{
		"typo in a condition": "version: x\nrules:\n  - id: a\n    when: {kinds: [QUYET_DINH]}\n    approver: u\n",
		"no approver":         "version: x\nrules:\n  - id: a\n",
		"duplicate id":        "version: x\nrules:\n  - id: a\n    approver: u\n  - id: a\n    approver: v\n",
		"no version":          "rules:\n  - id: a\n    approver: u\n",
	}
	for name, raw := range tests {
		if _, err := rules.Parse([]byte(raw)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestDevRulesFileLoads(t *testing.T) {
	t.Parallel()
	s, err := rules.Load(routingtest.Dev("routing.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	p, _ := planner(t, "")
	plan, err := p.Plan(t.Context(), rules.Document{Agency: "000.00.00.G22", Kind: "QUYET_DINH", Urgency: "THUONG"}, time.Date(2026, 3, 5, 9, 0, 0, 0, vntime.Zone))
	if err != nil || plan.Steps[0].Assignees[0].Username != "chuyenvien1" {
		t.Fatalf("dev rules route a decision first to %+v, %v", plan, err)
	}
	if _, err := os.Stat(routingtest.Dev("routing.yaml")); err != nil || !strings.HasPrefix(s.Version, "20") {
		t.Fatalf("dev rules version %q", s.Version)
	}
}
