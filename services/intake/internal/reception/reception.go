// Package reception takes documents in: a staged upload is checked (its
// metadata, then its bytes as a PDF), kept as the original, entered in the
// incoming register with an arrival number and announced with a
// document.received event.
//
// The steps are ordered so that a refusal, a failure or a crash at any point
// leaves nothing half-written:
//
//  1. Nothing is stored before every check has passed, so a refusal only has
//     the staged upload to remove.
//  2. The original is a server-side copy under a key derived from the staged
//     object, so a repeated request after a crash finds or rewrites the same
//     original instead of leaving a second one behind.
//  3. The arrival number is taken in the same transaction that inserts the
//     register entry, and only once the original is stored: a failed
//     transaction returns the number and the original is removed again; a
//     crash before the commit leaves at most an original that the repeated
//     request reuses. (When no request comes again, that original and the
//     staged upload stay unreferenced until a clean-up sweeps them.)
//  4. The staged upload is removed only after the entry is committed, so a
//     crash in between loses nothing: the repeated request finds the entry.
//  5. The event is published after the commit with an id fixed in the entry;
//     an entry whose event did not make it onto the stream is announced again
//     (by the repeated request or by Announcer), and JetStream and every
//     consumer drop the repeat by that id.
package reception

import (
	"bytes"
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
	"github.com/docflow/docflow/api/objectkey"
	svc "github.com/docflow/docflow/api/svc/v1"
	"github.com/docflow/docflow/services/intake/internal/pdfcheck"
	"github.com/docflow/docflow/services/intake/internal/register"
	"github.com/docflow/docflow/services/internal/errs"
	"github.com/docflow/docflow/services/internal/objstore"
)

// Publisher publishes an event under an id the caller chose.
type Publisher interface {
	PublishWithID(ctx context.Context, id string, at time.Time, t events.Type, agency, documentID string, data any) (events.Envelope, error)
}

// Config tunes the desk.
type Config struct {
	// Bucket is the documents bucket: uploads are staged in it and originals
	// kept in it.
	Bucket string
	// MaxBytes is the largest PDF accepted.
	MaxBytes int64
	// MaxConcurrent bounds how many uploads are read and parsed at once:
	// each one is held in memory while it is checked.
	MaxConcurrent int
	// Verifier checks the signatures of uploads that carry any; an upload
	// with a signature that does not verify is refused. Nil accepts signed
	// uploads unchecked (the service always sets it).
	Verifier Verifier
}

// Desk is the reception desk of one intake service.
type Desk struct {
	cfg      Config
	objects  objstore.Store
	register *register.Register
	kinds    *register.Kinds
	events   Publisher
	log      *zap.Logger
	now      func() time.Time
	checking chan struct{} // one token per upload being checked
	inflight inflight
	uploads  keyedLocks // one request at a time per staged upload
}

// New returns a desk.
func New(cfg Config, objects objstore.Store, reg *register.Register, kinds *register.Kinds, pub Publisher, log *zap.Logger, now func() time.Time) *Desk {
	return &Desk{
		cfg:      cfg,
		objects:  objects,
		register: reg,
		kinds:    kinds,
		events:   pub,
		log:      log,
		now:      now,
		checking: make(chan struct{}, max(cfg.MaxConcurrent, 1)),
	}
}

// HandleAccept is the svc.IntakeAccept endpoint: Accept, unless the desk
// is closing.
func (d *Desk) HandleAccept(ctx context.Context, req svc.AcceptRequest) (svc.AcceptReply, error) {
	if !d.inflight.enter() {
		return svc.AcceptReply{}, shuttingDown("reception.HandleAccept")
	}
	defer d.inflight.leave()
	return d.Accept(ctx, req)
}

func shuttingDown(op string) error {
	return errs.E(op, errs.Unavailable, errcode.Unavailable, "intake is shutting down; try again in a moment")
}

// Close refuses new requests and waits for those in hand to finish.
func (d *Desk) Close() { d.inflight.closeAndWait() }

// Accept takes a staged upload in. Whatever the outcome, the staged upload
// is gone when Accept returns: it became the original, or it was refused.
func (d *Desk) Accept(ctx context.Context, req svc.AcceptRequest) (svc.AcceptReply, error) {
	const op = "reception.Accept"
	staged := req.Staged
	log := d.log.With(zap.String("staged_key", staged.Key), zap.String("agency", req.By.Agency), zap.String("user", req.By.Username))
	release, err := d.takeStaged(ctx, staged, log)
	if err != nil {
		return svc.AcceptReply{}, errs.Wrap(op, err)
	}
	defer release()

	if doc, found, err := d.register.ByStaged(ctx, staged.Bucket, staged.Key); err != nil {
		return svc.AcceptReply{}, errs.Wrap(op, err)
	} else if found {
		// A repeated request (the caller retried, or a crash cut the first
		// attempt short): answer with the entry already made.
		log.Info("upload already registered", zap.String("document_id", doc.ID))
		d.announce(ctx, doc, log)
		return reply(doc), nil
	}

	entry, err := d.kinds.Validate(req.Metadata, req.By, d.now())
	if err != nil {
		log.Info("upload refused", zap.Error(err))
		return svc.AcceptReply{}, errs.Wrap(op, err)
	}
	content, err := d.checkContent(ctx, staged, req.By)
	if err != nil {
		if doc, found := d.registeredMeanwhile(ctx, staged, err); found {
			return reply(doc), nil
		}
		log.Info("upload refused", zap.Error(err))
		return svc.AcceptReply{}, errs.Wrap(op, err)
	}

	docID := DocumentID(staged.Bucket, staged.Key)
	log = log.With(zap.String("document_id", docID))
	original, copied, err := d.keepOriginal(ctx, staged, docID, content)
	if err != nil {
		if doc, found := d.registeredMeanwhile(ctx, staged, err); found {
			return reply(doc), nil
		}
		log.Error("original not stored", zap.Error(err))
		return svc.AcceptReply{}, errs.Wrap(op, err)
	}

	doc, created, err := d.register.Enter(ctx, register.Document{
		ID:              docID,
		Agency:          entry.Agency,
		Direction:       entry.Direction,
		Unit:            entry.Unit,
		Recipients:      entry.Recipients,
		Kind:            entry.Kind,
		Subject:         entry.Subject,
		Urgency:         entry.Urgency,
		Confidentiality: entry.Confidentiality,
		Issuer:          entry.Issuer,
		IssuerID:        entry.IssuerID,
		Symbol:          entry.Symbol,
		IssuedOn:        entry.IssuedOn,
		Description:     entry.Description,
		ExchangeArrival: entry.ExchangeArrival,
		Original:        original,
		Pages:           content.report.Pages,
		ReceivedBy:      entry.By,
		ReceivedAt:      d.now(),
		StagedBucket:    staged.Bucket,
		StagedKey:       staged.Key,
		EventID:         uuid.NewString(),
	})
	if err != nil {
		// Nothing refers to the original without its entry, whether this
		// attempt copied it or found it from an earlier one.
		d.removeOriginal(context.WithoutCancel(ctx), original, log)
		log.Error("registration failed", zap.Error(err))
		return svc.AcceptReply{}, errs.Wrap(op, err)
	}
	if !created {
		// A concurrent request for the same upload registered it first.
		if copied && original.VersionID != doc.Original.VersionID {
			d.removeOriginal(context.WithoutCancel(ctx), original, log)
		}
		log.Info("upload registered by a concurrent request")
	} else if doc.Direction == register.Outgoing {
		log.Info("draft stored", zap.Int("recipients", len(doc.Recipients)), zap.Int("pages", doc.Pages), zap.String("sha256", doc.Original.SHA256))
	} else {
		log.Info("document registered", zap.Int64("arrival_number", doc.ArrivalNumber),
			zap.Int("arrival_year", doc.ArrivalYear), zap.String("arrival_register", doc.ArrivalRegister), zap.Int("pages", doc.Pages), zap.String("sha256", doc.Original.SHA256))
	}
	d.announce(ctx, doc, log)
	return reply(doc), nil
}

// registeredMeanwhile tells whether an upload that vanished from staging
// while this request worked on it was registered by a concurrent request for
// the same upload (on another replica), which removes the upload once it has
// committed.
func (d *Desk) registeredMeanwhile(ctx context.Context, staged events.Object, err error) (register.Document, bool) {
	if !errors.Is(err, objstore.ErrNotFound) {
		return register.Document{}, false
	}
	doc, found, lerr := d.register.ByStaged(ctx, staged.Bucket, staged.Key)
	if lerr != nil || !found {
		return register.Document{}, false
	}
	return doc, true
}

// DocumentID is the id of the document made from a staged upload. Deriving
// it from the staging location (each upload is staged under a fresh key)
// makes every attempt to accept one upload work on the same original.
func DocumentID(bucket, key string) string {
	return uuid.NewSHA1(documentNamespace, []byte(bucket+"/"+key)).String()
}

var documentNamespace = uuid.MustParse("0b7d5a43-35c8-4b7e-9a0e-2f8f6c3d9e51")

// checkStagedLocation makes sure the request names an upload in the staging
// area. Nothing outside it is ever read as an upload or deleted.
func (d *Desk) checkStagedLocation(staged events.Object) error {
	const op = "reception.checkStagedLocation"
	if staged.Bucket != d.cfg.Bucket {
		return errs.E(op, errs.Invalid, errcode.InvalidArgument,
			fmt.Sprintf("the upload must be staged in bucket %s, not %q", d.cfg.Bucket, staged.Bucket)).WithDetail("staged.bucket", "not the documents bucket")
	}
	if key, err := objectkey.Parse(staged.Key); err != nil || key.Area != objectkey.AreaStaging {
		return errs.E(op, errs.Invalid, errcode.InvalidArgument,
			fmt.Sprintf("the upload must be staged under %s, not at %q", objectkey.AreaStaging.Prefix(), staged.Key)).WithDetail("staged.key", "not a staging key")
	}
	return nil
}

// content is an upload that passed every check.
type content struct {
	versionID string // the staged version that was checked
	size      int64
	sha256    string
	report    pdfcheck.Report
}

func (d *Desk) checkContent(ctx context.Context, staged events.Object, by events.Actor) (content, error) {
	const op = "reception.checkContent"
	info, err := d.objects.Stat(ctx, staged.Bucket, staged.Key, staged.VersionID)
	if err != nil {
		return content{}, stagedUnreadable(op, err)
	}
	// Refuse by size before reading a byte of an over-size upload.
	if err := pdfcheck.CheckSize(info.Size, d.cfg.MaxBytes); err != nil {
		return content{}, err
	}

	select {
	case d.checking <- struct{}{}:
		defer func() { <-d.checking }()
	case <-ctx.Done():
		return content{}, errs.E(op, errs.Unavailable, errcode.Unavailable,
			"intake is busy checking other uploads; try again").WithCause(ctx.Err())
	}

	body, info, err := d.objects.Get(ctx, staged.Bucket, staged.Key, info.VersionID)
	if err != nil {
		return content{}, stagedUnreadable(op, err)
	}
	defer func() { _ = body.Close() }() // read-only: everything needed was read or already failed
	var buf bytes.Buffer
	buf.Grow(int(info.Size))
	hash := sha256.New()
	// The limit guards against an object that grew since Stat.
	n, err := io.Copy(io.MultiWriter(&buf, hash), io.LimitReader(body, d.cfg.MaxBytes+1))
	if err != nil {
		return content{}, stagedUnreadable(op, err)
	}
	if err := pdfcheck.CheckSize(n, d.cfg.MaxBytes); err != nil {
		return content{}, err
	}
	sum := hex.EncodeToString(hash.Sum(nil))
	if staged.SHA256 != "" && !strings.EqualFold(staged.SHA256, sum) {
		return content{}, errs.E(op, errs.Internal, errcode.Internal,
			"the upload was damaged in storage (its SHA-256 changed after upload); upload the file again").
			WithCause(fmt.Errorf("staged %s/%s: sha256 %s, expected %s", staged.Bucket, staged.Key, sum, staged.SHA256))
	}

	rep, err := pdfcheck.Check(ctx, buf.Bytes())
	if err != nil {
		return content{}, err
	}
	if d.cfg.Verifier != nil && looksSigned(buf.Bytes()) {
		checked := events.Object{Bucket: staged.Bucket, Key: staged.Key, VersionID: info.VersionID, Size: n, SHA256: sum}
		if err := d.checkSignatures(ctx, checked, by); err != nil {
			return content{}, err
		}
	}
	return content{versionID: info.VersionID, size: n, sha256: sum, report: rep}, nil
}

func stagedUnreadable(op string, err error) error {
	switch {
	case errors.Is(err, objstore.ErrNotFound):
		return errs.E(op, errs.Invalid, errcode.InvalidArgument,
			"the uploaded file is no longer in the staging area; upload it again").WithDetail("file", "not found").WithCause(err)
	case errors.Is(err, objstore.ErrChecksum):
		return errs.E(op, errs.Internal, errcode.Internal,
			"the upload was damaged in storage (its SHA-256 changed after upload); upload the file again").WithCause(err)
	default:
		return errs.E(op, errs.Unavailable, errcode.Unavailable,
			"the object store is not reachable; try again shortly").WithCause(err)
	}
}

// keepOriginal copies the checked upload to the document's original. An
// original already there with the same digest is the work of an earlier
// attempt for the same upload and is reused; copied reports whether this
// call made a new version.
func (d *Desk) keepOriginal(ctx context.Context, staged events.Object, docID string, c content) (_ events.Object, copied bool, err error) {
	return d.keep(ctx, staged, objectkey.Original(docID), docID, c)
}

// keep copies the checked upload to key, or finds it there already from an
// earlier attempt.
func (d *Desk) keep(ctx context.Context, staged events.Object, key, docID string, c content) (_ events.Object, copied bool, err error) {
	const op = "reception.keep"
	existing, err := d.objects.Stat(ctx, staged.Bucket, key, "")
	switch {
	case err == nil && existing.SHA256 == c.sha256 && existing.Size == c.size:
		return object(existing), false, nil
	case err != nil && !errors.Is(err, objstore.ErrNotFound):
		return events.Object{}, false, unavailable(op, err)
	}

	info, err := d.objects.Copy(ctx, staged.Bucket, staged.Key, staged.Bucket, key, objstore.PutOptions{
		ContentType: "application/pdf",
		Metadata:    map[string]string{"document-id": docID},
	})
	if err != nil {
		return events.Object{}, false, stagedUnreadable(op, err)
	}
	// The copy is server-side; make sure it is the very file that was
	// checked (the staged key is written once, but trust is cheap to verify).
	if info.SHA256 != c.sha256 || info.Size != c.size {
		orig := object(info)
		d.removeOriginal(context.WithoutCancel(ctx), orig, d.log)
		return events.Object{}, false, errs.E(op, errs.Internal, errcode.Internal,
			"the stored original does not match the checked upload; upload the file again").
			WithCause(fmt.Errorf("original %s: sha256 %s size %d, checked sha256 %s size %d", key, info.SHA256, info.Size, c.sha256, c.size))
	}
	return object(info), true, nil
}

func unavailable(op string, err error) error {
	return errs.E(op, errs.Unavailable, errcode.Unavailable, "the object store is not reachable; try again shortly").WithCause(err)
}

func object(info objstore.Info) events.Object {
	return events.Object{Bucket: info.Bucket, Key: info.Key, VersionID: info.VersionID, Size: info.Size, SHA256: info.SHA256}
}

// takeStaged makes sure the request names an upload in the staging area and
// holds that upload for this request alone: a request repeated while the
// first is still at work waits for it and then finds what it did, instead of
// racing it for the upload (a copy racing the upload's removal could leave a
// stray original). release removes the upload and lets the next request for
// it in.
func (d *Desk) takeStaged(ctx context.Context, staged events.Object, log *zap.Logger) (release func(), err error) {
	const op = "reception.takeStaged"
	if err := d.checkStagedLocation(staged); err != nil {
		return nil, err
	}
	unlock, err := d.uploads.lock(ctx, staged.Bucket+"/"+staged.Key)
	if err != nil {
		return nil, errs.E(op, errs.Unavailable, errcode.Unavailable,
			"the same upload is still being processed; try again").WithCause(err)
	}
	return func() {
		// Removing the upload runs on its own context: a caller that gave
		// up must not leave it behind.
		d.discardStaged(context.WithoutCancel(ctx), staged, log)
		unlock()
	}, nil
}

// discardStaged removes the staged upload, every version of it that Accept
// knows of. Failing to do so refuses nothing: the outcome is already decided,
// so it is logged for the operator.
func (d *Desk) discardStaged(ctx context.Context, staged events.Object, log *zap.Logger) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	version := staged.VersionID
	if version == "" {
		// On a versioned bucket a delete without a version only hides the
		// bytes behind a marker; find the version to remove it for good.
		info, err := d.objects.Stat(ctx, staged.Bucket, staged.Key, "")
		if errors.Is(err, objstore.ErrNotFound) {
			return
		}
		if err != nil {
			log.Warn("staged upload left behind", zap.Error(err))
			return
		}
		version = info.VersionID
	}
	err := d.objects.Delete(ctx, staged.Bucket, staged.Key, version)
	if err != nil && !errors.Is(err, objstore.ErrNotFound) {
		log.Warn("staged upload left behind", zap.Error(err))
	}
}

func (d *Desk) removeOriginal(ctx context.Context, original events.Object, log *zap.Logger) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := d.objects.Delete(ctx, original.Bucket, original.Key, original.VersionID); err != nil && !errors.Is(err, objstore.ErrNotFound) {
		log.Error("unregistered original left behind", zap.String("key", original.Key), zap.String("version_id", original.VersionID), zap.Error(err))
	}
}

func reply(doc register.Document) svc.AcceptReply {
	return svc.AcceptReply{
		DocumentID:    doc.ID,
		ArrivalNumber: doc.ArrivalNumber,
		ArrivalYear:   doc.ArrivalYear,
		Status:        doc.Status,
		Original:      doc.Original,
		ReceivedAt:    doc.ReceivedAt,
	}
}
