package readmodel_test

import (
	"testing"
	"time"

	events "github.com/docflow/docflow/api/events/v1"
	"github.com/docflow/docflow/services/gateway/internal/readmodel"
)

// Tasks closed without a decision leave the inbox; a reassignment closes
// the old task and the workflow's new assignment puts a task in the new
// assignee's inbox (never both: the old id cannot be decided any more); a
// recalled document closes all its tasks.
func TestTaskNoticesMoveTheInbox(t *testing.T) {
	t.Parallel()
	for name, s := range stores(t) {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			ctx := t.Context()
			at := time.Date(2026, 3, 5, 9, 0, 0, 0, time.UTC)
			apply := func(e events.Envelope) {
				t.Helper()
				if err := s.Apply(ctx, e); err != nil {
					t.Fatal(err)
				}
			}
			inbox := func(user string) []readmodel.Task {
				t.Helper()
				tasks, _, err := s.Inbox(ctx, readmodel.InboxQuery{Agency: agency, Assignee: user, Now: at})
				if err != nil {
					t.Fatal(err)
				}
				return tasks
			}
			for _, doc := range []string{"d1", "d2"} {
				apply(env(t, events.DocumentReceived, doc, at, events.DocumentReceivedData{DocumentID: doc, Agency: agency, ArrivalNumber: 1, Kind: "CONG_VAN", Subject: doc}))
				for _, u := range []string{"chuyenvien1", "chuyenvien2"} {
					apply(env(t, events.TaskAssigned, doc, at, events.TaskAssignedData{TaskID: doc + "-" + u, DocumentID: doc, Assignee: u, Deadline: at.Add(48 * time.Hour), AssignedAt: at}))
				}
			}
			apply(env(t, events.TaskWithdrawn, "d1", at.Add(time.Hour), events.TaskNoticeData{TaskID: "d1-chuyenvien2", DocumentID: "d1", Assignee: "chuyenvien2", At: at.Add(time.Hour)}))
			lead := events.Actor{Username: "lanhdao", Role: "leader", Agency: agency}
			apply(env(t, events.TaskReassigned, "d1", at.Add(2*time.Hour), events.TaskNoticeData{TaskID: "d1-chuyenvien1", DocumentID: "d1", Assignee: "chuyenvien1", To: "lanhdao", By: &lead, At: at.Add(2 * time.Hour)}))
			apply(env(t, events.TaskAssigned, "d1", at.Add(2*time.Hour), events.TaskAssignedData{TaskID: "d1-lanhdao", DocumentID: "d1", Assignee: "lanhdao", Deadline: at.Add(48 * time.Hour), AssignedAt: at.Add(2 * time.Hour)}))
			if got := inbox("chuyenvien2"); len(got) != 1 || got[0].DocumentID != "d2" {
				t.Fatalf("chuyenvien2's inbox after the withdrawal: %+v", got)
			}
			if got := inbox("chuyenvien1"); len(got) != 1 || got[0].DocumentID != "d2" {
				t.Fatalf("chuyenvien1's inbox after the reassignment: %+v", got)
			}
			if got := inbox("lanhdao"); len(got) != 1 || got[0].ID != "d1-lanhdao" {
				t.Fatalf("lanhdao's inbox after the reassignment: %+v", got)
			}
			d1, err := s.Document(ctx, agency, "d1")
			if err != nil || d1.WaitingFor != "lanhdao" {
				t.Fatalf("d1 waits for %q (%v)", d1.WaitingFor, err)
			}

			apply(env(t, events.DocumentRecalled, "d2", at.Add(3*time.Hour), events.DocumentDecisionData{DocumentID: "d2", By: events.Actor{Username: "vanthu", Role: "clerk", Agency: agency}, Comment: "Rút lại", At: at.Add(3 * time.Hour)}))
			d2, err := s.Document(ctx, agency, "d2")
			if err != nil || d2.Status != readmodel.StatusRecalled || d2.WaitingFor != "" {
				t.Fatalf("recalled d2: %+v (%v)", d2, err)
			}
			if got := inbox("chuyenvien1"); len(got) != 0 {
				t.Fatalf("chuyenvien1 still has %+v", got)
			}
		})
	}
}
