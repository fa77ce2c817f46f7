package chain_test

import (
	"encoding/json"
	"slices"
	"testing"
	"time"

	events "github.com/docflow/docflow/api/events/v1"
	"github.com/docflow/docflow/api/vntime"
	"github.com/docflow/docflow/workflows"
	"github.com/docflow/docflow/workflows/internal/workflowtest"
)

// Routing counts three working days from Friday 13 February 2026 across the
// Tết holiday (16–20 February): the deadline is Wednesday 25 February and
// the reminder one working day before. The workflow must fire at exactly
// those moments, not three calendar days on.
func TestReminderAndEscalationAcrossTet(t *testing.T) {
	t.Parallel()
	deadline := time.Date(2026, 2, 25, 9, 30, 0, 0, vntime.Zone)
	remindAt := time.Date(2026, 2, 24, 9, 30, 0, 0, vntime.Zone)
	env, rec := newEnv(t, workflowtest.Planned(start, 3, deadline, remindAt))
	vu := person("vutruong")
	vu.Supervisor = "thutruong"
	beforeReminder := env.SnapshotAt(remindAt.Sub(start) - time.Minute)
	afterReminder := env.SnapshotAt(remindAt.Sub(start) + time.Minute)
	early := decideAt(env, remindAt.Sub(start)+2*time.Minute, "vutruong", official("thutruong"), workflows.DecisionApprove, "")
	afterDeadline := env.SnapshotAt(deadline.Sub(start) + time.Minute)
	sup := decideAt(env, deadline.Sub(start)+time.Hour, "vutruong", official("thutruong"), workflows.DecisionApprove, "")
	runTo(t, env, workflows.OutcomeArchived, input(single("vu", vu)))

	if tk := beforeReminder.Tasks[0]; tk.RemindedAt != nil {
		t.Fatalf("reminded at %v, before %v", tk.RemindedAt, remindAt)
	}
	tk := afterReminder.Tasks[0]
	if tk.RemindedAt == nil || !tk.RemindedAt.Equal(remindAt) || tk.EscalatedAt != nil {
		t.Fatalf("after the reminder: reminded %v escalated %v, want reminded at %v only", tk.RemindedAt, tk.EscalatedAt, remindAt)
	}
	workflowtest.Refused(t, "supervisor before the escalation", early, workflows.ErrNotAssignee)
	tk = afterDeadline.Tasks[0]
	if tk.EscalatedAt == nil || !tk.EscalatedAt.Equal(deadline) {
		t.Fatalf("escalated at %v, want %v", tk.EscalatedAt, deadline)
	}
	if !slices.Equal(afterDeadline.WaitingFor, []string{"thutruong", "vutruong"}) {
		t.Fatalf("waiting for %v after the escalation", afterDeadline.WaitingFor)
	}
	workflowtest.Accepted(t, "supervisor after the escalation", sup)
	if rec.signed[0].Signer != "thutruong" {
		t.Fatalf("signer %s", rec.signed[0].Signer)
	}
	var actions []string
	for _, e := range env.State().History {
		actions = append(actions, e.Action)
	}
	if want := []string{"remind", "escalate", "approve", "issue"}; !slices.Equal(actions, want) {
		t.Fatalf("history %v, want %v", actions, want)
	}
	// Both are announced, so the inbox and notifications show them.
	if rec.Count(events.TaskReminded) != 1 || rec.Count(events.TaskEscalated) != 1 {
		t.Fatalf("published %v, want one task.reminded and one task.escalated", rec.Types())
	}
	for _, p := range rec.Published() {
		if p.Type != events.TaskEscalated {
			continue
		}
		var n events.TaskNoticeData
		if err := json.Unmarshal(p.Data, &n); err != nil || n.Supervisor != "thutruong" || !n.Deadline.Equal(deadline) {
			t.Fatalf("task.escalated payload %s (%v)", p.Data, err)
		}
	}
}
