package tests

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	httpapi "github.com/docflow/docflow/api/http/v1"
	"github.com/docflow/docflow/api/vntime"
	"github.com/docflow/docflow/services/stack/stacktest"
)

// The exchange between the desks of two agencies hosted by one
// installation: G22 drafts, signs, issues and dispatches a plan to H49;
// H49's clerk finds the arrival and registers it, and its leader assigns
// it for handling. G22's document shows H49's latest receipt after each
// step: 01 on arrival, 03 once registered, 04, 05 and 06 as it is handled.
// Neither agency sees the other's side.
func TestExchangeBetweenDesks(t *testing.T) {
	t.Parallel()
	st, _ := stacktest.Start(t, nil)
	ctx := t.Context()
	clerk, official, drafter, leader := login(t, st, "vanthu"), login(t, st, "chuyenvien1"), login(t, st, "chuyenvien2"), login(t, st, "lanhdao")
	qnClerk, qnOfficial, qnLeader := login(t, st, "qn.vanthu"), login(t, st, "qn.chuyenvien"), login(t, st, "qn.lanhdao")

	const subject = "Kế hoạch phối hợp liên thông văn bản"
	meta := draft("KE_HOACH", subject)
	meta["recipients"] = []map[string]string{{"agency": "000.00.00.H49"}}
	created := submit(t, drafter, stacktest.TextPDF("Ke hoach phoi hop lien thong"), meta)
	task := awaitTask(t, official, created.ID, "chuyenvien1")
	if r, err := official.client.DecideTaskWithResponse(ctx, task.ID, httpapi.DecisionRequest{Decision: httpapi.DecisionApprove}); err != nil || r.JSON200 == nil {
		t.Fatalf("approve: %v %v", err, r)
	}
	signAll(t, leader, created.ID)
	issued := issueAll(t, clerk, created.ID)[created.ID]
	if sent := dispatch(t, clerk, created.ID, http.StatusOK); sent["000.00.00.H49"].Status != httpapi.RecipientStatusQueued {
		t.Fatalf("dispatch outcomes %+v, want H49 queued", sent)
	}

	// receiptIs waits until G22's document shows H49's latest receipt code.
	receiptIs := func(code httpapi.ExchangeReceipt) {
		t.Helper()
		eventually(t, "H49's receipt "+string(code)+" on G22's document", 2*time.Minute, func() error {
			r, err := clerk.client.GetDocumentWithResponse(ctx, created.ID)
			if err != nil || r.JSON200 == nil {
				return fmt.Errorf("document: %w (%v)", err, r)
			}
			for _, rc := range r.JSON200.Recipients {
				if rc.Agency != "000.00.00.H49" {
					continue
				}
				if rc.Receipt != code || rc.ReceiptAt == nil || rc.Status != httpapi.RecipientStatusQueued {
					return fmt.Errorf("H49's row %+v", rc)
				}
				return nil
			}
			return fmt.Errorf("no H49 recipient in %+v", r.JSON200.Recipients)
		})
	}
	receiptIs(httpapi.ExchangeReceiptN01)

	// H49's clerk finds the arrival with what the package says of it.
	var arrival httpapi.ExchangeArrival
	eventually(t, "the arrival at H49", time.Minute, func() error {
		r, err := qnClerk.client.ListExchangeArrivalsWithResponse(ctx)
		if err != nil || r.JSON200 == nil {
			return fmt.Errorf("arrivals: %w (%v)", err, r)
		}
		for _, a := range r.JSON200.Items {
			if a.Subject == subject {
				arrival = a
				return nil
			}
		}
		return fmt.Errorf("not among %d arrivals", len(r.JSON200.Items))
	})
	if arrival.FromAgency != "000.00.00.G22" || arrival.Code != issued.Symbol || arrival.Kind != "KE_HOACH" || arrival.Registered ||
		arrival.PromulgatedOn != issued.IssuedAt.In(vntime.Zone).Format(time.DateOnly) {
		t.Fatalf("arrival %+v, want G22's %s, unregistered", arrival, issued.Symbol)
	}
	// Only H49's clerk may list or register it; G22 does not see it.
	if r, err := qnLeader.client.ListExchangeArrivalsWithResponse(ctx); err != nil || r.StatusCode() != http.StatusForbidden {
		t.Fatalf("H49's leader listing arrivals: %v %v", err, r.Status())
	}
	if r, err := clerk.client.ListExchangeArrivalsWithResponse(ctx); err != nil || r.JSON200 == nil || len(r.JSON200.Items) != 0 {
		t.Fatalf("G22's clerk listing arrivals: %v %v", err, r)
	}
	for _, s := range []*session{clerk, qnOfficial} {
		r, err := s.client.RegisterExchangeArrivalWithResponse(ctx, arrival.ID)
		if err != nil {
			t.Fatal(err)
		}
		want, code := http.StatusNotFound, httpapi.ErrorCodeNotFound
		if s == qnOfficial {
			want, code = http.StatusForbidden, httpapi.ErrorCodeForbidden
		}
		wantError(t, s.user+" registering H49's arrival", r.StatusCode(), r.Body, want, code)
	}

	reg, err := qnClerk.client.RegisterExchangeArrivalWithResponse(ctx, arrival.ID)
	if err != nil {
		t.Fatal(err)
	}
	if reg.JSON201 == nil || reg.JSON201.Status != httpapi.DocumentStatusRegistered || reg.JSON201.ArrivalNumber < 1 {
		t.Fatalf("registration: %s %s", reg.Status(), reg.Body)
	}
	incoming := reg.JSON201.ID
	receiptIs(httpapi.ExchangeReceiptN03)

	// Registered: listed with its document, refused a second time.
	eventually(t, "the arrival registered", time.Minute, func() error {
		r, err := qnClerk.client.ListExchangeArrivalsWithResponse(ctx)
		if err != nil || r.JSON200 == nil {
			return fmt.Errorf("arrivals: %w (%v)", err, r)
		}
		for _, a := range r.JSON200.Items {
			if a.ID == arrival.ID && a.Registered && a.DocumentID == incoming {
				return nil
			}
		}
		return fmt.Errorf("not registered as %s in %+v", incoming, r.JSON200.Items)
	})
	again, err := qnClerk.client.RegisterExchangeArrivalWithResponse(ctx, arrival.ID)
	if err != nil {
		t.Fatal(err)
	}
	wantError(t, "a second registration", again.StatusCode(), again.Body, http.StatusConflict, httpapi.ErrorCodeConflict)

	// H49's incoming document says what the package said of itself.
	doc, err := qnClerk.client.GetDocumentWithResponse(ctx, incoming)
	if err != nil || doc.JSON200 == nil {
		t.Fatalf("H49's document: %v %v", err, doc)
	}
	if d := doc.JSON200; d.Direction != httpapi.DirectionIncoming || d.Kind != "KE_HOACH" || d.Subject != subject ||
		d.IssuerID != "000.00.00.G22" || d.Symbol != issued.Symbol {
		t.Fatalf("H49's document %+v", d)
	}

	// H49's leader assigns it; the lead reports progress, then completes it.
	assign := awaitTask(t, qnLeader, incoming, "qn.lanhdao")
	decide := func(s *session, task httpapi.Task, req httpapi.DecisionRequest) {
		t.Helper()
		r, err := s.client.DecideTaskWithResponse(ctx, task.ID, req)
		if err != nil || r.JSON200 == nil {
			t.Fatalf("%s deciding %s: %v %s", s.user, req.Decision, err, r.Body)
		}
	}
	decide(qnLeader, assign, httpapi.DecisionRequest{
		Decision: httpapi.DecisionAssign, Comment: "Phòng Tổng hợp chủ trì",
		Assignment: httpapi.Assignment{Lead: httpapi.HandlingPerson{Unit: "tong-hop", Username: "qn.chuyenvien"}, DeadlineWorkingDays: 5},
	})
	receiptIs(httpapi.ExchangeReceiptN04)
	handle := awaitTaskOfKind(t, qnOfficial, incoming, "qn.chuyenvien", httpapi.TaskKindHandle)
	decide(qnOfficial, handle, httpapi.DecisionRequest{Decision: httpapi.DecisionProgress, Comment: "Đang triển khai"})
	receiptIs(httpapi.ExchangeReceiptN05)
	decide(qnOfficial, handle, httpapi.DecisionRequest{Decision: httpapi.DecisionComplete, Comment: "Đã triển khai xong"})
	receiptIs(httpapi.ExchangeReceiptN06)

	// G22's history keeps every receipt.
	r, err := clerk.client.GetDocumentWithResponse(ctx, created.ID)
	if err != nil || r.JSON200 == nil {
		t.Fatalf("G22's document: %v %v", err, r)
	}
	var lines []string
	for _, h := range r.JSON200.History {
		lines = append(lines, h.Summary)
	}
	if err := contains(strings.Join(lines, "\n"), "văn bản đã đến", "đã vào sổ văn bản đến", "đã phân công xử lý", "đang xử lý", "đã xử lý xong"); err != nil {
		t.Error(err)
	}

	// Neither side reads the other's document.
	for _, s := range []*session{qnClerk, qnLeader} {
		r, err := s.client.GetDocumentWithResponse(ctx, created.ID)
		if err != nil {
			t.Fatal(err)
		}
		wantError(t, s.user+" reading G22's document", r.StatusCode(), r.Body, http.StatusNotFound, httpapi.ErrorCodeNotFound)
	}
	for _, s := range []*session{clerk, leader} {
		r, err := s.client.GetDocumentWithResponse(ctx, incoming)
		if err != nil {
			t.Fatal(err)
		}
		wantError(t, s.user+" reading H49's document", r.StatusCode(), r.Body, http.StatusNotFound, httpapi.ErrorCodeNotFound)
	}
}
