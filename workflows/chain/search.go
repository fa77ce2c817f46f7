package chain

import (
	"slices"
	"strings"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"
)

// Search attributes that let the Temporal UI find a document's workflow.
// They must be registered on the namespace before Input.UpsertSearchAttributes
// is set.
var (
	searchDocumentID = temporal.NewSearchAttributeKeyKeyword("DocflowDocumentId")
	searchAssignees  = temporal.NewSearchAttributeKeyKeywordList("DocflowAssignees")
	searchStatus     = temporal.NewSearchAttributeKeyKeyword("DocflowStatus")
	searchDeadline   = temporal.NewSearchAttributeKeyTime("DocflowDeadline")
	searchAgency     = temporal.NewSearchAttributeKeyKeyword("DocflowAgency")
)

// upsertSearch writes the search attributes when they changed since the
// last upsert, so a busy document does not grow its history for nothing.
func (wf *run) upsertSearch(ctx workflow.Context) {
	if !wf.in.UpsertSearchAttributes {
		return
	}
	var deadline time.Time
	for _, t := range wf.state.OpenTasks() {
		if !t.Deadline.IsZero() && (deadline.IsZero() || t.Deadline.Before(deadline)) {
			deadline = t.Deadline
		}
	}
	status := wf.statusWord()
	assignees := slices.Clone(wf.state.WaitingFor)
	key := status + "|" + strings.Join(assignees, ",") + "|" + deadline.Format(time.RFC3339Nano)
	if key == wf.searchKey {
		return
	}
	updates := []temporal.SearchAttributeUpdate{
		searchDocumentID.ValueSet(wf.in.DocumentID),
		searchAgency.ValueSet(wf.in.Agency),
		searchStatus.ValueSet(status),
		searchAssignees.ValueSet(assignees),
	}
	if deadline.IsZero() {
		updates = append(updates, searchDeadline.ValueUnset())
	} else {
		updates = append(updates, searchDeadline.ValueSet(deadline))
	}
	if err := workflow.UpsertTypedSearchAttributes(ctx, updates...); err != nil {
		workflow.GetLogger(ctx).Warn("search attributes not updated", "error", err)
		return
	}
	wf.searchKey = key
}
