package readmodel_test

import (
	"cmp"
	"encoding/base64"
	"fmt"
	"reflect"
	"slices"
	"testing"
	"time"

	events "github.com/docflow/docflow/api/events/v1"
	"github.com/docflow/docflow/services/gateway/internal/readmodel"
	"github.com/docflow/docflow/services/internal/errs"
)

// inboxNow is the clock of the inbox tests: some deadlines are before it.
var inboxNow = time.Date(2026, 3, 10, 9, 0, 0, 0, time.UTC)

var (
	inboxUsers     = []string{"chuyenvien1", "chuyenvien2", "lanhdao"}
	inboxKinds     = []string{"CONG_VAN", "QUYET_DINH", "TO_TRINH"}
	inboxUrgencies = []string{"THUONG", "KHAN", "THUONG", "THUONG_KHAN", "HOA_TOC"}
	inboxIssuers   = []string{"000.00.00.G09", "000.00.00.G12", ""}
)

// inboxStream is the stream of events of 60 documents as the consumer
// receives it, with redeliveries: each document is received and assigned;
// every fifth is also assigned to a second person (a parallel step), and
// every seventh is decided. It returns the stream and the tasks it leaves
// open.
func inboxStream(t *testing.T) ([]events.Event, []readmodel.Task) {
	t.Helper()
	base := time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)
	var (
		stream []events.Event
		open   []readmodel.Task
	)
	for i := range 60 {
		doc := fmt.Sprintf("doc-%02d", i)
		kind, urgency, issuer := inboxKinds[i%len(inboxKinds)], inboxUrgencies[i%len(inboxUrgencies)], inboxIssuers[i%len(inboxIssuers)]
		at := base.Add(time.Duration(i) * time.Hour)
		received := event(t, events.DocumentReceived, doc, at, events.DocumentReceivedData{
			DocumentID: doc, Agency: agency, ArrivalNumber: int64(i + 1), ArrivalYear: 2026, Kind: kind, Subject: "Về việc " + doc,
			Urgency: urgency, Confidentiality: "NONE", IssuerID: issuer,
		})
		stream = append(stream, received)
		assignees := []string{inboxUsers[i%len(inboxUsers)]}
		if i%5 == 0 {
			assignees = append(assignees, inboxUsers[(i+1)%len(inboxUsers)])
		}
		for j, who := range assignees {
			task := readmodel.Task{
				ID: fmt.Sprintf("task-%02d-%d", i, j), DocumentID: doc, WorkflowID: "approval-" + doc, Agency: agency, Assignee: who,
				Subject: "Về việc " + doc, Kind: kind, Urgency: urgency, IssuerID: issuer, Status: "open",
				AssignedAt: at.Add(time.Duration(j+1) * time.Minute),
				// Deadlines repeat across documents, so every sort needs
				// its tie-breaker; a third of them are past inboxNow.
				Deadline: base.Add(time.Duration(i%12) * 24 * time.Hour),
			}
			e := event(t, events.TaskAssigned, doc, task.AssignedAt, events.TaskAssignedData{
				TaskID: task.ID, DocumentID: doc, WorkflowID: task.WorkflowID, Assignee: who, Subject: task.Subject,
				Kind: kind, Urgency: urgency, AssignedAt: task.AssignedAt, Deadline: task.Deadline,
			})
			stream = append(stream, e)
			if i%4 == 0 {
				stream = append(stream, e) // redelivered
			}
			if i%7 == 0 && j == 0 {
				stream = append(stream, event(t, events.TaskDecided, doc, at.Add(time.Hour), events.TaskDecidedData{
					TaskID: task.ID, DocumentID: doc, Decision: "approve", DecidedAt: at.Add(time.Hour),
				}))
				continue
			}
			open = append(open, task)
		}
	}
	for i := range open {
		for _, o := range open {
			if o.DocumentID == open[i].DocumentID {
				open[i].WaitingFor = append(open[i].WaitingFor, o.Assignee)
			}
		}
		open[i].Overdue = open[i].Deadline.Before(inboxNow)
	}
	return stream, open
}

func urgencyRank(u string) int {
	return map[string]int{"HOA_TOC": 0, "THUONG_KHAN": 1, "KHAN": 2, "THUONG": 3}[u]
}

// inboxOrder is what each sort promises a person, written out.
var inboxOrder = map[string]func(a, b readmodel.Task) int{
	readmodel.SortDeadline: func(a, b readmodel.Task) int {
		return cmp.Or(a.Deadline.Compare(b.Deadline), cmp.Compare(a.ID, b.ID))
	},
	readmodel.SortDeadlineDesc: func(a, b readmodel.Task) int {
		return cmp.Or(b.Deadline.Compare(a.Deadline), cmp.Compare(b.ID, a.ID))
	},
	readmodel.SortAssignedAt: func(a, b readmodel.Task) int {
		return cmp.Or(a.AssignedAt.Compare(b.AssignedAt), cmp.Compare(a.ID, b.ID))
	},
	readmodel.SortAssignedAtDesc: func(a, b readmodel.Task) int {
		return cmp.Or(b.AssignedAt.Compare(a.AssignedAt), cmp.Compare(b.ID, a.ID))
	},
	readmodel.SortUrgency: func(a, b readmodel.Task) int {
		return cmp.Or(cmp.Compare(urgencyRank(a.Urgency), urgencyRank(b.Urgency)), a.Deadline.Compare(b.Deadline), cmp.Compare(a.ID, b.ID))
	},
}

// inboxFilters are the filters a person combines.
var inboxFilters = []struct {
	name  string
	set   func(*readmodel.InboxQuery)
	keeps func(readmodel.Task) bool
}{
	{"everything", func(*readmodel.InboxQuery) {}, func(readmodel.Task) bool { return true }},
	{"overdue", func(q *readmodel.InboxQuery) { q.Overdue = true }, func(t readmodel.Task) bool { return t.Deadline.Before(inboxNow) }},
	{"urgent", func(q *readmodel.InboxQuery) { q.Urgent = true }, func(t readmodel.Task) bool { return t.Urgency != "THUONG" }},
	{"kind", func(q *readmodel.InboxQuery) { q.Kind = "QUYET_DINH" }, func(t readmodel.Task) bool { return t.Kind == "QUYET_DINH" }},
	{"agency", func(q *readmodel.InboxQuery) { q.IssuerID = "000.00.00.G09" }, func(t readmodel.Task) bool { return t.IssuerID == "000.00.00.G09" }},
	{"urgent and overdue from an agency", func(q *readmodel.InboxQuery) { q.Urgent, q.Overdue, q.IssuerID = true, true, "000.00.00.G12" },
		func(t readmodel.Task) bool {
			return t.Urgency != "THUONG" && t.Deadline.Before(inboxNow) && t.IssuerID == "000.00.00.G12"
		}},
}

// pageThrough reads every page of an inbox.
func pageThrough(t *testing.T, s *readmodel.Store, q readmodel.InboxQuery) []readmodel.Task {
	t.Helper()
	var all []readmodel.Task
	for pages := 0; ; pages++ {
		if pages > 100 {
			t.Fatalf("%+v: paging does not end", q)
		}
		tasks, next, err := s.Inbox(t.Context(), q)
		if err != nil {
			t.Fatalf("%+v: %v", q, err)
		}
		if len(tasks) > q.PageSize {
			t.Fatalf("%+v: a page of %d tasks", q, len(tasks))
		}
		all = append(all, tasks...)
		if next == "" {
			return all
		}
		q.PageToken = next
	}
}

func ids(tasks []readmodel.Task) []string {
	out := make([]string, len(tasks))
	for i, t := range tasks {
		out[i] = t.ID
	}
	return out
}

// Every filter under every sort lists exactly a person's matching open
// tasks, in the sort's order, across pages.
func TestInboxFiltersAndSorts(t *testing.T) {
	t.Parallel()
	stream, open := inboxStream(t)
	eachStore(t, func(t *testing.T, s *readmodel.Store) {
		applier(t, s)(stream...)
		for _, user := range inboxUsers {
			for sort, order := range inboxOrder {
				for _, f := range inboxFilters {
					q := readmodel.InboxQuery{Agency: agency, Assignee: user, Sort: sort, PageSize: 4, Now: inboxNow}
					f.set(&q)
					var want []readmodel.Task
					for _, task := range open {
						if task.Assignee == user && f.keeps(task) {
							want = append(want, task)
						}
					}
					slices.SortFunc(want, order)
					got := pageThrough(t, s, q)
					if !slices.Equal(ids(got), ids(want)) {
						t.Errorf("%s, sorted by %s, %s: %v, want %v", user, sort, f.name, ids(got), ids(want))
						continue
					}
					for i := range got {
						g, w := got[i], want[i]
						if !g.Deadline.Equal(w.Deadline) || !g.AssignedAt.Equal(w.AssignedAt) || g.Overdue != w.Overdue ||
							!slices.Equal(g.WaitingFor, w.WaitingFor) || g.IssuerID != w.IssuerID || g.Urgency != w.Urgency {
							t.Errorf("%s: task %+v, want %+v", user, g, w)
						}
					}
				}
			}
		}
	})
}

func TestInboxRefusesWhatItDidNotIssue(t *testing.T) {
	t.Parallel()
	stream, _ := inboxStream(t)
	eachStore(t, func(t *testing.T, s *readmodel.Store) {
		applier(t, s)(stream...)
		q := readmodel.InboxQuery{Agency: agency, Assignee: "chuyenvien1", PageSize: 2, Now: inboxNow}
		_, next, err := s.Inbox(t.Context(), q)
		if err != nil || next == "" {
			t.Fatalf("first page: next %q, %v", next, err)
		}
		tests := []struct {
			name string
			q    readmodel.InboxQuery
		}{
			{"a token of another sort", readmodel.InboxQuery{Sort: readmodel.SortUrgency, PageToken: next}},
			{"a token that is not base64", readmodel.InboxQuery{PageToken: "%%%"}},
			{"a token with a made-up rank", readmodel.InboxQuery{Sort: readmodel.SortUrgency, PageToken: base64.RawURLEncoding.EncodeToString([]byte("urgency|x|2026-03-02T08:00:00.000000000Z|task-00-0"))}},
			{"an unknown sort", readmodel.InboxQuery{Sort: "subject"}},
		}
		for _, tt := range tests {
			tt.q.Agency, tt.q.Assignee, tt.q.Now = agency, "chuyenvien1", inboxNow
			if _, _, err := s.Inbox(t.Context(), tt.q); errs.KindOf(err) != errs.Invalid {
				t.Errorf("%s: %v, want an invalid argument", tt.name, err)
			}
		}
	})
}

// The read model rebuilt from the recorded stream, on an empty database of
// either kind, shows everyone the same inbox and the same documents as the
// one that followed the stream live, redeliveries included.
func TestInboxRebuiltFromTheStream(t *testing.T) {
	t.Parallel()
	delivered, _ := inboxStream(t)
	dbs := stores(t)
	live := dbs["sqlite"]
	applier(t, live)(delivered...)
	// The stream keeps each event once, whatever the consumer was handed.
	var recorded []events.Event
	for _, e := range delivered {
		if !slices.ContainsFunc(recorded, func(r events.Event) bool { return r.ID == e.ID }) {
			recorded = append(recorded, e)
		}
	}
	if len(recorded) == len(delivered) {
		t.Fatal("the delivered stream has no redeliveries")
	}
	rebuilt := map[string]*readmodel.Store{"sqlite": stores(t)["sqlite"], "postgres": dbs["postgres"]}
	for name, s := range rebuilt {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			applier(t, s)(recorded...)
			for _, user := range inboxUsers {
				for sort := range inboxOrder {
					for _, f := range inboxFilters {
						q := readmodel.InboxQuery{Agency: agency, Assignee: user, Sort: sort, PageSize: 5, Now: inboxNow}
						f.set(&q)
						want, got := pageThrough(t, live, q), pageThrough(t, s, q)
						if len(want) == 0 && f.name == "everything" {
							t.Fatalf("%s has an empty inbox: the stream proves nothing", user)
						}
						if !reflect.DeepEqual(got, want) {
							t.Errorf("%s, %s, %s: rebuilt %v, live %v", user, sort, f.name, ids(got), ids(want))
						}
					}
				}
			}
			for i := range 60 {
				doc := fmt.Sprintf("doc-%02d", i)
				want, err := live.Document(t.Context(), anyReader(agency), doc)
				if err != nil {
					t.Fatal(err)
				}
				got, err := s.Document(t.Context(), anyReader(agency), doc)
				if err != nil {
					t.Fatal(err)
				}
				if !reflect.DeepEqual(got, want) {
					t.Errorf("document %s rebuilt %+v, live %+v", doc, got, want)
				}
			}
		})
	}
}
