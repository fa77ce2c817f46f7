package reception

import (
	"bytes"
	"context"
	"fmt"
	"strings"

	"github.com/docflow/docflow/api/errcode"
	events "github.com/docflow/docflow/api/events/v1"
	svc "github.com/docflow/docflow/api/svc/v1"
	"github.com/docflow/docflow/services/internal/errs"
)

// Verifier verifies the signatures of a PDF in object storage: the signing
// service's svc.SigningVerify endpoint. Intake does not verify signatures
// itself, so trust anchors and the verifier live in one service.
type Verifier interface {
	Verify(ctx context.Context, req svc.VerifyRequest) (svc.SignatureReport, error)
}

// looksSigned reports whether pdf may hold a signature. Every signature
// dictionary has a /ByteRange, and signers write it uncompressed (they patch
// /Contents at a known offset after writing the file), so a PDF without the
// token has nothing to verify. The check spares unsigned uploads, most of
// them, a round trip to the signing service.
func looksSigned(pdf []byte) bool { return bytes.Contains(pdf, []byte("/ByteRange")) }

// checkSignatures has the upload's signatures verified and refuses it when
// one does not hold. An unsigned document (a signature field without a
// value, say) passes as before.
func (d *Desk) checkSignatures(ctx context.Context, obj events.Object, by events.Actor) error {
	const op = "reception.checkSignatures"
	report, err := d.cfg.Verifier.Verify(ctx, svc.VerifyRequest{Object: obj, By: by})
	if err != nil {
		if errs.KindOf(err) == errs.Unavailable {
			return errs.E(op, errs.Unavailable, errcode.Unavailable,
				"the upload is signed and its signatures cannot be checked right now; try again shortly").WithCause(err)
		}
		return errs.Wrap(op, err)
	}
	return refusal(report)
}

// refusal is the error an upload with this verification report is refused
// with, nil when it is acceptable: unsigned, or signed with every signature
// valid.
func refusal(r svc.SignatureReport) error {
	const op = "reception.checkSignatures"
	if !r.Signed() || r.Valid {
		return nil
	}
	// The first error is the reason shown; every code is in the details.
	var first *svc.SignatureProblem
	var where string
	var codes []string
	note := func(ps []svc.SignatureProblem, field string) {
		for i := range ps {
			if ps[i].Severity != "error" {
				continue
			}
			codes = append(codes, ps[i].Code)
			if first == nil {
				first, where = &ps[i], field
			}
		}
	}
	note(r.Problems, "")
	for _, s := range r.Signatures {
		note(s.Problems, s.Field)
	}
	e := errs.E(op, errs.Invalid, errcode.SignatureInvalid,
		"the PDF carries a signature that does not verify, so it is not accepted: ask the sender for the original signed file")
	if first != nil {
		msg := "the PDF carries a signature that does not verify, so it is not accepted: " + first.Message
		if where != "" {
			msg = fmt.Sprintf("the PDF's signature %s does not verify, so it is not accepted: %s", where, first.Message)
		}
		e = errs.E(op, errs.Invalid, errcode.SignatureInvalid, msg).WithDetail("reason", first.Code)
		if where != "" {
			e = e.WithDetail("signature", where)
		}
		e = e.WithDetail("problems", strings.Join(codes, ","))
	}
	return e
}
