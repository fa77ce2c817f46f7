package exchange_test

import (
	"testing"
	"time"

	"github.com/docflow/docflow/api/vntime"
	"github.com/docflow/docflow/services/internal/testkit"
	"github.com/docflow/docflow/services/signing/internal/exchange"
)

func TestStore(t *testing.T) {
	for name, dsn := range map[string]func(testing.TB) string{"sqlite": testkit.SQLite, "postgres": testkit.Postgres} {
		t.Run(name, func(t *testing.T) {
			ctx := t.Context()
			db := testkit.DB(t, dsn(t))
			s, err := exchange.OpenStore(ctx, db)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := exchange.OpenStore(ctx, db); err != nil {
				t.Fatalf("migrating again: %v", err)
			}
			at := time.Date(2026, 3, 5, 9, 30, 0, 0, time.UTC)

			sent := exchange.Sent{DocumentID: "doc-1", Recipient: h49, Sender: g22, EdXMLDocumentID: g22 + ",2026/03/05,12/VPCP-TH", At: at}
			if ok, err := s.WasSent(ctx, "doc-1", h49); err != nil || ok {
				t.Fatalf("WasSent before = %v, %v", ok, err)
			}
			for range 2 {
				if err := s.RecordSent(ctx, sent); err != nil {
					t.Fatal(err)
				}
			}
			if ok, err := s.WasSent(ctx, "doc-1", h49); err != nil || !ok {
				t.Fatalf("WasSent after = %v, %v", ok, err)
			}
			got, found, err := s.SentAs(ctx, sent.EdXMLDocumentID, h49)
			if err != nil || !found || got != sent {
				t.Fatalf("SentAs = %+v, %v, %v; want %+v", got, found, err, sent)
			}
			if _, found, err := s.SentAs(ctx, sent.EdXMLDocumentID, g22); err != nil || found {
				t.Fatalf("SentAs of another recipient = %v, %v", found, err)
			}

			a := exchange.Arrival{ID: "arr-1", Agency: h49, Sender: g22, EdXMLDocumentID: sent.EdXMLDocumentID, Code: "12/VPCP-TH",
				PromulgatedOn: time.Date(2026, 3, 5, 0, 0, 0, 0, vntime.Zone), At: at}
			for range 2 {
				if err := s.RecordArrival(ctx, a); err != nil {
					t.Fatal(err)
				}
			}
			if _, found, err := s.ArrivalOf(ctx, "doc-9"); err != nil || found {
				t.Fatalf("ArrivalOf before registration = %v, %v", found, err)
			}
			if ok, err := s.Registered(ctx, "arr-1", "doc-9"); err != nil || !ok {
				t.Fatalf("Registered = %v, %v", ok, err)
			}
			if ok, err := s.Registered(ctx, "arr-404", "doc-9"); err != nil || ok {
				t.Fatalf("Registered of no arrival = %v, %v", ok, err)
			}
			byDoc, found, err := s.ArrivalOf(ctx, "doc-9")
			if err != nil || !found || byDoc.ID != "arr-1" || byDoc.DocumentID != "doc-9" || !byDoc.PromulgatedOn.Equal(a.PromulgatedOn) || byDoc.Sender != g22 {
				t.Fatalf("ArrivalOf = %+v, %v, %v", byDoc, found, err)
			}
			if _, found, err := s.ArrivalByID(ctx, "arr-404"); err != nil || found {
				t.Fatalf("ArrivalByID of no arrival = %v, %v", found, err)
			}

			if ok, err := s.ReceiptSent(ctx, "arr-1", "03"); err != nil || ok {
				t.Fatalf("ReceiptSent before = %v, %v", ok, err)
			}
			for range 2 {
				if err := s.RecordReceipt(ctx, "arr-1", "03", at); err != nil {
					t.Fatal(err)
				}
			}
			if ok, err := s.ReceiptSent(ctx, "arr-1", "03"); err != nil || !ok {
				t.Fatalf("ReceiptSent after = %v, %v", ok, err)
			}
			if ok, err := s.ReceiptSent(ctx, "arr-1", "04"); err != nil || ok {
				t.Fatalf("ReceiptSent of another code = %v, %v", ok, err)
			}
		})
	}
}
