package chain

import (
	"fmt"
	"time"

	"go.temporal.io/sdk/workflow"

	events "github.com/docflow/docflow/api/events/v1"
	"github.com/docflow/docflow/workflows"
	"github.com/docflow/docflow/workflows/internal/kit"
)

// The two-signature rule (DOMAIN.md §4): once the competent person's
// personal signature is on the document, it waits for a clerk (văn thư) of
// the agency. The clerk's UpdateIssue has the document numbered from the
// outgoing register (intake's workflows.ActivityAssignNumber), then sealed
// with the agency's organisation signature (signing's
// workflows.ActivitySealDocument, which first verifies the personal
// signature and refuses when it is missing or invalid). The sealed PDF is
// what is archived.

// changeClerkIssue is the workflow.GetVersion change id of the clerk's
// issue: runs recorded before it archived the personally signed PDF at
// once, and replay must do the same.
const changeClerkIssue = "clerk-issue"

// UpdateIssue carries the clerk's issue of a signed document (Issue).
const UpdateIssue = "issue"

// DecisionIssue is how the văn thư's issue task closes (task.decided).
const DecisionIssue = "issue"

// RoleClerk is the role (events.Actor.Role) allowed to issue documents.
const RoleClerk = "clerk"

// Statuses of a document between the personal signature and its archiving.
const (
	StatusAwaitingIssue = "awaiting_issue" // signed by the competent person; waits for a clerk
	StatusIssuing       = "issuing"        // a clerk's issue is numbering and sealing it
)

// Application error types of a refused issue; a failed one carries the
// activity's (workflows.ErrUnregistered, ErrPersonalSignatureInvalid, …).
const (
	ErrNotClerk         = "NotClerk"         // the issue comes from someone who is not a clerk of the agency
	ErrNotAwaitingIssue = "NotAwaitingIssue" // the document is not signed and waiting for a clerk
)

// issueTimeout bounds an issue the clerk waits for: a service that stays
// down fails the update, the document goes back to waiting and the clerk
// may try again; nothing is half-done since both activities are
// idempotent per document.
const issueTimeout = 10 * time.Minute

// ClerksOf is what WaitingFor (and the DocflowAssignees search attribute)
// holds while a document waits for any clerk of agency.
func ClerksOf(agency string) string { return "clerks:" + agency }

// Issue is the argument of UpdateIssue.
type Issue struct {
	By events.Actor `json:"by"`
	// Attachment makes the organisation signature invisible, with the number
	// and signing time as a text block at the top right of page 1, as for an
	// attachment filed separately (DOMAIN.md §6).
	Attachment bool `json:"attachment,omitempty"`
}

// IssueResult is the result of UpdateIssue.
type IssueResult struct {
	Number   int64         `json:"number"`
	Symbol   string        `json:"symbol"`
	IssuedAt time.Time     `json:"issued_at"`
	Sealed   events.Object `json:"sealed"`
}

// Issued is how the document was issued, in State.
type Issued struct {
	Number     int64         `json:"number"`
	Symbol     string        `json:"symbol"`
	Register   string        `json:"register"`
	Year       int           `json:"year"`
	IssuedAt   time.Time     `json:"issued_at"`
	Sealed     events.Object `json:"sealed"`
	Attachment bool          `json:"attachment,omitempty"`
	By         events.Actor  `json:"by"`
}

func (wf *run) validateIssue(_ workflow.Context, r Issue) error {
	switch {
	case r.By.Role != RoleClerk || r.By.Agency != wf.in.Agency:
		return kit.Refuse(ErrNotClerk, "only a clerk (văn thư) of %s can number and seal the document; %s acts as %s of %s",
			wf.in.Agency, r.By.Username, r.By.Role, r.By.Agency)
	case wf.state.Status != StatusAwaitingIssue:
		return kit.Refuse(ErrNotAwaitingIssue, "the document cannot be issued: it is %s, not signed and waiting for a clerk", wf.statusWord())
	}
	return nil
}

// issue numbers and seals the document. A failure leaves it waiting for a
// clerk again, with the reason in its history; the number, once given, stays
// the document's, so a second attempt prints the same one.
func (wf *run) issue(ctx workflow.Context, r Issue) (IssueResult, error) {
	in := wf.in
	wf.state.Status = StatusIssuing
	wf.state.WaitingFor = nil
	wf.upsertSearch(ctx)

	fail := func(what string, err error) (IssueResult, error) {
		wf.state.Status = StatusAwaitingIssue
		wf.state.WaitingFor = []string{ClerksOf(in.Agency)}
		wf.book.Record(workflows.Entry{At: workflow.Now(ctx), Action: "issue_failed", By: r.By.Username, Comment: what + ": " + kit.Reason(err)})
		wf.upsertSearch(ctx)
		return IssueResult{}, err
	}

	numberOpts := kit.ServiceActivity(workflows.IntakeTaskQueue, time.Minute, workflows.ErrUnregistered, workflows.ErrCannotNumber)
	numberOpts.ScheduleToCloseTimeout = issueTimeout
	var num workflows.AssignNumberResult
	if err := workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, numberOpts), workflows.ActivityAssignNumber, workflows.AssignNumberInput{
		DocumentID: in.DocumentID, Agency: in.Agency, By: r.By, Units: in.Plan.Units,
	}).Get(ctx, &num); err != nil {
		return fail("number", err)
	}

	sealOpts := kit.ServiceActivity(workflows.SigningTaskQueue, 5*time.Minute,
		workflows.ErrPersonalSignatureInvalid, workflows.ErrNoOrganisationKey, workflows.ErrSourceIntegrity, workflows.ErrUnsignablePDF)
	sealOpts.ScheduleToCloseTimeout = issueTimeout
	var sealed workflows.SealDocumentResult
	if err := workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, sealOpts), workflows.ActivitySealDocument, workflows.SealDocumentInput{
		DocumentID: in.DocumentID, Agency: in.Agency, Signed: *wf.state.Signed, Signer: wf.state.Approver.Username,
		Number: num.Number, Symbol: num.Symbol, IssuedAt: num.IssuedAt, Attachment: r.Attachment, Clerk: r.By.Username,
		DateLine: num.DateLine,
	}).Get(ctx, &sealed); err != nil {
		return fail("seal "+num.Symbol, err)
	}

	wf.state.Issued = &Issued{
		Number: num.Number, Symbol: num.Symbol, Register: num.Register, Year: num.Year, IssuedAt: num.IssuedAt,
		Sealed: sealed.Sealed, Attachment: r.Attachment, By: r.By,
	}
	wf.book.Record(workflows.Entry{At: workflow.Now(ctx), Action: "issue", By: r.By.Username, Comment: num.Symbol})
	wf.closeIssueTask(r.By, num.Symbol, workflow.Now(ctx))
	wf.book.Outbox.Queue(events.DocumentNumbered, events.DocumentNumberedData{
		DocumentID: in.DocumentID, WorkflowID: wf.book.WorkflowID, Number: num.Number, Symbol: num.Symbol, Register: num.Register,
		Year: num.Year, Kind: in.Kind, Subject: in.Subject, Signer: wf.state.Approver.Username, Sealed: sealed.Sealed,
		Attachment: r.Attachment, By: r.By, IssuedAt: num.IssuedAt,
	})
	return IssueResult{Number: num.Number, Symbol: num.Symbol, IssuedAt: num.IssuedAt, Sealed: sealed.Sealed}, nil
}

// awaitIssue parks the signed document until a clerk issues it. A plan
// that names the văn thư (Plan.Issuing) gives them a task, due the same
// working day by default, reminded and escalated like any task; runs
// without one wait for the clerks as they always did.
func (wf *run) awaitIssue(ctx workflow.Context, signed workflows.SignDocumentResult) error {
	wf.state.Signed = &signed.Signed
	wf.state.Status = StatusAwaitingIssue
	wf.state.WaitingFor = []string{ClerksOf(wf.in.Agency)}
	if wf.in.Plan.Issuing == nil {
		wf.upsertSearch(ctx)
		if err := workflow.Await(ctx, func() bool { return wf.state.Issued != nil }); err != nil {
			return err
		}
		return wf.book.Outbox.Flush(ctx)
	}
	if err := wf.openIssueTask(ctx); err != nil {
		return err
	}
	for {
		// The task's reminder and escalation publish through the outbox;
		// whom the document waits for stays the clerks, whoever is reminded.
		wf.book.Arm(ctx, func() {})
		wf.upsertSearch(ctx)
		if err := workflow.Await(ctx, func() bool {
			return wf.state.Issued != nil || wf.book.Outbox.Len() > 0 || wf.book.Unarmed()
		}); err != nil {
			return err
		}
		if err := wf.book.Outbox.Flush(ctx); err != nil {
			return err
		}
		if wf.state.Issued != nil {
			return nil
		}
	}
}

// openIssueTask gives the văn thư the signed document to issue.
func (wf *run) openIssueTask(ctx workflow.Context) error {
	is := wf.in.Plan.Issuing
	dl, err := kit.PlanDeadlines(ctx, workflows.PlanDeadlinesInput{
		From: workflow.Now(ctx), WorkingDays: is.DeadlineWorkingDays, Urgency: wf.in.Urgency,
	})
	if err != nil {
		return fmt.Errorf("plan the deadline of the issue: %w", err)
	}
	wf.book.Open(workflows.Task{
		ID: kit.NewID(ctx), StepID: "issue", Kind: TaskIssue, Status: workflows.TaskOpen, Assignee: is.Clerk,
		AssignedAt: workflow.Now(ctx), Deadline: dl.Deadline, RemindAt: dl.RemindAt,
	})
	return wf.book.Outbox.Flush(ctx)
}

// closeIssueTask records the issue on the văn thư's task, whichever clerk
// issued: the task was their reminder, not a claim on the document.
func (wf *run) closeIssueTask(by events.Actor, symbol string, at time.Time) {
	for i := range wf.state.Tasks {
		t := &wf.state.Tasks[i]
		if t.Kind != TaskIssue || t.Status != workflows.TaskOpen {
			continue
		}
		onBehalfOf := ""
		if by.Username != t.Assignee.Username {
			onBehalfOf = t.Assignee.Username
		}
		wf.book.Decide(t, DecisionIssue, symbol, by, onBehalfOf, at)
	}
}
