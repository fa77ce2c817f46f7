package rules_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

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

func TestMatchFirstRuleWins(t *testing.T) {
	t.Parallel()
	s, err := rules.Parse([]byte(sample))
	if err != nil {
		t.Fatal(err)
	}
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
		r, err := s.Match(tc.doc)
		if err != nil {
			t.Fatal(err)
		}
		if r.Approver != tc.approver || r.RuleID != tc.rule || r.DeadlineDays != tc.days || r.Version != "t1" {
			t.Errorf("%+v → %+v", tc.doc, r)
		}
	}
	if _, err := s.Match(rules.Document{Kind: "CONG_VAN"}); !errors.Is(err, rules.ErrNoRoute) {
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
	s, err := rules.Load(filepath.Join("..", "..", "..", "..", "deploy", "dev", "routing.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	r, err := s.Match(rules.Document{Agency: "000.00.00.G22", Kind: "QUYET_DINH", Urgency: "THUONG"})
	if err != nil || r.Approver != "chuyenvien1" {
		t.Fatalf("dev rules route a decision to %+v, %v", r, err)
	}
	if _, err := os.Stat(filepath.Join("..", "..", "..", "..", "deploy", "dev", "routing.yaml")); err != nil || !strings.HasPrefix(s.Version, "20") {
		t.Fatalf("dev rules version %q", s.Version)
	}
}
