package dispatch_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"go.temporal.io/sdk/client"
	"go.uber.org/zap/zaptest"

	events "github.com/docflow/docflow/api/events/v1"
	"github.com/docflow/docflow/api/vntime"
	"github.com/docflow/docflow/services/internal/natsx"
	"github.com/docflow/docflow/services/internal/testkit"
	"github.com/docflow/docflow/services/routing/internal/dispatch"
	"github.com/docflow/docflow/services/routing/internal/orgchart"
	"github.com/docflow/docflow/services/routing/internal/routingtest"
	"github.com/docflow/docflow/services/routing/internal/rules"
	"github.com/docflow/docflow/workflows/chain"
)

// starter records the workflows the router starts; Temporal itself is
// exercised by the end-to-end tests.
type starter struct {
	started []chain.Input
	ids     []string
}

func (s *starter) ExecuteWorkflow(_ context.Context, o client.StartWorkflowOptions, _ any, args ...any) (client.WorkflowRun, error) {
	in, ok := args[0].(chain.Input)
	if !ok {
		return nil, errors.New("the workflow input is not a chain.Input")
	}
	s.started = append(s.started, in)
	s.ids = append(s.ids, o.ID)
	return nil, nil
}

// router uses the development rules and org chart, as `make run` does.
func router(t *testing.T) (*dispatch.Router, *starter) {
	t.Helper()
	chart := routingtest.Chart(t)
	set := routingtest.Rules(t, chart)
	store := routingtest.Delegations(t, testkit.SQLite(t), chart, time.Now)
	nts := routingtest.Events(t)
	s := &starter{}
	return &dispatch.Router{
		Planner:   &rules.Planner{Rules: func() *rules.Set { return set }, Chart: func() *orgchart.Chart { return chart }, Substitutes: store},
		Temporal:  s,
		Publisher: natsx.NewPublisher(nts.JS, "routing"),
		Log:       zaptest.NewLogger(t),
	}, s
}

func received(t *testing.T, kind string, at time.Time) events.Event {
	t.Helper()
	return testkit.Event(t, events.DocumentReceived, "000.00.00.G22", "d1", at, events.DocumentReceivedData{
		DocumentID: "d1", Agency: "000.00.00.G22", ArrivalNumber: 1, Kind: kind, Subject: "Văn bản",
		Urgency: "THUONG", Confidentiality: "NONE", ReceivedAt: at,
		Original: events.Object{Bucket: "b", Key: "originals/d1.pdf", SHA256: "ab"},
		By:       events.Actor{Username: "vanthu", Role: "clerk", Agency: "000.00.00.G22"},
	})
}

// A decision (QUYET_DINH) gets the multi-step plan of the development rules,
// addressed to positions and resolved to the people holding them, with
// their supervisors for escalation; the clerk who registered it drafts it.
func TestDecisionGetsItsPlan(t *testing.T) {
	t.Parallel()
	r, s := router(t)
	if err := r.HandleReceived(t.Context(), received(t, "QUYET_DINH", time.Date(2026, 3, 5, 9, 0, 0, 0, vntime.Zone))); err != nil {
		t.Fatal(err)
	}
	if len(s.started) != 1 || s.ids[0] != "approval-d1" {
		t.Fatalf("started %v", s.ids)
	}
	in := s.started[0]
	if in.Drafter.Username != "vanthu" || in.Plan.RuleID != "quyet-dinh" || len(in.Plan.Steps) != 4 {
		t.Fatalf("input %+v", in)
	}
	first := in.Plan.Steps[0]
	if len(first.Assignees) != 1 || first.Assignees[0].Username != "chuyenvien1" || first.Assignees[0].Supervisor == "" {
		t.Fatalf("first step %+v", first)
	}
	last := in.Plan.Steps[3]
	if last.Mode != chain.ModeNOfM || last.Required != 2 || len(last.Assignees) < 3 {
		t.Fatalf("last step %+v, want 2 of at least 3", last)
	}
}

// Other kinds get the one-step default plan.
func TestDefaultPlan(t *testing.T) {
	t.Parallel()
	r, s := router(t)
	ev := received(t, "CONG_VAN", time.Date(2026, 3, 5, 9, 0, 0, 0, vntime.Zone))
	if err := r.HandleReceived(t.Context(), ev); err != nil {
		t.Fatal(err)
	}
	if len(s.started) != 1 || len(s.started[0].Plan.Steps) != 1 || s.started[0].Plan.Steps[0].Assignees[0].Username != "chuyenvien1" {
		t.Fatalf("a công văn gets the one-step default plan: %+v", s.started)
	}
}
