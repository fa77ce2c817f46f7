package readmodel_test

import (
	"testing"
	"time"

	events "github.com/docflow/docflow/api/events/v1"
	"github.com/docflow/docflow/services/gateway/internal/readmodel"
	"github.com/docflow/docflow/services/internal/errs"
	"github.com/docflow/docflow/services/internal/testkit"
)

const h49 = "000.00.00.H49"

// arrived is an exchange.arrived for H49 from the test agency.
func arrived(t *testing.T, id, number string, at time.Time) events.Event {
	t.Helper()
	return testkit.Event(t, events.ExchangeArrived, h49, "", at, events.ExchangeArrivedData{
		ArrivalID: id, Agency: h49, FromAgency: agency, FromName: "Văn phòng Chính phủ", EdXMLDocumentID: "edoc-" + id,
		Number: number, Notation: "VPCP-TH", PromulgatedOn: "2026-03-04", Kind: "CONG_VAN", TypeName: "Công văn",
		Subject: "Về việc " + id, Urgency: "KHAN",
		Attachments: []events.Object{{Bucket: "documents", Key: "staging/exchange-" + id + "-1", SHA256: "ab", Size: 10}},
		ReceivedAt:  at,
	})
}

// Arrivals are listed per agency, newest first, once however often they
// come, and are linked to the document their clerk registered them as;
// another agency's arrival is not found.
func TestExchangeArrivals(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, s *readmodel.Store) {
		apply := applier(t, s)
		first, second := "11111111-1111-5111-8111-111111111111", "22222222-2222-5222-8222-222222222222"
		again := arrived(t, first, "7", at)
		apply(again, again, arrived(t, second, "8", at.Add(time.Hour)))
		// The same package delivered again is another event of the same
		// arrival: it changes nothing.
		apply(arrived(t, first, "7", at.Add(2*time.Hour)))

		list, err := s.ExchangeArrivals(t.Context(), h49)
		if err != nil {
			t.Fatal(err)
		}
		if len(list) != 2 || list[0].ID != second || list[1].ID != first {
			t.Fatalf("arrivals %+v, want %s then %s", list, second, first)
		}
		a := list[1]
		if a.Code() != "7/VPCP-TH" || a.FromAgency != agency || a.FromName != "Văn phòng Chính phủ" || a.Kind != "CONG_VAN" ||
			a.PromulgatedOn != "2026-03-04" || !a.ReceivedAt.Equal(at) || len(a.Attachments) != 1 || a.Attachments[0].Key != "staging/exchange-"+first+"-1" {
			t.Errorf("arrival %+v", a)
		}
		if a.DocumentID != "" {
			t.Errorf("unregistered arrival names document %q", a.DocumentID)
		}
		if others, err := s.ExchangeArrivals(t.Context(), agency); err != nil || len(others) != 0 {
			t.Errorf("the sender's arrivals %+v, %v: want none", others, err)
		}
		if _, err := s.ExchangeArrival(t.Context(), agency, first); errs.KindOf(err) != errs.NotFound {
			t.Errorf("another agency reading the arrival: %v, want not found", err)
		}

		// A registration by another agency naming the arrival links nothing.
		apply(testkit.Event(t, events.DocumentReceived, agency, "stray", at.Add(3*time.Hour), events.DocumentReceivedData{
			DocumentID: "stray", Agency: agency, ArrivalNumber: 1, Kind: "CONG_VAN", Subject: "x", ExchangeArrival: first,
		}))
		apply(testkit.Event(t, events.DocumentReceived, h49, "doc-h49", at.Add(4*time.Hour), events.DocumentReceivedData{
			DocumentID: "doc-h49", Agency: h49, ArrivalNumber: 1, Kind: "CONG_VAN", Subject: "x", ExchangeArrival: first,
		}))
		got, err := s.ExchangeArrival(t.Context(), h49, first)
		if err != nil {
			t.Fatal(err)
		}
		if got.DocumentID != "doc-h49" || !got.RegisteredAt.Equal(at.Add(4*time.Hour)) {
			t.Errorf("registered arrival names %q at %v, want doc-h49 at %v", got.DocumentID, got.RegisteredAt, at.Add(4*time.Hour))
		}
	})
}

// statusReceived is H49's receipt code about doc, issued at when.
func statusReceived(t *testing.T, doc, code string, when time.Time) events.Event {
	t.Helper()
	return event(t, events.ExchangeStatusReceived, doc, when.Add(time.Second), events.ExchangeStatusReceivedData{
		DocumentID: doc, Recipient: h49, Code: code, Description: "mô tả " + code, Timestamp: when,
	})
}

// A recipient agency's latest receipt is kept on its recipient row, beside
// the dispatch status; a late older receipt never replaces a newer one, and
// of two issued in the same instant the later step is kept.
func TestRecipientReceipts(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, s *readmodel.Store) {
		apply := applier(t, s)
		apply(
			drafted(t, "out", "NONE", at, events.Recipient{Unit: "tong-hop"}, events.Recipient{Agency: h49}),
			dispatched(t, "out", at.Add(time.Hour),
				events.DispatchedRecipient{Unit: "tong-hop", Status: events.DispatchDelivered},
				events.DispatchedRecipient{Agency: h49, Status: events.DispatchQueued}),
		)
		receiptOf := func() readmodel.Recipient {
			t.Helper()
			for _, r := range document(t, s, "out").Recipients {
				if r.Agency == h49 {
					return r
				}
			}
			t.Fatal("no H49 recipient")
			return readmodel.Recipient{}
		}
		if r := receiptOf(); r.Receipt != "" || !r.ReceiptAt.IsZero() {
			t.Fatalf("receipt before any came: %+v", r)
		}
		t1, t2 := at.Add(2*time.Hour), at.Add(3*time.Hour)
		apply(statusReceived(t, "out", events.ReceiptArrived, t1))
		if r := receiptOf(); r.Receipt != "01" || !r.ReceiptAt.Equal(t1) || r.Status != events.DispatchQueued || r.ReceiptDescription != "mô tả 01" {
			t.Errorf("after 01: %+v", r)
		}
		apply(statusReceived(t, "out", events.ReceiptAssigned, t2), statusReceived(t, "out", events.ReceiptRegistered, t2))
		if r := receiptOf(); r.Receipt != "04" || !r.ReceiptAt.Equal(t2) {
			t.Errorf("after 04 and 03 of the same instant: %+v, want 04", r)
		}
		apply(statusReceived(t, "out", events.ReceiptArrived, t1.Add(time.Minute)))
		if r := receiptOf(); r.Receipt != "04" {
			t.Errorf("a late older 01 replaced 04: %+v", r)
		}
		for _, r := range document(t, s, "out").Recipients {
			if r.Unit == "tong-hop" && r.Receipt != "" {
				t.Errorf("a unit got H49's receipt: %+v", r)
			}
		}
		if h := document(t, s, "out").History; len(h) != 6 {
			t.Errorf("history has %d lines, want 6 (drafted, dispatched, four receipts)", len(h))
		}
	})
}
