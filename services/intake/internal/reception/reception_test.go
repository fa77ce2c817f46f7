package reception_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/docflow/docflow/api/errcode"
	events "github.com/docflow/docflow/api/events/v1"
	svc "github.com/docflow/docflow/api/svc/v1"
	"github.com/docflow/docflow/api/vntime"
	"github.com/docflow/docflow/services/intake/internal/register"
	"github.com/docflow/docflow/services/intake/internal/register/registertest"
	"github.com/docflow/docflow/services/internal/errs"
	"github.com/docflow/docflow/services/internal/objstore"
	"github.com/docflow/docflow/services/internal/testkit"
)

func TestAccept(t *testing.T) {
	t.Parallel()
	srv := startServers(t)
	tests := []struct {
		name string
		run  func(t *testing.T, srv *servers, dsn func(testing.TB) string)
	}{
		{"refusals leave nothing behind", testRefusals},
		{"a good PDF is kept, numbered and announced", testGoodPDF},
		{"a repeated request returns the same document", testRepeatedRequest},
		{"concurrent repeats of one request register it once", testConcurrentRepeats},
		{"a failed registration leaves nothing behind", testFailedRegistration},
		{"an event that missed the stream is announced later", testLateAnnouncement},
		{"concurrent uploads get consecutive numbers", testConcurrentUploads},
		{"the document's own details are registered and announced", testDetails},
		{"secret documents have their own numbers", testSecretSeries},
		{"an official's draft takes no arrival number and is announced as drafted", testDraft},
	}
	registertest.OnEachDatabase(t, func(t *testing.T, dsn func(testing.TB) string) {
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				t.Parallel()
				tt.run(t, srv, dsn)
			})
		}
	})
	t.Run("only staged uploads are touched", func(t *testing.T) { t.Parallel(); testOutsideStaging(t, srv) })
	t.Run("hostile PDFs are refused and leave nothing behind", func(t *testing.T) { t.Parallel(); testHostileUploads(t, srv) })
}

func testRefusals(t *testing.T, srv *servers, dsn func(testing.TB) string) {
	onePage := readSample(t, "one-page.pdf")
	tests := []struct {
		name     string
		data     []byte
		maxBytes int64
		meta     func(*svc.DocumentMetadata)
		code     errcode.Code
		message  string
	}{
		{name: "not a PDF", data: readSample(t, "plain-text.txt"), code: errcode.NotPDF, message: "file is not a PDF: missing %PDF header"},
		{name: "empty file", data: []byte{}, code: errcode.EmptyFile, message: "file is empty"},
		{name: "over the size limit", data: readSample(t, "three-pages.pdf"), maxBytes: 1000, code: errcode.FileTooLarge, message: "file is too large"},
		{name: "malformed PDF", data: readSample(t, "truncated.pdf"), code: errcode.MalformedPDF, message: "malformed PDF: the file is incomplete"},
		{name: "encrypted PDF", data: readSample(t, "encrypted-no-password.pdf"), code: errcode.MalformedPDF, message: "encrypted PDFs are not accepted"},
		{
			name: "bad metadata", data: onePage, code: errcode.InvalidArgument, message: "kind: unknown kind",
			meta: func(m *svc.DocumentMetadata) { m.Kind = "CV"; m.Subject = "" },
		},
		{
			// Two days ahead in Hà Nội, so the test does not depend on the hour.
			name: "dated in the future", data: onePage, code: errcode.InvalidArgument, message: "issued_on: ",
			meta: func(m *svc.DocumentMetadata) {
				m.IssuedOn = time.Now().In(vntime.Zone).AddDate(0, 0, 2).Format(time.DateOnly)
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var opts []option
			if tt.maxBytes > 0 {
				opts = append(opts, withMaxBytes(tt.maxBytes))
			}
			f := srv.fixture(t, dsn(t), opts...)
			req := f.request(f.stage(t, tt.data))
			if tt.meta != nil {
				tt.meta(&req.Metadata)
			}
			_, err := f.desk.Accept(t.Context(), req)
			var e *errs.Error
			if !errors.As(err, &e) {
				t.Fatalf("Accept = %v, want a refusal with code %s", err, tt.code)
			}
			if e.Code != tt.code || errs.KindOf(err) != errs.Invalid || !strings.Contains(e.Message, tt.message) {
				t.Errorf("refusal %s %q (kind %s), want %s containing %q", e.Code, e.Message, errs.KindOf(err), tt.code, tt.message)
			}
			assertNothingLeft(t, f)
		})
	}
}

func testGoodPDF(t *testing.T, srv *servers, dsn func(testing.TB) string) {
	f := srv.fixture(t, dsn(t))
	first := readSample(t, "three-pages.pdf")
	second := readSample(t, "object-streams.pdf")
	before := time.Now()
	rep1 := f.accept(t, first)
	rep2 := f.accept(t, second)

	year := vntime.Year(time.Now())
	if rep1.ArrivalNumber != 1 || rep2.ArrivalNumber != 2 || rep1.ArrivalYear != year || rep2.ArrivalYear != year {
		t.Errorf("arrival numbers %d/%d and %d/%d, want 1/%d and 2/%d", rep1.ArrivalNumber, rep1.ArrivalYear, rep2.ArrivalNumber, rep2.ArrivalYear, year, year)
	}
	if rep1.Status != "registered" || rep1.DocumentID == "" || rep1.DocumentID == rep2.DocumentID {
		t.Errorf("replies %+v and %+v", rep1, rep2)
	}
	if rep1.ReceivedAt.Before(before.Add(-time.Second)) || rep1.ReceivedAt.After(time.Now()) {
		t.Errorf("received at %s, not during the request", rep1.ReceivedAt)
	}

	// The original is the uploaded file, byte for byte, with its digest.
	for _, c := range []struct {
		rep  svc.AcceptReply
		data []byte
	}{{rep1, first}, {rep2, second}} {
		want := sha256.Sum256(c.data)
		wantHex := hex.EncodeToString(want[:])
		o := c.rep.Original
		if o.Bucket != f.bucket || o.Key != "originals/"+c.rep.DocumentID+".pdf" || o.SHA256 != wantHex || o.Size != int64(len(c.data)) {
			t.Errorf("original %+v, want %s/originals/%s.pdf of %d bytes with sha256 %s", o, f.bucket, c.rep.DocumentID, len(c.data), wantHex)
		}
		body, info, err := f.s3.Store.Get(t.Context(), o.Bucket, o.Key, o.VersionID)
		if err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(body)
		_ = body.Close()
		if err != nil {
			t.Fatal(err)
		}
		if sum := sha256.Sum256(got); sum != want {
			t.Errorf("stored original has sha256 %x, uploaded file %x", sum, want)
		}
		if info.ContentType != "application/pdf" || info.SHA256 != wantHex {
			t.Errorf("original stored as %s with recorded sha256 %s", info.ContentType, info.SHA256)
		}
	}

	// Only the originals remain: the staged uploads are gone.
	wantObjects := []string{"originals/" + rep1.DocumentID + ".pdf", "originals/" + rep2.DocumentID + ".pdf"}
	slices.Sort(wantObjects)
	if got := f.objects(t); !slices.Equal(got, wantObjects) {
		t.Errorf("bucket holds %v, want %v", got, wantObjects)
	}

	// Each document was announced once, with what routing needs.
	evs := f.received(t)
	if len(evs) != 2 {
		t.Fatalf("%d document.received events, want 2", len(evs))
	}
	env := evs[0]
	var data events.DocumentReceivedData
	if err := json.Unmarshal(env.Data, &data); err != nil {
		t.Fatal(err)
	}
	if env.Type != events.DocumentReceived || env.Subject != rep1.DocumentID || env.Agency != f.agency ||
		env.Source != "/docflow/intake" || env.SpecVersion != "1.0" || env.DataSchema != events.SchemaBase+"document.received.v1.json" {
		t.Errorf("envelope %+v", env)
	}
	wantData := events.DocumentReceivedData{
		DocumentID: rep1.DocumentID, Agency: f.agency, ArrivalNumber: 1, ArrivalYear: year,
		Kind: "QUYET_DINH", Subject: "Quyết định phê duyệt kế hoạch năm 2026", Urgency: "KHAN", Confidentiality: "NONE",
		Original: rep1.Original, By: f.clerk,
	}
	gotData := data
	gotData.ReceivedAt = time.Time{}
	if gotData != wantData || !data.ReceivedAt.Equal(rep1.ReceivedAt) {
		t.Errorf("event data %+v\nwant %+v (received at %s)", data, wantData, rep1.ReceivedAt)
	}
	doc, err := f.reg.Get(t.Context(), rep1.DocumentID)
	if err != nil {
		t.Fatal(err)
	}
	if env.ID != doc.EventID || doc.AnnouncedAt.IsZero() || doc.Pages != 3 {
		t.Errorf("register entry %+v: event id %s, announced %s, pages %d", doc, env.ID, doc.AnnouncedAt, doc.Pages)
	}
}

func testDetails(t *testing.T, srv *servers, dsn func(testing.TB) string) {
	f := srv.fixture(t, dsn(t))
	req := f.request(f.stage(t, readSample(t, "one-page.pdf")))
	req.Metadata.Issuer = "Ủy ban nhân dân  tỉnh Quảng Ninh"
	req.Metadata.IssuerID = "H49"
	req.Metadata.Symbol = "Số: 12/QĐ-UBND"
	req.Metadata.IssuedOn = "2026-01-05"
	req.Metadata.Description = "Bản chính, kèm phụ lục"
	const arrival = "9b2f0c1e-5d7a-5e3b-8c41-2f6a9d0e7b13"
	req.Metadata.ExchangeArrival = arrival
	rep, err := f.desk.Accept(t.Context(), req)
	if err != nil {
		t.Fatal(err)
	}

	doc, err := f.reg.Get(t.Context(), rep.DocumentID)
	if err != nil {
		t.Fatal(err)
	}
	want := [5]string{"Ủy ban nhân dân tỉnh Quảng Ninh", "H49", "12/QĐ-UBND", "2026-01-05", "Bản chính, kèm phụ lục"}
	if got := [5]string{doc.Issuer, doc.IssuerID, doc.Symbol, doc.IssuedOn, doc.Description}; got != want {
		t.Errorf("register entry holds %q, want %q", got, want)
	}
	if doc.ExchangeArrival != arrival {
		t.Errorf("register entry's exchange arrival %q, want %q", doc.ExchangeArrival, arrival)
	}

	evs := f.received(t)
	if len(evs) != 1 {
		t.Fatalf("%d events, want 1", len(evs))
	}
	var data events.DocumentReceivedData
	if err := json.Unmarshal(evs[0].Data, &data); err != nil {
		t.Fatal(err)
	}
	if got := [5]string{data.Issuer, data.IssuerID, data.Symbol, data.IssuedOn, data.Description}; got != want {
		t.Errorf("event carries %q, want %q", got, want)
	}
	if data.ExchangeArrival != arrival {
		t.Errorf("event carries exchange arrival %q, want %q", data.ExchangeArrival, arrival)
	}
}

func testSecretSeries(t *testing.T, srv *servers, dsn func(testing.TB) string) {
	f := srv.fixture(t, dsn(t))
	steps := []struct {
		confidentiality string
		want            int64
	}{
		{"NONE", 1}, {"MAT", 1}, {"NONE", 2}, {"TOI_MAT", 2}, {"TUYET_MAT", 3}, {"NONE", 3},
	}
	for _, s := range steps {
		req := f.request(f.stage(t, readSample(t, "one-page.pdf")))
		req.Metadata.Confidentiality = s.confidentiality
		rep, err := f.desk.Accept(t.Context(), req)
		if err != nil {
			t.Fatal(err)
		}
		if rep.ArrivalNumber != s.want {
			t.Errorf("%s document numbered %d, want %d", s.confidentiality, rep.ArrivalNumber, s.want)
		}
	}
	if n := f.registered(t); n != int64(len(steps)) {
		t.Errorf("%d register entries, want %d", n, len(steps))
	}
}

// An official's outgoing draft is kept and checked like any upload, but
// takes no số đến: the register's count is unchanged, no document.received
// is published, and document.drafted carries its recipients.
func testDraft(t *testing.T, srv *servers, dsn func(testing.TB) string) {
	f := srv.fixture(t, dsn(t))
	req := f.request(f.stage(t, readSample(t, "one-page.pdf")))
	req.By = events.Actor{Username: "chuyenvien1", Role: "official", Agency: f.agency}
	req.Metadata.Kind = "CONG_VAN"
	req.Metadata.Recipients = []events.Recipient{{Unit: "hanh-chinh"}, {Agency: "000.00.00.H49"}}
	rep, err := f.desk.Accept(t.Context(), req)
	if err != nil {
		t.Fatal(err)
	}
	if rep.ArrivalNumber != 0 || rep.ArrivalYear != 0 || rep.Status != register.StatusDrafted {
		t.Errorf("draft answered %+v; want no arrival number and status drafted", rep)
	}
	if n := f.registered(t); n != 0 {
		t.Errorf("the incoming register holds %d entries after a draft, want 0", n)
	}
	if evs := f.received(t); len(evs) != 0 {
		t.Errorf("%d document.received events for a draft, want none", len(evs))
	}
	evs := testkit.Published(t, f.nats.JS, events.EventSubject(f.agency, events.DocumentDrafted))
	if len(evs) != 1 {
		t.Fatalf("%d document.drafted events, want 1", len(evs))
	}
	var data events.DocumentDraftedData
	if err := json.Unmarshal(evs[0].Data, &data); err != nil {
		t.Fatal(err)
	}
	if data.DocumentID != rep.DocumentID || data.By != req.By || !slices.Equal(data.Recipients, req.Metadata.Recipients) ||
		data.Original != rep.Original || data.Kind != "CONG_VAN" {
		t.Errorf("document.drafted carries %+v", data)
	}
	// The clerk's next incoming document still takes number 1.
	if in := f.accept(t, readSample(t, "one-page.pdf")); in.ArrivalNumber != 1 {
		t.Errorf("the first incoming document after a draft is numbered %d, want 1", in.ArrivalNumber)
	}
}

func testOutsideStaging(t *testing.T, srv *servers) {
	f := srv.fixture(t, testkit.SQLite(t))
	data := readSample(t, "one-page.pdf")
	info, err := f.s3.Store.Put(t.Context(), f.bucket, "originals/someone-elses.pdf", bytes.NewReader(data), int64(len(data)), objstore.PutOptions{})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		staged events.Object
	}{
		{"another key prefix", events.Object{Bucket: f.bucket, Key: info.Key}},
		{"escaping the prefix", events.Object{Bucket: f.bucket, Key: "staging/../" + info.Key}},
		{"another bucket", events.Object{Bucket: "other-bucket", Key: "staging/x"}},
	}
	for _, tt := range tests {
		_, err := f.desk.Accept(t.Context(), f.request(tt.staged))
		var e *errs.Error
		if !errors.As(err, &e) || e.Code != errcode.InvalidArgument {
			t.Errorf("%s: Accept = %v, want invalid_argument", tt.name, err)
		}
	}
	if got := f.objects(t); !slices.Equal(got, []string{info.Key}) {
		t.Errorf("bucket holds %v, want %s untouched", got, info.Key)
	}
}
