package readmodel_test

import (
	"fmt"
	"reflect"
	"slices"
	"testing"
	"time"

	events "github.com/docflow/docflow/api/events/v1"
	"github.com/docflow/docflow/api/vntime"
	"github.com/docflow/docflow/services/gateway/internal/readmodel"
	"github.com/docflow/docflow/services/internal/errs"
	"github.com/docflow/docflow/services/internal/testkit"
)

const agency = "000.00.00.G22"

// at is when the tests' events happen, unless they say otherwise.
var at = time.Date(2026, 3, 5, 9, 0, 0, 0, time.UTC)

func stores(t *testing.T) map[string]*readmodel.Store {
	t.Helper()
	out := map[string]*readmodel.Store{}
	for name, dsn := range map[string]string{"sqlite": testkit.SQLite(t), "postgres": testkit.Postgres(t)} {
		s, err := readmodel.Open(t.Context(), testkit.DB(t, dsn))
		if err != nil {
			t.Fatal(err)
		}
		out[name] = s
	}
	return out
}

// eachStore runs test, in parallel, on a read model of each database.
func eachStore(t *testing.T, test func(t *testing.T, s *readmodel.Store)) {
	t.Helper()
	for name, s := range stores(t) {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			test(t, s)
		})
	}
}

// anyReader reads every document of agency: a clerk cleared for every
// secret level. The need-to-know rule itself is tested in access_test.go.
func anyReader(agency string) readmodel.Reader {
	return readmodel.Reader{Username: "vanthu", Role: "clerk", Agency: agency, Clearance: "TUYET_MAT"}
}

// applier projects events into s in order, failing the test when one
// cannot be.
func applier(t *testing.T, s *readmodel.Store) func(...events.Event) {
	return func(evs ...events.Event) {
		t.Helper()
		for _, e := range evs {
			if err := s.Apply(t.Context(), e); err != nil {
				t.Fatalf("apply %s of %s: %v", e.Type, e.Subject, err)
			}
		}
	}
}

// event is an event of typ about doc of the test agency, as the consumer
// hands it to the read model.
func event(t *testing.T, typ events.Type, doc string, at time.Time, data any) events.Event {
	t.Helper()
	return testkit.Event(t, typ, agency, doc, at, data)
}

// registered is the document.received of a document of kind, numbered 1,
// whose subject is its id.
func registered(t *testing.T, doc, kind string, at time.Time) events.Event {
	t.Helper()
	return event(t, events.DocumentReceived, doc, at, events.DocumentReceivedData{DocumentID: doc, Agency: agency, ArrivalNumber: 1, Kind: kind, Subject: doc})
}

// document is document id of the test agency, which must be there.
func document(t *testing.T, s *readmodel.Store, id string) readmodel.Document {
	t.Helper()
	d, err := s.Document(t.Context(), anyReader(agency), id)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// inbox lists the ids of user's open tasks at now, in deadline order.
func inbox(t *testing.T, s *readmodel.Store, user string, now time.Time) []string {
	t.Helper()
	tasks, _, err := s.Inbox(t.Context(), readmodel.InboxQuery{Agency: agency, Assignee: user, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	return ids(tasks)
}

func TestProjection(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, s *readmodel.Store) {
		ctx := t.Context()
		received := event(t, events.DocumentReceived, "d1", at, events.DocumentReceivedData{
			DocumentID: "d1", Agency: agency, ArrivalNumber: 7, ArrivalYear: 2026, Kind: "QUYET_DINH", Subject: "Quyết định",
			Urgency: "THUONG", Confidentiality: "NONE", Original: events.Object{Bucket: "b", Key: "originals/d1.pdf", SHA256: "ab", Size: 3},
			By: events.Actor{Username: "vanthu", Role: "clerk", Agency: agency},
		})
		assigned := event(t, events.TaskAssigned, "d1", at.Add(time.Minute), events.TaskAssignedData{
			TaskID: "t1", DocumentID: "d1", WorkflowID: "approval-d1", Assignee: "chuyenvien1", Subject: "Quyết định",
			Kind: "QUYET_DINH", Urgency: "THUONG", Deadline: at.Add(72 * time.Hour), AssignedAt: at.Add(time.Minute),
		})
		archived := event(t, events.DocumentArchived, "d1", at.Add(time.Hour), events.DocumentArchivedData{DocumentID: "d1", RecordID: "r1", RetainUntil: at.AddDate(10, 0, 0)})
		signed := event(t, events.DocumentSigned, "d1", at.Add(30*time.Minute), events.DocumentSignedData{DocumentID: "d1", Signer: "chuyenvien1", Level: "B-B"})

		// An event for a document not yet projected is refused so that
		// it is redelivered after the document arrives.
		if err := s.Apply(ctx, assigned); err == nil {
			t.Fatal("task of an unknown document was applied")
		}
		// Redelivered and out-of-order events change nothing twice and
		// never move the status backwards.
		applier(t, s)(received, received, assigned, assigned, archived, signed, signed)
		if d := document(t, s, "d1"); d.Status != readmodel.StatusArchived || d.RecordID != "r1" || d.ArrivalNumber != 7 || len(d.History) != 4 {
			t.Fatalf("document %+v", d)
		}
		if _, err := s.Document(ctx, anyReader("000.00.00.G09"), "d1"); errs.KindOf(err) != errs.NotFound {
			t.Fatalf("another agency sees the document: %v", err)
		}
		tasks, _, err := s.Inbox(ctx, readmodel.InboxQuery{Agency: agency, Assignee: "chuyenvien1", PageSize: 10})
		if err != nil || len(tasks) != 1 || tasks[0].WorkflowID != "approval-d1" || fmt.Sprint(tasks[0].WaitingFor) != "[chuyenvien1]" {
			t.Fatalf("inbox %+v %v", tasks, err)
		}
	})
}

func TestInboxPaging(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, s *readmodel.Store) {
		ctx := t.Context()
		apply := applier(t, s)
		const n = 25
		for i := range n {
			doc := fmt.Sprintf("d%02d", i)
			apply(registered(t, doc, "CONG_VAN", at),
				// Deadlines repeat, so paging must break ties by id.
				event(t, events.TaskAssigned, doc, at, events.TaskAssignedData{TaskID: "t-" + doc, DocumentID: doc, Assignee: "chuyenvien1", Deadline: at.Add(time.Duration(i%5) * time.Hour)}))
		}
		seen := map[string]bool{}
		var last time.Time
		token := ""
		for pages := 0; ; pages++ {
			tasks, next, err := s.Inbox(ctx, readmodel.InboxQuery{Agency: agency, Assignee: "chuyenvien1", PageSize: 7, PageToken: token})
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
		if _, _, err := s.Inbox(ctx, readmodel.InboxQuery{Agency: agency, Assignee: "chuyenvien1", PageToken: "%%%"}); errs.KindOf(err) != errs.Invalid {
			t.Fatalf("bad page token: %v", err)
		}
	})
}

func TestArrivals(t *testing.T) {
	t.Parallel()
	day := func(m time.Month, d int) time.Time { return time.Date(2026, m, d, 0, 0, 0, 0, vntime.Zone) }
	eachStore(t, func(t *testing.T, s *readmodel.Store) {
		ctx := t.Context()
		received := func(doc string, n int64, at time.Time, confidentiality, issuer string) events.Event {
			return event(t, events.DocumentReceived, doc, at, events.DocumentReceivedData{
				DocumentID: doc, Agency: agency, ArrivalNumber: n, ArrivalYear: 2026, Kind: "CONG_VAN",
				Subject: "Về việc " + doc, Urgency: "THUONG", Confidentiality: confidentiality, ReceivedAt: at,
				Issuer: issuer, IssuerID: "000.00.00.G09", Symbol: fmt.Sprintf("%d/BNV-VP", n), IssuedOn: "2026-02-27",
				Description: "ghi chú " + doc,
			})
		}
		assigned := func(task, doc, who string, at time.Time) events.Event {
			return event(t, events.TaskAssigned, doc, at, events.TaskAssignedData{
				TaskID: task, DocumentID: doc, WorkflowID: "approval-" + doc, Assignee: who, AssignedAt: at, Deadline: at.AddDate(0, 0, 3),
			})
		}
		// 23:59:59 on 1 March in Vietnam is still 1 March, although it is
		// 16:59:59 UTC; midnight starts 2 March.
		lastOfMarch1 := day(time.March, 2).Add(-time.Second)
		apply := applier(t, s)
		apply(
			received("a", 1, lastOfMarch1, "NONE", "Bộ Nội vụ"),
			received("b", 2, day(time.March, 2), "NONE", "Bộ Tài chính"),
			received("secret", 3, day(time.March, 2).Add(time.Hour), "MAT", "Bộ Quốc phòng"),
			received("c", 4, day(time.March, 3).Add(8*time.Hour), "NONE", ""),
			// Tasks arrive in any order; the register shows the first one.
			assigned("b-2", "b", "chuyenvien2", day(time.March, 4)),
			assigned("b-1", "b", "chuyenvien1", day(time.March, 2).Add(2*time.Hour)),
		)
		other := event(t, events.DocumentReceived, "elsewhere", day(time.March, 2), events.DocumentReceivedData{
			DocumentID: "elsewhere", Agency: "000.00.00.G09", ArrivalNumber: 1, ArrivalYear: 2026, Confidentiality: "NONE",
		})
		other.Agency = "000.00.00.G09"
		apply(other)

		tests := []struct {
			name         string
			since, until time.Time
			want         []string
		}{
			{"whole year", day(time.January, 1), time.Date(2027, 1, 1, 0, 0, 0, 0, vntime.Zone), []string{"a", "b", "c"}},
			{"1 March only", day(time.March, 1), day(time.March, 2), []string{"a"}},
			{"2 and 3 March", day(time.March, 2), day(time.March, 4), []string{"b", "c"}},
			{"a day without documents", day(time.April, 1), day(time.April, 2), nil},
		}
		for _, tt := range tests {
			got, err := s.Arrivals(ctx, anyReader(agency), 2026, tt.since, tt.until)
			if err != nil {
				t.Fatalf("%s: %v", tt.name, err)
			}
			var ids []string
			for _, a := range got {
				ids = append(ids, a.DocumentID)
			}
			if fmt.Sprint(ids) != fmt.Sprint(tt.want) {
				t.Errorf("%s: documents %v, want %v", tt.name, ids, tt.want)
			}
		}

		got, err := s.Arrivals(ctx, anyReader(agency), 2026, day(time.March, 2), day(time.March, 4))
		if err != nil || len(got) != 2 {
			t.Fatalf("arrivals %+v %v", got, err)
		}
		b, c := got[0], got[1]
		if b.ArrivalNumber != 2 || !b.ReceivedAt.Equal(day(time.March, 2)) || b.Self.Issuer != "Bộ Tài chính" ||
			b.Self.Symbol != "2/BNV-VP" || b.Self.IssuedOn != "2026-02-27" || b.Self.Description != "ghi chú b" ||
			b.Self.IssuerID != "000.00.00.G09" || b.Kind != "CONG_VAN" || b.Subject != "Về việc b" {
			t.Errorf("document b = %+v", b)
		}
		if b.Assignee != "chuyenvien1" || !b.AssignedAt.Equal(day(time.March, 2).Add(2*time.Hour)) ||
			!b.Deadline.Equal(day(time.March, 5).Add(2*time.Hour)) || b.Status != readmodel.StatusInApproval {
			t.Errorf("document b's first assignment = %q at %v due %v, status %s; want chuyenvien1's", b.Assignee, b.AssignedAt, b.Deadline, b.Status)
		}
		if c.Assignee != "" || !c.AssignedAt.IsZero() || !c.Deadline.IsZero() || c.Status != readmodel.StatusRegistered {
			t.Errorf("document c, never assigned = %+v", c)
		}

		d, err := s.Document(ctx, anyReader(agency), "b")
		if err != nil {
			t.Fatal(err)
		}
		if d.Self != b.Self {
			t.Errorf("Document shows %+v, the register %+v", d.Self, b.Self)
		}
	})
}

// Every event type the system emits projects onto a registered document
// without error, and each writes a line of the document's history (which is
// what makes applying it again change nothing), except the delegations,
// which are about positions and leave the documents alone. A new event type
// fails here until the read model says what it makes of it.
func TestEveryEventTypeApplies(t *testing.T) {
	t.Parallel()
	// An exchange arrival is no document until a clerk registers it.
	notAboutDocuments := []events.Type{events.DelegationCreated, events.DelegationRevoked, events.ExchangeArrived}
	eachStore(t, func(t *testing.T, s *readmodel.Store) {
		apply := applier(t, s)
		apply(registered(t, "d1", "CONG_VAN", at))
		lines := len(document(t, s, "d1").History)
		for i, typ := range events.Types {
			if typ == events.DocumentReceived || typ == events.DocumentDrafted {
				continue // the two events that bring a document in (flows_test.go)
			}
			payload, _ := events.NewPayload(typ)
			if f := reflect.ValueOf(payload).Elem().FieldByName("DocumentID"); f.IsValid() {
				f.SetString("d1")
			}
			e := event(t, typ, "d1", at.Add(time.Duration(i)*time.Minute), payload)
			apply(e, e)
			want := lines + 1
			if slices.Contains(notAboutDocuments, typ) {
				want = lines
			}
			if lines = len(document(t, s, "d1").History); lines != want {
				t.Errorf("after %s (applied twice) the history has %d lines, want %d", typ, lines, want)
			}
		}
	})
}

// An event whose payload is not the one its type declares is refused, and
// leaves nothing behind.
func TestEventWithAnotherTypesPayloadIsRefused(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, s *readmodel.Store) {
		applier(t, s)(registered(t, "d1", "CONG_VAN", at))
		e := event(t, events.TaskAssigned, "d1", at, events.TaskAssignedData{TaskID: "t1", DocumentID: "d1", Assignee: "chuyenvien1"})
		e.Payload = &events.TaskNoticeData{TaskID: "t1", DocumentID: "d1", Assignee: "chuyenvien1"}
		if err := s.Apply(t.Context(), e); err == nil {
			t.Fatal("a task.assigned carrying a task notice was applied")
		}
		if got := inbox(t, s, "chuyenvien1", at); len(got) != 0 {
			t.Errorf("the refused event left tasks %v", got)
		}
		if d := document(t, s, "d1"); len(d.History) != 1 || d.Status != readmodel.StatusRegistered {
			t.Errorf("the refused event left history %+v, status %s", d.History, d.Status)
		}
	})
}
