package chain

import (
	"cmp"
	"fmt"
	"strings"

	"go.temporal.io/sdk/workflow"

	events "github.com/docflow/docflow/api/events/v1"
	"github.com/docflow/docflow/workflows"
	"github.com/docflow/docflow/workflows/internal/kit"
)

// The signing step (DOMAIN.md §4). Approving a draft is not signing it: once
// every review step agreed, the holder of the competent position the plan
// names gets a signing task, and the document is signed only when they (or
// their substitute, under KT. or TUQ.) decide DecisionSign. Whoever
// approved last, a consulted official perhaps, never signs.
//
// Runs started before plans had a signing step have Plan.Signing nil and
// take none of these paths, so their histories replay as recorded.

// StatusAwaitingSignature is the status while the signing task is open.
const StatusAwaitingSignature = "awaiting_signature"

// ErrNotSigner refuses a signature by someone who holds neither the
// signing position nor a substitution for it.
const ErrNotSigner = "NotSigner"

// signaturePending says the plan has a signing step not signed yet.
func (wf *run) signaturePending() bool {
	return wf.in.Plan.Signing != nil && !wf.state.SignDecided
}

// reviewed says every review step agreed.
func (wf *run) reviewed() bool { return wf.state.Step >= len(wf.in.Plan.Steps) }

// openSigning opens the signing task. The first time, the review is over:
// document.approved says so, naming whose approval completed it.
func (wf *run) openSigning(ctx workflow.Context) error {
	s := wf.in.Plan.Signing
	dl, err := kit.PlanDeadlines(ctx, workflows.PlanDeadlinesInput{
		From: workflow.Now(ctx), WorkingDays: s.DeadlineWorkingDays, Urgency: wf.in.Urgency,
	})
	if err != nil {
		return fmt.Errorf("plan the deadline of signing step %s: %w", s.ID, err)
	}
	if wf.state.Ended != nil {
		return nil
	}
	now := workflow.Now(ctx)
	if !wf.state.Reviewed {
		wf.state.Reviewed = true
		data := events.DocumentDecisionData{DocumentID: wf.in.DocumentID, WorkflowID: wf.book.WorkflowID, At: now}
		if wf.state.Approver != nil {
			data.By = *wf.state.Approver
		}
		wf.book.Outbox.Queue(events.DocumentApproved, data)
	}
	wf.state.StepID, wf.state.StepName = s.ID, s.Name
	wf.state.StepOpen = true
	wf.state.Status = StatusAwaitingSignature
	wf.book.Open(workflows.Task{
		ID: kit.NewID(ctx), StepID: s.ID, Kind: TaskSign, Status: workflows.TaskOpen, Assignee: s.Signer,
		AssignedAt: now, Deadline: dl.Deadline, RemindAt: dl.RemindAt,
	})
	wf.refresh()
	return nil
}

// validateSignature checks a decision on the signing task t: the signature
// itself is personal, so only the position's holder or a substitute in force
// may sign; a supervisor an overdue task escalated to may follow it up, not
// sign in the holder's place.
func (wf *run) validateSignature(ctx workflow.Context, t *workflows.Task, d workflows.Decision) error {
	onBehalfOf, err := wf.book.ActingFor(t, d.By.Username, workflow.Now(ctx), ErrNotSigner)
	if err != nil {
		return err
	}
	switch d.Decision {
	case DecisionSign:
		if onBehalfOf == "" && d.By.Username != t.Assignee.Username {
			return kit.Refuse(ErrNotSigner, "%s may follow up the overdue signature but not sign: the document is signed by %s (%s) or their substitute",
				d.By.Username, t.Assignee.Username, t.Assignee.Title)
		}
	case DecisionComment, workflows.DecisionReject, DecisionReturn:
	default:
		return kit.Refuse(workflows.ErrInvalidDecision, "decision %q is not one of sign, reject, return, comment: a signing task is signed, not approved", d.Decision)
	}
	return explained(d)
}

// decideSignature applies a decision on the signing task: sign lets the
// loop sign and archive, reject ends the document, return sends it back to
// the drafter (and, once resubmitted, to the signer again).
func (wf *run) decideSignature(ctx workflow.Context, t *workflows.Task, d workflows.Decision) (workflows.DecisionResult, error) {
	now := workflow.Now(ctx)
	onBehalfOf, _ := wf.book.ActingFor(t, d.By.Username, now, ErrNotSigner)
	res := wf.book.Acted(t, d.Decision, d.By, onBehalfOf, d.Comment, now)
	if d.Decision == DecisionComment {
		wf.book.Comment(t, &d.By, d.Comment, now)
		return res, nil
	}
	wf.book.Decide(t, d.Decision, d.Comment, d.By, onBehalfOf, now)
	wf.book.Withdraw(now)
	switch d.Decision {
	case DecisionSign:
		wf.state.SignDecided = true
		wf.state.StepOpen = false
		wf.state.Approver = &d.By
	case workflows.DecisionReject:
		wf.state.Status = StatusRejected
		wf.state.Ended = &EndedBy{By: d.By, Comment: d.Comment, At: now}
	case DecisionReturn:
		wf.returnToDrafter(ctx, t.StepID, now)
	}
	wf.refresh()
	return res, nil
}

// signingReason is the signature's reason (/Reason of the PDF signature):
// what is signed and, under a written authorisation, the authorising
// document it is signed by (TUQ. theo giấy ủy quyền số …).
func (wf *run) signingReason(username string) string {
	reason := "Ký ban hành: " + wf.in.Subject
	t := wf.signedTask(username)
	if t == nil || t.OnBehalfOf == "" {
		return reason
	}
	for _, sub := range t.Assignee.Substitutes {
		if sub.Username == username && sub.Authority == "TUQ" && sub.Reference != "" {
			return reason + " (TUQ. theo " + sub.Reference + ")"
		}
	}
	return reason
}

// signedTask is the signing task username signed, the latest when the
// document came back to be signed again; nil when they signed none.
func (wf *run) signedTask(username string) *workflows.Task {
	for i := len(wf.state.Tasks) - 1; i >= 0; i-- {
		t := &wf.state.Tasks[i]
		if t.Kind == TaskSign && t.Status == workflows.TaskDecided && t.Decision == DecisionSign && t.DecidedBy == username {
			return t
		}
	}
	return nil
}

// signingAs is how the signer signs on the signing task: directly, the
// plan's authority (TM., TL., Q.) over the title it names; a substitute
// signs under KT. or TUQ. (per their delegation) for the holder's title.
func (wf *run) signingAs(username string) (title, authority, signsFor string) {
	s, t := wf.in.Plan.Signing, wf.signedTask(username)
	switch {
	case t == nil:
		return "", "", ""
	case t.OnBehalfOf == "" && s.Authority == AuthorityDirect:
		return t.Assignee.Title, "", ""
	case t.OnBehalfOf == "" && s.Authority == AuthorityQ:
		// Acting head: "Q. CHÁNH VĂN PHÒNG" names the office held.
		return t.Assignee.Title, AuthorityQ, cmp.Or(s.For, t.Assignee.Title)
	case t.OnBehalfOf == "":
		return t.Assignee.Title, s.Authority, s.For
	}
	return substituteSigns(t.Assignee, username)
}

// substituteSigns is how username signs in a's place: their own title under
// KT. (a substitution) or TUQ. (a written authorisation) and a's title. When
// either title is unknown the signature has none and is invisible, rather
// than drawn with half its authority line.
func substituteSigns(a workflows.Assignee, username string) (title, authority, signsFor string) {
	for _, sub := range a.Substitutes {
		if sub.Username != username || sub.Title == "" || a.Title == "" {
			continue
		}
		if sub.Authority == "TUQ" {
			return sub.Title, "TUQ.", a.Title
		}
		return sub.Title, "KT.", a.Title
	}
	return "", "", ""
}

// validate checks the signing step routing planned.
func (s *Signing) validate() error {
	var problems []string
	if s.ID == "" {
		problems = append(problems, "it has no id")
	}
	if s.Signer.Username == "" {
		problems = append(problems, fmt.Sprintf("position %q is not held by anyone", s.Signer.Position))
	}
	switch s.Authority {
	case AuthorityDirect, AuthorityQ:
	case AuthorityTM, AuthorityTL:
		if s.For == "" {
			problems = append(problems, s.Authority+" needs the title it signs for")
		}
	default:
		problems = append(problems, fmt.Sprintf("authority %q is not one of TM., TL., Q. or none", s.Authority))
	}
	if len(problems) == 0 {
		return nil
	}
	return fmt.Errorf("signing step %s: %s", s.ID, strings.Join(problems, "; "))
}
