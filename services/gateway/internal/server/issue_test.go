package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/docflow/docflow/api/errcode"
	events "github.com/docflow/docflow/api/events/v1"
	httpapi "github.com/docflow/docflow/api/http/v1"
	"github.com/docflow/docflow/api/vntime"
	"github.com/docflow/docflow/services/gateway/internal/audit"
	"github.com/docflow/docflow/services/gateway/internal/server"
	"github.com/docflow/docflow/services/internal/errs"
	"github.com/docflow/docflow/services/internal/testkit"
	"github.com/docflow/docflow/workflows/chain"
)

// demoAgency is the agency of the development users.
const demoAgency = "000.00.00.G22"

// issuer stands in for the workflows: documents named "signed-…" wait for
// a clerk and are numbered in the order issued; any other is not signed.
type issuer struct {
	mu     sync.Mutex
	next   int64
	issued map[string]chain.Issue
}

var _ server.Issuer = (*issuer)(nil)

func (i *issuer) Issue(_ context.Context, workflowID string, in chain.Issue) (chain.IssueResult, error) {
	const op = "issuer.Issue"
	i.mu.Lock()
	defer i.mu.Unlock()
	if _, done := i.issued[workflowID]; done || len(workflowID) < len("approval-signed") || workflowID[:len("approval-signed")] != "approval-signed" {
		return chain.IssueResult{}, errs.E(op, errs.Conflict, errcode.Conflict, "the document is not signed and waiting for a clerk")
	}
	i.next++
	i.issued[workflowID] = in
	return chain.IssueResult{Number: i.next, Symbol: fmt.Sprintf("%02d/QĐ-VPCP", i.next), IssuedAt: time.Date(2026, 3, 6, 10, 0, 0, 0, vntime.Zone)}, nil
}

func issueAPI(t *testing.T) (*api, *issuer) {
	t.Helper()
	iss := &issuer{issued: map[string]chain.Issue{}}
	a := newAPI(t, testkit.SQLite(t), func(s *server.Server) { s.Issuer = iss })
	at := time.Date(2026, 3, 5, 9, 0, 0, 0, vntime.Zone)
	for _, doc := range []string{"signed-1", "signed-2", "draft-3"} {
		a.apply(t, envelope(t, events.DocumentReceived, demoAgency, doc, at, events.DocumentReceivedData{
			DocumentID: doc, Agency: demoAgency, ArrivalNumber: 1, ArrivalYear: 2026, Kind: "QUYET_DINH", Subject: "Quyết định",
			Urgency: "THUONG", Confidentiality: "NONE", Original: events.Object{Bucket: "b", Key: doc, SHA256: "ab", Size: 3},
			By: events.Actor{Username: "vanthu", Role: "clerk", Agency: demoAgency},
		}))
	}
	return a, iss
}

func TestIssueDocument(t *testing.T) {
	t.Parallel()
	a, iss := issueAPI(t)

	res, body := a.post(t, "chuyenvien1", "/v1/documents/signed-1/issue", map[string]any{})
	if res.StatusCode != http.StatusForbidden {
		t.Fatalf("an official issuing: %d %s, want 403", res.StatusCode, body)
	}
	res, body = a.post(t, "vanthu", "/v1/documents/other-agency/issue", map[string]any{})
	if res.StatusCode != http.StatusNotFound {
		t.Fatalf("an unknown document: %d %s, want 404", res.StatusCode, body)
	}
	res, body = a.post(t, "vanthu", "/v1/documents/signed-1/issue", map[string]any{"attachment": true})
	if res.StatusCode != http.StatusOK {
		t.Fatalf("the clerk issuing: %d %s", res.StatusCode, body)
	}
	var got httpapi.IssueResult
	if err := json.Unmarshal(body, &got); err != nil {
		t.Fatal(err)
	}
	if got.DocumentID != "signed-1" || got.Number != 1 || got.Symbol != "01/QĐ-VPCP" {
		t.Fatalf("result %+v", got)
	}
	if in := iss.issued["approval-signed-1"]; !in.Attachment || in.By.Username != "vanthu" || in.By.Role != "clerk" {
		t.Fatalf("the workflow got %+v, want the clerk's attachment issue", in)
	}
	res, body = a.post(t, "vanthu", "/v1/documents/signed-1/issue", map[string]any{})
	if res.StatusCode != http.StatusConflict {
		t.Fatalf("a second issue: %d %s, want 409", res.StatusCode, body)
	}

	entries, err := a.audit.ForTarget(t.Context(), "signed-1")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{audit.Refused, audit.Allowed, audit.Refused}
	if len(entries) != len(want) {
		t.Fatalf("audit %+v, want %d entries", entries, len(want))
	}
	for i, e := range entries {
		if e.Action != "document.issue" || e.Outcome != want[i] {
			t.Errorf("audit entry %d: %+v, want document.issue %s", i, e, want[i])
		}
	}
	if entries[1].Detail != "symbol=01/QĐ-VPCP attachment" {
		t.Errorf("audit detail %q, want the symbol given", entries[1].Detail)
	}
}

func TestIssueDocuments(t *testing.T) {
	t.Parallel()
	a, _ := issueAPI(t)

	res, body := a.post(t, "vanthu", "/v1/documents/issue", httpapi.BulkIssueRequest{DocumentIds: []string{"signed-1", "draft-3", "signed-2", "signed-1"}})
	if res.StatusCode != http.StatusOK {
		t.Fatalf("bulk issue: %d %s", res.StatusCode, body)
	}
	var out httpapi.BulkIssueResults
	if err := json.Unmarshal(body, &out); err != nil {
		t.Fatal(err)
	}
	want := []httpapi.BulkDecisionStatus{httpapi.BulkDecisionStatusDone, httpapi.BulkDecisionStatusRefused, httpapi.BulkDecisionStatusDone, httpapi.BulkDecisionStatusRefused}
	if len(out.Results) != len(want) {
		t.Fatalf("results %+v", out.Results)
	}
	numbers := map[int64]bool{}
	for i, r := range out.Results {
		if r.Status != want[i] {
			t.Errorf("result %d (%s): %s %+v, want %s", i, r.DocumentID, r.Status, r.Error, want[i])
		}
		if r.Status == httpapi.BulkDecisionStatusDone {
			numbers[r.IssueResult.Number] = true
		}
	}
	if !numbers[1] || !numbers[2] {
		t.Errorf("numbers %v, want 1 and 2 once each", numbers)
	}
	if e := out.Results[1].Error; e == nil || e.Code != httpapi.ErrorCodeConflict {
		t.Errorf("an unsigned document: %+v, want conflict", e)
	}

	res, body = a.post(t, "chuyenvien1", "/v1/documents/issue", httpapi.BulkIssueRequest{DocumentIds: []string{"signed-2"}})
	if res.StatusCode != http.StatusForbidden {
		t.Fatalf("bulk issue by an official: %d %s, want 403", res.StatusCode, body)
	}
	ids := make([]string, 101)
	for i := range ids {
		ids[i] = fmt.Sprintf("signed-%d", i)
	}
	res, body = a.post(t, "vanthu", "/v1/documents/issue", httpapi.BulkIssueRequest{DocumentIds: ids})
	if res.StatusCode != http.StatusBadRequest {
		t.Fatalf("101 documents: %d %s, want 400", res.StatusCode, body)
	}
}
