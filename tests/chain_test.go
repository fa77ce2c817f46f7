package tests

import (
	"fmt"
	"net/http"
	"slices"
	"testing"
	"time"

	httpapi "github.com/docflow/docflow/api/http/v1"
	"github.com/docflow/docflow/services/stack/stacktest"
)

// A decision (quyết định) follows the development plan: the official
// checks it, the head of the unit reviews it, the chief of office approves
// it, then two of three consulted people must agree (any two). The third
// consulted task is withdrawn once two have agreed; the last approver signs.
func TestDecisionThroughThreeStepsAndTwoOfThree(t *testing.T) {
	st, _ := stacktest.Start(t, nil)
	clerk := login(t, st, "vanthu")
	doc := submit(t, clerk, stacktest.TextPDF("Quyet dinh"), metadata("QUYET_DINH", "Quyết định ban hành quy chế làm việc"))

	users := map[string]*session{}
	for _, u := range []string{"chuyenvien1", "chuyenvien2", "lanhdao"} {
		users[u] = login(t, st, u)
	}
	// taskFor waits until user has an open task on the document.
	taskFor := func(user string) httpapi.Task {
		t.Helper()
		return awaitTask(t, users[user], doc.ID, "")
	}
	approve := func(user string, task httpapi.Task) {
		t.Helper()
		resp, err := users[user].client.DecideTaskWithResponse(t.Context(), task.ID, httpapi.DecisionRequest{Decision: httpapi.DecisionApprove, Comment: "Đồng ý"})
		if err != nil {
			t.Fatal(err)
		}
		if resp.JSON200 == nil {
			t.Fatalf("%s approving: %s %s", user, resp.Status(), resp.Body)
		}
	}
	waitingFor := func(want ...string) {
		t.Helper()
		eventually(t, fmt.Sprintf("waiting for %v", want), time.Minute, func() error {
			r, err := clerk.client.GetDocumentWithResponse(t.Context(), doc.ID)
			if err != nil {
				return err
			}
			if r.JSON200 == nil {
				return fmt.Errorf("%s", r.Status())
			}
			if got := r.JSON200.WaitingFor; !slices.Contains(want, got) {
				return fmt.Errorf("waiting for %q", got)
			}
			return nil
		})
	}

	// Three sequential steps, each waiting for one person.
	for _, user := range []string{"chuyenvien1", "chuyenvien2", "lanhdao"} {
		task := taskFor(user)
		waitingFor(user)
		// Nobody else may decide this step's task.
		for other := range users {
			if other == user {
				continue
			}
			resp, err := users[other].client.DecideTaskWithResponse(t.Context(), task.ID, httpapi.DecisionRequest{Decision: httpapi.DecisionApprove})
			if err != nil {
				t.Fatal(err)
			}
			wantError(t, other+" deciding "+user+"'s task", resp.StatusCode(), resp.Body, http.StatusForbidden, httpapi.ErrorCodeNotAssignee)
		}
		approve(user, task)
	}

	// The parallel step: everyone consulted gets a task; two approvals
	// complete it and the remaining task closes without a decision.
	consulted := map[string]httpapi.Task{}
	for _, user := range []string{"chuyenvien1", "chuyenvien2", "lanhdao"} {
		consulted[user] = taskFor(user)
	}
	approve("chuyenvien1", consulted["chuyenvien1"])
	approve("lanhdao", consulted["lanhdao"])
	resp, err := users["chuyenvien2"].client.DecideTaskWithResponse(t.Context(), consulted["chuyenvien2"].ID, httpapi.DecisionRequest{Decision: httpapi.DecisionApprove})
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode() != http.StatusConflict && resp.StatusCode() != http.StatusNotFound {
		t.Fatalf("the third consulted vote after two approvals: %s %s", resp.Status(), resp.Body)
	}

	// The withdrawn task leaves chuyenvien2's inbox.
	eventually(t, "withdrawn task gone from the inbox", time.Minute, func() error {
		resp, err := users["chuyenvien2"].client.ListInboxWithResponse(t.Context(), &httpapi.ListInboxParams{})
		if err != nil || resp.JSON200 == nil {
			return fmt.Errorf("inbox: %w", err)
		}
		for _, it := range resp.JSON200.Items {
			if it.DocumentID == doc.ID {
				return fmt.Errorf("task %s still listed", it.ID)
			}
		}
		return nil
	})

	// Signed by the last approver, the document waits for the clerk.
	issueAll(t, clerk, doc.ID)
	var final httpapi.Document
	eventually(t, "document archived", 2*time.Minute, func() error {
		r, err := clerk.client.GetDocumentWithResponse(t.Context(), doc.ID)
		if err != nil {
			return err
		}
		if r.JSON200 == nil || r.JSON200.Status != httpapi.DocumentStatusArchived {
			return fmt.Errorf("%s %s", r.Status(), r.Body)
		}
		final = *r.JSON200
		return nil
	})
	decided, assigned := 0, 0
	for _, h := range final.History {
		switch h.Type {
		case "vn.docflow.task.decided.v1":
			decided++
		case "vn.docflow.task.assigned.v1":
			assigned++
		}
	}
	if assigned != 6 || decided != 5 {
		t.Fatalf("history has %d assignments and %d decisions, want 6 and 5:\n%+v", assigned, decided, final.History)
	}
	seen := assertEvents(t, st, doc.ID)
	if seen["vn.docflow.task.withdrawn.v1"] != 1 || seen["vn.docflow.document.signed.v1"] != 1 {
		t.Fatalf("events %v: want the third consulted task withdrawn once and one signature", seen)
	}
}
