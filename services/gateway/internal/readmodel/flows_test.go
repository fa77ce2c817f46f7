package readmodel_test

import (
	"testing"
	"time"

	events "github.com/docflow/docflow/api/events/v1"
	"github.com/docflow/docflow/api/vntime"
	"github.com/docflow/docflow/services/gateway/internal/readmodel"
)

// An outgoing draft is a document of its own flow: no arrival number, its
// drafter and recipients, each not sent yet, and never a line of the
// incoming register, even beside an incoming document of the same day.
func TestDraftIsOutgoing(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, s *readmodel.Store) {
		apply := applier(t, s)
		at := time.Date(2026, 3, 5, 9, 0, 0, 0, vntime.Zone)
		drafter := events.Actor{Username: "chuyenvien1", Role: "official", Agency: agency}
		draft := event(t, events.DocumentDrafted, "draft", at, events.DocumentDraftedData{
			DocumentID: "draft", Agency: agency, Kind: "CONG_VAN", Subject: "Về việc báo cáo", Urgency: "THUONG",
			Confidentiality: "NONE", DraftedAt: at, By: drafter, Unit: "tong-hop",
			Recipients: []events.Recipient{{Unit: "hanh-chinh"}, {Agency: "000.00.00.H49"}},
		})
		apply(draft, draft, registered(t, "incoming", "CONG_VAN", at.Add(time.Minute)))

		d := document(t, s, "draft")
		if d.Direction != readmodel.Outgoing || d.Status != readmodel.StatusDrafted || d.ArrivalNumber != 0 ||
			d.Drafter != "chuyenvien1" || d.Unit != "tong-hop" {
			t.Errorf("draft projected as %+v", d)
		}
		if len(d.Recipients) != 2 || d.Recipients[0].Unit != "hanh-chinh" || d.Recipients[1].Agency != "000.00.00.H49" ||
			d.Recipients[0].Status != readmodel.RecipientPending || d.Recipients[1].Status != readmodel.RecipientPending {
			t.Errorf("recipients %+v, want both pending in the drafter's order", d.Recipients)
		}
		if len(d.History) != 1 || d.History[0].Actor != "chuyenvien1" {
			t.Errorf("history %+v, want the draft's one line", d.History)
		}
		if in := document(t, s, "incoming"); in.Direction != readmodel.Incoming || len(in.Recipients) != 0 {
			t.Errorf("incoming document projected as %+v", in)
		}
		arrivals, err := s.Arrivals(t.Context(), anyReader(agency), 2026, at.Add(-time.Hour), at.Add(time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		// A draft whose drafter named no unit takes the one routing settled.
		bare := event(t, events.DocumentDrafted, "bare", at, events.DocumentDraftedData{
			DocumentID: "bare", Agency: agency, Kind: "CONG_VAN", Subject: "Dự thảo", Urgency: "THUONG", Confidentiality: "NONE",
			DraftedAt: at, By: drafter, Recipients: []events.Recipient{{Unit: "hanh-chinh"}},
		})
		routed := func(doc string) events.Event {
			return event(t, events.RouteSelected, doc, at.Add(time.Second), events.RouteSelectedData{DocumentID: doc, Unit: "tong-hop"})
		}
		apply(bare, routed("bare"), routed("draft"))
		if u := document(t, s, "bare").Unit; u != "tong-hop" {
			t.Errorf("a draft without a unit, once routed, has unit %q, want routing's tong-hop", u)
		}
		if u := document(t, s, "draft").Unit; u != "tong-hop" {
			t.Errorf("the draft's own unit became %q", u)
		}
		for _, a := range arrivals {
			if a.DocumentID == "draft" {
				t.Errorf("the draft is in the incoming register: %+v", a)
			}
		}
	})
}

// The văn thư's issue task is theirs to be reminded of, but any clerk may
// issue: the document waits for the clerks, and the task is in the văn
// thư's inbox.
func TestIssueTaskWaitsForTheClerks(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, s *readmodel.Store) {
		apply := applier(t, s)
		at := time.Date(2026, 3, 5, 9, 0, 0, 0, vntime.Zone)
		apply(event(t, events.DocumentDrafted, "d", at, events.DocumentDraftedData{
			DocumentID: "d", Agency: agency, Kind: "CONG_VAN", Subject: "Về việc", Urgency: "THUONG", Confidentiality: "NONE",
			DraftedAt: at, By: events.Actor{Username: "chuyenvien2", Role: "official", Agency: agency}, Recipients: []events.Recipient{{Unit: "tong-hop"}},
		}), event(t, events.TaskAssigned, "d", at.Add(time.Hour), events.TaskAssignedData{
			TaskID: "issue-1", DocumentID: "d", WorkflowID: "approval-d", Assignee: "vanthu", TaskKind: events.TaskKindIssue,
			AssignedAt: at.Add(time.Hour), Deadline: at.Add(8 * time.Hour),
		}))
		if w := document(t, s, "d").WaitingFor; w != readmodel.WaitingForClerks {
			t.Errorf("waiting for %q, want the clerks", w)
		}
		if got := inbox(t, s, "vanthu", at.Add(2*time.Hour)); len(got) != 1 || got[0] != "issue-1" {
			t.Errorf("the văn thư's inbox %v, want the issue task", got)
		}
	})
}
