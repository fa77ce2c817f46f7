package exchange_test

import (
	"testing"
	"time"

	"github.com/docflow/docflow/api/errcode"
	events "github.com/docflow/docflow/api/events/v1"
	"github.com/docflow/docflow/services/gateway/internal/exchange"
	"github.com/docflow/docflow/services/internal/errs"
	"github.com/docflow/docflow/services/internal/testkit"
)

// The outbox queues each document once per agency, never a secret one, and
// hands the exchange the oldest first; on every database the gateway runs on.
func TestOutbox(t *testing.T) {
	t.Parallel()
	for name, dsn := range map[string]string{"sqlite": testkit.SQLite(t), "postgres": testkit.Postgres(t)} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			out, err := exchange.Open(t.Context(), testkit.DB(t, dsn))
			if err != nil {
				t.Fatal(err)
			}
			at := time.Date(2026, 3, 9, 2, 0, 0, 0, time.UTC)
			sealed := events.Object{Bucket: "docflow-documents", Key: "sealed/d1.pdf", VersionID: "v1", SHA256: "ab", Size: 42}
			m := exchange.Outbound{DocumentID: "d1", From: "000.00.00.G22", To: "000.00.00.H49", Confidentiality: "NONE", Sealed: sealed, By: "vanthu", At: at}
			second := m
			second.To, second.At = "000.00.00.G09", at.Add(-time.Minute)
			for _, send := range []exchange.Outbound{m, m, second} {
				if err := out.Send(t.Context(), send); err != nil {
					t.Fatalf("send %+v: %v", send, err)
				}
			}
			for _, level := range []string{"MAT", "TOI_MAT", "TUYET_MAT", ""} {
				secret := m
				secret.DocumentID, secret.Confidentiality = "secret-"+level, level
				if err := out.Send(t.Context(), secret); err == nil || errs.Wire(err).Code != errcode.Confidential {
					t.Errorf("sending a document marked %q: %v, want %s", level, err, errcode.Confidential)
				}
			}
			incomplete := m
			incomplete.Sealed = events.Object{}
			if err := out.Send(t.Context(), incomplete); errs.KindOf(err) != errs.Invalid {
				t.Errorf("sending without the sealed PDF: %v, want invalid", err)
			}

			queued, err := out.Queued(t.Context(), 10)
			if err != nil {
				t.Fatal(err)
			}
			if len(queued) != 2 {
				t.Fatalf("outbox %+v, want the two agencies once each", queued)
			}
			first := queued[0]
			if first.To != "000.00.00.G09" || queued[1].To != "000.00.00.H49" {
				t.Errorf("outbox order %s, %s; want the oldest first", first.To, queued[1].To)
			}
			if first.Status != exchange.StatusQueued || first.DocumentID != "d1" || first.From != "000.00.00.G22" || first.By != "vanthu" ||
				first.Sealed != sealed || !first.CreatedAt.Equal(second.At) {
				t.Errorf("outbox row %+v, want %+v queued", first, second)
			}
		})
	}
}
