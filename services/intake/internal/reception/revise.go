package reception

import (
	"context"

	"go.uber.org/zap"

	"github.com/docflow/docflow/api/errcode"
	"github.com/docflow/docflow/api/objectkey"
	svc "github.com/docflow/docflow/api/svc/v1"
	"github.com/docflow/docflow/services/internal/errs"
)

// HandleRevise is the svc.IntakeRevise endpoint: Revise, unless the desk
// is closing.
func (d *Desk) HandleRevise(ctx context.Context, req svc.ReviseRequest) (svc.ReviseReply, error) {
	if !d.inflight.enter() {
		return svc.ReviseReply{}, shuttingDown("reception.HandleRevise")
	}
	defer d.inflight.leave()
	return d.Revise(ctx, req)
}

// Revise checks a drafter's revised document as strictly as an upload and
// keeps it beside the original, under a key named by its digest so that a
// repeated request finds the revision it stored. The document keeps its
// arrival number: a revision is not a new arrival. The staged upload is gone
// when Revise returns.
func (d *Desk) Revise(ctx context.Context, req svc.ReviseRequest) (svc.ReviseReply, error) {
	const op = "reception.Revise"
	staged := req.Staged
	log := d.log.With(zap.String("staged_key", staged.Key), zap.String("document_id", req.DocumentID), zap.String("user", req.By.Username))
	release, err := d.takeStaged(ctx, staged, log)
	if err != nil {
		return svc.ReviseReply{}, errs.Wrap(op, err)
	}
	defer release()

	doc, err := d.register.Get(ctx, req.DocumentID)
	if err != nil {
		return svc.ReviseReply{}, errs.Wrap(op, err)
	}
	if doc.Agency != req.By.Agency {
		// Another agency's document is not there for this caller at all.
		return svc.ReviseReply{}, errs.E(op, errs.NotFound, errcode.NotFound, "no document "+req.DocumentID+" in the incoming register")
	}
	content, err := d.checkContent(ctx, staged, req.By)
	if err != nil {
		log.Info("revision refused", zap.Error(err))
		return svc.ReviseReply{}, errs.Wrap(op, err)
	}
	revision, _, err := d.keep(ctx, staged, objectkey.Revision(doc.ID, content.sha256), doc.ID, content)
	if err != nil {
		log.Error("revision not stored", zap.Error(err))
		return svc.ReviseReply{}, errs.Wrap(op, err)
	}
	log.Info("revision stored", zap.String("key", revision.Key), zap.String("sha256", revision.SHA256))
	return svc.ReviseReply{DocumentID: doc.ID, Revision: revision}, nil
}
