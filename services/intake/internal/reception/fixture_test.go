package reception_test

import (
	"bytes"
	"crypto/rand"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
	"go.uber.org/zap/zaptest"

	events "github.com/docflow/docflow/api/events/v1"
	"github.com/docflow/docflow/api/objectkey"
	svc "github.com/docflow/docflow/api/svc/v1"
	"github.com/docflow/docflow/api/vntime"
	"github.com/docflow/docflow/services/intake/internal/reception"
	"github.com/docflow/docflow/services/intake/internal/register"
	"github.com/docflow/docflow/services/intake/internal/register/registertest"
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
	reg, db := registertest.Open(t, dsn)
	agency := "000.00.00.T" + strings.ToUpper(randomHex(t, 4))
	desk := reception.New(reception.Config{Bucket: bucket, MaxBytes: setup.maxBytes, MaxConcurrent: 4},
		s.s3.Store, reg, registertest.Kinds(t), setup.publisher, zaptest.NewLogger(t), time.Now)
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
	return testkit.Published(t, f.nats.JS, events.EventSubject(f.agency, events.DocumentReceived))
}

func (f *fixture) registered(t *testing.T) int64 {
	t.Helper()
	n, err := f.reg.Count(t.Context(), f.agency, vntime.Year(time.Now()))
	if err != nil {
		t.Fatal(err)
	}
	return n
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
