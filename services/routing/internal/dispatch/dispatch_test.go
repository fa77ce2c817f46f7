package dispatch_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
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
	"github.com/docflow/docflow/workflows/incoming"
)

// starter records the workflows the router starts; Temporal itself is
// exercised by the end-to-end tests.
type starter struct {
	names   []string
	ids     []string
	chains  []chain.Input
	handled []incoming.Input
}

func (s *starter) ExecuteWorkflow(_ context.Context, o client.StartWorkflowOptions, name any, args ...any) (client.WorkflowRun, error) {
	switch in := args[0].(type) {
	case chain.Input:
		s.chains = append(s.chains, in)
	case incoming.Input:
		s.handled = append(s.handled, in)
	default:
		return nil, fmt.Errorf("the workflow input is a %T, not a chain.Input or an incoming.Input", args[0])
	}
	s.names = append(s.names, fmt.Sprint(name))
	s.ids = append(s.ids, o.ID)
	return nil, nil
}

// router uses the development rules and org chart, as `make run` does.
func router(t *testing.T) (*dispatch.Router, *starter, *testkit.NATSEnv) {
	t.Helper()
	chart := routingtest.Chart(t)
	set := routingtest.Rules(t, chart)
	store := routingtest.Delegations(t, testkit.SQLite(t), chart, time.Now)
	nts := routingtest.Events(t)
	s := &starter{}
	return &dispatch.Router{
		Planners:  map[string]*rules.Planner{chart.Agency: {Rules: func() *rules.Set { return set }, Chart: func() *orgchart.Chart { return chart }, Substitutes: store}},
		Temporal:  s,
		Publisher: natsx.NewPublisher(nts.JS, "routing"),
		Log:       zaptest.NewLogger(t),
	}, s, nts
}

func received(t *testing.T, kind string, at time.Time) events.Event {
	t.Helper()
	return testkit.Event(t, events.DocumentReceived, "000.00.00.G22", "d1", at, events.DocumentReceivedData{
		DocumentID: "d1", Agency: "000.00.00.G22", ArrivalNumber: 1, Kind: kind, Subject: "Văn bản",
		Urgency: "THUONG", Confidentiality: "MAT", ReceivedAt: at, IssuerID: "000.00.00.H49",
		Original: events.Object{Bucket: "b", Key: "originals/d1.pdf", SHA256: "ab"},
		By:       events.Actor{Username: "vanthu", Role: "clerk", Agency: "000.00.00.G22"},
	})
}

func drafted(t *testing.T, kind, unit string, at time.Time) events.Event {
	t.Helper()
	return testkit.Event(t, events.DocumentDrafted, "000.00.00.G22", "d2", at, events.DocumentDraftedData{
		DocumentID: "d2", Agency: "000.00.00.G22", Kind: kind, Subject: "Quyết định ban hành quy chế",
		Urgency: "THUONG", Confidentiality: "MAT", DraftedAt: at, Unit: unit,
		Original:   events.Object{Bucket: "b", Key: "originals/d2.pdf", SHA256: "cd"},
		By:         events.Actor{Username: "chuyenvien1", Role: "official", Agency: "000.00.00.G22"},
		Recipients: []events.Recipient{{Unit: "hanh-chinh"}, {Agency: "000.00.00.H49"}},
	})
}

// An incoming document of any kind, a decision included, is presented to
// the leaders for assignment; it never enters the approval chain, where it
// would be signed and numbered by its receiver.
func TestIncomingDocumentIsHandled(t *testing.T) {
	t.Parallel()
	for _, kind := range []string{"QUYET_DINH", "CONG_VAN", "BAO_CAO"} {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			r, s, _ := router(t)
			if err := r.HandleReceived(t.Context(), received(t, kind, time.Date(2026, 3, 5, 9, 0, 0, 0, vntime.Zone))); err != nil {
				t.Fatal(err)
			}
			if len(s.chains) != 0 || !slices.Equal(s.ids, []string{"handling-d1"}) || !slices.Equal(s.names, []string{incoming.WorkflowName}) {
				t.Fatalf("started %v %v, chains %+v", s.names, s.ids, s.chains)
			}
			in := s.handled[0]
			if in.DocumentID != "d1" || in.ArrivalNumber != 1 || in.Confidentiality != "MAT" || in.SenderAgency != "000.00.00.H49" ||
				len(in.Leaders) != 1 || in.Leaders[0].Username != "lanhdao" || in.AssignWorkingDays != 1 {
				t.Fatalf("input %+v", in)
			}
		})
	}
}

// A draft decision gets the multi-step plan of the development rules,
// addressed to positions and resolved to the people holding them, with
// their supervisors for escalation, and ends with the chief of office
// signing; the official who drafted it gets it back for revision.
func TestDraftDecisionGetsItsPlan(t *testing.T) {
	t.Parallel()
	r, s, nts := router(t)
	if err := r.HandleReceived(t.Context(), drafted(t, "QUYET_DINH", "", time.Date(2026, 3, 5, 9, 0, 0, 0, vntime.Zone))); err != nil {
		t.Fatal(err)
	}
	if len(s.handled) != 0 || !slices.Equal(s.ids, []string{"approval-d2"}) || !slices.Equal(s.names, []string{chain.WorkflowName}) {
		t.Fatalf("started %v %v", s.names, s.ids)
	}
	in := s.chains[0]
	if in.Drafter.Username != "chuyenvien1" || in.Plan.RuleID != "quyet-dinh" || len(in.Plan.Steps) != 4 ||
		in.Confidentiality != "MAT" || in.DocumentID != "d2" || in.ArrivalNumber != 0 || !in.UpsertSearchAttributes {
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
	if sg := in.Plan.Signing; sg == nil || sg.Signer.Username != "lanhdao" || sg.Signer.Title != "Chánh Văn phòng" || sg.DeadlineWorkingDays != 1 {
		t.Fatalf("signing %+v", in.Plan.Signing)
	}
	if in.Plan.Unit != "tong-hop" || !slices.Equal(in.Plan.Units, []string{"TH"}) {
		t.Fatalf("drafting unit %q %v", in.Plan.Unit, in.Plan.Units)
	}
	sel := routeSelected(t, nts)
	if sel.DocumentID != "d2" || sel.WorkflowID != "approval-d2" || sel.RuleID != "quyet-dinh" || sel.Approver != "chuyenvien1" {
		t.Fatalf("route.selected %+v", sel)
	}
}

// Other kinds get the one-step default plan, signed by the chief of
// office; the unit the drafter chose gives the symbol's abbreviation.
func TestDefaultPlan(t *testing.T) {
	t.Parallel()
	r, s, _ := router(t)
	ev := drafted(t, "CONG_VAN", "hanh-chinh", time.Date(2026, 3, 5, 9, 0, 0, 0, vntime.Zone))
	if err := r.HandleReceived(t.Context(), ev); err != nil {
		t.Fatal(err)
	}
	if len(s.chains) != 1 || len(s.chains[0].Plan.Steps) != 1 || s.chains[0].Plan.Steps[0].Assignees[0].Username != "chuyenvien1" {
		t.Fatalf("a công văn gets the one-step default plan: %+v", s.chains)
	}
	plan := s.chains[0].Plan
	if plan.RuleID != "mac-dinh" || plan.Signing == nil || plan.Signing.Signer.Username != "lanhdao" || plan.Unit != "hanh-chinh" || !slices.Equal(plan.Units, []string{"HC"}) {
		t.Fatalf("plan %+v", plan)
	}
}

// A second delivery of the same draft starts nothing new and announces the
// route once: the workflow id and the event id are derived from the document.
func TestRedeliveryAnnouncesOnce(t *testing.T) {
	t.Parallel()
	r, s, nts := router(t)
	ev := drafted(t, "BAO_CAO", "", time.Date(2026, 3, 5, 9, 0, 0, 0, vntime.Zone))
	for range 2 {
		if err := r.HandleReceived(t.Context(), ev); err != nil {
			t.Fatal(err)
		}
	}
	if !slices.Equal(s.ids, []string{"approval-d2", "approval-d2"}) {
		t.Fatalf("started %v", s.ids)
	}
	if n := len(testkit.Published(t, nts.JS, events.EventSubject("000.00.00.G22", events.RouteSelected))); n != 1 {
		t.Fatalf("%d route.selected events, want 1", n)
	}
}

// routeSelected is the one route.selected event published.
func routeSelected(t *testing.T, nts *testkit.NATSEnv) events.RouteSelectedData {
	t.Helper()
	published := testkit.Published(t, nts.JS, events.EventSubject("000.00.00.G22", events.RouteSelected))
	if len(published) != 1 {
		t.Fatalf("%d route.selected events, want 1", len(published))
	}
	var sel events.RouteSelectedData
	if err := json.Unmarshal(published[0].Data, &sel); err != nil {
		t.Fatal(err)
	}
	return sel
}
