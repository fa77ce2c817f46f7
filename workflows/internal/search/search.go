// Package search sets the Docflow* search attributes (workflows.SearchAttributes)
// that let the Temporal UI and `temporal workflow list --query` find a
// document's workflow by document, assignee, status, deadline or agency.
package search

import (
	"slices"
	"strings"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"
)

// The keys; they must be registered on the namespace before a workflow is
// told to upsert them.
var (
	documentID = temporal.NewSearchAttributeKeyKeyword("DocflowDocumentId")
	assignees  = temporal.NewSearchAttributeKeyKeywordList("DocflowAssignees")
	status     = temporal.NewSearchAttributeKeyKeyword("DocflowStatus")
	deadline   = temporal.NewSearchAttributeKeyTime("DocflowDeadline")
	agency     = temporal.NewSearchAttributeKeyKeyword("DocflowAgency")
)

// Values are what a workflow says of itself.
type Values struct {
	DocumentID string
	Agency     string
	Status     string
	WaitingFor []string  // usernames (or agency identifiers) who can move it on
	Deadline   time.Time // the nearest open deadline; zero when none
}

// Attributes upserts a workflow's search attributes only when they changed
// since the last upsert, so a busy document does not grow its history for
// nothing.
type Attributes struct {
	last string
}

// Upsert writes v when it differs from what was written last. A failure is
// logged, not returned: searching is a convenience, the workflow goes on.
func (a *Attributes) Upsert(ctx workflow.Context, v Values) {
	waiting := slices.Clone(v.WaitingFor)
	key := v.Status + "|" + strings.Join(waiting, ",") + "|" + v.Deadline.Format(time.RFC3339Nano)
	if key == a.last {
		return
	}
	updates := []temporal.SearchAttributeUpdate{
		documentID.ValueSet(v.DocumentID),
		agency.ValueSet(v.Agency),
		status.ValueSet(v.Status),
		assignees.ValueSet(waiting),
	}
	if v.Deadline.IsZero() {
		updates = append(updates, deadline.ValueUnset())
	} else {
		updates = append(updates, deadline.ValueSet(v.Deadline))
	}
	if err := workflow.UpsertTypedSearchAttributes(ctx, updates...); err != nil {
		workflow.GetLogger(ctx).Warn("search attributes not updated", "error", err)
		return
	}
	a.last = key
}
