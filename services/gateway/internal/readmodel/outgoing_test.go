package readmodel_test

import (
	"testing"
	"time"

	events "github.com/docflow/docflow/api/events/v1"
	"github.com/docflow/docflow/api/vntime"
	"github.com/docflow/docflow/services/gateway/internal/readmodel"
	"github.com/docflow/docflow/services/internal/errs"
)

// Issued documents fill the outgoing register, once each, in issue order;
// secret ones are kept out of it.
func TestOutgoing(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, s *readmodel.Store) {
		ctx := t.Context()
		apply := applier(t, s)
		at := time.Date(2026, 3, 5, 9, 0, 0, 0, vntime.Zone)
		clerk := events.Actor{Username: "vanthu", Role: "clerk", Agency: agency}
		numbered := func(doc, symbol, register string, n int64, when time.Time) events.Event {
			apply(event(t, events.DocumentReceived, doc, when.Add(-time.Hour), events.DocumentReceivedData{
				DocumentID: doc, Agency: agency, ArrivalNumber: n, ArrivalYear: 2026, Kind: "QUYET_DINH", Subject: "Quyết định " + doc,
				Urgency: "THUONG", Confidentiality: "NONE", Original: events.Object{Bucket: "b", Key: "originals/" + doc + ".pdf", SHA256: "ab", Size: 3},
				By: clerk,
			}))
			apply(event(t, events.DocumentSigned, doc, when.Add(-time.Minute), events.DocumentSignedData{
				DocumentID: doc, Signed: events.Object{Bucket: "b", Key: "signed/" + doc + ".pdf", SHA256: "ef", Size: 5}, Signer: "lanhdao",
				Level: "B-LT", SignedAt: when.Add(-time.Minute),
			}))
			if d, err := s.Document(ctx, anyReader(agency), doc); err != nil || d.WaitingFor != readmodel.WaitingForClerks {
				t.Fatalf("signed %s waits for %q (%v), want the clerks", doc, d.WaitingFor, err)
			}
			return event(t, events.DocumentNumbered, doc, when, events.DocumentNumberedData{
				DocumentID: doc, WorkflowID: "approval-" + doc, Number: n, Symbol: symbol, Register: register, Year: 2026,
				Kind: "QUYET_DINH", Subject: "Quyết định " + doc, Signer: "lanhdao",
				Sealed: events.Object{Bucket: "b", Key: "sealed/" + doc + ".pdf", SHA256: "cd", Size: 9}, By: clerk, IssuedAt: when,
			})
		}
		second := numbered("d2", "02/QĐ-VPCP", "outgoing", 2, at.Add(2*time.Hour))
		first := numbered("d1", "01/QĐ-VPCP", "outgoing", 1, at)
		secret := numbered("d3", "01/QĐ-VPCP", "outgoing/secret", 1, at.Add(time.Hour))
		for _, e := range []events.Event{second, first, secret, first} {
			apply(e)
		}

		if _, err := s.IssuedDocument(ctx, agency, "d4"); errs.KindOf(err) != errs.NotFound {
			t.Fatalf("a document never issued: %v, want not found", err)
		}
		got, err := s.IssuedDocument(ctx, agency, "d1")
		if err != nil || got.Symbol != "01/QĐ-VPCP" || got.Sealed.Key != "sealed/d1.pdf" || got.IssuedBy != "vanthu" || !got.IssuedAt.Equal(at) {
			t.Fatalf("issued d1: %+v, %v", got, err)
		}
		rows, err := s.Outgoing(ctx, anyReader(agency), 2026, time.Date(2026, 1, 1, 0, 0, 0, 0, vntime.Zone), time.Date(2027, 1, 1, 0, 0, 0, 0, vntime.Zone))
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) != 2 || rows[0].DocumentID != "d1" || rows[1].DocumentID != "d2" || rows[0].Signer != "lanhdao" {
			t.Fatalf("outgoing register %+v, want d1 then d2 (the secret d3 kept out, d1 once)", rows)
		}
		doc, err := s.Document(ctx, anyReader(agency), "d1")
		if err != nil {
			t.Fatal(err)
		}
		if doc.WaitingFor != "" {
			t.Fatalf("issued d1 still waits for %q", doc.WaitingFor)
		}
		last := doc.History[len(doc.History)-1]
		if last.Type != string(events.DocumentNumbered) || last.Actor != "vanthu" {
			t.Fatalf("history %+v, want the issue by the clerk", last)
		}
	})
}
