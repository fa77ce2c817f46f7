package readmodel_test

import (
	"slices"
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
	eachStore(t, func(t *testing.T, s *readmodel.Store) {
		ctx := t.Context()
		apply := applier(t, s)
		for _, doc := range []string{"d1", "d2"} {
			apply(registered(t, doc, "CONG_VAN", at))
			for _, u := range []string{"chuyenvien1", "chuyenvien2"} {
				apply(event(t, events.TaskAssigned, doc, at, events.TaskAssignedData{TaskID: doc + "-" + u, DocumentID: doc, Assignee: u, Deadline: at.Add(48 * time.Hour), AssignedAt: at}))
			}
		}
		apply(event(t, events.TaskWithdrawn, "d1", at.Add(time.Hour), events.TaskNoticeData{TaskID: "d1-chuyenvien2", DocumentID: "d1", Assignee: "chuyenvien2", At: at.Add(time.Hour)}))
		lead := events.Actor{Username: "lanhdao", Role: "leader", Agency: agency}
		apply(event(t, events.TaskReassigned, "d1", at.Add(2*time.Hour), events.TaskNoticeData{TaskID: "d1-chuyenvien1", DocumentID: "d1", Assignee: "chuyenvien1", To: "lanhdao", By: &lead, At: at.Add(2 * time.Hour)}))
		apply(event(t, events.TaskAssigned, "d1", at.Add(2*time.Hour), events.TaskAssignedData{TaskID: "d1-lanhdao", DocumentID: "d1", Assignee: "lanhdao", Deadline: at.Add(48 * time.Hour), AssignedAt: at.Add(2 * time.Hour)}))
		if got := inbox(t, s, "chuyenvien2", at); !slices.Equal(got, []string{"d2-chuyenvien2"}) {
			t.Fatalf("chuyenvien2's inbox after the withdrawal: %v", got)
		}
		if got := inbox(t, s, "chuyenvien1", at); !slices.Equal(got, []string{"d2-chuyenvien1"}) {
			t.Fatalf("chuyenvien1's inbox after the reassignment: %v", got)
		}
		if got := inbox(t, s, "lanhdao", at); !slices.Equal(got, []string{"d1-lanhdao"}) {
			t.Fatalf("lanhdao's inbox after the reassignment: %v", got)
		}
		d1, err := s.Document(ctx, anyReader(agency), "d1")
		if err != nil || d1.WaitingFor != "lanhdao" {
			t.Fatalf("d1 waits for %q (%v)", d1.WaitingFor, err)
		}

		apply(event(t, events.DocumentRecalled, "d2", at.Add(3*time.Hour), events.DocumentDecisionData{DocumentID: "d2", By: events.Actor{Username: "vanthu", Role: "clerk", Agency: agency}, Comment: "Rút lại", At: at.Add(3 * time.Hour)}))
		d2, err := s.Document(ctx, anyReader(agency), "d2")
		if err != nil || d2.Status != readmodel.StatusRecalled || d2.WaitingFor != "" {
			t.Fatalf("recalled d2: %+v (%v)", d2, err)
		}
		if got := inbox(t, s, "chuyenvien1", at); len(got) != 0 {
			t.Fatalf("chuyenvien1 still has %v", got)
		}
	})
}

// A substitute in force sees the tasks they may act on, within their dates
// and the kinds of their scope; a later delegation replaces the earlier
// substitutes; what each task asks is kept.
func TestSubstitutesSeeTheTasksTheyMayActOn(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, s *readmodel.Store) {
		ctx := t.Context()
		apply := applier(t, s)
		leave := events.Substitute{Username: "phophong", From: at.Add(-time.Hour), Until: at.Add(72 * time.Hour)}
		scoped := events.Substitute{Username: "chuyenvien2", From: at.Add(-time.Hour), Until: at.Add(72 * time.Hour), Kinds: []string{"TO_TRINH"}}
		for doc, kind := range map[string]string{"d1": "CONG_VAN", "d2": "TO_TRINH"} {
			apply(registered(t, doc, kind, at), event(t, events.TaskAssigned, doc, at, events.TaskAssignedData{
				TaskID: doc + "-truongphong", DocumentID: doc, Assignee: "truongphong", Kind: kind, Deadline: at.Add(48 * time.Hour), AssignedAt: at,
				TaskKind: events.TaskKindAssign, Substitutes: []events.Substitute{leave, scoped},
			}))
		}
		if got := inbox(t, s, "phophong", at); !slices.Equal(got, []string{"d1-truongphong", "d2-truongphong"}) {
			t.Fatalf("the substitute for every kind sees %v", got)
		}
		if got := inbox(t, s, "chuyenvien2", at); !slices.Equal(got, []string{"d2-truongphong"}) {
			t.Fatalf("the substitute for TO_TRINH sees %v", got)
		}
		if got := inbox(t, s, "phophong", at.Add(73*time.Hour)); len(got) != 0 {
			t.Fatalf("after the delegation ended the substitute still sees %v", got)
		}
		task, err := s.Task(ctx, agency, "d1-truongphong")
		if err != nil || task.TaskKind != events.TaskKindAssign {
			t.Fatalf("task kind %q (%v)", task.TaskKind, err)
		}

		apply(event(t, events.TaskDelegated, "d1", at.Add(time.Hour), events.TaskDelegatedData{
			TaskID: "d1-truongphong", DocumentID: "d1", Assignee: "truongphong", At: at.Add(time.Hour),
			Substitutes: []events.Substitute{{Username: "chuyenvien1", From: at, Until: at.Add(24 * time.Hour)}},
		}))
		if got := inbox(t, s, "phophong", at.Add(2*time.Hour)); !slices.Equal(got, []string{"d2-truongphong"}) {
			t.Fatalf("after the new delegation the former substitute sees %v", got)
		}
		if got := inbox(t, s, "chuyenvien1", at.Add(2*time.Hour)); !slices.Equal(got, []string{"d1-truongphong"}) {
			t.Fatalf("the new substitute sees %v", got)
		}
		// An event about a task never seen is ignored, not an error.
		apply(event(t, events.TaskDelegated, "d1", at.Add(time.Hour), events.TaskDelegatedData{TaskID: "unknown", DocumentID: "d1", Assignee: "x", At: at}))
	})
}

// An incoming document is in handling once the leader assigned it, and
// handled once its lead completed it; the tasks of the handling do not move
// it back.
func TestHandlingMovesTheDocument(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, s *readmodel.Store) {
		apply := applier(t, s)
		leader := events.Actor{Username: "lanhdao", Role: "leader", Agency: agency}
		apply(registered(t, "d1", "CONG_VAN", at))
		apply(event(t, events.TaskAssigned, "d1", at, events.TaskAssignedData{TaskID: "a", DocumentID: "d1", Assignee: "lanhdao", TaskKind: events.TaskKindAssign, Deadline: at.Add(24 * time.Hour), AssignedAt: at}))
		apply(event(t, events.HandlingAssigned, "d1", at.Add(time.Hour), events.HandlingData{DocumentID: "d1", Status: events.ReceiptAssigned, LeadUnit: "tong-hop", LeadPerson: "chuyenvien1", By: leader}))
		apply(event(t, events.TaskAssigned, "d1", at.Add(time.Hour), events.TaskAssignedData{TaskID: "h", DocumentID: "d1", Assignee: "chuyenvien1", TaskKind: events.TaskKindHandle, Deadline: at.Add(72 * time.Hour), AssignedAt: at.Add(time.Hour)}))
		if got := document(t, s, "d1").Status; got != readmodel.StatusInHandling {
			t.Fatalf("after the assignment: %s, want in_handling", got)
		}
		apply(event(t, events.HandlingCompleted, "d1", at.Add(2*time.Hour), events.HandlingData{DocumentID: "d1", Status: events.ReceiptCompleted, LeadUnit: "tong-hop", LeadPerson: "chuyenvien1", By: events.Actor{Username: "chuyenvien1", Agency: agency}}))
		if got := document(t, s, "d1").Status; got != readmodel.StatusHandled {
			t.Fatalf("after completion: %s, want handled", got)
		}
	})
}
