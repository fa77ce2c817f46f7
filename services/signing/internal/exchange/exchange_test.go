package exchange_test

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	events "github.com/docflow/docflow/api/events/v1"
	"github.com/docflow/docflow/api/vntime"
	"github.com/docflow/docflow/services/internal/edxml"
	"github.com/docflow/docflow/services/internal/testkit"
	"github.com/docflow/docflow/services/signing/internal/exchange"
)

// dispatch publishes G22's dispatch of a sealed PDF to H49 and returns the
// document id and the PDF.
func dispatch(t *testing.T, w *world) (string, []byte) {
	t.Helper()
	doc := uuid.NewString()
	pdf := testkit.TextPDF("Công văn số 12/VPCP-TH về việc báo cáo tình hình " + doc)
	sealed := w.put(t, "sealed/"+doc+".pdf", pdf)
	issued := time.Date(2026, 3, 5, 9, 30, 0, 0, vntime.Zone)
	w.publish(t, "dispatch-"+doc, events.DocumentDispatched, g22, doc, events.DocumentDispatchedData{
		DocumentID: doc, Agency: g22, By: events.Actor{Username: "vanthu", Role: "clerk", Agency: g22}, At: issued.Add(time.Hour),
		Recipients: []events.DispatchedRecipient{
			{Unit: "tong-hop", Status: events.DispatchDelivered, Readers: []string{"chuyenvien1"}},
			{Agency: h49, Status: events.DispatchQueued},
		},
		Issued: &events.DispatchedDocument{
			Kind: "CONG_VAN", Subject: "Về việc báo cáo tình hình quý I", Urgency: "KHAN", Number: 12, Symbol: "12/VPCP-TH",
			IssuedAt: issued, Sealed: sealed, Signer: "lanhdao",
		},
	})
	return doc, pdf
}

func statusesAt(t *testing.T, w *world, doc string) []string {
	var codes []string
	for _, s := range decoded[events.ExchangeStatusReceivedData](t, w.js, events.EventSubject(g22, events.ExchangeStatusReceived)) {
		if s.DocumentID == doc {
			codes = append(codes, s.Code)
		}
	}
	return codes
}

func TestSendReceiveAndReceipts(t *testing.T) {
	w := newWorld(t)
	doc, pdf := dispatch(t, w)

	// The package G22 sent verifies at H49 and says what was issued.
	edoc := events.ExchangeSubject(h49, g22, events.ExchangeDocument)
	eventually(t, "the package on "+edoc, func() bool { return len(packages(t, w.js, edoc)) == 1 })
	roots, err := w.keys.Trust(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	pkg, err := edxml.Parse(packages(t, w.js, edoc)[0], edxml.VerifyOptions{Roots: roots, Recipient: h49})
	if err != nil {
		t.Fatalf("the package sent does not verify: %v", err)
	}
	m := pkg.Message
	if m.From.OrganID != g22 || m.Code != (edxml.Code{Number: "12", Notation: "VPCP-TH"}) || m.Subject != "Về việc báo cáo tình hình quý I" ||
		m.DocumentType.TypeName != "Công văn" || m.Other.Priority != edxml.PriorityUrgent || m.Promulgation.Place != "Hà Nội" ||
		m.Signer.FullName == "" || m.DocumentID != "000.00.00.G22,2026/03/05,12/VPCP-TH" {
		t.Errorf("package header = %+v", m)
	}
	if len(m.Attachments) != 1 || !bytes.Equal(m.Attachments[0].Data, pdf) {
		t.Fatalf("the package does not carry the sealed PDF as it is")
	}

	// H49 announces the arrival with the PDF stored byte for byte, and G22
	// hears 01.
	arrivedAt := events.EventSubject(h49, events.ExchangeArrived)
	eventually(t, "exchange.arrived", func() bool { return len(testkit.Published(t, w.js, arrivedAt)) == 1 })
	a := decoded[events.ExchangeArrivedData](t, w.js, arrivedAt)[0]
	if a.ArrivalID != exchange.ArrivalID(h49, m.DocumentID) || a.FromAgency != g22 || a.Kind != "CONG_VAN" || a.Urgency != "KHAN" ||
		a.PromulgatedOn != "2026-03-05" || a.Number != "12" || a.Notation != "VPCP-TH" || a.EdXMLDocumentID != m.DocumentID {
		t.Errorf("exchange.arrived = %+v", a)
	}
	if len(a.Attachments) != 1 || !bytes.Equal(w.read(t, a.Attachments[0]), pdf) || !strings.HasPrefix(a.Attachments[0].Key, "staging/") {
		t.Fatalf("the stored attachment is not the PDF sent: %+v", a.Attachments)
	}
	eventually(t, "status 01 at G22", func() bool { return slices.Equal(statusesAt(t, w, doc), []string{"01"}) })

	// Registration and handling at H49 give 03 to 06.
	handled := uuid.NewString()
	received := events.DocumentReceivedData{
		DocumentID: handled, Agency: h49, ArrivalNumber: 1, ArrivalYear: 2026, Kind: "CONG_VAN", Subject: a.Subject,
		Urgency: a.Urgency, Confidentiality: "NONE", Original: a.Attachments[0], ReceivedAt: time.Now(),
		By: events.Actor{Username: "vanthu", Role: "clerk", Agency: h49}, ExchangeArrival: a.ArrivalID,
	}
	handling := func(status string) events.HandlingData {
		return events.HandlingData{DocumentID: handled, WorkflowID: "handling-" + handled, SenderAgency: g22, Status: status,
			LeadUnit: "tong-hop", LeadPerson: "chuyenvien1", Deadline: time.Now().AddDate(0, 0, 7),
			By: events.Actor{Username: "lanhdao", Role: "leader", Agency: h49}, At: time.Now()}
	}
	emit := func(round int) {
		w.publish(t, fmt.Sprintf("received-%s-%d", handled, round), events.DocumentReceived, h49, handled, received)
		for _, s := range []struct {
			typ  events.Type
			code string
		}{{events.HandlingAssigned, "04"}, {events.HandlingStarted, "05"}, {events.HandlingCompleted, "06"}} {
			w.publish(t, fmt.Sprintf("%s-%s-%d", s.code, handled, round), s.typ, h49, handled, handling(s.code))
		}
	}
	emit(1)
	want := []string{"01", "03", "04", "05", "06"}
	eventually(t, "statuses 01, 03-06 at G22", func() bool { return slices.Equal(statusesAt(t, w, doc), want) })

	// The same events again (new ids, as a redelivery after the dedup
	// window) and the same dispatch again send nothing twice.
	emit(2)
	w.publish(t, "dispatch-again-"+doc, events.DocumentDispatched, g22, doc, testkit.Published(t, w.js, events.EventSubject(g22, events.DocumentDispatched))[0].Data)
	time.Sleep(2 * time.Second)
	statusSubject := events.ExchangeSubject(g22, h49, events.ExchangeStatus)
	if n := len(packages(t, w.js, statusSubject)); n != len(want) {
		t.Errorf("%d status packages sent to G22; want %d, each once", n, len(want))
	}
	if n := len(packages(t, w.js, edoc)); n != 1 {
		t.Errorf("%d document packages sent to H49; want 1", n)
	}
	if got := statusesAt(t, w, doc); !slices.Equal(got, want) {
		t.Errorf("statuses at G22 = %v, want %v", got, want)
	}
}
