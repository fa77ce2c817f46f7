package readmodel_test

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/google/uuid"

	events "github.com/docflow/docflow/api/events/v1"
	"github.com/docflow/docflow/services/gateway/internal/readmodel"
	"github.com/docflow/docflow/services/internal/errs"
	"github.com/docflow/docflow/services/internal/sqlstore"
	"github.com/docflow/docflow/services/internal/testkit"
)

const agency = "000.00.00.G22"

func stores(t *testing.T) map[string]*readmodel.Store {
	t.Helper()
	out := map[string]*readmodel.Store{}
	for name, dsn := range map[string]string{"sqlite": testkit.SQLite(t), "postgres": testkit.Postgres(t)} {
		db, err := sqlstore.Open(t.Context(), dsn)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = db.Close() })
		s, err := readmodel.Open(t.Context(), db)
		if err != nil {
			t.Fatal(err)
		}
		out[name] = s
	}
	return out
}

func env(t *testing.T, typ events.Type, doc string, at time.Time, data any) events.Envelope {
	t.Helper()
	raw, err := json.Marshal(data)
	if err != nil {
		t.Fatal(err)
	}
	return events.Envelope{ID: uuid.NewString(), Type: typ, Subject: doc, Time: at, Agency: agency, Data: raw}
}

func TestProjection(t *testing.T) {
	t.Parallel()
	for name, s := range stores(t) {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			ctx := t.Context()
			at := time.Date(2026, 3, 5, 9, 0, 0, 0, time.UTC)
			received := env(t, events.DocumentReceived, "d1", at, events.DocumentReceivedData{
				DocumentID: "d1", Agency: agency, ArrivalNumber: 7, ArrivalYear: 2026, Kind: "QUYET_DINH", Subject: "Quyết định",
				Urgency: "THUONG", Confidentiality: "NONE", Original: events.Object{Bucket: "b", Key: "originals/d1.pdf", SHA256: "ab", Size: 3},
				By: events.Actor{Username: "vanthu", Role: "clerk", Agency: agency},
			})
			assigned := env(t, events.TaskAssigned, "d1", at.Add(time.Minute), events.TaskAssignedData{
				TaskID: "t1", DocumentID: "d1", WorkflowID: "approval-d1", Assignee: "chuyenvien1", Subject: "Quyết định",
				Kind: "QUYET_DINH", Urgency: "THUONG", Deadline: at.Add(72 * time.Hour), AssignedAt: at.Add(time.Minute),
			})
			archived := env(t, events.DocumentArchived, "d1", at.Add(time.Hour), events.DocumentArchivedData{DocumentID: "d1", RecordID: "r1", RetainUntil: at.AddDate(10, 0, 0)})
			signed := env(t, events.DocumentSigned, "d1", at.Add(30*time.Minute), events.DocumentSignedData{DocumentID: "d1", Signer: "chuyenvien1", Level: "B-B"})

			// An event for a document not yet projected is refused so that
			// it is redelivered after the document arrives.
			if err := s.Apply(ctx, assigned); err == nil {
				t.Fatal("task of an unknown document was applied")
			}
			// Redelivered and out-of-order events change nothing twice and
			// never move the status backwards.
			for _, e := range []events.Envelope{received, received, assigned, assigned, archived, signed, signed} {
				if err := s.Apply(ctx, e); err != nil {
					t.Fatal(err)
				}
			}
			d, err := s.Document(ctx, agency, "d1")
			if err != nil {
				t.Fatal(err)
			}
			if d.Status != readmodel.StatusArchived || d.RecordID != "r1" || d.ArrivalNumber != 7 || len(d.History) != 4 {
				t.Fatalf("document %+v", d)
			}
			if _, err := s.Document(ctx, "000.00.00.G09", "d1"); errs.KindOf(err) != errs.NotFound {
				t.Fatalf("another agency sees the document: %v", err)
			}
			tasks, _, err := s.Inbox(ctx, agency, "chuyenvien1", 10, "")
			if err != nil || len(tasks) != 1 || tasks[0].WorkflowID != "approval-d1" {
				t.Fatalf("inbox %+v %v", tasks, err)
			}
		})
	}
}

func TestInboxPaging(t *testing.T) {
	t.Parallel()
	for name, s := range stores(t) {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			ctx := t.Context()
			at := time.Date(2026, 3, 5, 9, 0, 0, 0, time.UTC)
			const n = 25
			for i := range n {
				doc := fmt.Sprintf("d%02d", i)
				for _, e := range []events.Envelope{
					env(t, events.DocumentReceived, doc, at, events.DocumentReceivedData{DocumentID: doc, Agency: agency, ArrivalNumber: int64(i + 1), Kind: "CONG_VAN", Subject: doc}),
					// Deadlines repeat, so paging must break ties by id.
					env(t, events.TaskAssigned, doc, at, events.TaskAssignedData{TaskID: "t-" + doc, DocumentID: doc, Assignee: "chuyenvien1", Deadline: at.Add(time.Duration(i%5) * time.Hour)}),
				} {
					if err := s.Apply(ctx, e); err != nil {
						t.Fatal(err)
					}
				}
			}
			seen := map[string]bool{}
			var last time.Time
			token := ""
			for pages := 0; ; pages++ {
				tasks, next, err := s.Inbox(ctx, agency, "chuyenvien1", 7, token)
				if err != nil {
					t.Fatal(err)
				}
				for _, task := range tasks {
					if seen[task.ID] || task.Deadline.Before(last) {
						t.Fatalf("page %d: %s repeated or out of order", pages, task.ID)
					}
					seen[task.ID], last = true, task.Deadline
				}
				if next == "" {
					break
				}
				token = next
			}
			if len(seen) != n {
				t.Fatalf("paged through %d of %d tasks", len(seen), n)
			}
			if _, _, err := s.Inbox(ctx, agency, "chuyenvien1", 7, "%%%"); errs.KindOf(err) != errs.Invalid {
				t.Fatalf("bad page token: %v", err)
			}
		})
	}
}
