package reception_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
	"github.com/nats-io/nats.go/jetstream"
	"go.uber.org/zap/zaptest"

	"github.com/docflow/docflow/api/errcode"
	events "github.com/docflow/docflow/api/events/v1"
	"github.com/docflow/docflow/api/objectkey"
	svc "github.com/docflow/docflow/api/svc/v1"
	"github.com/docflow/docflow/api/vntime"
	"github.com/docflow/docflow/services/intake/internal/reception"
	"github.com/docflow/docflow/services/intake/internal/register"
	"github.com/docflow/docflow/services/internal/clerical/counter"
	"github.com/docflow/docflow/services/internal/errs"
	"github.com/docflow/docflow/services/internal/natsx"
	"github.com/docflow/docflow/services/internal/objstore"
	"github.com/docflow/docflow/services/internal/sqlstore"
	"github.com/docflow/docflow/services/internal/testkit"
)

// servers are shared by the subtests of one test; each subtest gets its own
// bucket, database and agency, so they do not see each other's work.
type servers struct {
	s3     *testkit.S3Env
	nats   *testkit.NATSEnv
	lister *minio.Client
}

func startServers(t *testing.T) *servers {
	t.Helper()
	s3 := testkit.S3(t)
	nts := testkit.NATS(t)
	if err := natsx.EnsureStreams(t.Context(), nts.JS, events.Streams); err != nil {
		t.Fatal(err)
	}
	// A plain S3 client, independent of the store under test, sees every
	// version and delete marker left in a bucket.
	lister, err := minio.New(s3.Config.Endpoint, &minio.Options{
		Creds:        credentials.NewStaticV4(s3.Config.AccessKey, s3.Config.SecretKey, ""),
		Region:       s3.Config.Region,
		BucketLookup: minio.BucketLookupPath,
	})
	if err != nil {
		t.Fatal(err)
	}
	return &servers{s3: s3, nats: nts, lister: lister}
}

// fixture is one intake desk on its own bucket, database and agency.
type fixture struct {
	*servers
	desk   *reception.Desk
	reg    *register.Register
	db     *sqlstore.DB
	bucket string
	agency string
	clerk  events.Actor
}

type option func(*fixtureSetup)

type fixtureSetup struct {
	maxBytes  int64
	publisher reception.Publisher
}

func withMaxBytes(n int64) option { return func(s *fixtureSetup) { s.maxBytes = n } }

func withPublisher(p reception.Publisher) option {
	return func(s *fixtureSetup) { s.publisher = p }
}

func (s *servers) fixture(t *testing.T, dsn string, opts ...option) *fixture {
	t.Helper()
	setup := fixtureSetup{maxBytes: 50 << 20, publisher: natsx.NewPublisher(s.nats.JS, "intake")}
	for _, o := range opts {
		o(&setup)
	}
	bucket := "docs-" + randomHex(t, 6)
	if err := s.s3.Store.EnsureBucket(t.Context(), bucket, objstore.BucketOptions{Versioning: true}); err != nil {
		t.Fatal(err)
	}
	db, err := sqlstore.Open(t.Context(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	reg, err := register.Open(t.Context(), db, counter.DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	kinds, err := register.LoadKinds()
	if err != nil {
		t.Fatal(err)
	}
	agency := "000.00.00.T" + strings.ToUpper(randomHex(t, 4))
	desk := reception.New(reception.Config{Bucket: bucket, MaxBytes: setup.maxBytes, MaxConcurrent: 4},
		s.s3.Store, reg, kinds, setup.publisher, zaptest.NewLogger(t), time.Now)
	t.Cleanup(desk.Close)
	return &fixture{
		servers: s, desk: desk, reg: reg, db: db, bucket: bucket, agency: agency,
		clerk: events.Actor{Username: "vanthu", Role: "clerk", Agency: agency},
	}
}

// stage puts an upload in the staging area as the gateway does.
func (f *fixture) stage(t *testing.T, data []byte) events.Object {
	t.Helper()
	key := objectkey.Staging(randomHex(t, 16))
	info, err := f.s3.Store.Put(t.Context(), f.bucket, key, bytes.NewReader(data), int64(len(data)),
		objstore.PutOptions{ContentType: "application/octet-stream"})
	if err != nil {
		t.Fatal(err)
	}
	return events.Object{Bucket: f.bucket, Key: key, VersionID: info.VersionID, Size: info.Size, SHA256: info.SHA256}
}

func (f *fixture) request(staged events.Object) svc.AcceptRequest {
	return svc.AcceptRequest{
		Staged: staged,
		Metadata: svc.DocumentMetadata{
			Kind:            "QUYET_DINH",
			Subject:         "Quyết định phê duyệt kế hoạch năm 2026",
			Urgency:         "KHAN",
			Confidentiality: "NONE",
		},
		By: f.clerk,
	}
}

func (f *fixture) accept(t *testing.T, data []byte) svc.AcceptReply {
	t.Helper()
	rep, err := f.desk.Accept(t.Context(), f.request(f.stage(t, data)))
	if err != nil {
		t.Fatalf("Accept: %v", err)
	}
	return rep
}

// objects lists every version and delete marker in the fixture's bucket.
func (f *fixture) objects(t *testing.T) []string {
	t.Helper()
	var out []string
	for obj := range f.lister.ListObjects(t.Context(), f.bucket, minio.ListObjectsOptions{WithVersions: true, Recursive: true}) {
		if obj.Err != nil {
			t.Fatalf("listing %s: %v", f.bucket, obj.Err)
		}
		name := obj.Key
		if obj.IsDeleteMarker {
			name += " (delete marker)"
		}
		out = append(out, name)
	}
	slices.Sort(out)
	return out
}

// received returns the document.received events of the fixture's agency.
func (f *fixture) received(t *testing.T) []events.Envelope {
	t.Helper()
	subject := events.EventSubject(f.agency, events.DocumentReceived)
	stream, err := f.nats.JS.Stream(t.Context(), events.EventsStream.Name)
	if err != nil {
		t.Fatal(err)
	}
	info, err := stream.Info(t.Context(), jetstream.WithSubjectFilter(subject))
	if err != nil {
		t.Fatal(err)
	}
	n := info.State.Subjects[subject]
	if n == 0 {
		return nil
	}
	cons, err := stream.OrderedConsumer(t.Context(), jetstream.OrderedConsumerConfig{FilterSubjects: []string{subject}})
	if err != nil {
		t.Fatal(err)
	}
	batch, err := cons.Fetch(int(min(n, 10_000)), jetstream.FetchMaxWait(10*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	var out []events.Envelope
	for msg := range batch.Messages() {
		var env events.Envelope
		if err := json.Unmarshal(msg.Data(), &env); err != nil {
			t.Fatalf("event is not a CloudEvent: %v", err)
		}
		if got := msg.Headers().Get(jetstream.MsgIDHeader); got != env.ID {
			t.Errorf("Nats-Msg-Id %q differs from the event id %q", got, env.ID)
		}
		out = append(out, env)
	}
	if err := batch.Error(); err != nil {
		t.Fatal(err)
	}
	if uint64(len(out)) != n {
		t.Fatalf("fetched %d of %d events", len(out), n)
	}
	return out
}

func (f *fixture) registered(t *testing.T) int64 {
	t.Helper()
	n, err := f.reg.Count(t.Context(), f.agency, vntime.Year(time.Now()))
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestAccept(t *testing.T) {
	t.Parallel()
	srv := startServers(t)
	for name, dsn := range map[string]func(testing.TB) string{"sqlite": testkit.SQLite, "postgres": testkit.Postgres} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			t.Run("refusals leave nothing behind", func(t *testing.T) { t.Parallel(); testRefusals(t, srv, dsn) })
			t.Run("a good PDF is kept, numbered and announced", func(t *testing.T) { t.Parallel(); testGoodPDF(t, srv, dsn) })
			t.Run("a repeated request returns the same document", func(t *testing.T) { t.Parallel(); testRepeatedRequest(t, srv, dsn) })
			t.Run("concurrent repeats of one request register it once", func(t *testing.T) { t.Parallel(); testConcurrentRepeats(t, srv, dsn) })
			t.Run("a failed registration leaves nothing behind", func(t *testing.T) { t.Parallel(); testFailedRegistration(t, srv, dsn) })
			t.Run("an event that missed the stream is announced later", func(t *testing.T) { t.Parallel(); testLateAnnouncement(t, srv, dsn) })
			t.Run("concurrent uploads get consecutive numbers", func(t *testing.T) { t.Parallel(); testConcurrentUploads(t, srv, dsn) })
			t.Run("the document's own details are registered and announced", func(t *testing.T) { t.Parallel(); testDetails(t, srv, dsn) })
			t.Run("secret documents have their own numbers", func(t *testing.T) { t.Parallel(); testSecretSeries(t, srv, dsn) })
		})
	}
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

func testRepeatedRequest(t *testing.T, srv *servers, dsn func(testing.TB) string) {
	f := srv.fixture(t, dsn(t))
	req := f.request(f.stage(t, readSample(t, "one-page.pdf")))
	first, err := f.desk.Accept(t.Context(), req)
	if err != nil {
		t.Fatal(err)
	}
	// The staged upload is gone by now; the register remembers it.
	again, err := f.desk.Accept(t.Context(), req)
	if err != nil {
		t.Fatalf("repeated Accept: %v", err)
	}
	if !sameReply(again, first) {
		t.Errorf("repeated Accept = %+v, want %+v", again, first)
	}
	if n := len(f.received(t)); n != 1 {
		t.Errorf("%d events, want 1", n)
	}
	if got := f.objects(t); len(got) != 1 {
		t.Errorf("bucket holds %v, want the one original", got)
	}
	next := f.accept(t, readSample(t, "one-page.pdf"))
	if next.ArrivalNumber != 2 {
		t.Errorf("next upload got number %d, want 2", next.ArrivalNumber)
	}
}

func testConcurrentRepeats(t *testing.T, srv *servers, dsn func(testing.TB) string) {
	f := srv.fixture(t, dsn(t))
	req := f.request(f.stage(t, readSample(t, "three-pages.pdf")))
	const n = 4
	replies := make([]svc.AcceptReply, n)
	failures := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { replies[i], failures[i] = f.desk.Accept(context.WithoutCancel(t.Context()), req) })
	}
	wg.Wait()
	for _, err := range failures {
		if err != nil {
			t.Fatalf("concurrent repeat failed: %v", err)
		}
	}
	ok := replies
	for _, r := range ok[1:] {
		if !sameReply(r, ok[0]) {
			t.Errorf("replies differ: %+v and %+v", r, ok[0])
		}
	}
	if ok[0].ArrivalNumber != 1 || f.registered(t) != 1 {
		t.Errorf("number %d with %d entries, want one entry numbered 1", ok[0].ArrivalNumber, f.registered(t))
	}
	if got := f.objects(t); !slices.Equal(got, []string{"originals/" + ok[0].DocumentID + ".pdf"}) {
		t.Errorf("bucket holds %v, want one version of the original", got)
	}
	if n := len(f.received(t)); n != 1 {
		t.Errorf("%d events, want 1", n)
	}
}

func testFailedRegistration(t *testing.T, srv *servers, dsn func(testing.TB) string) {
	f := srv.fixture(t, dsn(t))
	refuseInserts(t, f.db)
	req := f.request(f.stage(t, readSample(t, "one-page.pdf")))
	_, err := f.desk.Accept(t.Context(), req)
	if err == nil {
		t.Fatal("Accept succeeded although the register refused the entry")
	}
	if k := errs.KindOf(err); k != errs.Unavailable {
		t.Errorf("failure of kind %s, want unavailable (the caller may retry): %v", k, err)
	}
	if left := f.objects(t); len(left) > 0 {
		t.Errorf("objects left behind: %v", left)
	}
	if evs := f.received(t); len(evs) != 0 {
		t.Errorf("%d events after a failed registration", len(evs))
	}
	allowInserts(t, f.db)
	if rep := f.accept(t, readSample(t, "one-page.pdf")); rep.ArrivalNumber != 1 {
		t.Errorf("after a failed registration the next number is %d, want 1", rep.ArrivalNumber)
	}
}

// refuseInserts makes the database refuse every register entry, inside the
// registration's transaction (after the counter has been advanced).
func refuseInserts(t *testing.T, db *sqlstore.DB) {
	t.Helper()
	var stmts []string
	switch db.Dialect {
	case sqlstore.SQLite:
		stmts = []string{`CREATE TRIGGER refuse_all BEFORE INSERT ON intake_documents BEGIN SELECT RAISE(ABORT, 'refused by test trigger'); END`}
	case sqlstore.Postgres:
		stmts = []string{
			`CREATE FUNCTION refuse_all() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'refused by test trigger'; END $$ LANGUAGE plpgsql`,
			`CREATE TRIGGER refuse_all BEFORE INSERT ON intake_documents FOR EACH ROW EXECUTE FUNCTION refuse_all()`,
		}
	}
	for _, s := range stmts {
		if _, err := db.ExecContext(t.Context(), s); err != nil {
			t.Fatal(err)
		}
	}
}

func allowInserts(t *testing.T, db *sqlstore.DB) {
	t.Helper()
	stmt := `DROP TRIGGER refuse_all`
	if db.Dialect == sqlstore.Postgres {
		stmt += ` ON intake_documents`
	}
	if _, err := db.ExecContext(t.Context(), stmt); err != nil {
		t.Fatal(err)
	}
}

// unreachable stands for a NATS server that is away when intake publishes.
type unreachable struct{}

func (unreachable) PublishWithID(context.Context, string, time.Time, events.Type, string, string, any) (events.Envelope, error) {
	return events.Envelope{}, errors.New("nats: no servers available for connection")
}

func testLateAnnouncement(t *testing.T, srv *servers, dsn func(testing.TB) string) {
	dbDSN := dsn(t)
	offline := srv.fixture(t, dbDSN, withPublisher(unreachable{}))
	rep := offline.accept(t, readSample(t, "one-page.pdf"))
	if rep.ArrivalNumber != 1 {
		t.Errorf("arrival number %d, want 1: the document is registered even if its event is late", rep.ArrivalNumber)
	}
	if evs := offline.received(t); len(evs) != 0 {
		t.Fatalf("%d events although NATS was away", len(evs))
	}

	// The service comes back (here: a desk on the same register that can
	// publish) and announces what was missed.
	online := srv.fixture(t, dbDSN)
	online.agency, online.clerk = offline.agency, offline.clerk
	n, err := online.desk.AnnouncePending(t.Context(), 0)
	if err != nil || n != 1 {
		t.Fatalf("AnnouncePending = %d, %v; want 1 event published", n, err)
	}
	evs := online.received(t)
	if len(evs) != 1 || evs[0].Subject != rep.DocumentID {
		t.Fatalf("events after announcing: %+v", evs)
	}
	if n, err := online.desk.AnnouncePending(t.Context(), 0); err != nil || n != 0 {
		t.Errorf("second AnnouncePending = %d, %v; want nothing left to publish", n, err)
	}
}

func testConcurrentUploads(t *testing.T, srv *servers, dsn func(testing.TB) string) {
	f := srv.fixture(t, dsn(t))
	const n = 12
	pdf := readSample(t, "one-page.pdf")
	staged := make([]events.Object, n)
	for i := range staged {
		staged[i] = f.stage(t, pdf)
	}
	numbers := make([]int64, n)
	failures := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			rep, err := f.desk.Accept(context.WithoutCancel(t.Context()), f.request(staged[i]))
			numbers[i], failures[i] = rep.ArrivalNumber, err
		})
	}
	wg.Wait()
	for _, err := range failures {
		if err != nil {
			t.Fatalf("concurrent Accept: %v", err)
		}
	}
	slices.Sort(numbers)
	for i, got := range numbers {
		if got != int64(i+1) {
			t.Fatalf("numbers %v are not 1..%d", numbers, n)
		}
	}
	if got := len(f.objects(t)); got != n {
		t.Errorf("%d objects, want %d originals", got, n)
	}
	if got := len(f.received(t)); got != n {
		t.Errorf("%d events, want %d", got, n)
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

func sameReply(a, b svc.AcceptReply) bool {
	return a.ReceivedAt.Equal(b.ReceivedAt) && a.DocumentID == b.DocumentID && a.ArrivalNumber == b.ArrivalNumber &&
		a.ArrivalYear == b.ArrivalYear && a.Status == b.Status && a.Original == b.Original
}

func readSample(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "pdfcheck", "testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func randomHex(t *testing.T, n int) string {
	t.Helper()
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("%x", b)
}
