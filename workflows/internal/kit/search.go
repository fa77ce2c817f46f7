package kit

import (
	"slices"
	"strings"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"
)

// The kit sets the Docflow* search attributes (workflows.SearchAttributes)
// that let the Temporal UI and `temporal workflow list --query` find a
// document's workflow by document, assignee, status, deadline or agency.

// The keys; they must be registered on the namespace before a workflow is
// told to upsert them.
var (
	keyDocumentID = temporal.NewSearchAttributeKeyKeyword("DocflowDocumentId")
	keyAssignees  = temporal.NewSearchAttributeKeyKeywordList("DocflowAssignees")
	keyStatus     = temporal.NewSearchAttributeKeyKeyword("DocflowStatus")
	keyDeadline   = temporal.NewSearchAttributeKeyTime("DocflowDeadline")
	keyAgency     = temporal.NewSearchAttributeKeyKeyword("DocflowAgency")
)

// UpsertSearch writes the search attributes of the book's document: the
// workflow's status, who can move the document on (usernames, or agency
// identifiers) and the nearest deadline it waits on (zero when none). They
// must be registered on the namespace first. Nothing is written when they
// are what was written last, so a busy document does not grow its history
// for nothing. A failure is logged, not returned: searching is a
// convenience, the workflow goes on.
func (b *Book) UpsertSearch(ctx workflow.Context, status string, waitingFor []string, deadline time.Time) {
	waiting := slices.Clone(waitingFor)
	key := status + "|" + strings.Join(waiting, ",") + "|" + deadline.Format(time.RFC3339Nano)
	if key == b.searched {
		return
	}
	updates := []temporal.SearchAttributeUpdate{
		keyDocumentID.ValueSet(b.doc.DocumentID),
		keyAgency.ValueSet(b.doc.Agency),
		keyStatus.ValueSet(status),
		keyAssignees.ValueSet(waiting),
	}
	if deadline.IsZero() {
		updates = append(updates, keyDeadline.ValueUnset())
	} else {
		updates = append(updates, keyDeadline.ValueSet(deadline))
	}
	if err := workflow.UpsertTypedSearchAttributes(ctx, updates...); err != nil {
		workflow.GetLogger(ctx).Warn("search attributes not updated", "error", err)
		return
	}
	b.searched = key
}
