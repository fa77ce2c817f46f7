package tests

import (
	"fmt"
	"testing"
	"time"

	httpapi "github.com/docflow/docflow/api/http/v1"
	"github.com/docflow/docflow/services/stack/stacktest"
)

// An official clears fifty drafts from the inbox in one call: each gets its
// own result, and each goes on to be signed by the Chánh Văn phòng (in one
// call too), issued and archived.
func TestFiftyApprovedInOneBulkCall(t *testing.T) {
	st, _ := stacktest.Start(t, nil)
	clerk := login(t, st, "vanthu")
	drafter := login(t, st, "chuyenvien2")
	const n = 50
	ids := map[string]bool{}
	for i := range n {
		doc := submit(t, drafter, stacktest.TextPDF(fmt.Sprintf("Ke hoach %d", i)),
			draft("KE_HOACH", fmt.Sprintf("Kế hoạch công tác số %d", i+1)))
		ids[doc.ID] = true
	}

	official := login(t, st, "chuyenvien1")
	var decisions []httpapi.BulkDecision
	eventually(t, "fifty tasks in the inbox", 2*time.Minute, func() error {
		decisions = decisions[:0]
		resp, err := official.client.ListInboxWithResponse(t.Context(), &httpapi.ListInboxParams{PageSize: ptr(100)})
		if err != nil || resp.JSON200 == nil {
			return fmt.Errorf("inbox: %w", err)
		}
		for _, it := range resp.JSON200.Items {
			if ids[it.DocumentID] {
				decisions = append(decisions, httpapi.BulkDecision{TaskID: it.ID, Decision: httpapi.DecisionApprove, Comment: "Đồng ý"})
			}
		}
		if len(decisions) != n {
			return fmt.Errorf("%d of %d tasks", len(decisions), n)
		}
		return nil
	})

	resp, err := official.client.DecideTasksWithResponse(t.Context(), httpapi.BulkDecisionRequest{Decisions: decisions})
	if err != nil {
		t.Fatal(err)
	}
	if resp.JSON200 == nil || len(resp.JSON200.Results) != n {
		t.Fatalf("bulk decision: %s %s", resp.Status(), resp.Body)
	}
	for i, r := range resp.JSON200.Results {
		if r.TaskID != decisions[i].TaskID || r.Status != httpapi.BulkDecisionStatusDone {
			t.Fatalf("result %d: %+v", i, r)
		}
	}

	// The Chánh Văn phòng signs them, and the clerk issues them all in one
	// call once they are signed.
	signed := make([]string, 0, n)
	for id := range ids {
		signed = append(signed, id)
	}
	signAll(t, login(t, st, "lanhdao"), signed...)
	issueAll(t, clerk, signed...)

	eventually(t, "fifty documents archived", 4*time.Minute, func() error {
		archived := 0
		for id := range ids {
			r, err := clerk.client.GetDocumentWithResponse(t.Context(), id)
			if err != nil {
				return err
			}
			if r.JSON200 != nil && r.JSON200.Status == httpapi.DocumentStatusArchived {
				archived++
			}
		}
		if archived != n {
			return fmt.Errorf("%d of %d archived", archived, n)
		}
		return nil
	})
}

func ptr[T any](v T) *T { return &v }
