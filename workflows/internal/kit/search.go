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

// searchValues are what a workflow says of itself.
type searchValues struct {
	DocumentID string
	Agency     string
	Status     string
	WaitingFor []string  // usernames (or agency identifiers) who can move it on
	Deadline   time.Time // the nearest open deadline; zero when none
}

// searchAttributes upserts a workflow's search attributes only when they
// changed since the last upsert, so a busy document does not grow its
// history for nothing.
type searchAttributes struct {
	last string
}

// Upsert writes v when it differs from what was written last. A failure is
// logged, not returned: searching is a convenience, the workflow goes on.
func (a *searchAttributes) Upsert(ctx workflow.Context, v searchValues) {
	waiting := slices.Clone(v.WaitingFor)
	key := v.Status + "|" + strings.Join(waiting, ",") + "|" + v.Deadline.Format(time.RFC3339Nano)
	if key == a.last {
		return
	}
	updates := []temporal.SearchAttributeUpdate{
		keyDocumentID.ValueSet(v.DocumentID),
		keyAgency.ValueSet(v.Agency),
		keyStatus.ValueSet(v.Status),
		keyAssignees.ValueSet(waiting),
	}
	if v.Deadline.IsZero() {
		updates = append(updates, keyDeadline.ValueUnset())
	} else {
		updates = append(updates, keyDeadline.ValueSet(v.Deadline))
	}
	if err := workflow.UpsertTypedSearchAttributes(ctx, updates...); err != nil {
		workflow.GetLogger(ctx).Warn("search attributes not updated", "error", err)
		return
	}
	a.last = key
}

// UpsertSearch writes the search attributes of the book's document when they
// changed: the workflow's status, who can move the document on and the
// nearest deadline it waits on. They must be registered on the namespace
// first.
func (b *Book) UpsertSearch(ctx workflow.Context, status string, waitingFor []string, deadline time.Time) {
	b.search.Upsert(ctx, searchValues{
		DocumentID: b.doc.DocumentID, Agency: b.doc.Agency, Status: status, WaitingFor: waitingFor, Deadline: deadline,
	})
}
