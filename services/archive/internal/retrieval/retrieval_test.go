package retrieval_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"go.uber.org/zap/zaptest"

	"github.com/docflow/docflow/api/errcode"
	events "github.com/docflow/docflow/api/events/v1"
	svc "github.com/docflow/docflow/api/svc/v1"
	"github.com/docflow/docflow/services/archive/internal/catalog"
	"github.com/docflow/docflow/services/archive/internal/catalog/catalogtest"
	"github.com/docflow/docflow/services/archive/internal/retrieval"
	"github.com/docflow/docflow/services/internal/errs"
	"github.com/docflow/docflow/services/internal/natsx"
	"github.com/docflow/docflow/services/internal/testkit"
)

const (
	agency = "000.00.00.G22"
	other  = "000.00.00.H49"
)

func TestEndpoints(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	cat := catalogtest.Open(t, testkit.SQLite(t))
	at := time.Date(2026, 3, 5, 2, 0, 0, 0, time.UTC)
	rec := catalog.Record{
		ID: "6d3c1f40-9d7e-5a8b-8c1e-2f9a3b4c5d6e", DocumentID: "0190f0c4-0000-7000-8000-000000000001",
		Agency: agency, Kind: "QUYET_DINH", Subject: "Quyết định phê duyệt kế hoạch năm 2026", ArrivalNumber: 12,
		Object: events.Object{
			Bucket: "docflow-archive", Key: "records/000_00_00_G22/2026/0190f0c4-0000-7000-8000-000000000001.pdf",
			VersionID: "v1", Size: 2048, SHA256: strings.Repeat("0f", 32),
		},
		RetentionMode: "COMPLIANCE", RetainUntil: at.AddDate(10, 0, 0), Signer: "lanhdao",
		SignedAt: at.Add(-time.Minute), ArchivedAt: at,
	}
	if _, _, err := cat.Insert(ctx, rec); err != nil {
		t.Fatal(err)
	}
	second := rec
	second.ID, second.DocumentID, second.Subject, second.ArchivedAt = "6d3c1f40-9d7e-5a8b-8c1e-2f9a3b4c5d6f", "0190f0c4-0000-7000-8000-000000000002",
		"Quyết định khen thưởng", at.Add(time.Hour)
	if _, _, err := cat.Insert(ctx, second); err != nil {
		t.Fatal(err)
	}

	nt := testkit.NATS(t)
	srv, err := natsx.Serve(nt.Conn, "archive", "archive under test", zaptest.NewLogger(t), retrieval.New(cat).Endpoints()...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Stop() })

	t.Run("search without diacritics finds the record with its object", func(t *testing.T) {
		t.Parallel()
		rep, err := natsx.Call(t.Context(), nt.Conn, svc.ArchiveSearch,
			svc.SearchRequest{Agency: agency, Query: "quyet dinh phe duyet"})
		if err != nil {
			t.Fatal(err)
		}
		if len(rep.Items) != 1 || rep.NextPageToken != "" {
			t.Fatalf("search = %+v, want exactly the approval decision", rep)
		}
		got := rep.Items[0]
		if got.ID != rec.ID || got.DocumentID != rec.DocumentID || got.Subject != rec.Subject || got.Object != rec.Object ||
			!got.RetainUntil.Equal(rec.RetainUntil) || got.RetentionMode != rec.RetentionMode || !got.ArchivedAt.Equal(rec.ArchivedAt) {
			t.Errorf("record = %+v, want %+v", got, rec)
		}
	})

	t.Run("search pages newest first", func(t *testing.T) {
		t.Parallel()
		first, err := natsx.Call(t.Context(), nt.Conn, svc.ArchiveSearch,
			svc.SearchRequest{Agency: agency, Query: "quyết định", PageSize: 1})
		if err != nil {
			t.Fatal(err)
		}
		if len(first.Items) != 1 || first.Items[0].ID != second.ID || first.NextPageToken == "" {
			t.Fatalf("first page = %+v, want the newer record and a next page token", first)
		}
		next, err := natsx.Call(t.Context(), nt.Conn, svc.ArchiveSearch,
			svc.SearchRequest{Agency: agency, Query: "quyết định", PageSize: 1, PageToken: first.NextPageToken})
		if err != nil {
			t.Fatal(err)
		}
		if len(next.Items) != 1 || next.Items[0].ID != rec.ID || next.NextPageToken != "" {
			t.Errorf("second page = %+v, want the older record and no token", next)
		}
	})

	t.Run("search with no match answers an empty list", func(t *testing.T) {
		t.Parallel()
		msg, err := nt.Conn.RequestWithContext(t.Context(), svc.ArchiveSearch.Subject, []byte(`{"agency":"`+other+`","query":"quyet dinh"}`))
		if err != nil {
			t.Fatal(err)
		}
		if got := string(msg.Data); !strings.Contains(got, `"items":[]`) {
			t.Errorf("reply = %s, want an empty items list", got)
		}
	})

	t.Run("get returns the record", func(t *testing.T) {
		t.Parallel()
		got, err := natsx.Call(t.Context(), nt.Conn, svc.ArchiveGet, svc.GetRequest{Agency: agency, RecordID: rec.ID})
		if err != nil {
			t.Fatal(err)
		}
		if got.ID != rec.ID || got.Object != rec.Object || got.Signer != rec.Signer || !got.SignedAt.Equal(rec.SignedAt) {
			t.Errorf("get = %+v, want %+v", got, rec)
		}
	})

	refusals := []struct {
		name     string
		call     func(context.Context, *nats.Conn) error
		wantCode errcode.Code
		wantKind errs.Kind
	}{
		{"get of another agency's record", send(svc.ArchiveGet, svc.GetRequest{Agency: other, RecordID: rec.ID}), errcode.NotFound, errs.NotFound},
		{"get of an unknown record", send(svc.ArchiveGet, svc.GetRequest{Agency: agency, RecordID: "nope"}), errcode.NotFound, errs.NotFound},
		{"search with a forged page token", send(svc.ArchiveSearch, svc.SearchRequest{Agency: agency, PageToken: "forged"}), errcode.InvalidArgument, errs.Invalid},
		{"search without agency", send(svc.ArchiveSearch, svc.SearchRequest{Query: "quyet"}), errcode.InvalidArgument, errs.Invalid},
		{"request that is not JSON", send(svc.Endpoint[string, svc.SearchReply](svc.ArchiveSearch), "not an object"), errcode.InvalidArgument, errs.Invalid},
	}
	for _, tt := range refusals {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := tt.call(t.Context(), nt.Conn)
			var e *errs.Error
			if !errors.As(err, &e) {
				t.Fatalf("error = %v, want a service error", err)
			}
			if e.Code != tt.wantCode || errs.KindOf(err) != tt.wantKind || e.Message == "" {
				t.Errorf("error = %s %q (kind %v), want code %s kind %v with a message", e.Code, e.Message, errs.KindOf(err), tt.wantCode, tt.wantKind)
			}
		})
	}
}

// send is a call of ep with req, for a table of requests to different
// endpoints (or, to test a refusal, of a request the endpoint does not take).
func send[Req, Rep any](ep svc.Endpoint[Req, Rep], req Req) func(context.Context, *nats.Conn) error {
	return func(ctx context.Context, nc *nats.Conn) error {
		_, err := natsx.Call(ctx, nc, ep, req)
		return err
	}
}
