// Package records takes signed documents into the archive: it copies the
// signed PDF into the write-once archive bucket under a compliance retention,
// proves the stored bytes are the ones that were signed (fixity on ingest),
// catalogs the record and announces it with a document.archived event.
package records

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/google/uuid"
	"go.uber.org/zap"

	"github.com/docflow/docflow/api/errcode"
	events "github.com/docflow/docflow/api/events/v1"
	"github.com/docflow/docflow/api/ids"
	"github.com/docflow/docflow/api/objectkey"
	"github.com/docflow/docflow/services/archive/internal/catalog"
	"github.com/docflow/docflow/services/internal/errs"
	"github.com/docflow/docflow/services/internal/natsx"
	"github.com/docflow/docflow/services/internal/objstore"
	"github.com/docflow/docflow/workflows"
)

// Causes of a refused archiving that no retry can fix; callers tell them
// apart with errors.Is.
var (
	// ErrSourceIntegrity: the signed PDF in the documents bucket is not the
	// one that was signed (digest or size differ, or it was replaced).
	ErrSourceIntegrity = errors.New("signed PDF does not match its digest")
	// ErrSourceMissing: the signed PDF is not in the documents bucket.
	ErrSourceMissing = errors.New("signed PDF not found")
	// ErrFixity: the copy in the archive bucket does not read back as the
	// signed PDF.
	ErrFixity = errors.New("archived copy does not match the signed PDF")

	errNotLocked = errors.New("archive copy is not under retention")
)

// Metadata keys stored with each archived object, so the object describes
// itself even without the catalog (and a retried ingest can recognise it).
const (
	metaDocumentID = "docflow-document-id"
	metaRecordID   = "docflow-record-id"
	metaAgency     = "docflow-agency"
	metaArchivedAt = "docflow-archived-at"
)

// Publisher publishes an event with an id chosen by the caller, so a repeated
// publication is dropped by JetStream and recognised by consumers.
type Publisher interface {
	PublishWithID(ctx context.Context, id string, at time.Time, t events.Type, agency, documentID string, data any) (events.Envelope, error)
}

// Config says where records go and for how long they are kept.
type Config struct {
	// DocumentsBucket is the only bucket signed PDFs are taken from.
	DocumentsBucket string
	// ArchiveBucket is the object-lock bucket records are kept in.
	ArchiveBucket string
	// RetentionYears is how long, from archiving, a record cannot be deleted.
	RetentionYears int
}

// Archiver takes signed documents into the archive.
type Archiver struct {
	store   objstore.Store
	catalog *catalog.Catalog
	events  Publisher
	cfg     Config
	log     *zap.Logger
	now     func() time.Time
}

// New returns an Archiver. The archive bucket must already exist with object
// lock (see objstore.Store.EnsureBucket).
func New(store objstore.Store, cat *catalog.Catalog, pub Publisher, cfg Config, log *zap.Logger) *Archiver {
	return &Archiver{store: store, catalog: cat, events: pub, cfg: cfg, log: log, now: time.Now}
}

// RecordID is the catalog id of a document's record. It is derived from the
// document id, so every attempt at archiving one document names one record.
func RecordID(documentID string) string {
	return uuid.NewSHA1(uuid.NameSpaceURL, []byte("urn:docflow:archive-record:"+documentID)).String()
}

// EventID is the id of a document's document.archived event.
func EventID(documentID string) string { return natsx.EventID("archived:" + documentID) }

// Archive keeps the signed PDF of in as an archive record and returns it.
// It is idempotent: archiving a document again returns its record, writes no
// second copy and republishes the same event (which JetStream deduplicates).
func (a *Archiver) Archive(ctx context.Context, in workflows.ArchiveDocumentInput) (catalog.Record, error) {
	const op = "records.Archive"
	log := a.log.With(zap.String("document_id", in.DocumentID), zap.String("agency", in.Agency))
	if err := a.validate(op, in); err != nil {
		return catalog.Record{}, err
	}

	rec, err := a.catalog.ByDocument(ctx, in.DocumentID)
	switch {
	case err == nil:
		if rec.Object.SHA256 != in.Signed.SHA256 {
			return catalog.Record{}, errs.E(op, errs.Conflict, errcode.Conflict,
				"document "+in.DocumentID+" is already archived with different content (sha256 "+rec.Object.SHA256+")")
		}
		log.Info("document already archived", zap.String("record_id", rec.ID))
	case errs.KindOf(err) == errs.NotFound:
		if rec, err = a.ingest(ctx, in, log); err != nil {
			return catalog.Record{}, errs.Wrap(op, err)
		}
	default:
		return catalog.Record{}, errs.Wrap(op, err)
	}

	// Published on every call: an earlier attempt may have cataloged the
	// record and failed before its event went out.
	if err := a.publish(ctx, rec); err != nil {
		return catalog.Record{}, errs.Wrap(op, err)
	}
	return rec, nil
}

// ingest stores the archive copy (or finds one an interrupted attempt left),
// checks its fixity and catalogs it.
func (a *Archiver) ingest(ctx context.Context, in workflows.ArchiveDocumentInput, log *zap.Logger) (catalog.Record, error) {
	key := objectkey.Record(in.Agency, in.SignedAt, in.DocumentID)
	info, occ, err := a.atKey(ctx, in, key)
	if err != nil {
		return catalog.Record{}, err
	}
	switch occ {
	case ours:
		log.Info("reusing the archive copy of an interrupted attempt", zap.String("key", key), zap.String("version_id", info.VersionID))
	case foreignRetained:
		return catalog.Record{}, occupied(in, info)
	default:
		copied, err := a.copy(ctx, in, key)
		if errors.Is(err, objstore.ErrLocked) || errors.Is(err, errNotLocked) {
			copied, err = a.afterLostRace(ctx, in, key, err)
		}
		if err != nil {
			return catalog.Record{}, err
		}
		info = copied
		log.Info("signed PDF copied into the archive", zap.String("key", key), zap.String("version_id", info.VersionID),
			zap.Time("retain_until", info.RetainUntil))
	}
	if err := a.checkFixity(ctx, info, in.Signed); err != nil {
		return catalog.Record{}, err
	}

	archivedAt, err := time.Parse(time.RFC3339Nano, info.Metadata[metaArchivedAt])
	if err != nil {
		// Written by this package, so the stamp is there; the store's own time
		// is the next best witness of when the copy was made.
		archivedAt = info.LastModified
	}
	rec, created, err := a.catalog.Insert(ctx, catalog.Record{
		ID:            RecordID(in.DocumentID),
		DocumentID:    in.DocumentID,
		Agency:        in.Agency,
		Kind:          in.Kind,
		Subject:       in.Subject,
		ArrivalNumber: in.ArrivalNumber,
		Object: events.Object{
			Bucket: info.Bucket, Key: info.Key, VersionID: info.VersionID,
			Size: info.Size, SHA256: in.Signed.SHA256,
		},
		RetentionMode:   info.RetentionMode,
		RetainUntil:     info.RetainUntil,
		Signer:          in.Signer,
		SignedAt:        in.SignedAt,
		ArchivedAt:      archivedAt.UTC(),
		Confidentiality: in.Confidentiality,
	})
	if err != nil {
		return catalog.Record{}, err
	}
	if created {
		log.Info("document archived", zap.String("record_id", rec.ID), zap.String("version_id", rec.Object.VersionID))
	}
	return rec, nil
}

// occupant says what the latest version at a document's archive key is.
type occupant int

const (
	empty             occupant = iota // nothing: the key is free
	ours                              // a retained copy of this very signed PDF
	foreignRetained                   // a retained object with other content: never replaced
	foreignUnretained                 // an unretained object: a new copy supersedes it
)

func (a *Archiver) atKey(ctx context.Context, in workflows.ArchiveDocumentInput, key string) (objstore.Info, occupant, error) {
	info, err := a.store.Stat(ctx, a.cfg.ArchiveBucket, key, "")
	switch {
	case errors.Is(err, objstore.ErrNotFound):
		return objstore.Info{}, empty, nil
	case err != nil:
		return objstore.Info{}, empty, unavailable("records.atKey", "archive storage is not reachable", err)
	case info.RetentionMode == "":
		return info, foreignUnretained, nil
	case info.Metadata[metaDocumentID] == in.DocumentID && info.SHA256 == in.Signed.SHA256:
		return info, ours, nil
	default:
		return info, foreignRetained, nil
	}
}

// afterLostRace handles a copy the store refused (the key became retained)
// or did not lock (it was superseded mid-write): both happen when another
// attempt at the same document, a retry started while the first still ran,
// copied at the same time. Its copy is as good as ours.
func (a *Archiver) afterLostRace(ctx context.Context, in workflows.ArchiveDocumentInput, key string, copyErr error) (objstore.Info, error) {
	info, occ, err := a.atKey(ctx, in, key)
	switch {
	case err != nil:
		return objstore.Info{}, err
	case occ == ours:
		return info, nil
	case occ == foreignRetained:
		return objstore.Info{}, occupied(in, info)
	case errors.Is(copyErr, errNotLocked) && occ == empty:
		// The unlocked copy was ours alone: the bucket has no object lock.
		return objstore.Info{}, copyErr
	}
	return objstore.Info{}, errs.E("records.copy", errs.Unavailable, errcode.Unavailable,
		"another attempt at archiving document "+in.DocumentID+" is storing its copy; try again").WithCause(copyErr)
}

// occupied is the refusal to archive a document whose key already holds a
// retained copy of other content (its signing ran again after a copy of the
// first signature was made): the retained copy is never hidden.
func occupied(in workflows.ArchiveDocumentInput, info objstore.Info) error {
	return errs.E("records.ingest", errs.Conflict, errcode.Conflict,
		fmt.Sprintf("the archive already keeps another signed PDF of document %s (sha256 %s) at %s/%s under retention until %s; it is never replaced",
			in.DocumentID, info.SHA256, info.Bucket, info.Key, info.RetainUntil.Format(time.RFC3339)))
}

// copy checks the signed PDF against its digest, then copies it server-side
// into the archive bucket under a compliance retention. Checking first keeps
// a wrong file from ever becoming an undeletable archive version.
func (a *Archiver) copy(ctx context.Context, in workflows.ArchiveDocumentInput, key string) (objstore.Info, error) {
	src := in.Signed
	latest, err := a.store.Stat(ctx, src.Bucket, src.Key, "")
	if err != nil {
		return objstore.Info{}, sourceError(src, err)
	}
	// Copy takes the latest version, which must be the one that was signed.
	if src.VersionID != "" && latest.VersionID != src.VersionID {
		return objstore.Info{}, errs.E("records.copy", errs.Conflict, errcode.Conflict,
			fmt.Sprintf("signed PDF %s/%s was replaced after signing (version %s, signed version %s)", src.Bucket, src.Key, latest.VersionID, src.VersionID)).
			WithCause(ErrSourceIntegrity)
	}
	if err := a.verify(ctx, src.Bucket, src.Key, src.VersionID, src, ErrSourceIntegrity); err != nil {
		return objstore.Info{}, err
	}

	archivedAt := a.now().UTC()
	info, err := a.store.Copy(ctx, src.Bucket, src.Key, a.cfg.ArchiveBucket, key, objstore.PutOptions{
		ContentType: "application/pdf",
		Metadata: map[string]string{
			metaDocumentID: in.DocumentID,
			metaRecordID:   RecordID(in.DocumentID),
			metaAgency:     in.Agency,
			metaArchivedAt: archivedAt.Format(time.RFC3339Nano),
		},
		Retention: &objstore.Retention{
			Mode:  objstore.RetentionCompliance,
			Until: retainUntil(archivedAt, a.cfg.RetentionYears),
		},
	})
	if err != nil {
		switch {
		case errors.Is(err, objstore.ErrNotFound):
			return objstore.Info{}, sourceError(src, err)
		case errors.Is(err, objstore.ErrLocked):
			return objstore.Info{}, fmt.Errorf("records.copy: %w", err)
		}
		return objstore.Info{}, unavailable("records.copy", "could not copy the signed PDF into the archive bucket "+a.cfg.ArchiveBucket, err)
	}
	if info.RetentionMode != objstore.RetentionCompliance || info.RetainUntil.IsZero() {
		// An unlocked copy is no record: remove it rather than leave an
		// orphan. It happens when the bucket lacks object lock, or when a
		// concurrent attempt's copy superseded this one mid-write.
		if derr := a.store.Delete(ctx, info.Bucket, info.Key, info.VersionID); derr != nil {
			a.log.Warn("could not remove an unlocked archive copy", zap.String("document_id", in.DocumentID),
				zap.String("key", key), zap.String("version_id", info.VersionID), zap.Error(derr))
		}
		return objstore.Info{}, errs.E("records.copy", errs.Internal, errcode.Internal,
			"archive bucket "+a.cfg.ArchiveBucket+" did not lock the copy of document "+in.DocumentID+"; check that it has object lock enabled").
			WithCause(errNotLocked)
	}
	return info, nil
}

// checkFixity reads the archived copy back and proves it is the signed PDF.
func (a *Archiver) checkFixity(ctx context.Context, info objstore.Info, want events.Object) error {
	return a.verify(ctx, info.Bucket, info.Key, info.VersionID, want, ErrFixity)
}

// verify reads a version to the end, hashing it, and compares it with want.
// A mismatch is reported with cause, a read failure as unavailable.
func (a *Archiver) verify(ctx context.Context, bucket, key, versionID string, want events.Object, cause error) error {
	const op = "records.verify"
	body, _, err := a.store.Get(ctx, bucket, key, versionID)
	if err != nil {
		if errors.Is(cause, ErrSourceIntegrity) {
			return sourceError(want, err)
		}
		return unavailable(op, fmt.Sprintf("could not read %s/%s back", bucket, key), err)
	}
	defer func() { _ = body.Close() }()
	h := sha256.New()
	n, err := io.Copy(h, body)
	if errors.Is(err, objstore.ErrChecksum) {
		return mismatch(op, bucket, key, cause, "its bytes do not match the digest recorded when it was stored")
	}
	if err != nil {
		return unavailable(op, fmt.Sprintf("could not read %s/%s back", bucket, key), err)
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != want.SHA256 {
		return mismatch(op, bucket, key, cause, "sha256 is "+got+", expected "+want.SHA256)
	}
	if n != want.Size {
		return mismatch(op, bucket, key, cause, fmt.Sprintf("size is %d bytes, expected %d", n, want.Size))
	}
	return nil
}

func (a *Archiver) publish(ctx context.Context, rec catalog.Record) error {
	_, err := a.events.PublishWithID(ctx, EventID(rec.DocumentID), rec.ArchivedAt, events.DocumentArchived, rec.Agency, rec.DocumentID,
		events.DocumentArchivedData{
			DocumentID:    rec.DocumentID,
			RecordID:      rec.ID,
			Object:        rec.Object,
			RetainUntil:   rec.RetainUntil,
			RetentionMode: rec.RetentionMode,
			ArchivedAt:    rec.ArchivedAt,
		})
	if err != nil {
		return unavailable("records.publish", "could not publish the document.archived event", err)
	}
	return nil
}

func (a *Archiver) validate(op string, in workflows.ArchiveDocumentInput) error {
	e := errs.E(op, errs.Invalid, errcode.InvalidArgument, "")
	var problems []string
	bad := func(field, problem string) {
		e = e.WithDetail(field, problem)
		problems = append(problems, field+" "+problem)
	}
	badID := func(field string, err error) {
		if e := (*ids.Error)(nil); errors.As(err, &e) {
			bad(field, "is "+e.Reason)
		}
	}
	badID("document_id", ids.CheckDocument(in.DocumentID))
	badID("agency", ids.CheckAgency(in.Agency))
	if in.Kind == "" {
		bad("kind", "is required")
	}
	if strings.TrimSpace(in.Subject) == "" {
		bad("subject", "is required")
	}
	if in.SignedAt.IsZero() {
		bad("signed_at", "is required")
	}
	switch {
	case in.Signed.Bucket != a.cfg.DocumentsBucket:
		bad("signed.bucket", "must be the documents bucket "+a.cfg.DocumentsBucket)
	case in.Signed.Key == "":
		bad("signed.key", "is required")
	}
	if !isSHA256(in.Signed.SHA256) {
		bad("signed.sha256", "must be 64 lower-case hex digits")
	}
	if in.Signed.Size <= 0 {
		bad("signed.size", "must be positive")
	}
	if len(problems) == 0 {
		return nil
	}
	e.Message = "cannot archive: " + strings.Join(problems, "; ")
	return e
}

// retainUntil is archivedAt plus years, rounded up to the second because
// stores keep retention at second precision and must never keep less.
func retainUntil(archivedAt time.Time, years int) time.Time {
	t := archivedAt.AddDate(years, 0, 0)
	if r := t.Truncate(time.Second); !r.Equal(t) {
		return r.Add(time.Second)
	}
	return t
}

func sourceError(src events.Object, err error) error {
	if errors.Is(err, objstore.ErrNotFound) {
		return errs.E("records.source", errs.NotFound, errcode.NotFound,
			fmt.Sprintf("signed PDF %s/%s (version %q) is not in storage", src.Bucket, src.Key, src.VersionID)).
			WithCause(errors.Join(ErrSourceMissing, err))
	}
	return unavailable("records.source", "could not read the signed PDF "+src.Bucket+"/"+src.Key, err)
}

func mismatch(op, bucket, key string, cause error, what string) error {
	return errs.E(op, errs.Internal, errcode.Internal, fmt.Sprintf("%s: %s/%s: %s", cause, bucket, key, what)).WithCause(cause)
}

func unavailable(op, msg string, err error) error {
	return errs.E(op, errs.Unavailable, errcode.Unavailable, msg).WithCause(err)
}

func isSHA256(s string) bool {
	if len(s) != 64 {
		return false
	}
	return strings.IndexFunc(s, func(r rune) bool {
		return (r < '0' || r > '9') && (r < 'a' || r > 'f')
	}) < 0
}
