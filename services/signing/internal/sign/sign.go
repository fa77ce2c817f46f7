// Package sign signs stored documents for the approval workflow: it is the
// SignDocument activity. The signed PDF is written once per document, under
// a key derived from the document id, so a retried activity finds the
// earlier result and never signs twice.
package sign

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"
	"go.uber.org/zap"

	events "github.com/docflow/docflow/api/events/v1"
	"github.com/docflow/docflow/api/ids"
	"github.com/docflow/docflow/api/objectkey"
	"github.com/docflow/docflow/services/internal/errs"
	"github.com/docflow/docflow/services/internal/natsx"
	"github.com/docflow/docflow/services/internal/objstore"
	"github.com/docflow/docflow/services/signing/internal/keys"
	"github.com/docflow/docflow/services/signing/internal/pades"
	"github.com/docflow/docflow/services/signing/internal/remote"
	"github.com/docflow/docflow/workflows"
)

// ContentTypePDF is the content type of signed documents.
const ContentTypePDF = "application/pdf"

// EventID is the id of a document's signed event; it depends only on the
// document, so a republished event is dropped by JetStream as a duplicate.
func EventID(documentID string) string { return natsx.EventID("signed:" + documentID) }

// Publisher publishes an event with an id chosen by the caller.
type Publisher interface {
	PublishWithID(ctx context.Context, id string, at time.Time, t events.Type, agency, documentID string, data any) (events.Envelope, error)
}

// Registry is where activities are registered (a Temporal worker, or the
// SDK's test environment).
type Registry interface {
	RegisterActivityWithOptions(a any, options activity.RegisterOptions)
}

// Config is what the activity needs to know besides its dependencies.
type Config struct {
	// Bucket holds the documents; signed PDFs are written there.
	Bucket string
	// Level is the PAdES level signatures are made at, unless AgencyLevels
	// names another for the document's agency.
	Level pades.Level
	// AgencyLevels overrides Level per agency identifier.
	AgencyLevels map[string]pades.Level
	// TSAURLs are the timestamp authorities of B-T and above, asked in order.
	TSAURLs []string
	// Revocation fetches the OCSP responses and CRLs B-LT and B-LTA embed.
	Revocation pades.RevocationSource
	// Heartbeat is how often the activity tells Temporal it is alive while
	// the signature is being made; a remote key waits minutes for the
	// person's approval. Zero means every 10 seconds.
	Heartbeat time.Duration
	// TempDir holds the source and the signed PDF while signing (empty: the
	// system temp dir). The PDF library needs random access to the source.
	TempDir string
}

// LevelFor is the PAdES level of signatures made for agency.
func (c Config) LevelFor(agency string) pades.Level {
	if l, ok := c.AgencyLevels[agency]; ok {
		return l
	}
	return c.Level
}

// Application error types of signatures the signer declined or did not
// approve in time (remote keys). Neither is retried: a retry would push
// another request to the person's device, and the workflow decides what
// follows.
const (
	ErrSignatureRefused = workflows.ErrSignatureRefused
	ErrSignatureExpired = workflows.ErrSignatureExpired
)

// Signatures gives the handwritten image a person signs with: a PNG, blue
// on transparent.
type Signatures interface {
	Signature(ctx context.Context, username string) ([]byte, error)
}

var _ Signatures = (*keys.Dir)(nil)

// Activities holds the signing service's activities.
type Activities struct {
	cfg    Config
	store  objstore.Store
	keys   keys.Source
	signer pades.Signer
	pub    Publisher
	log    *zap.Logger
	images Signatures
}

// SignatureImages makes personal signatures visible, with the images of
// images, when the request names the signer's title.
func (a *Activities) SignatureImages(images Signatures) { a.images = images }

// NewActivities wires the activities.
func NewActivities(cfg Config, store objstore.Store, keySource keys.Source, signer pades.Signer, pub Publisher, log *zap.Logger) *Activities {
	return &Activities{cfg: cfg, store: store, keys: keySource, signer: signer, pub: pub, log: log}
}

// Register registers the activities under their contract names.
func (a *Activities) Register(r Registry) {
	r.RegisterActivityWithOptions(a.SignDocument, activity.RegisterOptions{Name: workflows.ActivitySignDocument})
}

// runLog is the activities' logger for one run of an activity: fields, then
// the workflow and the attempt ctx belongs to, so that a retried run can be
// told from the first.
func (a *Activities) runLog(ctx context.Context, fields ...zap.Field) *zap.Logger {
	info := activity.GetInfo(ctx)
	return a.log.With(append(fields, zap.String("workflow_id", info.WorkflowExecution.ID), zap.Int32("attempt", info.Attempt))...)
}

// SignDocument signs in.Source with in.Signer's personal key, stores the
// signed PDF and publishes document.signed.
//
// Failures that a retry cannot fix are non-retryable application errors with
// the types of the approval contract: ErrSourceIntegrity (the source is gone
// or differs from its digest), ErrNoSigningKey (the signer has no usable
// certificate), ErrUnsignablePDF (the PDF or the request cannot be signed),
// ErrSignatureRefused and ErrSignatureExpired (a remote key's owner declined
// or did not approve in time). Anything else (storage, NATS, a token or a
// timestamp authority that did not answer) is retried.
func (a *Activities) SignDocument(ctx context.Context, in workflows.SignDocumentInput) (workflows.SignDocumentResult, error) {
	const op = "sign.SignDocument"
	log := a.runLog(ctx,
		zap.String("document_id", in.DocumentID),
		zap.String("agency", in.Agency),
		zap.String("signer", in.Signer),
	)
	if err := validate(in); err != nil {
		return workflows.SignDocumentResult{}, nonRetryable(workflows.ErrUnsignablePDF, err)
	}

	o := output{op: op, key: objectkey.Signed(in.DocumentID), verb: "signed", noun: "signature", action: "signing", source: "a source"}
	existing, found, err := a.earlier(ctx, o, log)
	if err != nil {
		return workflows.SignDocumentResult{}, err
	}
	if found {
		return a.alreadySigned(ctx, o, in, existing)
	}

	cred, err := a.keys.Lookup(ctx, in.Signer)
	if err != nil {
		if errors.Is(err, keys.ErrNoSigningKey) {
			return workflows.SignDocumentResult{}, nonRetryable(workflows.ErrNoSigningKey, err)
		}
		return workflows.SignDocumentResult{}, fmt.Errorf("%s: %w", op, err)
	}

	src, err := a.spoolSource(ctx, o, in.Source)
	if err != nil {
		return workflows.SignDocumentResult{}, err
	}
	defer discard(src, log)

	stored, rec, err := a.signAndStore(ctx, o, src, in.Source, record{document: in.DocumentID, signer: in.Signer}, pades.Request{
		Appearance: a.personalAppearance(ctx, src, in, cred, log),
		Key:        cred.Key,
		Cert:       cred.Cert,
		Chain:      cred.Chain,
		SignerName: cred.Cert.Subject.CommonName,
		Reason:     in.Reason,
		Level:      a.cfg.LevelFor(in.Agency),
		TSAURLs:    a.cfg.TSAURLs,
		Revocation: a.cfg.Revocation,
	}, nil, log)
	if err != nil {
		return workflows.SignDocumentResult{}, err
	}
	res := workflows.SignDocumentResult{Signed: object(stored), SignerCert: rec.signerCert, Level: rec.level, SignedAt: rec.signedAt}
	if err := a.publish(ctx, in, res); err != nil {
		return workflows.SignDocumentResult{}, err
	}
	return res, nil
}

// alreadySigned answers a repeated request from the stored signed PDF, and
// publishes its event again in case the earlier attempt stopped before.
func (a *Activities) alreadySigned(ctx context.Context, o output, in workflows.SignDocumentInput, existing objstore.Info) (workflows.SignDocumentResult, error) {
	rec, err := o.recorded(existing, in.DocumentID, in.Source.SHA256)
	if err != nil {
		return workflows.SignDocumentResult{}, err
	}
	if rec.signer != in.Signer {
		return workflows.SignDocumentResult{}, nonRetryable(workflows.ErrUnsignablePDF, fmt.Errorf(
			"document %s is already signed by %s; it is not signed again for %s", in.DocumentID, rec.signer, in.Signer))
	}
	res := workflows.SignDocumentResult{Signed: object(existing), SignerCert: rec.signerCert, Level: rec.level, SignedAt: rec.signedAt}
	if err := a.publish(ctx, in, res); err != nil {
		return workflows.SignDocumentResult{}, err
	}
	return res, nil
}

func (a *Activities) publish(ctx context.Context, in workflows.SignDocumentInput, res workflows.SignDocumentResult) error {
	data := events.DocumentSignedData{
		DocumentID: in.DocumentID,
		Signer:     in.Signer,
		SignerCert: res.SignerCert,
		Level:      res.Level,
		Source:     in.Source,
		Signed:     res.Signed,
		SignedAt:   res.SignedAt,
	}
	id := EventID(in.DocumentID)
	if _, err := a.pub.PublishWithID(ctx, id, res.SignedAt, events.DocumentSigned, in.Agency, in.DocumentID, data); err != nil {
		// The signed PDF is stored: the retry finds it and publishes again
		// with the same id.
		return fmt.Errorf("sign.SignDocument: publish %s: %w", events.DocumentSigned, err)
	}
	return nil
}

// classify decides whether a failed signature is worth retrying. The key's
// own failures (a token that lost its session, a remote service that did not
// answer) keep their classification and are retried unless they say the
// request itself is wrong; only the document's are ErrUnsignablePDF.
func classify(op string, err error) error {
	switch {
	case errors.Is(err, remote.ErrRefused):
		return nonRetryable(ErrSignatureRefused, err)
	case errors.Is(err, remote.ErrExpired):
		return nonRetryable(ErrSignatureExpired, err)
	case errors.Is(err, keys.ErrNoSigningKey):
		return nonRetryable(workflows.ErrNoSigningKey, err)
	}
	if errs.KindOf(err) == errs.Invalid {
		// The PDF is damaged (NotPDF, MalformedPDF) or the request is one the
		// signer refuses (no timestamp authority configured, a key that
		// does not match its certificate, a revoked certificate): no retry
		// changes it. The message says which.
		return nonRetryable(workflows.ErrUnsignablePDF, err)
	}
	return fmt.Errorf("%s: %w", op, err)
}

// heartbeat records activity heartbeats until the returned function is
// called, so a worker that dies while a person approves a remote signature
// is noticed after the heartbeat timeout rather than the whole
// start-to-close timeout.
func (a *Activities) heartbeat(ctx context.Context) (stop func()) {
	every := a.cfg.Heartbeat
	if every <= 0 {
		every = 10 * time.Second
	}
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				activity.RecordHeartbeat(ctx)
			}
		}
	}()
	return func() { cancel(); <-done }
}

func validate(in workflows.SignDocumentInput) error {
	problems := requestProblems(in.DocumentID, in.Agency, "source", in.Source)
	if in.Signer == "" {
		problems = append(problems, "signer is empty")
	}
	return incomplete("sign", problems)
}

// requestProblems lists what a request to sign or seal a document's PDF
// made from source (named what) lacks; each activity adds its own.
func requestProblems(documentID, agency, what string, source events.Object) []string {
	var problems []string
	if err := ids.CheckDocument(documentID); err != nil {
		problems = append(problems, err.Error())
	}
	if agency == "" {
		problems = append(problems, "agency is empty")
	}
	if source.Key == "" {
		problems = append(problems, what+" key is empty")
	}
	if len(source.SHA256) != sha256.Size*2 {
		problems = append(problems, fmt.Sprintf("%s SHA-256 %q is not 64 hex digits", what, source.SHA256))
	}
	if source.Size <= 0 {
		problems = append(problems, fmt.Sprintf("%s size %d is not positive", what, source.Size))
	}
	return problems
}

func incomplete(request string, problems []string) error {
	if len(problems) > 0 {
		return fmt.Errorf("%s request is incomplete: %s", request, strings.Join(problems, "; "))
	}
	return nil
}

// nonRetryable fails the activity for good. The message is the one a person
// can act on: the classified message when there is one.
func nonRetryable(typ string, err error) error {
	msg := err.Error()
	var e *errs.Error
	if errors.As(err, &e) {
		msg = e.Message
	}
	return temporal.NewNonRetryableApplicationError(msg, typ, err)
}

// personalAppearance is the visible part of a personal signature (DOMAIN.md
// §6): the signer's title, their handwritten image and their name, placed
// at the document's signature block. Without the title or the images the
// signature is made invisible, as a valid signature matters more than its
// picture; the log says why.
func (a *Activities) personalAppearance(ctx context.Context, src *os.File, in workflows.SignDocumentInput, cred keys.Credential, log *zap.Logger) *pades.Appearance {
	if in.SignerTitle == "" || a.images == nil {
		return nil
	}
	look, err := func() (*pades.Appearance, error) {
		name := cred.Cert.Subject.CommonName
		img, err := a.images.Signature(ctx, in.Signer)
		if err != nil {
			return nil, err
		}
		layout, err := pades.ReadLayout(src, in.Source.Size)
		if err != nil {
			return nil, err
		}
		at := layout.Place(pades.Placement{}, pades.PersonalWidth, pades.PersonalHeight)
		return pades.PersonalAppearance(pades.Personal{
			Authority: in.SignerAuthority, Head: in.SignerFor, Position: in.SignerTitle, Name: name, Signature: img,
		}, at)
	}()
	if err != nil {
		log.Warn("personal signature made invisible: its appearance cannot be drawn", zap.Error(err))
		return nil
	}
	return look
}
