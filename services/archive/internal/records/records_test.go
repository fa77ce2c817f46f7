package records

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
	"go.uber.org/zap/zaptest"

	events "github.com/docflow/docflow/api/events/v1"
	"github.com/docflow/docflow/api/objectkey"
	"github.com/docflow/docflow/services/archive/internal/catalog"
	"github.com/docflow/docflow/services/archive/internal/catalog/catalogtest"
	"github.com/docflow/docflow/services/internal/natsx"
	"github.com/docflow/docflow/services/internal/objstore"
	"github.com/docflow/docflow/services/internal/testkit"
	"github.com/docflow/docflow/workflows"
)

const (
	docsBucket    = "docflow-documents"
	archiveBucket = "docflow-archive"
)

// world is one set of real servers shared by the subtests of a test: a
// versitygw with a versioned documents bucket and an object-lock archive
// bucket, an embedded NATS with the events stream, and an SQLite catalog.
type world struct {
	store   *objstore.S3
	js      jetstream.JetStream
	catalog *catalog.Catalog
	seq     atomic.Int64
}

func newWorld(t *testing.T) *world {
	t.Helper()
	s3 := testkit.S3(t)
	nt := testkit.NATS(t)
	ctx := t.Context()
	if err := s3.Store.EnsureBucket(ctx, docsBucket, objstore.BucketOptions{Versioning: true}); err != nil {
		t.Fatal(err)
	}
	if err := s3.Store.EnsureBucket(ctx, archiveBucket, objstore.BucketOptions{ObjectLock: true}); err != nil {
		t.Fatal(err)
	}
	if err := natsx.EnsureStreams(ctx, nt.JS, events.Streams); err != nil {
		t.Fatal(err)
	}
	cat := catalogtest.Open(t, testkit.SQLite(t))
	return &world{store: s3.Store, js: nt.JS, catalog: cat}
}

func (w *world) archiver(t *testing.T) *Archiver {
	t.Helper()
	return New(w.store, w.catalog, natsx.NewPublisher(w.js, "archive"), Config{
		DocumentsBucket: docsBucket, ArchiveBucket: archiveBucket, RetentionYears: 10,
	}, zaptest.NewLogger(t))
}

// signed stores a signed PDF in the documents bucket, as the signing service
// does, and returns the archive request for it. Each call is a new document
// of its own agency, so events can be counted per subject.
func (w *world) signed(t *testing.T) (workflows.ArchiveDocumentInput, []byte) {
	t.Helper()
	n := w.seq.Add(1)
	docID := fmt.Sprintf("0190f0c4-0000-7000-8000-%012d", n)
	pdf := fmt.Appendf(nil, "%%PDF-1.7\n%% signed document %d\n1 0 obj <<>> endobj\n%%%%EOF\n", n)
	info, err := w.store.Put(t.Context(), docsBucket, "signed/"+docID+".pdf", bytes.NewReader(pdf), int64(len(pdf)),
		objstore.PutOptions{ContentType: "application/pdf"})
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(pdf)
	return workflows.ArchiveDocumentInput{
		DocumentID:    docID,
		Agency:        fmt.Sprintf("000.00.%02d.G22", n),
		Kind:          "QUYET_DINH",
		Subject:       "Quyết định phê duyệt kế hoạch số " + fmt.Sprint(n),
		ArrivalNumber: n,
		Signed: events.Object{
			Bucket: docsBucket, Key: info.Key, VersionID: info.VersionID,
			Size: int64(len(pdf)), SHA256: hex.EncodeToString(sum[:]),
		},
		Signer:   "lanhdao",
		SignedAt: time.Date(2026, 12, 31, 18, 0, 0, 0, time.UTC), // already 2027 in Vietnam
	}, pdf
}

func (w *world) read(t *testing.T, bucket, key, versionID string) []byte {
	t.Helper()
	body, _, err := w.store.Get(t.Context(), bucket, key, versionID)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = body.Close() }()
	b, err := io.ReadAll(body)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// archivedEvents returns the document.archived events of the agency.
func (w *world) archivedEvents(t *testing.T, agency string) []events.Envelope {
	t.Helper()
	return testkit.Published(t, w.js, events.EventSubject(agency, events.DocumentArchived))
}

func TestArchive(t *testing.T) {
	t.Parallel()
	w := newWorld(t)

	t.Run("keeps the signed PDF under a compliance lock and catalogs it", func(t *testing.T) {
		t.Parallel()
		a := w.archiver(t)
		in, pdf := w.signed(t)
		before := time.Now()
		rec, err := a.Archive(t.Context(), in)
		if err != nil {
			t.Fatal(err)
		}

		wantKey := "records/" + events.AgencyToken(in.Agency) + "/2027/" + in.DocumentID + ".pdf"
		if rec.Object.Bucket != archiveBucket || rec.Object.Key != wantKey || rec.Object.VersionID == "" {
			t.Errorf("record object = %+v, want %s/%s with a version", rec.Object, archiveBucket, wantKey)
		}
		if rec.Object.SHA256 != in.Signed.SHA256 || rec.Object.Size != in.Signed.Size {
			t.Errorf("record digest/size = %s/%d, want %s/%d", rec.Object.SHA256, rec.Object.Size, in.Signed.SHA256, in.Signed.Size)
		}
		if rec.ArchivedAt.Before(before.Add(-time.Second)) || rec.ArchivedAt.After(time.Now()) {
			t.Errorf("archived at %v, want the time of the call", rec.ArchivedAt)
		}

		stored := w.read(t, archiveBucket, rec.Object.Key, rec.Object.VersionID)
		if !bytes.Equal(stored, pdf) {
			t.Fatal("archived bytes differ from the signed PDF")
		}
		if sum := sha256.Sum256(stored); hex.EncodeToString(sum[:]) != rec.Object.SHA256 {
			t.Errorf("sha256 of the stored object %x != catalog's %s", sum, rec.Object.SHA256)
		}

		info, err := w.store.Stat(t.Context(), archiveBucket, rec.Object.Key, rec.Object.VersionID)
		if err != nil {
			t.Fatal(err)
		}
		minUntil := rec.ArchivedAt.AddDate(10, 0, 0)
		if info.RetentionMode != objstore.RetentionCompliance || info.RetainUntil.Before(minUntil) || info.RetainUntil.After(minUntil.Add(time.Second)) {
			t.Errorf("object retention = %s until %v, want COMPLIANCE until %v", info.RetentionMode, info.RetainUntil, minUntil)
		}
		if !rec.RetainUntil.Equal(info.RetainUntil) || rec.RetentionMode != info.RetentionMode {
			t.Errorf("catalog retention %s until %v, object's %s until %v", rec.RetentionMode, rec.RetainUntil, info.RetentionMode, info.RetainUntil)
		}

		if err := w.store.Delete(t.Context(), archiveBucket, rec.Object.Key, rec.Object.VersionID); !errors.Is(err, objstore.ErrLocked) {
			t.Errorf("deleting the archived version = %v, want objstore.ErrLocked", err)
		}
		if _, err := w.store.Put(t.Context(), archiveBucket, rec.Object.Key, strings.NewReader("tampered"), 8, objstore.PutOptions{}); !errors.Is(err, objstore.ErrLocked) {
			t.Errorf("overwriting the archived record = %v, want objstore.ErrLocked", err)
		}
		if again := w.read(t, archiveBucket, rec.Object.Key, rec.Object.VersionID); !bytes.Equal(again, pdf) {
			t.Error("archived bytes changed after delete and overwrite attempts")
		}

		got, err := w.catalog.Get(t.Context(), in.Agency, rec.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Object != rec.Object || got.Subject != in.Subject || got.Signer != in.Signer || !got.SignedAt.Equal(in.SignedAt) {
			t.Errorf("catalog has %+v, want the archived record %+v", got, rec)
		}

		evs := w.archivedEvents(t, in.Agency)
		if len(evs) != 1 {
			t.Fatalf("%d document.archived events, want 1", len(evs))
		}
		var data events.DocumentArchivedData
		if err := json.Unmarshal(evs[0].Data, &data); err != nil {
			t.Fatal(err)
		}
		if evs[0].ID != EventID(in.DocumentID) || evs[0].Subject != in.DocumentID || data.RecordID != rec.ID || data.Object != rec.Object ||
			data.RetentionMode != objstore.RetentionCompliance {
			t.Errorf("event %+v with data %+v does not describe record %+v", evs[0], data, rec)
		}
	})

	t.Run("archiving twice returns the same record without a second copy or event", func(t *testing.T) {
		t.Parallel()
		a := w.archiver(t)
		in, _ := w.signed(t)
		first, err := a.Archive(t.Context(), in)
		if err != nil {
			t.Fatal(err)
		}
		second, err := a.Archive(t.Context(), in)
		if err != nil {
			t.Fatal(err)
		}
		if second.ID != first.ID || second.Object != first.Object || !second.ArchivedAt.Equal(first.ArchivedAt) {
			t.Errorf("second call = %+v, want the first record %+v", second, first)
		}
		latest, err := w.store.Stat(t.Context(), archiveBucket, first.Object.Key, "")
		if err != nil {
			t.Fatal(err)
		}
		if latest.VersionID != first.Object.VersionID {
			t.Errorf("latest archive version %s, want the first copy %s", latest.VersionID, first.Object.VersionID)
		}
		if evs := w.archivedEvents(t, in.Agency); len(evs) != 1 {
			t.Errorf("%d document.archived events after two calls, want 1", len(evs))
		}
	})

	t.Run("an interrupted attempt's copy is reused", func(t *testing.T) {
		t.Parallel()
		a := w.archiver(t)
		in, _ := w.signed(t)
		// The copy is made, then the process dies before cataloging it.
		left, err := a.copy(t.Context(), in, objectkey.Record(in.Agency, in.SignedAt, in.DocumentID))
		if err != nil {
			t.Fatal(err)
		}
		rec, err := a.Archive(t.Context(), in)
		if err != nil {
			t.Fatal(err)
		}
		if rec.Object.VersionID != left.VersionID || !rec.RetainUntil.Equal(left.RetainUntil) {
			t.Errorf("record uses version %s retained until %v, want the existing copy %s until %v",
				rec.Object.VersionID, rec.RetainUntil, left.VersionID, left.RetainUntil)
		}
	})

	t.Run("concurrent attempts archive the document once", func(t *testing.T) {
		t.Parallel()
		in, pdf := w.signed(t)
		const attempts = 4
		results := make([]workflows.ArchiveDocumentResult, attempts)
		errc := make([]error, attempts)
		var wg sync.WaitGroup
		for i := range attempts {
			wg.Go(func() {
				acts := NewActivities(w.archiver(t))
				// Like Temporal: an attempt that failed retryably runs again.
				for range 5 {
					results[i], errc[i] = acts.ArchiveDocument(t.Context(), in)
					var appErr *temporal.ApplicationError
					if errc[i] == nil || errors.As(errc[i], &appErr) && appErr.NonRetryable() {
						return
					}
				}
			})
		}
		wg.Wait()
		for i := range attempts {
			if errc[i] != nil {
				t.Fatalf("attempt %d: %v", i, errc[i])
			}
			if results[i] != results[0] {
				t.Errorf("attempt %d archived %+v, attempt 0 %+v", i, results[i], results[0])
			}
		}
		// Racing copies may leave extra versions; the cataloged one is locked.
		obj := results[0].Object
		if err := w.store.Delete(t.Context(), archiveBucket, obj.Key, obj.VersionID); !errors.Is(err, objstore.ErrLocked) {
			t.Errorf("deleting the cataloged version = %v, want objstore.ErrLocked", err)
		}
		if got := w.read(t, archiveBucket, obj.Key, obj.VersionID); !bytes.Equal(got, pdf) {
			t.Error("cataloged version does not hold the signed PDF")
		}
	})

	t.Run("a retained copy of another signature is never hidden", func(t *testing.T) {
		t.Parallel()
		a := w.archiver(t)
		in, _ := w.signed(t)
		// An earlier signature of the document was copied, then signing ran
		// again before the copy was cataloged.
		earlier, _ := w.signed(t)
		earlier.DocumentID, earlier.Agency = in.DocumentID, in.Agency
		left, err := a.copy(t.Context(), earlier, objectkey.Record(in.Agency, in.SignedAt, in.DocumentID))
		if err != nil {
			t.Fatal(err)
		}
		_, err = NewActivities(a).ArchiveDocument(t.Context(), in)
		assertNonRetryable(t, err, ErrTypeConflict)
		latest, err := w.store.Stat(t.Context(), archiveBucket, left.Key, "")
		if err != nil {
			t.Fatal(err)
		}
		if latest.VersionID != left.VersionID {
			t.Errorf("latest version at the key is %s, want the retained earlier copy %s", latest.VersionID, left.VersionID)
		}
	})

	t.Run("runs as the ArchiveDocument activity", func(t *testing.T) {
		t.Parallel()
		in, _ := w.signed(t)
		var suite testsuite.WorkflowTestSuite
		env := suite.NewTestActivityEnvironment()
		NewActivities(w.archiver(t)).Register(env)
		val, err := env.ExecuteActivity(workflows.ActivityArchiveDocument, in)
		if err != nil {
			t.Fatal(err)
		}
		var res workflows.ArchiveDocumentResult
		if err := val.Get(&res); err != nil {
			t.Fatal(err)
		}
		rec, err := w.catalog.ByDocument(t.Context(), in.DocumentID)
		if err != nil {
			t.Fatal(err)
		}
		if res.RecordID != rec.ID || res.Object != rec.Object || !res.RetainUntil.Equal(rec.RetainUntil) {
			t.Errorf("activity result %+v does not match the catalog record %+v", res, rec)
		}
	})
}

func TestArchiveRefusals(t *testing.T) {
	t.Parallel()
	w := newWorld(t)

	tests := []struct {
		name string
		// change turns a valid request into the refused one (it may also
		// change storage).
		change   func(t *testing.T, in *workflows.ArchiveDocumentInput)
		wantType string
	}{
		{
			name: "digest does not match the stored PDF",
			change: func(_ *testing.T, in *workflows.ArchiveDocumentInput) {
				in.Signed.SHA256 = strings.Repeat("ab", 32)
			},
			wantType: workflows.ErrSourceIntegrity,
		},
		{
			name: "size does not match the stored PDF",
			change: func(_ *testing.T, in *workflows.ArchiveDocumentInput) {
				in.Signed.Size++
			},
			wantType: workflows.ErrSourceIntegrity,
		},
		{
			name: "signed PDF replaced after signing",
			change: func(t *testing.T, in *workflows.ArchiveDocumentInput) {
				if _, err := w.store.Put(t.Context(), docsBucket, in.Signed.Key, strings.NewReader("%PDF-1.7 other"), 14, objstore.PutOptions{}); err != nil {
					t.Fatal(err)
				}
			},
			wantType: workflows.ErrSourceIntegrity,
		},
		{
			name: "signed PDF missing",
			change: func(_ *testing.T, in *workflows.ArchiveDocumentInput) {
				in.Signed.Key = "signed/missing.pdf"
				in.Signed.VersionID = ""
			},
			wantType: ErrTypeSourceMissing,
		},
		{
			name: "signed PDF outside the documents bucket",
			change: func(_ *testing.T, in *workflows.ArchiveDocumentInput) {
				in.Signed.Bucket = "somewhere-else"
			},
			wantType: ErrTypeInvalidInput,
		},
		{
			name: "agency that would escape its key prefix",
			change: func(_ *testing.T, in *workflows.ArchiveDocumentInput) {
				in.Agency = "../G22"
			},
			wantType: ErrTypeInvalidInput,
		},
		{
			name: "no subject",
			change: func(_ *testing.T, in *workflows.ArchiveDocumentInput) {
				in.Subject = " "
			},
			wantType: ErrTypeInvalidInput,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			in, _ := w.signed(t)
			tt.change(t, &in)
			_, err := NewActivities(w.archiver(t)).ArchiveDocument(t.Context(), in)
			assertNonRetryable(t, err, tt.wantType)

			// Nothing is left behind: no locked copy, no record, no event.
			key := objectkey.Record(in.Agency, in.SignedAt, in.DocumentID)
			if _, err := w.store.Stat(t.Context(), archiveBucket, key, ""); !errors.Is(err, objstore.ErrNotFound) {
				t.Errorf("archive bucket has %s after a refusal (stat: %v)", key, err)
			}
			if _, err := w.catalog.ByDocument(t.Context(), in.DocumentID); err == nil {
				t.Error("catalog has a record after a refusal")
			}
			if in.Agency != "../G22" {
				if evs := w.archivedEvents(t, in.Agency); len(evs) != 0 {
					t.Errorf("%d document.archived events after a refusal", len(evs))
				}
			}
		})
	}

	t.Run("document already archived with other content", func(t *testing.T) {
		t.Parallel()
		in, _ := w.signed(t)
		acts := NewActivities(w.archiver(t))
		if _, err := acts.ArchiveDocument(t.Context(), in); err != nil {
			t.Fatal(err)
		}
		other, _ := w.signed(t)
		in.Signed = other.Signed
		_, err := acts.ArchiveDocument(t.Context(), in)
		assertNonRetryable(t, err, ErrTypeConflict)
	})
}

func assertNonRetryable(t *testing.T, err error, wantType string) {
	t.Helper()
	var appErr *temporal.ApplicationError
	if !errors.As(err, &appErr) {
		t.Fatalf("error = %v, want a Temporal application error of type %s", err, wantType)
	}
	if appErr.Type() != wantType || !appErr.NonRetryable() {
		t.Errorf("error type %q (non-retryable %v), want non-retryable %q: %v", appErr.Type(), appErr.NonRetryable(), wantType, err)
	}
	if strings.TrimSpace(appErr.Error()) == "" {
		t.Error("error has no message")
	}
}
