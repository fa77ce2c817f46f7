package tests

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	httpapi "github.com/docflow/docflow/api/http/v1"
	"github.com/docflow/docflow/services/stack/stacktest"
)

// A decision (quyết định) follows the development plan: the official
// checks it, the head of the unit reviews it, the chief of office approves
// it, then two of three consulted people must agree (any two). The third
// consulted task is withdrawn once two have agreed. The consulted official
// who approved last does not sign, and may not: the signing step puts it
// before the chief of office, whose personal signature it carries.
func TestDecisionThroughThreeStepsAndTwoOfThree(t *testing.T) {
	st, _ := stacktest.Start(t, nil)
	clerk := login(t, st, "vanthu")
	drafter := login(t, st, "chuyenvien2")
	doc := submit(t, drafter, stacktest.TextPDF("Quyet dinh"), draft("QUYET_DINH", "Quyết định ban hành quy chế làm việc"))
	if doc.ArrivalNumber != 0 || doc.Status != httpapi.DocumentStatusDrafted {
		t.Fatalf("draft answered %+v; want no arrival number, status drafted", doc)
	}

	users := map[string]*session{}
	for _, u := range []string{"chuyenvien1", "chuyenvien2", "lanhdao"} {
		users[u] = login(t, st, u)
	}
	// The rules say so: the decision's rule names its signing position.
	rules, err := clerk.client.GetRoutingRulesWithResponse(t.Context())
	if err != nil || rules.JSON200 == nil {
		t.Fatalf("routing rules: %v", err)
	}
	if is := rules.JSON200.Issuing; is == nil || is.Position != "van-thu" || is.DeadlineDays != 0 {
		t.Fatalf("the rules' issuing %+v, want the văn thư's same-day task", is)
	}
	for _, r := range rules.JSON200.Rules {
		if r.ID == "quyet-dinh" && (r.Direction != httpapi.DirectionOutgoing || r.Signing == nil || r.Signing.Position != "chanh-van-phong") {
			t.Fatalf("rule quyet-dinh is served as %+v, want an outgoing rule signed by chanh-van-phong", r)
		}
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
	approve("chuyenvien2", consulted["chuyenvien2"]) // the last approval: an official's
	resp, err := users["lanhdao"].client.DecideTaskWithResponse(t.Context(), consulted["lanhdao"].ID, httpapi.DecisionRequest{Decision: httpapi.DecisionApprove})
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode() != http.StatusConflict && resp.StatusCode() != http.StatusNotFound {
		t.Fatalf("the third consulted vote after two approvals: %s %s", resp.Status(), resp.Body)
	}

	// The signing task is the chief of office's; the consulted official who
	// approved last may not sign it.
	sign := awaitTaskOfKind(t, users["lanhdao"], doc.ID, "lanhdao", httpapi.TaskKindSign)
	if sign.TaskKind != httpapi.TaskKindSign {
		t.Fatalf("lanhdao's task after the review is %q, want sign", sign.TaskKind)
	}
	resp, err = users["chuyenvien2"].client.DecideTaskWithResponse(t.Context(), sign.ID, httpapi.DecisionRequest{Decision: httpapi.DecisionSign})
	if err != nil {
		t.Fatal(err)
	}
	wantError(t, "the consulted official signing", resp.StatusCode(), resp.Body, http.StatusForbidden, httpapi.ErrorCodeNotAssignee)
	resp, err = users["lanhdao"].client.DecideTaskWithResponse(t.Context(), sign.ID, httpapi.DecisionRequest{Decision: httpapi.DecisionApprove})
	if err != nil {
		t.Fatal(err)
	}
	wantError(t, "approving a signing task", resp.StatusCode(), resp.Body, http.StatusBadRequest, httpapi.ErrorCodeInvalidArgument)
	signAll(t, users["lanhdao"], doc.ID)

	// The withdrawn consulted task leaves lanhdao's inbox, as the signing
	// task does once signed.
	eventually(t, "withdrawn task gone from the inbox", time.Minute, func() error {
		resp, err := users["lanhdao"].client.ListInboxWithResponse(t.Context(), &httpapi.ListInboxParams{})
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

	// Signed by the chief of office, the document waits for the clerk.
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
	if assigned != 8 || decided != 7 {
		t.Fatalf("history has %d assignments and %d decisions (the signing and issue tasks' included), want 8 and 7:\n%+v", assigned, decided, final.History)
	}
	if err := inHistory(final, "lanhdao | lanhdao: đã ký", "lanhdao | Đã ký số"); err != nil {
		t.Fatalf("history: %v", err)
	}
	report := signatures(t, clerk, doc.ID)
	if len(report.Signatures) < 2 || !strings.Contains(report.Signatures[0].Signer.Subject, "Phạm Quốc Hùng") {
		t.Fatalf("signatures %+v, want the chief of office's personal signature first, then the seal", report.Signatures)
	}
	seen := assertEvents(t, st, doc.ID)
	if seen["vn.docflow.task.withdrawn.v1"] != 1 || seen["vn.docflow.document.signed.v1"] != 1 {
		t.Fatalf("events %v: want the third consulted task withdrawn once and one signature", seen)
	}
}
