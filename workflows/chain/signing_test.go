package chain_test

import (
	"strings"
	"testing"
	"time"

	events "github.com/docflow/docflow/api/events/v1"
	"github.com/docflow/docflow/workflows"
	"github.com/docflow/docflow/workflows/chain"
	"github.com/docflow/docflow/workflows/internal/workflowtest"
)

// withSigning is in with a signing step for signer.
func withSigning(in chain.Input, signer workflows.Assignee, authority, signsFor string) chain.Input {
	in.Plan.Signing = &chain.Signing{ID: "ky", Name: "Ký ban hành", Signer: signer, Authority: authority, For: signsFor, DeadlineWorkingDays: 1}
	in.Plan.Units = []string{"TH"}
	return in
}

// A decision whose plan consults an official after the leader's approval is
// signed by the leader's position, on a signing task: approving is not
// signing, and the consulted official, who approved last, neither signs nor
// may sign.
func TestTheSigningPositionSigns(t *testing.T) {
	t.Parallel()
	env, rec := newEnv(t, fiveDays)
	leader := person("lanhdao")
	approveAt(env, time.Hour, "chuyenvien1")
	approveAt(env, 2*time.Hour, "lanhdao")
	approveAt(env, 3*time.Hour, "chuyenvien2") // the consultation step
	waiting := env.SnapshotAt(4 * time.Hour)
	byConsulted := decideAt(env, 5*time.Hour, "lanhdao", official("chuyenvien2"), chain.DecisionSign, "")
	approveInstead := decideAt(env, 6*time.Hour, "lanhdao", official("lanhdao"), workflows.DecisionApprove, "Đồng ý")
	sign := decideAt(env, 7*time.Hour, "lanhdao", official("lanhdao"), chain.DecisionSign, "")

	in := withSigning(input(single("tham-tra", person("chuyenvien1")), single("lanh-dao", leader), single("gop-y", person("chuyenvien2"))), leader, "", "")
	res := runTo(t, env, workflows.OutcomeArchived, in)
	if res.Issued == nil {
		t.Fatal("not issued")
	}
	if waiting.Status != chain.StatusAwaitingSignature || len(waiting.OpenTasks()) != 1 ||
		waiting.OpenTasks()[0].Kind != chain.TaskSign || waiting.OpenTasks()[0].Assignee.Username != "lanhdao" {
		t.Fatalf("after the review: status %s, open tasks %+v; want one signing task for lanhdao", waiting.Status, waiting.OpenTasks())
	}
	workflowtest.Refused(t, "signature by the consulted official", byConsulted, chain.ErrNotSigner)
	workflowtest.Refused(t, "approval of a signing task", approveInstead, workflows.ErrInvalidDecision)
	workflowtest.Accepted(t, "signature by the leader", sign)
	if len(rec.signed) != 1 || rec.signed[0].Signer != "lanhdao" || rec.signed[0].SignerTitle != leader.Title || rec.signed[0].SignerAuthority != "" {
		t.Fatalf("signed %+v, want once by lanhdao in their own right", rec.signed)
	}
	if len(rec.sealed) != 1 || rec.sealed[0].Signer != "lanhdao" {
		t.Fatalf("sealed %+v, want the leader's signature checked", rec.sealed)
	}
	if len(rec.numbered) != 1 || len(rec.numbered[0].Units) != 1 || rec.numbered[0].Units[0] != "TH" {
		t.Fatalf("numbered %+v, want the drafting unit's abbreviation", rec.numbered)
	}
	approved := workflowtest.Payloads[events.DocumentDecisionData](t, rec.Recorder, events.DocumentApproved)
	if len(approved) != 1 || approved[0].By.Username != "chuyenvien2" {
		t.Fatalf("document.approved %+v, want once, when the review ended", approved)
	}
	decided := workflowtest.Payloads[events.TaskDecidedData](t, rec.Recorder, events.TaskDecided)
	if last := decided[len(decided)-1]; last.Decision != chain.DecisionSign || last.By.Username != "lanhdao" {
		t.Fatalf("last decision %+v, want lanhdao's signature", last)
	}
}

// A substitute in force signs in the holder's place under KT. (TUQ. with a
// written authorisation), with their own title under the holder's; a plan's
// TM. is printed over the collective it names.
func TestSignatureAuthority(t *testing.T) {
	t.Parallel()
	deputy := workflows.Substitute{Username: "phochanh", From: start.Add(-time.Hour), Until: start.AddDate(0, 0, 7), Title: "Phó Chánh Văn phòng"}
	tests := []struct {
		name                         string
		sub                          *workflows.Substitute
		by, authority, signsFor      string
		wantTitle, wantAuth, wantFor string
	}{
		{"a deputy standing in", &deputy, "phochanh", "", "", "Phó Chánh Văn phòng", "KT.", "Chức danh của lanhdao"},
		{"a written authorisation", func() *workflows.Substitute {
			s := deputy
			s.Authority, s.Reference = "TUQ", "05/GUQ-VPCP ngày 01/12/2026"
			return &s
		}(), "phochanh", "", "",
			"Phó Chánh Văn phòng", "TUQ.", "Chức danh của lanhdao"},
		{"on behalf of the office", nil, "lanhdao", chain.AuthorityTM, "Văn phòng Chính phủ", "Chức danh của lanhdao", "TM.", "Văn phòng Chính phủ"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			env, rec := newEnv(t, fiveDays)
			leader := person("lanhdao")
			if tt.sub != nil {
				leader.Substitutes = []workflows.Substitute{*tt.sub}
			}
			approveAt(env, time.Hour, "chuyenvien1")
			sign := decideAt(env, 2*time.Hour, "lanhdao", official(tt.by), chain.DecisionSign, "")
			runTo(t, env, workflows.OutcomeArchived, withSigning(input(single("tham-tra", person("chuyenvien1"))), leader, tt.authority, tt.signsFor))
			workflowtest.Accepted(t, "signature", sign)
			if len(rec.signed) != 1 {
				t.Fatalf("signed %d times", len(rec.signed))
			}
			s := rec.signed[0]
			if s.Signer != tt.by || s.SignerTitle != tt.wantTitle || s.SignerAuthority != tt.wantAuth || s.SignerFor != tt.wantFor {
				t.Errorf("signed as %q %q %q %q, want %q %q %q %q", s.Signer, s.SignerAuthority, s.SignerFor, s.SignerTitle,
					tt.by, tt.wantAuth, tt.wantFor, tt.wantTitle)
			}
			// A written authorisation is named in the signature's reason.
			if wantRef := tt.sub != nil && tt.sub.Reference != ""; wantRef != strings.Contains(s.Reason, "TUQ. theo 05/GUQ-VPCP ngày 01/12/2026") {
				t.Errorf("signature reason %q; the authorising document named: %v, want %v", s.Reason, !wantRef, wantRef)
			}
		})
	}
}

// The signer may send the draft back: the drafter revises it and it comes
// back to the signer, not to the review; a refusal to sign ends it.
func TestSignerReturnsAndRejects(t *testing.T) {
	t.Parallel()
	t.Run("return", func(t *testing.T) {
		t.Parallel()
		env, rec := newEnv(t, fiveDays)
		leader := person("lanhdao")
		approveAt(env, time.Hour, "chuyenvien1")
		decideAt(env, 2*time.Hour, "lanhdao", official("lanhdao"), chain.DecisionReturn, "Sửa điều 2")
		env.At(3*time.Hour, chain.UpdateResubmit, func(s chain.State) any {
			return chain.Resubmission{TaskID: workflowtest.TaskOf(s.Tasks, "drafter"), By: official("drafter"),
				Original: events.Object{Bucket: "docs", Key: "originals/doc-1-v2.pdf", SHA256: "ee", Size: 11}}
		})
		again := env.SnapshotAt(4 * time.Hour)
		decideAt(env, 5*time.Hour, "lanhdao", official("lanhdao"), chain.DecisionSign, "")
		runTo(t, env, workflows.OutcomeArchived, withSigning(input(single("tham-tra", person("chuyenvien1"))), leader, "", ""))
		if open := again.OpenTasks(); len(open) != 1 || open[0].Kind != chain.TaskSign {
			t.Fatalf("after the resubmission open tasks %+v, want the signing task again", open)
		}
		if len(rec.signed) != 1 || rec.signed[0].Source.Key != "originals/doc-1-v2.pdf" {
			t.Fatalf("signed %+v, want the revised document", rec.signed)
		}
	})
	t.Run("reject", func(t *testing.T) {
		t.Parallel()
		env, rec := newEnv(t, fiveDays)
		approveAt(env, time.Hour, "chuyenvien1")
		decideAt(env, 2*time.Hour, "lanhdao", official("lanhdao"), workflows.DecisionReject, "Không ban hành")
		runTo(t, env, workflows.OutcomeRejected, withSigning(input(single("tham-tra", person("chuyenvien1"))), person("lanhdao"), "", ""))
		if len(rec.signed) != 0 {
			t.Fatalf("signed %+v after a refusal", rec.signed)
		}
	})
}

// Once signed, the document waits on the văn thư's task, due the same
// working day: reminded before its deadline and escalated past it, like any
// task. Another clerk may issue it, which closes the task on the văn thư's
// behalf.
func TestIssueTaskOfTheClerk(t *testing.T) {
	t.Parallel()
	deadlines := func(in workflows.PlanDeadlinesInput) workflows.PlanDeadlinesResult {
		if in.WorkingDays == 0 { // the issue: the same day
			return workflows.PlanDeadlinesResult{Deadline: in.From.Add(8 * time.Hour), RemindAt: in.From.Add(6 * time.Hour)}
		}
		return fiveDays(in)
	}
	env, rec := newIssueEnv(t, deadlines, nil)
	approveAt(env, time.Hour, "chuyenvien1")
	decideAt(env, 2*time.Hour, "lanhdao", official("lanhdao"), chain.DecisionSign, "")
	waiting := env.SnapshotAt(3 * time.Hour)
	other := events.Actor{Username: "vanthu2", Role: chain.RoleClerk, Agency: agency}
	issue := env.At(12*time.Hour, chain.UpdateIssue, func(chain.State) any { return chain.Issue{By: other} })
	in := withSigning(input(single("tham-tra", person("chuyenvien1"))), person("lanhdao"), "", "")
	clerkAssignee := person("vanthu")
	clerkAssignee.Supervisor = "chanhvanphong"
	in.Plan.Issuing = &chain.Issuing{Clerk: clerkAssignee}
	in.Confidentiality = "MAT"
	runTo(t, env, workflows.OutcomeArchived, in)
	workflowtest.Accepted(t, "issue by another clerk", issue)

	open := waiting.OpenTasks()
	if len(open) != 1 || open[0].Kind != chain.TaskIssue || open[0].Assignee.Username != "vanthu" || open[0].Deadline.IsZero() {
		t.Fatalf("after the signature open tasks %+v, want the văn thư's issue task with a deadline", open)
	}
	if waiting.Status != chain.StatusAwaitingIssue || len(waiting.WaitingFor) != 1 || waiting.WaitingFor[0] != chain.ClerksOf(agency) {
		t.Fatalf("after the signature: %s waiting for %v, want awaiting_issue for the clerks", waiting.Status, waiting.WaitingFor)
	}
	reminded := workflowtest.Payloads[events.TaskNoticeData](t, rec.Recorder, events.TaskReminded)
	escalated := workflowtest.Payloads[events.TaskNoticeData](t, rec.Recorder, events.TaskEscalated)
	if len(reminded) != 1 || reminded[0].Assignee != "vanthu" || len(escalated) != 1 || escalated[0].Assignee != "vanthu" {
		t.Fatalf("reminded %+v, escalated %+v; want the văn thư reminded and the task escalated once", reminded, escalated)
	}
	decided := workflowtest.Payloads[events.TaskDecidedData](t, rec.Recorder, events.TaskDecided)
	last := decided[len(decided)-1]
	if last.Decision != chain.DecisionIssue || last.By.Username != "vanthu2" || last.OnBehalfOf != "vanthu" || last.Comment != "07/QĐ-VPCP" {
		t.Fatalf("the issue task closed as %+v, want issued by vanthu2 for vanthu", last)
	}
	if len(rec.numbered) != 1 || len(rec.sealed) != 1 {
		t.Fatalf("numbered %d, sealed %d times", len(rec.numbered), len(rec.sealed))
	}
	// The mark travels with the document into the archive's catalog.
	if len(rec.archived) != 1 || rec.archived[0].Confidentiality != "MAT" {
		t.Fatalf("archived %+v, want the record marked MAT", rec.archived)
	}
}

// An overdue signing task escalates to the signer's supervisor, who may
// follow it up but not sign in the holder's place: a signature is personal.
func TestEscalatedSupervisorDoesNotSign(t *testing.T) {
	t.Parallel()
	deadlines := func(in workflows.PlanDeadlinesInput) workflows.PlanDeadlinesResult {
		if in.WorkingDays == 1 { // the signing step
			return workflows.PlanDeadlinesResult{Deadline: in.From.Add(4 * time.Hour), RemindAt: in.From.Add(2 * time.Hour)}
		}
		return fiveDays(in)
	}
	env, rec := newEnv(t, deadlines)
	leader := person("lanhdao")
	leader.Supervisor = "botruong"
	approveAt(env, time.Hour, "chuyenvien1")
	bySupervisor := decideAt(env, 8*time.Hour, "lanhdao", official("botruong"), chain.DecisionSign, "")
	sign := decideAt(env, 9*time.Hour, "lanhdao", official("lanhdao"), chain.DecisionSign, "")
	runTo(t, env, workflows.OutcomeArchived, withSigning(input(single("tham-tra", person("chuyenvien1"))), leader, "", ""))
	if got := workflowtest.Payloads[events.TaskNoticeData](t, rec.Recorder, events.TaskEscalated); len(got) != 1 || got[0].Supervisor != "botruong" {
		t.Fatalf("escalations %+v, want the signing task escalated to botruong", got)
	}
	workflowtest.Refused(t, "signature by the supervisor", bySupervisor, chain.ErrNotSigner)
	workflowtest.Accepted(t, "signature by the holder", sign)
	if len(rec.signed) != 1 || rec.signed[0].Signer != "lanhdao" {
		t.Fatalf("signed %+v, want once by lanhdao", rec.signed)
	}
}
