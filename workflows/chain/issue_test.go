package chain_test

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"go.temporal.io/sdk/temporal"

	events "github.com/docflow/docflow/api/events/v1"
	"github.com/docflow/docflow/workflows"
	"github.com/docflow/docflow/workflows/chain"
	"github.com/docflow/docflow/workflows/internal/workflowtest"
)

// The document waits for a clerk after the personal signature; the clerk's
// issue numbers and seals it, and the sealed PDF is what is archived.
func TestClerkIssuesTheSignedDocument(t *testing.T) {
	t.Parallel()
	env, rec := newIssueEnv(t, fiveDays, nil)
	early := env.At(30*time.Minute, chain.UpdateIssue, func(chain.State) any { return chain.Issue{By: clerk} })
	approveAt(env, time.Hour, "truongphong")
	waiting := env.SnapshotAt(2 * time.Hour)
	official := env.At(3*time.Hour, chain.UpdateIssue, func(chain.State) any {
		return chain.Issue{By: events.Actor{Username: "truongphong", Role: "official", Agency: agency}}
	})
	otherAgency := env.At(4*time.Hour, chain.UpdateIssue, func(chain.State) any {
		return chain.Issue{By: events.Actor{Username: "vanthu2", Role: chain.RoleClerk, Agency: "000.00.00.G09"}}
	})
	issue := env.At(5*time.Hour, chain.UpdateIssue, func(chain.State) any { return chain.Issue{By: clerk, Attachment: true} })
	env.ExecuteWorkflow(chain.WorkflowName, input(single("phong", person("truongphong"))))

	res := workflowtest.Result[chain.Result](env)
	if res.Outcome != workflows.OutcomeArchived || res.Issued == nil || res.Issued.Symbol != "07/QĐ-VPCP" {
		t.Fatalf("result %+v, want archived with the issue", res)
	}
	if waiting.Status != chain.StatusAwaitingIssue || !slices.Equal(waiting.WaitingFor, []string{chain.ClerksOf(agency)}) ||
		waiting.Signed == nil || waiting.Signed.Key != "signed/doc-1.pdf" {
		t.Fatalf("after signing: status %s waiting for %v signed %+v, want awaiting_issue for the clerks", waiting.Status, waiting.WaitingFor, waiting.Signed)
	}
	workflowtest.Refused(t, "issue by an official", official, chain.ErrNotClerk)
	workflowtest.Refused(t, "issue by another agency's clerk", otherAgency, chain.ErrNotClerk)
	workflowtest.Accepted(t, "issue by the clerk", issue)
	workflowtest.Refused(t, "issue before the approval", early, chain.ErrNotAwaitingIssue)

	got, ok := issue.Value.(chain.IssueResult)
	if !ok {
		var r chain.IssueResult
		b, _ := json.Marshal(issue.Value)
		_ = json.Unmarshal(b, &r)
		got = r
	}
	if got.Number != 7 || got.Symbol != "07/QĐ-VPCP" || got.Sealed.Key != "sealed/doc-1.pdf" {
		t.Fatalf("issue result %+v", got)
	}
	if len(rec.numbered) != 1 || rec.numbered[0].By != clerk || rec.numbered[0].DocumentID != "doc-1" {
		t.Fatalf("numbered %+v, want once, by the clerk", rec.numbered)
	}
	if len(rec.sealed) != 1 {
		t.Fatalf("sealed %d times", len(rec.sealed))
	}
	s := rec.sealed[0]
	if s.Signed.Key != "signed/doc-1.pdf" || s.Signer != "truongphong" || s.Symbol != "07/QĐ-VPCP" || !s.Attachment || s.Clerk != "vanthu" {
		t.Fatalf("seal request %+v", s)
	}
	if len(rec.archived) != 1 || rec.archived[0].Signed.Key != "sealed/doc-1.pdf" {
		t.Fatalf("archived %+v, want the sealed PDF", rec.archived)
	}
	numbered := workflowtest.Payloads[events.DocumentNumberedData](t, rec.Recorder, events.DocumentNumbered)
	if len(numbered) != 1 || numbered[0].Symbol != "07/QĐ-VPCP" || numbered[0].Signer != "truongphong" ||
		numbered[0].By != clerk || numbered[0].Sealed.Key != "sealed/doc-1.pdf" || !numbered[0].Attachment {
		t.Fatalf("document.numbered %+v", numbered)
	}
	if got := rec.Types(); got[len(got)-1] != events.DocumentNumbered || got[len(got)-2] != events.DocumentApproved {
		t.Fatalf("published %v, want document.numbered after document.approved", got)
	}
}

// A seal refused (the personal signature does not verify) fails the
// clerk's update with the reason, and the document waits for a clerk again.
func TestSealRefusalSurfaces(t *testing.T) {
	t.Parallel()
	env, rec := newIssueEnv(t, fiveDays, func(workflows.SealDocumentInput) (workflows.SealDocumentResult, error) {
		return workflows.SealDocumentResult{}, temporal.NewNonRetryableApplicationError(
			"the personal signature does not verify: the document was changed after it was signed", workflows.ErrPersonalSignatureInvalid, nil)
	})
	approveAt(env, time.Hour, "truongphong")
	issue := env.At(2*time.Hour, chain.UpdateIssue, func(chain.State) any { return chain.Issue{By: clerk} })
	after := env.SnapshotAt(3 * time.Hour)
	env.RegisterDelayedCallback(func() { env.CancelWorkflow() }, 4*time.Hour)
	env.ExecuteWorkflow(chain.WorkflowName, input(single("phong", person("truongphong"))))

	if !issue.Accepted || issue.ErrType() != workflows.ErrPersonalSignatureInvalid ||
		!strings.Contains(issue.Err.Error(), "does not verify") {
		t.Fatalf("issue: accepted=%v err=%v, want it to fail with %s", issue.Accepted, issue.Err, workflows.ErrPersonalSignatureInvalid)
	}
	if after.Status != chain.StatusAwaitingIssue || after.Issued != nil {
		t.Fatalf("after the refusal: status %s issued %+v, want waiting for a clerk again", after.Status, after.Issued)
	}
	last := after.History[len(after.History)-1]
	if last.Action != "issue_failed" || last.By != "vanthu" || !strings.Contains(last.Comment, "does not verify") {
		t.Fatalf("history entry %+v, want the failed issue with its reason", last)
	}
	if len(rec.archived) != 0 || rec.Count(events.DocumentNumbered) != 0 {
		t.Fatalf("archived %d, numbered events %d: nothing may follow a refused seal", len(rec.archived), rec.Count(events.DocumentNumbered))
	}
}
