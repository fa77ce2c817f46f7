package records

import (
	"context"
	"errors"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"

	"github.com/docflow/docflow/services/internal/errs"
	"github.com/docflow/docflow/workflows"
)

// Application error types of the ArchiveDocument activity that are not yet
// declared in the workflow contract. Each is non-retryable: the same input
// would fail the same way.
const (
	ErrTypeInvalidInput  = "InvalidArchiveInput" // the input names no archivable document
	ErrTypeSourceMissing = "SourceMissing"       // the signed PDF is not in storage
	ErrTypeFixity        = "ArchiveFixity"       // the archived copy does not read back as the signed PDF
	ErrTypeConflict      = "ArchiveConflict"     // the document is archived with other content, or was replaced
)

// Activities are the archive's Temporal activities.
type Activities struct {
	archiver *Archiver
}

// NewActivities returns the activities backed by archiver.
func NewActivities(archiver *Archiver) *Activities {
	return &Activities{archiver: archiver}
}

// Registry is the part of a Temporal worker that takes activities.
type Registry interface {
	RegisterActivityWithOptions(a any, options activity.RegisterOptions)
}

// Register registers the activities under their contract names.
func (a *Activities) Register(r Registry) {
	r.RegisterActivityWithOptions(a.ArchiveDocument, activity.RegisterOptions{Name: workflows.ActivityArchiveDocument})
}

// ArchiveDocument is workflows.ActivityArchiveDocument. Failures no retry can
// fix are non-retryable application errors with a constant type; storage,
// database and NATS outages are returned as they are, for Temporal to retry.
func (a *Activities) ArchiveDocument(ctx context.Context, in workflows.ArchiveDocumentInput) (workflows.ArchiveDocumentResult, error) {
	rec, err := a.archiver.Archive(ctx, in)
	if err != nil {
		return workflows.ArchiveDocumentResult{}, activityError(err)
	}
	return workflows.ArchiveDocumentResult{RecordID: rec.ID, Object: rec.Object, RetainUntil: rec.RetainUntil}, nil
}

func activityError(err error) error {
	var typ string
	switch {
	case errors.Is(err, ErrSourceIntegrity):
		typ = workflows.ErrSourceIntegrity
	case errors.Is(err, ErrFixity):
		typ = ErrTypeFixity
	case errors.Is(err, ErrSourceMissing):
		typ = ErrTypeSourceMissing
	case errs.KindOf(err) == errs.Invalid:
		typ = ErrTypeInvalidInput
	case errs.KindOf(err) == errs.Conflict:
		typ = ErrTypeConflict
	default:
		return err
	}
	return temporal.NewNonRetryableApplicationError(err.Error(), typ, err)
}
