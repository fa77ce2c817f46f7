package rules_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/docflow/docflow/api/vntime"
	"github.com/docflow/docflow/services/routing/internal/routingtest"
	"github.com/docflow/docflow/services/routing/internal/rules"
)

// sign is a signing step at the chief of office, for the rules of tests.
const sign = "    signing: {id: ky, name: Chánh Văn phòng ký, position: chanh-van-phong}\n"

const sample = `
version: "t1"
rules:
  - id: urgent-decisions
    when: {kind: [QUYET_DINH], urgency: [HOA_TOC]}
    approver: lanhdao
    deadline_days: 1
` + sign + `
  - id: decisions
    when: {kind: [QUYET_DINH]}
    approver: chuyenvien1
` + sign + `
  - id: reports
    when: {kind: [BAO_CAO]}
    approver: chuyenvien2
    deadline_days: 3
` + sign

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
		{rules.Document{Direction: rules.Outgoing, Kind: "QUYET_DINH", Urgency: "HOA_TOC"}, "lanhdao", "urgent-decisions", 1},
		{rules.Document{Direction: rules.Outgoing, Kind: "QUYET_DINH", Urgency: "THUONG"}, "chuyenvien1", "decisions", 5},
		{rules.Document{Direction: rules.Outgoing, Kind: "BAO_CAO", Urgency: "KHAN"}, "chuyenvien2", "reports", 3},
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
	if _, err := p.Plan(t.Context(), rules.Document{Direction: rules.Outgoing, Kind: "CONG_VAN"}, at); !errors.Is(err, rules.ErrNoRoute) {
		t.Fatalf("unmatched document: %v", err)
	}
}

func TestParseRefusesBadFiles(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, yaml, want string }{
		{"typo in a condition", "version: x\nrules:\n  - id: a\n    when: {kinds: [QUYET_DINH]}\n    approver: u\n" + sign, "kinds"},
		{"no approver", "version: x\nrules:\n  - id: a\n" + sign, "approver or steps are required"},
		{"duplicate id", "version: x\nrules:\n  - id: a\n    approver: u\n" + sign + "  - id: a\n    approver: v\n" + sign, "duplicate id"},
		{"no version", "rules:\n  - id: a\n    approver: u\n" + sign, "version is required"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := rules.Parse([]byte(tc.yaml))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want an error mentioning %q", err, tc.want)
			}
		})
	}
}

// An outgoing document is signed at the rule's signing step; what the step
// says is checked when the file loads, not when a draft comes to be signed.
func TestSigningValidated(t *testing.T) {
	t.Parallel()
	const head = "version: x\nrules:\n  - id: r\n    steps:\n      - {id: xem-xet, name: Xem xét, to: [{position: chanh-van-phong}]}\n"
	refused := []struct{ name, rest, want string }{
		{"no signing", "", "rule 1 (r) plans an outgoing document but names no signing step"},
		{"KT. is the substitute's", "    signing: {id: ky, name: Ký, position: p, authority: KT.}\n", `authority "KT."`},
		{"unknown authority", "    signing: {id: ky, name: Ký, position: p, authority: tm}\n", `authority "tm" is not`},
		{"TM. without for", "    signing: {id: ky, name: Ký, position: p, authority: TM.}\n", "authority TM. needs for"},
		{"TL. without for", "    signing: {id: ky, name: Ký, position: p, authority: TL.}\n", "authority TL. needs for"},
		{"for without TM. or TL.", "    signing: {id: ky, name: Ký, position: p, for: Bộ trưởng}\n", `for is only for authority TM. or TL., not ""`},
		{"no position", "    signing: {id: ky, name: Ký}\n", "position is required"},
		{"no id", "    signing: {name: Ký, position: p}\n", "signing (): id is required"},
		{"id of a step", "    signing: {id: xem-xet, name: Ký, position: p}\n", "id is also a step's id"},
		{"negative deadline", "    signing: {id: ky, name: Ký, position: p, deadline_days: -1}\n", "deadline_days cannot be negative"},
		{"typo", "    signing: {id: ky, name: Ký, signer: p}\n", "signer"},
		{"incoming on an outgoing rule", "    when: {incoming: true}\n" + sign, "incoming: true contradicts the rule, which plans outgoing documents"},
	}
	for _, tc := range refused {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := rules.Parse([]byte(head + tc.rest))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want an error mentioning %q", err, tc.want)
			}
		})
	}
	for name, rest := range map[string]string{
		"direct":        "    signing: {id: ky, name: Ký, position: p, authority: \"\", for: \"\", deadline_days: 1}\n",
		"TM. with for":  "    signing: {id: ky, name: Ký, position: p, authority: TM., for: Văn phòng Chính phủ}\n",
		"TL. with for":  "    signing: {id: ky, name: Ký, position: p, authority: TL., for: Bộ trưởng}\n",
		"acting (Q.)":   "    signing: {id: ky, name: Ký, position: p, authority: Q.}\n",
		"incoming: no":  "    when: {incoming: false}\n" + sign,
		"default delay": "    signing: {id: ky, name: Ký, position: p}\n",
	} {
		if _, err := rules.Parse([]byte(head + rest)); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	handling := "version: x\nrules:\n  - id: den\n    workflow: handling\n    steps:\n      - {id: phan-cong, name: Phân công, to: [{position: p}]}\n"
	if _, err := rules.Parse([]byte(handling + sign)); err == nil || !strings.Contains(err.Error(), "never signed by its receiver") {
		t.Fatalf("a handling rule with a signing step: %v", err)
	}
	// The condition of the rules files written before the direction
	// decided is still read on a handling rule.
	if _, err := rules.Parse([]byte(strings.Replace(handling, "    workflow:", "    when: {incoming: true}\n    workflow:", 1))); err != nil {
		t.Fatalf("incoming: true on a handling rule: %v", err)
	}
}

func TestDevRulesFileLoads(t *testing.T) {
	t.Parallel()
	s, err := rules.Load(routingtest.Dev(filepath.Join("agencies", routingtest.DevAgency, "routing.yaml")))
	if err != nil {
		t.Fatal(err)
	}
	p, _ := planner(t, "")
	plan, err := p.Plan(t.Context(), rules.Document{Direction: rules.Outgoing, Agency: "000.00.00.G22", Kind: "QUYET_DINH", Urgency: "THUONG"}, time.Date(2026, 3, 5, 9, 0, 0, 0, vntime.Zone))
	if err != nil || plan.Steps[0].Assignees[0].Username != "chuyenvien1" {
		t.Fatalf("dev rules route a decision first to %+v, %v", plan, err)
	}
	if _, err := os.Stat(routingtest.Dev(filepath.Join("agencies", routingtest.DevAgency, "routing.yaml"))); err != nil || !strings.HasPrefix(s.Version, "20") {
		t.Fatalf("dev rules version %q", s.Version)
	}
	for _, r := range s.Rules {
		if r.Direction() == rules.Outgoing && (r.Signing == nil || r.Signing.Position != "chanh-van-phong" || r.Signing.Authority != "") {
			t.Errorf("dev rule %s: signing %+v, want the chief of office signing in the position's own right", r.ID, r.Signing)
		}
	}
}

// The issuing position must be named and be in the org chart.
func TestIssuingChecked(t *testing.T) {
	t.Parallel()
	const rule = "rules:\n  - id: r\n    approver: lanhdao\n    signing: {id: ky, name: Ký, position: chanh-van-phong}\n"
	if _, err := rules.Parse([]byte("version: t\nissuing: {deadline_days: -1}\n" + rule)); err == nil ||
		!strings.Contains(err.Error(), "issuing: position is required") || !strings.Contains(err.Error(), "deadline_days cannot be negative") {
		t.Fatalf("issuing without a position: %v", err)
	}
	set, err := rules.Parse([]byte("version: t\nissuing: {position: thu-ky}\n" + rule))
	if err != nil {
		t.Fatal(err)
	}
	if err := set.CheckChart(routingtest.Chart(t)); err == nil || !strings.Contains(err.Error(), `issuing: no position "thu-ky"`) {
		t.Fatalf("issuing position not in the chart: %v", err)
	}
}
