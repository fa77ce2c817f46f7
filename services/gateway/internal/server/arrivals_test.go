package server_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"sync"
	"testing"
	"time"

	"go.uber.org/zap/zaptest"

	"github.com/docflow/docflow/api/errcode"
	events "github.com/docflow/docflow/api/events/v1"
	httpapi "github.com/docflow/docflow/api/http/v1"
	svc "github.com/docflow/docflow/api/svc/v1"
	"github.com/docflow/docflow/services/gateway/internal/audit"
	"github.com/docflow/docflow/services/gateway/internal/server"
	"github.com/docflow/docflow/services/internal/natsx"
	"github.com/docflow/docflow/services/internal/objstore"
	"github.com/docflow/docflow/services/internal/testkit"
)

const h49 = "000.00.00.H49"

// The clerk of the recipient agency lists its arrivals and registers one
// through intake as an upload is registered, with the package's details
// and a staged copy of its PDF; a registered arrival is refused a second
// time, another agency's is not found, and only clerks may do either.
func TestExchangeArrivalRegistration(t *testing.T) {
	t.Parallel()
	const bucket = "docflow-documents"
	s3 := testkit.S3(t)
	if err := s3.Store.EnsureBucket(t.Context(), bucket, objstore.BucketOptions{Versioning: true}); err != nil {
		t.Fatal(err)
	}
	pdf := []byte("%PDF-1.7 the package's document")
	src, err := s3.Store.Put(t.Context(), bucket, "staging/exchange-a1-1", bytes.NewReader(pdf), int64(len(pdf)), objstore.PutOptions{})
	if err != nil {
		t.Fatal(err)
	}

	// Intake, as far as the gateway sees it: what it was asked, and the
	// bytes of the staged upload it was given.
	env := testkit.NATS(t)
	var (
		mu     sync.Mutex
		asked  []svc.AcceptRequest
		staged []byte
	)
	intake, err := natsx.Serve(env.Conn, "intake", "intake of the test", zaptest.NewLogger(t),
		natsx.Handle(svc.IntakeAccept, func(ctx context.Context, req svc.AcceptRequest) (svc.AcceptReply, error) {
			rc, _, err := s3.Store.Get(ctx, req.Staged.Bucket, req.Staged.Key, req.Staged.VersionID)
			if err != nil {
				return svc.AcceptReply{}, err
			}
			defer func() { _ = rc.Close() }()
			b, err := io.ReadAll(rc)
			if err != nil {
				return svc.AcceptReply{}, err
			}
			mu.Lock()
			defer mu.Unlock()
			asked, staged = append(asked, req), b
			return svc.AcceptReply{DocumentID: "doc-a1", ArrivalNumber: 7, ArrivalYear: 2026, Status: "registered", Original: req.Staged}, nil
		}))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = intake.Stop() })
	a := newAPI(t, testkit.SQLite(t), func(s *server.Server) { s.NATS, s.Objects, s.DocumentsBucket = env.Conn, s3.Store, bucket })

	const arrival = "0a6b9c1e-5d7a-5e3b-8c41-2f6a9d0e7b13"
	at := time.Date(2026, 3, 5, 9, 0, 0, 0, time.UTC)
	a.apply(t, envelope(t, events.ExchangeArrived, h49, "", at, events.ExchangeArrivedData{
		ArrivalID: arrival, Agency: h49, FromAgency: agency, FromName: "Văn phòng Chính phủ", EdXMLDocumentID: "edoc-1",
		Number: "12", Notation: "VPCP-TH", PromulgatedOn: "2026-03-04", Kind: "CONG_VAN", TypeName: "Công văn",
		Subject: "Về việc thử nghiệm", Urgency: "KHAN", ReceivedAt: at,
		Attachments: []events.Object{{Bucket: bucket, Key: "staging/exchange-a1-1", VersionID: src.VersionID, SHA256: src.SHA256, Size: src.Size}},
	}))

	if res, body := a.get(t, "qn.lanhdao", "/v1/exchange/arrivals"); res.StatusCode != http.StatusForbidden {
		t.Errorf("a leader listing arrivals: %d %s, want 403", res.StatusCode, body)
	}
	res, body := a.get(t, "qn.vanthu", "/v1/exchange/arrivals")
	if res.StatusCode != http.StatusOK {
		t.Fatalf("listing: %d %s", res.StatusCode, body)
	}
	list := decode[httpapi.ExchangeArrivalList](t, body).Items
	if len(list) != 1 || list[0].ID != arrival || list[0].Code != "12/VPCP-TH" || list[0].FromAgency != agency ||
		list[0].Kind != "CONG_VAN" || list[0].Registered || list[0].RegisteredAt != nil {
		t.Fatalf("arrivals %+v", list)
	}
	if _, body := a.get(t, "vanthu", "/v1/exchange/arrivals"); len(decode[httpapi.ExchangeArrivalList](t, body).Items) != 0 {
		t.Errorf("the sender's clerk sees arrivals: %s", body)
	}

	path := "/v1/exchange/arrivals/" + arrival + "/registration"
	if res, body := a.post(t, "vanthu", path, nil); res.StatusCode != http.StatusNotFound {
		t.Errorf("another agency's clerk registering: %d %s, want 404", res.StatusCode, body)
	}
	if res, body := a.post(t, "qn.chuyenvien", path, nil); res.StatusCode != http.StatusForbidden {
		t.Errorf("an official registering: %d %s, want 403", res.StatusCode, body)
	}
	res, body = a.post(t, "qn.vanthu", path, nil)
	if res.StatusCode != http.StatusCreated || res.Header.Get("Location") != "/v1/documents/doc-a1" {
		t.Fatalf("registering: %d %s", res.StatusCode, body)
	}
	if got := decode[httpapi.DocumentSummary](t, body); got.ID != "doc-a1" || got.ArrivalNumber != 7 {
		t.Errorf("summary %+v", got)
	}
	mu.Lock()
	if len(asked) != 1 {
		t.Fatalf("intake asked %d times, want once", len(asked))
	}
	req := asked[0]
	mu.Unlock()
	want := svc.DocumentMetadata{
		Kind: "CONG_VAN", Subject: "Về việc thử nghiệm", Urgency: "KHAN", Confidentiality: "NONE",
		Issuer: "Văn phòng Chính phủ", IssuerID: agency, Symbol: "12/VPCP-TH", IssuedOn: "2026-03-04",
		Direction: "incoming", ExchangeArrival: arrival,
	}
	if req.Metadata.Kind != want.Kind || req.Metadata.Subject != want.Subject || req.Metadata.Urgency != want.Urgency ||
		req.Metadata.Confidentiality != want.Confidentiality || req.Metadata.Issuer != want.Issuer || req.Metadata.IssuerID != want.IssuerID ||
		req.Metadata.Symbol != want.Symbol || req.Metadata.IssuedOn != want.IssuedOn || req.Metadata.Direction != want.Direction ||
		req.Metadata.ExchangeArrival != want.ExchangeArrival {
		t.Errorf("intake metadata %+v, want %+v", req.Metadata, want)
	}
	if req.By.Username != "qn.vanthu" || req.By.Agency != h49 || req.By.Role != "clerk" {
		t.Errorf("intake told the clerk is %+v", req.By)
	}
	if req.Staged.Key == "staging/exchange-a1-1" || req.Staged.Bucket != bucket || req.Staged.SHA256 != src.SHA256 {
		t.Errorf("staged %+v: want a copy of the arrival's file in the staging area", req.Staged)
	}
	if !bytes.Equal(staged, pdf) {
		t.Errorf("intake read %q, want the package's PDF", staged)
	}

	// Once document.received names the arrival, it is registered.
	a.apply(t, envelope(t, events.DocumentReceived, h49, "doc-a1", at.Add(time.Hour), events.DocumentReceivedData{
		DocumentID: "doc-a1", Agency: h49, ArrivalNumber: 7, ArrivalYear: 2026, Kind: "CONG_VAN", Subject: "Về việc thử nghiệm",
		Urgency: "KHAN", Confidentiality: "NONE", ExchangeArrival: arrival,
	}))
	_, body = a.get(t, "qn.vanthu", "/v1/exchange/arrivals")
	if got := decode[httpapi.ExchangeArrivalList](t, body).Items; len(got) != 1 || !got[0].Registered || got[0].DocumentID != "doc-a1" {
		t.Errorf("after registration: %+v", got)
	}
	res, body = a.post(t, "qn.vanthu", path, nil)
	if res.StatusCode != http.StatusConflict {
		t.Fatalf("registering again: %d %s, want 409", res.StatusCode, body)
	}
	if e := wireError(t, body); e.Code != errcode.Conflict || e.Details["document_id"] != "doc-a1" {
		t.Errorf("second registration: %+v", e)
	}
	mu.Lock()
	if len(asked) != 1 {
		t.Errorf("intake asked %d times, want once", len(asked))
	}
	mu.Unlock()

	entries, err := a.audit.ForTarget(t.Context(), arrival)
	if err != nil {
		t.Fatal(err)
	}
	var outcomes []string
	allowed := 0
	for _, e := range entries {
		outcomes = append(outcomes, e.Actor+":"+e.Outcome)
		if e.Outcome == audit.Allowed && e.Actor == "qn.vanthu" && e.Detail == "document_id=doc-a1 arrival_number=7" {
			allowed++
		}
	}
	if len(entries) != 4 || allowed != 1 {
		t.Errorf("audit trail of the arrival %v, want two refusals, the registration and the second attempt", outcomes)
	}
}
