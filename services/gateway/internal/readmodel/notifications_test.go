package readmodel_test

import (
	"strings"
	"testing"
	"time"

	events "github.com/docflow/docflow/api/events/v1"
	"github.com/docflow/docflow/services/gateway/internal/readmodel"
)

// Task events become notifications for the people concerned, once each even
// when an event is delivered again; the notifier's outbox hands each out
// until it is marked delivered.
func TestNotificationsOfTaskEvents(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, s *readmodel.Store) {
		ctx := t.Context()
		apply := applier(t, s)
		kinds := func(user string) []string {
			t.Helper()
			list, _, err := s.Notifications(ctx, readmodel.NotificationQuery{Agency: agency, Recipient: user})
			if err != nil {
				t.Fatal(err)
			}
			var out []string
			for _, n := range list {
				if n.DocumentID != "d1" || n.Subject != "Kế hoạch" {
					t.Fatalf("notification %+v: wrong document or subject", n)
				}
				out = append(out, n.Kind)
			}
			return out
		}
		apply(event(t, events.DocumentReceived, "d1", at, events.DocumentReceivedData{DocumentID: "d1", Agency: agency, ArrivalNumber: 1, Kind: "KE_HOACH", Subject: "Kế hoạch"}))
		assigned := event(t, events.TaskAssigned, "d1", at, events.TaskAssignedData{
			TaskID: "t1", DocumentID: "d1", Assignee: "chuyenvien1", Kind: "KE_HOACH", Urgency: "HOA_TOC", Deadline: at.Add(48 * time.Hour), AssignedAt: at,
			Substitutes: []events.Substitute{
				{Username: "chuyenvien2", From: at, Until: at.Add(24 * time.Hour)},
				{Username: "phophong", From: at, Until: at.Add(24 * time.Hour), Kinds: []string{"TO_TRINH"}},
			},
		})
		apply(assigned)
		apply(assigned) // delivered twice by the stream
		apply(event(t, events.TaskReminded, "d1", at.Add(24*time.Hour), events.TaskNoticeData{TaskID: "t1", DocumentID: "d1", Assignee: "chuyenvien1", Deadline: at.Add(48 * time.Hour), At: at.Add(24 * time.Hour)}))
		apply(event(t, events.TaskEscalated, "d1", at.Add(49*time.Hour), events.TaskNoticeData{TaskID: "t1", DocumentID: "d1", Assignee: "chuyenvien1", Supervisor: "lanhdao", Deadline: at.Add(48 * time.Hour), At: at.Add(49 * time.Hour)}))

		if got := kinds("chuyenvien1"); len(got) != 3 || got[0] != readmodel.NoticeEscalated || got[1] != readmodel.NoticeReminded || got[2] != readmodel.NoticeAssigned {
			t.Fatalf("the assignee's notifications, newest first: %v", got)
		}
		if list, _, err := s.Notifications(ctx, readmodel.NotificationQuery{Agency: agency, Recipient: "chuyenvien1"}); err != nil || !strings.HasPrefix(list[2].Message, "[HỎA TỐC] ") {
			t.Fatalf("the assignment of an urgent document: %+v (%v)", list, err)
		}
		if got := kinds("lanhdao"); len(got) != 1 || got[0] != readmodel.NoticeEscalated {
			t.Fatalf("the supervisor's notifications: %v", got)
		}
		if got := kinds("chuyenvien2"); len(got) != 1 || got[0] != readmodel.NoticeAssigned {
			t.Fatalf("the substitute's notifications: %v", got)
		}
		if got := kinds("phophong"); len(got) != 0 {
			t.Fatalf("a substitute for other kinds was notified: %v", got)
		}

		waiting, err := s.Undelivered(ctx, 100)
		if err != nil || len(waiting) != 5 {
			t.Fatalf("undelivered: %d (%v), want 5", len(waiting), err)
		}
		if err := s.MarkDelivered(ctx, waiting[0].ID, at); err != nil {
			t.Fatal(err)
		}
		if left, err := s.Undelivered(ctx, 100); err != nil || len(left) != 4 || left[0].ID == waiting[0].ID {
			t.Fatalf("after one delivery: %d left (%v)", len(left), err)
		}
	})
}
