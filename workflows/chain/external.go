package chain

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"go.temporal.io/sdk/workflow"

	events "github.com/docflow/docflow/api/events/v1"
	"github.com/docflow/docflow/workflows"
)

// changeExternalSteps is the workflow.GetVersion change id of external
// steps: runs that began before them refused plans that have one.
const changeExternalSteps = "external-steps"

// send starts an external step: the document goes to the step's agency
// (routing does the sending on document.sent) and the step waits for its
// receipts until the deadline, and after it.
func (wf *run) send(step Step, now, deadline time.Time) {
	wf.state.Exchanges = append(wf.state.Exchanges, Exchange{
		StepID: step.ID, Agency: step.Agency, Status: ExchangeWaiting, SentAt: now, Deadline: deadline,
	})
	wf.book.Record(workflows.Entry{At: now, Action: "send", StepID: step.ID, By: step.Agency})
	wf.book.Outbox.Queue(events.DocumentSent, events.DocumentSentData{
		DocumentID: wf.in.DocumentID, WorkflowID: wf.book.WorkflowID, StepID: step.ID, To: step.Agency,
		Kind: wf.in.Kind, Subject: wf.in.Subject, Urgency: wf.in.Urgency, Original: wf.state.Original,
		Due: deadline, At: now,
	})
}

// ErrConfidential is the reason a secret document's external step is
// refused, the same code the API gives (errcode.Confidential).
const ErrConfidential = "confidential_document"

// secret says the mark keeps a document off electronic exchange between
// agencies (DOMAIN.md §3): MẬT and above.
func secret(confidentiality string) bool {
	return slices.Contains([]string{"MAT", "TOI_MAT", "TUYET_MAT"}, confidentiality)
}

// refuseSend ends the workflow instead of sending a secret document to
// another agency: no step of the plan can take it, so waiting would only
// hide the problem. The history and document.rejected say why; the drafter
// may send it on paper, by the rules for secret documents, or draft anew.
func (wf *run) refuseSend(step Step, now time.Time) {
	reason := fmt.Sprintf("%s: step %s would send this %s document to agency %s; secret documents are not sent electronically",
		ErrConfidential, step.ID, wf.in.Confidentiality, step.Agency)
	wf.book.Record(workflows.Entry{At: now, Action: "refuse_send", StepID: step.ID, By: step.Agency, Comment: reason})
	wf.state.StepOpen = false
	wf.state.Status = StatusRejected
	wf.state.Ended = &EndedBy{By: events.Actor{Username: "docflow", Role: "service", Agency: wf.in.Agency}, Comment: reason, At: now}
}

// waiting is the exchange the current step waits on, with its index.
func (wf *run) waiting() (int, *Exchange) {
	for i := range wf.state.Exchanges {
		if x := &wf.state.Exchanges[i]; x.Status == ExchangeWaiting {
			return i, x
		}
	}
	return -1, nil
}

func (wf *run) exchange() *Exchange {
	_, x := wf.waiting()
	return x
}

func exchangeTimer(i int) string { return fmt.Sprintf("exchange-%d", i) }

// closeExchange ends the wait and its timer.
func (wf *run) closeExchange(i int, status string) {
	wf.state.Exchanges[i].Status = status
	wf.book.Timers.Stop(exchangeTimer(i))
}

// overdue tells the people who follow the step (the drafter and whoever
// approved sending it) that the agency has not replied in time; the step
// keeps waiting.
func (wf *run) overdue(ctx workflow.Context, i int) {
	x := &wf.state.Exchanges[i]
	if x.Status != ExchangeWaiting {
		return
	}
	now := workflow.Now(ctx)
	x.EscalatedAt = &now
	notify := []string{wf.in.Drafter.Username}
	if a := wf.state.Approver; a != nil && a.Username != wf.in.Drafter.Username {
		notify = append(notify, a.Username)
	}
	wf.book.Record(workflows.Entry{At: now, Action: "escalate", StepID: x.StepID, By: x.Agency, Comment: "notified " + strings.Join(notify, ", ")})
	wf.book.Outbox.Queue(events.DocumentOverdue, events.DocumentOverdueData{
		DocumentID: wf.in.DocumentID, WorkflowID: wf.book.WorkflowID, StepID: x.StepID, WaitingFor: x.Agency,
		Deadline: x.Deadline, Notify: notify, At: now,
	})
}

// receipts are the codes an external step acts on or records; the others
// of the exchange (13, 15, 16) concern recalls and updates, not this step.
var receipts = []string{
	events.ReceiptArrived, events.ReceiptRejected, events.ReceiptRegistered,
	events.ReceiptAssigned, events.ReceiptInProgress, events.ReceiptCompleted,
}

// reply applies an agency's receipt. A signal cannot be refused, so a
// receipt that answers nothing waiting is logged and dropped.
func (wf *run) reply(ctx workflow.Context, r AgencyReply) {
	log := workflow.GetLogger(ctx)
	i, x := wf.waiting()
	switch {
	case x == nil || x.Agency != r.Agency || (r.StepID != "" && r.StepID != x.StepID):
		log.Warn("agency receipt dropped: no step waits for it", "document_id", wf.in.DocumentID,
			"agency", r.Agency, "step_id", r.StepID, "status", r.Status)
		return
	case !slices.Contains(receipts, r.Status):
		log.Warn("agency receipt dropped: unknown status code", "document_id", wf.in.DocumentID,
			"agency", r.Agency, "status", r.Status)
		return
	}
	now := workflow.Now(ctx)
	reason := strings.TrimSpace(r.Reason)
	if r.Status == events.ReceiptRejected && reason == "" {
		reason = "the agency gave no reason"
	}
	x.Receipts = append(x.Receipts, Receipt{Status: r.Status, Reason: reason, Reply: r.Reply, At: r.At, ReceivedAt: now})
	wf.book.Record(workflows.Entry{At: now, Action: "receipt", StepID: x.StepID, By: x.Agency, Receipt: r.Status, Comment: reason})
	switch {
	case r.Status == events.ReceiptCompleted || r.Reply != nil:
		x.Reply = r.Reply
		wf.closeExchange(i, ExchangeCompleted)
		wf.state.Step++
		wf.state.StepOpen = false
	case r.Status == events.ReceiptRejected:
		wf.closeExchange(i, ExchangeRefused)
		revise := wf.returnToDrafter(ctx, x.StepID, now)
		// The drafter learns from the task why it came back.
		wf.book.Comment(revise, nil, x.Agency+" "+events.ReceiptRejected+": "+reason, now)
	}
	wf.refresh()
}
