package incoming

import (
	"time"

	events "github.com/docflow/docflow/api/events/v1"
)

// The sender agency is owed status receipts (QCVN 102) as the handling goes
// on: 04 once a leader assigned it, 05 once the lead began, 06 once they
// completed it. Each goes out as a handling event carrying the code, which
// routing passes on to the sender.

// receiptEvents is the event each receipt this workflow owes goes out as.
var receiptEvents = map[string]events.Type{
	events.ReceiptAssigned:   events.HandlingAssigned,
	events.ReceiptInProgress: events.HandlingStarted,
	events.ReceiptCompleted:  events.HandlingCompleted,
}

// owe queues the event that carries receipt status to the sender, with
// where the handling stands: by acted at at (for onBehalfOf, when a
// substitute did), with comment (the instruction, progress note or result).
func (wf *run) owe(status string, by events.Actor, onBehalfOf, comment string, at time.Time) {
	h := wf.state.Handling
	wf.book.Outbox.Queue(receiptEvents[status], events.HandlingData{
		DocumentID: wf.in.DocumentID, WorkflowID: wf.book.WorkflowID, SenderAgency: wf.in.SenderAgency, Status: status,
		LeadUnit: h.Lead.Unit, LeadPerson: h.Lead.Username, Cooperators: usernames(h.Cooperators), Deadline: h.Deadline,
		By: by, OnBehalfOf: onBehalfOf, Comment: comment, Reply: h.Reply, At: at,
	})
}
