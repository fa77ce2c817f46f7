package readmodel_test

import (
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/docflow/docflow/api/errcode"
	events "github.com/docflow/docflow/api/events/v1"
	"github.com/docflow/docflow/api/vntime"
	"github.com/docflow/docflow/services/gateway/internal/readmodel"
	"github.com/docflow/docflow/services/internal/errs"
)

// drafted is the document.drafted of an outgoing document at the given
// confidentiality, addressed to recipients.
func drafted(t *testing.T, doc, confidentiality string, at time.Time, recipients ...events.Recipient) events.Event {
	t.Helper()
	return event(t, events.DocumentDrafted, doc, at, events.DocumentDraftedData{
		DocumentID: doc, Agency: agency, Kind: "CONG_VAN", Subject: "Về việc " + doc, Urgency: "KHAN", Confidentiality: confidentiality,
		DraftedAt: at, By: events.Actor{Username: "chuyenvien1", Role: "official", Agency: agency}, Unit: "tong-hop", Recipients: recipients,
	})
}

func dispatched(t *testing.T, doc string, at time.Time, recipients ...events.DispatchedRecipient) events.Event {
	t.Helper()
	return event(t, events.DocumentDispatched, doc, at, events.DocumentDispatchedData{
		DocumentID: doc, Agency: agency, By: events.Actor{Username: "vanthu", Role: "clerk", Agency: agency}, At: at, Recipients: recipients,
	})
}

// statuses are the recipients' statuses of doc, by unit or agency.
func statuses(t *testing.T, s *readmodel.Store, doc string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, r := range document(t, s, doc).Recipients {
		out[r.Unit+r.Agency] = r.Status
	}
	return out
}

// A dispatch moves each recipient it names, once: the people of a unit it
// was delivered to get a read item in their inbox (no deadline, never
// overdue, the document not waiting for them) and may read the document,
// a secret one too; a late event never takes a delivery back.
func TestDispatchProjection(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, s *readmodel.Store) {
		apply := applier(t, s)
		at := time.Date(2026, 3, 9, 9, 0, 0, 0, vntime.Zone)
		apply(
			drafted(t, "mat", "MAT", at, events.Recipient{Unit: "tong-hop"}, events.Recipient{Unit: "hanh-chinh"}, events.Recipient{Agency: "000.00.00.H49"}),
			drafted(t, "plain", "NONE", at, events.Recipient{Agency: "000.00.00.H49"}),
			// An approval still open on the document: it waits for lanhdao only.
			event(t, events.TaskAssigned, "mat", at.Add(time.Minute), events.TaskAssignedData{
				TaskID: "t-lanhdao", DocumentID: "mat", Assignee: "lanhdao", Kind: "CONG_VAN", Urgency: "KHAN",
				AssignedAt: at.Add(time.Minute), Deadline: at.AddDate(0, 0, 3),
			}),
		)
		official := readmodel.Reader{Username: "chuyenvien2", Role: "official", Agency: agency, Now: at}
		if _, err := s.Document(t.Context(), official, "mat"); errs.KindOf(err) != errs.NotFound {
			t.Fatalf("chuyenvien2 reading the secret draft before its dispatch: %v, want not found", err)
		}

		first := dispatched(t, "mat", at.Add(time.Hour),
			events.DispatchedRecipient{Unit: "tong-hop", Status: events.DispatchDelivered, Readers: []string{"chuyenvien1", "chuyenvien2"}},
			events.DispatchedRecipient{Unit: "hanh-chinh", Status: events.DispatchFailed, Reason: "not_found"},
			events.DispatchedRecipient{Agency: "000.00.00.H49", Status: events.DispatchRefused, Reason: string(errcode.Confidential)},
		)
		apply(first, first, dispatched(t, "plain", at.Add(time.Hour), events.DispatchedRecipient{Agency: "000.00.00.H49", Status: events.DispatchQueued}))

		if got, want := statuses(t, s, "mat"), map[string]string{"tong-hop": "delivered", "hanh-chinh": "failed", "000.00.00.H49": "refused"}; !maps.Equal(got, want) {
			t.Errorf("recipients of mat %v, want %v", got, want)
		}
		if got := statuses(t, s, "plain"); got["000.00.00.H49"] != "queued" {
			t.Errorf("recipients of plain %v, want the agency queued", got)
		}
		d := document(t, s, "mat")
		last := d.History[len(d.History)-1]
		for _, want := range []string{"Đã gửi văn bản đến tong-hop", "Không gửi điện tử đến 000.00.00.H49 (văn bản mật)", "Chưa gửi được đến hanh-chinh (not_found)"} {
			if !strings.Contains(last.Summary, want) || last.Actor != "vanthu" {
				t.Errorf("history line %+v, want it to say %q, by vanthu", last, want)
			}
		}
		if len(d.History) != 3 {
			t.Errorf("history %+v, want the draft, the task and one dispatch line", d.History)
		}
		if !d.UpdatedAt.Equal(at.Add(time.Hour)) {
			t.Errorf("updated at %v, want the dispatch's time", d.UpdatedAt)
		}

		later := at.AddDate(1, 0, 0)
		for _, who := range []string{"chuyenvien1", "chuyenvien2"} {
			tasks, _, err := s.Inbox(t.Context(), readmodel.InboxQuery{Agency: agency, Assignee: who, Now: later})
			if err != nil {
				t.Fatal(err)
			}
			if len(tasks) != 1 {
				t.Fatalf("inbox of %s: %+v, want the one read item", who, tasks)
			}
			task := tasks[0]
			if task.ID != readmodel.ReadTaskID("mat", who) || task.TaskKind != events.TaskKindRead || task.HasDeadline() || task.Overdue ||
				task.Subject != "Về việc mat" || task.Urgency != "KHAN" || !slices.Equal(task.WaitingFor, []string{"lanhdao"}) {
				t.Errorf("read item of %s: %+v", who, task)
			}
			overdue, _, err := s.Inbox(t.Context(), readmodel.InboxQuery{Agency: agency, Assignee: who, Now: later, Overdue: true})
			if err != nil || len(overdue) != 0 {
				t.Errorf("overdue items of %s: %+v %v, want none", who, overdue, err)
			}
		}
		if _, err := s.Document(t.Context(), official, "mat"); err != nil {
			t.Errorf("chuyenvien2 reading the secret document delivered to their unit: %v", err)
		}

		// The approval's decision leaves the document waiting for nobody:
		// the read items ask nothing.
		apply(event(t, events.TaskDecided, "mat", at.Add(2*time.Hour), events.TaskDecidedData{
			TaskID: "t-lanhdao", DocumentID: "mat", Decision: "approve", DecidedAt: at.Add(2 * time.Hour),
		}))
		if d := document(t, s, "mat"); d.WaitingFor != "" {
			t.Errorf("the document waits for %q after its last decision, want nobody", d.WaitingFor)
		}

		// The next dispatch reaches the unit that failed; a late failure of
		// the unit delivered before changes nothing.
		apply(dispatched(t, "mat", at.Add(3*time.Hour),
			events.DispatchedRecipient{Unit: "hanh-chinh", Status: events.DispatchDelivered, Readers: []string{"lanhdao", "chuyenvien1"}},
			events.DispatchedRecipient{Unit: "tong-hop", Status: events.DispatchFailed, Reason: "unavailable"},
		))
		if got, want := statuses(t, s, "mat"), map[string]string{"tong-hop": "delivered", "hanh-chinh": "delivered", "000.00.00.H49": "refused"}; !maps.Equal(got, want) {
			t.Errorf("recipients of mat after the second dispatch %v, want %v", got, want)
		}
		if got := inbox(t, s, "lanhdao", later); !slices.Equal(got, []string{readmodel.ReadTaskID("mat", "lanhdao")}) {
			t.Errorf("inbox of lanhdao %v, want the read item", got)
		}
		// chuyenvien1 is in both units: one read item.
		if got := inbox(t, s, "chuyenvien1", later); len(got) != 1 {
			t.Errorf("inbox of chuyenvien1 %v, want one read item", got)
		}
	})
}
