package sign

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"net/url"
	"os"
	"strings"
	"time"

	"go.temporal.io/sdk/activity"
	"go.uber.org/zap"

	"github.com/docflow/docflow/api/objectkey"
	"github.com/docflow/docflow/api/vntime"
	"github.com/docflow/docflow/services/internal/clerical/symbol"
	"github.com/docflow/docflow/services/internal/errs"
	"github.com/docflow/docflow/services/internal/objstore"
	"github.com/docflow/docflow/services/signing/internal/keys"
	"github.com/docflow/docflow/services/signing/internal/pades"
	"github.com/docflow/docflow/services/signing/internal/verify"
	"github.com/docflow/docflow/workflows"
)

// The organisation signature (DOMAIN.md §4, §6): after the competent
// person signed and a clerk had the document numbered, SealDocument adds
// the agency's signature, made with its organisation certificate, in a new
// revision. It first verifies the personal signature and refuses when
// there is none or it does not verify: a seal vouches for a signed
// document, never for an unsigned or altered one. The sealed PDF is
// written once per document, so a retried activity never seals twice.

// Metadata recorded with a sealed PDF, besides those of every stored one.
const (
	metaSymbol     = "symbol"
	metaClerk      = "clerk"
	metaAttachment = "attachment"
)

// Organisations finds an agency's organisation credential and seal image.
type Organisations interface {
	Organisation(ctx context.Context, agency string) (keys.Credential, error)
	// Seal is the red seal image of the agency: a PNG recording its real
	// resolution.
	Seal(ctx context.Context, agency string) ([]byte, error)
}

var _ Organisations = (*keys.Dir)(nil)

// Trust gives the anchors a personal signature must chain to.
type Trust func(ctx context.Context) (*x509.CertPool, error)

// Sealer holds the SealDocument activity.
type Sealer struct {
	a     *Activities
	orgs  Organisations
	trust Trust
	now   func() time.Time
}

// Sealer returns the SealDocument activity, sharing the activities'
// storage, configuration and PDF signer.
func (a *Activities) Sealer(orgs Organisations, trust Trust) *Sealer {
	return &Sealer{a: a, orgs: orgs, trust: trust, now: time.Now}
}

// Register registers SealDocument under its contract name.
func (s *Sealer) Register(r Registry) {
	r.RegisterActivityWithOptions(s.SealDocument, activity.RegisterOptions{Name: workflows.ActivitySealDocument})
}

// SealDocument verifies the personal signature of in.Signed and adds the
// organisation signature of in.Agency, with the number and date: the seal
// image overlaps the signer's handwritten image, and the symbol and the
// date line are written as text in the blanks of the Số line and the date
// line of page 1 (or, when page 1 lacks either, in a text block at its top
// right). An attachment gets an otherwise invisible signature with that
// text block.
//
// Failures a retry cannot fix are non-retryable: workflows.ErrPersonalSignatureInvalid,
// workflows.ErrNoOrganisationKey, workflows.ErrSourceIntegrity and
// workflows.ErrUnsignablePDF.
func (s *Sealer) SealDocument(ctx context.Context, in workflows.SealDocumentInput) (workflows.SealDocumentResult, error) {
	const op = "sign.SealDocument"
	log := s.a.runLog(ctx,
		zap.String("document_id", in.DocumentID), zap.String("agency", in.Agency), zap.String("symbol", in.Symbol),
		zap.String("clerk", in.Clerk),
	)
	if err := validateSeal(in); err != nil {
		return workflows.SealDocumentResult{}, nonRetryable(workflows.ErrUnsignablePDF, err)
	}

	o := output{op: op, key: objectkey.Sealed(in.DocumentID), verb: "sealed", noun: "seal", action: "sealing", source: "a signed PDF"}
	existing, found, err := s.a.earlier(ctx, o, log)
	if err != nil {
		return workflows.SealDocumentResult{}, err
	}
	if found {
		return o.alreadySealed(in, existing)
	}

	src, err := s.a.spoolSource(ctx, o, in.Signed)
	if err != nil {
		return workflows.SealDocumentResult{}, err
	}
	defer discard(src, log)

	if err := s.checkPersonal(ctx, src, in); err != nil {
		log.Warn("seal refused: the personal signature does not verify", zap.Error(err))
		return workflows.SealDocumentResult{}, err
	}

	cred, err := s.orgs.Organisation(ctx, in.Agency)
	if err != nil {
		if errors.Is(err, keys.ErrNoOrganisationKey) {
			return workflows.SealDocumentResult{}, nonRetryable(workflows.ErrNoOrganisationKey, err)
		}
		return workflows.SealDocumentResult{}, fmt.Errorf("%s: %w", op, err)
	}
	look, err := s.appearance(ctx, src, in, cred, s.now().In(vntime.Zone), log)
	if err != nil {
		return workflows.SealDocumentResult{}, classify(op, err)
	}
	stored, rec, err := s.a.signAndStore(ctx, o, src, in.Signed, record{document: in.DocumentID, signer: in.Agency}, pades.Request{
		Key: cred.Key, Cert: cred.Cert, Chain: cred.Chain,
		SignerName: cred.Cert.Subject.CommonName,
		Reason:     "Ban hành: " + in.Symbol,
		Level:      s.a.cfg.LevelFor(in.Agency),
		TSAURLs:    s.a.cfg.TSAURLs,
		Revocation: s.a.cfg.Revocation,
		Appearance: look,
	}, map[string]string{
		metaSymbol:     url.QueryEscape(in.Symbol),
		metaClerk:      in.Clerk,
		metaAttachment: fmt.Sprint(in.Attachment),
	}, log)
	if err != nil {
		return workflows.SealDocumentResult{}, err
	}
	return workflows.SealDocumentResult{Sealed: object(stored), SealCert: rec.signerCert, Level: rec.level, SealedAt: rec.signedAt}, nil
}

// checkPersonal refuses a document whose signatures do not all verify, or
// which has none.
func (s *Sealer) checkPersonal(ctx context.Context, src *os.File, in workflows.SealDocumentInput) error {
	const op = "sign.SealDocument"
	roots, err := s.trust(ctx)
	if err != nil {
		return fmt.Errorf("%s: trust anchors: %w", op, err)
	}
	rep, err := verify.Verify(ctx, src, in.Signed.Size, verify.Options{Roots: roots, Now: s.now()})
	if err != nil {
		if errs.KindOf(err) == errs.Invalid {
			return nonRetryable(workflows.ErrPersonalSignatureInvalid, err)
		}
		return fmt.Errorf("%s: verify the personal signature: %w", op, err)
	}
	var reasons []string
	for _, p := range rep.Problems {
		if p.Severity == verify.SeverityError {
			reasons = append(reasons, p.Message)
		}
	}
	signatures := 0
	for _, sig := range rep.Signatures {
		if sig.Kind != verify.KindSignature {
			continue
		}
		signatures++
		for _, p := range sig.Problems {
			if p.Severity == verify.SeverityError {
				reasons = append(reasons, fmt.Sprintf("signature %s: %s", sig.Field, p.Message))
			}
		}
	}
	switch {
	case signatures == 0:
		return nonRetryable(workflows.ErrPersonalSignatureInvalid, fmt.Errorf(
			"document %s has no personal signature: the organisation signature is applied only after the competent person signed", in.DocumentID))
	case !rep.Valid || len(reasons) > 0:
		if len(reasons) == 0 {
			reasons = append(reasons, "the verifier found it invalid")
		}
		return nonRetryable(workflows.ErrPersonalSignatureInvalid, fmt.Errorf(
			"the personal signature of document %s does not verify, so it is not sealed: %s", in.DocumentID, strings.Join(reasons, "; ")))
	}
	return nil
}

// appearance is the organisation signature's visible part. The seal goes
// over the personal signature's image when that signature is visible; an
// invisible personal signature leaves the seal at the default place of the
// signature block. The number and date are written in the blanks of the
// Số line and the date line of page 1; a page 1 without both keeps them
// in the text block at its top right, as an attachment does.
func (s *Sealer) appearance(ctx context.Context, src *os.File, in workflows.SealDocumentInput, cred keys.Credential, at time.Time, log *zap.Logger) (*pades.Appearance, error) {
	layout, err := pades.ReadLayout(src, in.Signed.Size)
	if err != nil {
		return nil, err
	}
	when := at.Format("02/01/2006 15:04:05 -07:00")
	if in.Attachment {
		return pades.AttachmentAppearance(layout, []string{cred.Cert.Subject.CommonName, "Số: " + in.Symbol, when})
	}
	seal, err := s.orgs.Seal(ctx, in.Agency)
	if err != nil {
		return nil, err
	}
	image := pades.SignatureImageBox(layout.Place(pades.Placement{}, pades.PersonalWidth, pades.PersonalHeight).Box)
	page := len(layout.Pages)
	for _, w := range layout.Widgets {
		if w.Signed && w.Box.Width > 0 && w.Box.Height > 0 {
			image, page = pades.SignatureImageBox(w.Box), w.Page
			break
		}
	}
	look, err := pades.SealAppearance(seal, page, image)
	if err != nil {
		return nil, err
	}
	texts, reason := numberAndDate(layout, in)
	if reason == "" {
		look.Texts = texts
		return look, nil
	}
	log.Info("the number and date go in the text block at the top right of page 1", zap.String("reason", reason))
	note, err := pades.TextBlockAppearance(layout, []string{"Số: " + in.Symbol, when})
	if err != nil {
		return nil, err
	}
	look.Note = note
	return look, nil
}

// numberAndDate are the texts writing the symbol and the date line of in
// on page 1 of the document laid out in l, or the reason they cannot be.
// Both or neither: a number on its line beside a date in a corner block
// would read as two different issues.
func numberAndDate(l *pades.Layout, in workflows.SealDocumentInput) ([]pades.PageText, string) {
	so, reason := l.SymbolText(in.Symbol)
	if reason != "" {
		return nil, reason
	}
	dateLine := in.DateLine
	if strings.TrimSpace(dateLine) == "" {
		dateLine = symbol.DateLine("", in.IssuedAt)
	}
	date, reason := l.DateTexts(dateLine)
	if reason != "" {
		return nil, reason
	}
	return append([]pades.PageText{so}, date...), ""
}

// alreadySealed answers a repeated request from the stored sealed PDF.
func (o output) alreadySealed(in workflows.SealDocumentInput, existing objstore.Info) (workflows.SealDocumentResult, error) {
	rec, err := o.recorded(existing, in.DocumentID, in.Signed.SHA256)
	if err != nil {
		return workflows.SealDocumentResult{}, err
	}
	if symbol, err := url.QueryUnescape(existing.Metadata[metaSymbol]); err != nil || symbol != in.Symbol {
		return workflows.SealDocumentResult{}, nonRetryable(workflows.ErrUnsignablePDF, fmt.Errorf(
			"document %s is already sealed as %s; it is not sealed again as %s", in.DocumentID, existing.Metadata[metaSymbol], in.Symbol))
	}
	return workflows.SealDocumentResult{Sealed: object(existing), SealCert: rec.signerCert, Level: rec.level, SealedAt: rec.signedAt}, nil
}

func validateSeal(in workflows.SealDocumentInput) error {
	problems := requestProblems(in.DocumentID, in.Agency, "signed PDF", in.Signed)
	if in.Number < 1 || strings.TrimSpace(in.Symbol) == "" {
		problems = append(problems, "the number and symbol are required: number the document before sealing it")
	}
	if in.Clerk == "" {
		problems = append(problems, "the clerk is empty")
	}
	return incomplete("seal", problems)
}
