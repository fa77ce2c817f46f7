package chain

import (
	"fmt"
	"time"

	"go.temporal.io/sdk/workflow"

	events "github.com/docflow/docflow/api/events/v1"
	"github.com/docflow/docflow/workflows"
	"github.com/docflow/docflow/workflows/internal/kit"
)

// signAndArchive runs once every step agreed and, when the plan has a
// signing step, the signer signed on it (signing.go). A run without one
// signs as the single-approver workflow did: the person whose approval
// completed the plan.
func (wf *run) signAndArchive(ctx workflow.Context) (Result, error) {
	in := wf.in
	by := *wf.state.Approver
	wf.state.Status = StatusApproved
	if !wf.state.Reviewed {
		wf.book.Outbox.Queue(events.DocumentApproved, events.DocumentDecisionData{
			DocumentID: in.DocumentID, WorkflowID: wf.book.WorkflowID, By: by, At: workflow.Now(ctx),
		})
	}
	if err := wf.book.Outbox.Flush(ctx); err != nil {
		return Result{}, err
	}

	wf.state.Status = StatusSigning
	wf.upsertSearch(ctx)
	var signed workflows.SignDocumentResult
	// A remote key's holder has up to the signing service's remote timeout
	// (5 minutes by default) to approve on their device; the activity
	// heartbeats meanwhile, so a lost worker is noticed within the
	// heartbeat timeout rather than the start-to-close one.
	signOpts := kit.ServiceActivity(workflows.SigningTaskQueue, 10*time.Minute,
		workflows.ErrSourceIntegrity, workflows.ErrNoSigningKey, workflows.ErrUnsignablePDF,
		workflows.ErrSignatureRefused, workflows.ErrSignatureExpired)
	signOpts.HeartbeatTimeout = 30 * time.Second
	signCtx := workflow.WithActivityOptions(ctx, signOpts)
	title, authority, signsFor := wf.signer(by.Username)
	reason := "Phê duyệt: " + in.Subject
	if in.Plan.Signing != nil {
		title, authority, signsFor = wf.signingAs(by.Username)
		reason = wf.signingReason(by.Username)
	}
	if err := workflow.ExecuteActivity(signCtx, workflows.ActivitySignDocument, workflows.SignDocumentInput{
		DocumentID: in.DocumentID, Agency: in.Agency, Source: wf.state.Original,
		Signer: by.Username, Reason: reason, SignerTitle: title, SignerAuthority: authority, SignerFor: signsFor,
	}).Get(ctx, &signed); err != nil {
		return Result{}, fmt.Errorf("sign document %s: %w", in.DocumentID, err)
	}

	archive := signed.Signed
	if workflow.GetVersion(ctx, changeClerkIssue, workflow.DefaultVersion, 1) != workflow.DefaultVersion {
		if err := wf.awaitIssue(ctx, signed); err != nil {
			return Result{}, err
		}
		archive = wf.state.Issued.Sealed
	}

	wf.state.Status = StatusArchiving
	var archived workflows.ArchiveDocumentResult
	archiveCtx := workflow.WithActivityOptions(ctx, kit.ServiceActivity(workflows.ArchiveTaskQueue, 5*time.Minute, workflows.ErrSourceIntegrity))
	if err := workflow.ExecuteActivity(archiveCtx, workflows.ActivityArchiveDocument, workflows.ArchiveDocumentInput{
		DocumentID: in.DocumentID, Agency: in.Agency, Kind: in.Kind, Subject: in.Subject,
		ArrivalNumber: in.ArrivalNumber, Signed: archive, Signer: by.Username, SignedAt: signed.SignedAt,
		Confidentiality: in.Confidentiality,
	}).Get(ctx, &archived); err != nil {
		return Result{}, fmt.Errorf("archive document %s: %w", in.DocumentID, err)
	}

	wf.state.Status = StatusArchived
	wf.upsertSearch(ctx)
	workflow.GetLogger(ctx).Info("document archived", "document_id", in.DocumentID, "record_id", archived.RecordID)
	return Result{Outcome: workflows.OutcomeArchived, Signed: &signed.Signed, Issued: wf.state.Issued, RecordID: archived.RecordID}, kit.Finish(ctx)
}

// signer is how the person who approved the last step signs: the title of
// the position they approved in, or, when they acted as a substitute, their
// own title under the authority (KT. for a substitution, TUQ. for a written
// authorisation) and the assignee's title. A supervisor who decided an
// overdue task, or anyone whose title the plan does not hold, gets no
// title: the signature is then invisible.
func (wf *run) signer(username string) (title, authority, signsFor string) {
	for i := len(wf.state.Tasks) - 1; i >= 0; i-- {
		t := wf.state.Tasks[i]
		if t.Status != workflows.TaskDecided || t.Decision != workflows.DecisionApprove || t.DecidedBy != username {
			continue
		}
		if t.OnBehalfOf == "" && t.Assignee.Username == username {
			return t.Assignee.Title, "", ""
		}
		return substituteSigns(t.Assignee, username)
	}
	return "", "", ""
}
