package chain_test

import (
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"

	events "github.com/docflow/docflow/api/events/v1"
	"github.com/docflow/docflow/workflows"
	"github.com/docflow/docflow/workflows/chain"
	"github.com/docflow/docflow/workflows/internal/workflowtest"
)

func TestSubstitute(t *testing.T) {
	t.Parallel()
	leave := workflows.Substitute{
		Username: "phovu", From: start.Add(-24 * time.Hour), Until: start.Add(48 * time.Hour),
		Kinds: []string{"QUYET_DINH"}, Authority: "TUQ",
	}
	tests := []struct {
		name     string
		sub      workflows.Substitute
		wantType string // "" = accepted
	}{
		{"within the dates and scope", leave, ""},
		{"scope empty means every kind", func() workflows.Substitute { s := leave; s.Kinds = nil; return s }(), ""},
		{"a substitution with a title", func() workflows.Substitute {
			s := leave
			s.Authority, s.Title = "delegated", "Phó Vụ trưởng"
			return s
		}(), ""},
		{"a written authorisation with a title", func() workflows.Substitute { s := leave; s.Title = "Phó Vụ trưởng"; return s }(), ""},
		{"before the leave starts", func() workflows.Substitute { s := leave; s.From = start.Add(2 * time.Hour); return s }(), workflows.ErrNotAssignee},
		{"after the leave ended", func() workflows.Substitute { s := leave; s.Until = start.Add(30 * time.Minute); return s }(), workflows.ErrNotAssignee},
		{"outside the scope", func() workflows.Substitute { s := leave; s.Kinds = []string{"CONG_VAN"}; return s }(), workflows.ErrNotAssignee},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			env, rec := newEnv(t, fiveDays)
			vu := person("vutruong")
			vu.Substitutes = []workflows.Substitute{tc.sub}
			o := decideAt(env, time.Hour, "vutruong", official("phovu"), workflows.DecisionApprove, "KT. Vụ trưởng")
			if tc.wantType != "" {
				approveAt(env, 2*time.Hour, "vutruong")
			}
			runTo(t, env, workflows.OutcomeArchived, input(single("vu", vu)))

			if tc.wantType != "" {
				workflowtest.Refused(t, "substitute", o, tc.wantType)
				return
			}
			workflowtest.Accepted(t, "substitute", o)
			if r, ok := o.Value.(workflows.DecisionResult); !ok || r.OnBehalfOf != "vutruong" {
				t.Fatalf("decision result %+v, want on_behalf_of vutruong", o.Value)
			}
			var decided events.TaskDecidedData
			for _, p := range rec.Published() {
				if p.Type == events.TaskDecided {
					if err := json.Unmarshal(p.Data, &decided); err != nil {
						t.Fatal(err)
					}
				}
			}
			if decided.By.Username != "phovu" || decided.OnBehalfOf != "vutruong" {
				t.Fatalf("task.decided by %q on behalf of %q, want phovu on behalf of vutruong", decided.By.Username, decided.OnBehalfOf)
			}
			// The substitute signs with their own key, under the authority
			// their delegation gives and the assignee's title, when the plan
			// knows their own title; invisibly otherwise.
			want := workflows.SignDocumentInput{Signer: "phovu"}
			switch {
			case tc.sub.Title != "" && tc.sub.Authority == "TUQ":
				want.SignerTitle, want.SignerAuthority, want.SignerFor = tc.sub.Title, "TUQ.", vu.Title
			case tc.sub.Title != "":
				want.SignerTitle, want.SignerAuthority, want.SignerFor = tc.sub.Title, "KT.", vu.Title
			}
			got := rec.signed[0]
			if got.Signer != want.Signer || got.SignerTitle != want.SignerTitle || got.SignerAuthority != want.SignerAuthority || got.SignerFor != want.SignerFor {
				t.Fatalf("signed by %s as %q %q %q, want %+v", got.Signer, got.SignerAuthority, got.SignerFor, got.SignerTitle, want)
			}
		})
	}
}

func TestReturnForRevision(t *testing.T) {
	t.Parallel()
	env, rec := newEnv(t, fiveDays)
	revised := events.Object{Bucket: "docs", Key: "originals/doc-1-v2.pdf", SHA256: "ef", Size: 12}
	approveAt(env, time.Hour, "truongphong")
	noReason := decideAt(env, 90*time.Minute, "vutruong", official("vutruong"), chain.DecisionReturn, "")
	ret := decideAt(env, 2*time.Hour, "vutruong", official("vutruong"), chain.DecisionReturn, "Sửa căn cứ pháp lý")
	returned := env.SnapshotAt(150 * time.Minute)
	notDrafter := env.At(160*time.Minute, chain.UpdateResubmit, func(s chain.State) any {
		return chain.Resubmission{TaskID: workflowtest.TaskOf(s.Tasks, "drafter"), Original: revised, By: official("vutruong")}
	})
	resub := env.At(3*time.Hour, chain.UpdateResubmit, func(s chain.State) any {
		return chain.Resubmission{TaskID: workflowtest.TaskOf(s.Tasks, "drafter"), Original: revised, By: official("drafter")}
	})
	again := approveAt(env, 4*time.Hour, "vutruong")
	runTo(t, env, workflows.OutcomeArchived, input(single("phong", person("truongphong")), single("vu", person("vutruong"))))

	workflowtest.Refused(t, "return without a reason", noReason, workflows.ErrInvalidDecision)
	workflowtest.Accepted(t, "return", ret)
	workflowtest.Refused(t, "resubmit by someone else", notDrafter, chain.ErrNotDrafter)
	workflowtest.Accepted(t, "resubmit", resub)
	workflowtest.Accepted(t, "approval of the revision", again)
	if returned.Status != chain.StatusReturned || !slices.Equal(returned.WaitingFor, []string{"drafter"}) {
		t.Fatalf("after the return: %s waiting for %v, want returned waiting for the drafter", returned.Status, returned.WaitingFor)
	}
	if returned.StepID != "vu" {
		t.Fatalf("returned at step %s", returned.StepID)
	}
	if len(rec.signed) != 1 || rec.signed[0].Source != revised {
		t.Fatalf("signed %+v, want the revised document", rec.signed)
	}
	// step 1, step 2, the revision task, step 2 again: the earlier step is not repeated.
	if got := rec.Count(events.TaskAssigned); got != 4 {
		t.Fatalf("%d tasks assigned, want 4", got)
	}
}

func TestRejectionEndsTheChain(t *testing.T) {
	t.Parallel()
	env, rec := newEnv(t, fiveDays)
	noReason := decideAt(env, 30*time.Minute, "truongphong", official("truongphong"), workflows.DecisionReject, " ")
	comment := decideAt(env, 45*time.Minute, "truongphong", official("truongphong"), chain.DecisionComment, "Xem lại điều 3")
	rej := decideAt(env, time.Hour, "truongphong", official("truongphong"), workflows.DecisionReject, "Không đúng thẩm quyền")
	runTo(t, env, workflows.OutcomeRejected, input(single("phong", person("truongphong")), single("vu", person("vutruong"))))

	workflowtest.Refused(t, "reject without reason", noReason, workflows.ErrInvalidDecision)
	workflowtest.Accepted(t, "comment", comment)
	workflowtest.Accepted(t, "reject", rej)
	if len(rec.signed) != 0 || rec.Count(events.TaskAssigned) != 1 {
		t.Fatalf("signed %d, assigned %d: a rejected document goes no further", len(rec.signed), rec.Count(events.TaskAssigned))
	}
	if got := rec.Types(); got[len(got)-1] != events.DocumentRejected {
		t.Fatalf("published %v, want document.rejected last", got)
	}
	s := env.State()
	if len(s.History) != 2 || s.History[0].Action != chain.DecisionComment || s.History[1].Comment != "Không đúng thẩm quyền" {
		t.Fatalf("history %+v, want the comment then the rejection", s.History)
	}
}

func TestReassignByLeader(t *testing.T) {
	t.Parallel()
	env, rec := newEnv(t, fiveDays)
	to := workflows.Assignee{Position: "pho-vu-truong", Username: "phovu"}
	reassign := func(by events.Actor) func(chain.State) any {
		return func(s chain.State) any {
			return chain.Reassignment{TaskID: workflowtest.TaskOf(s.Tasks, "vutruong"), To: to, By: by}
		}
	}
	byOfficial := env.At(30*time.Minute, chain.UpdateReassign, reassign(official("truongphong")))
	otherAgency := env.At(40*time.Minute, chain.UpdateReassign, reassign(events.Actor{Username: "lanhdao", Role: chain.RoleLeader, Agency: "000.00.00.H49"}))
	byLeader := env.At(time.Hour, chain.UpdateReassign, reassign(events.Actor{Username: "thutruong", Role: chain.RoleLeader, Agency: agency}))
	old := approveAt(env, 2*time.Hour, "vutruong")
	moved := approveAt(env, 3*time.Hour, "phovu")
	runTo(t, env, workflows.OutcomeArchived, input(single("vu", person("vutruong"))))

	workflowtest.Refused(t, "reassign by an official", byOfficial, workflows.ErrNotLeader)
	workflowtest.Refused(t, "reassign by another agency's leader", otherAgency, workflows.ErrNotLeader)
	workflowtest.Accepted(t, "reassign by the leader", byLeader)
	workflowtest.Refused(t, "decision by the former assignee", old, workflows.ErrTaskClosed)
	workflowtest.Accepted(t, "decision by the new assignee", moved)
	if rec.signed[0].Signer != "phovu" || rec.Count(events.TaskAssigned) != 2 {
		t.Fatalf("signer %s, %d tasks assigned", rec.signed[0].Signer, rec.Count(events.TaskAssigned))
	}
}

func TestRecall(t *testing.T) {
	t.Parallel()
	drafter := official("drafter")
	recallBy := func(by events.Actor) func(chain.State) any {
		return func(chain.State) any { return chain.Recall{By: by, Reason: "Rút lại để bổ sung"} }
	}

	t.Run("before signing", func(t *testing.T) {
		t.Parallel()
		env, rec := newEnv(t, fiveDays)
		approveAt(env, time.Hour, "truongphong")
		stranger := env.At(90*time.Minute, chain.UpdateRecall, recallBy(official("truongphong")))
		r := env.At(2*time.Hour, chain.UpdateRecall, recallBy(drafter))
		late := approveAt(env, 3*time.Hour, "vutruong")
		runTo(t, env, chain.OutcomeRecalled, input(single("phong", person("truongphong")), single("vu", person("vutruong"))))

		workflowtest.Refused(t, "recall by someone else", stranger, chain.ErrNotDrafter)
		workflowtest.Accepted(t, "recall", r)
		if late.Accepted || len(rec.signed) != 0 {
			t.Fatalf("a recalled document was still decided (%v) or signed (%d)", late.Accepted, len(rec.signed))
		}
		if rec.Count(events.DocumentRecalled) != 1 {
			t.Fatalf("published %v, want document.recalled", rec.Types())
		}
	})

	t.Run("after signing began", func(t *testing.T) {
		t.Parallel()
		env, rec := newEnv(t, fiveDays)
		env.OnActivity(workflows.ActivitySignDocument, mock.Anything, mock.Anything).After(3*time.Hour).Return(
			workflows.SignDocumentResult{Signed: events.Object{Key: "signed/doc-1.pdf", SHA256: "ab"}}, nil)
		approveAt(env, time.Hour, "truongphong")
		r := env.At(2*time.Hour, chain.UpdateRecall, recallBy(drafter))
		runTo(t, env, workflows.OutcomeArchived, input(single("phong", person("truongphong"))))

		workflowtest.Refused(t, "recall during signing", r, chain.ErrRecallTooLate)
		if len(rec.archived) != 1 {
			t.Fatalf("archived %d", len(rec.archived))
		}
	})
}
