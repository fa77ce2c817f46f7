package tests

import (
	"bytes"
	"net/http"
	"slices"
	"strings"
	"testing"

	httpapi "github.com/docflow/docflow/api/http/v1"
	"github.com/docflow/docflow/services/stack/stacktest"
)

// A MẬT document is read only by the people named on it (DOMAIN.md §3).
// An incoming one: the clerk who registered it and the leader who holds its
// assignment; the officials, with no task on it, are told it does not
// exist, for its metadata as for its content. A secret draft: its drafter,
// the official reviewing it and the clerk (cleared for MẬT: the văn thư
// issues secret documents too), not the leader (no task on it yet, and not
// cleared). A document that is not secret is no different for an official
// with no part in it, while the leader reads it. Once signed and issued,
// the secret draft goes to its unit but its dispatch to another agency is
// refused with confidential_document, and the refusal is in the audit
// trail.
func TestSecretDocumentNeedToKnow(t *testing.T) {
	t.Parallel()
	st, _ := stacktest.Start(t, nil)
	clerk := login(t, st, "vanthu")
	reviewer := login(t, st, "chuyenvien1")
	drafter := login(t, st, "chuyenvien2")
	leader := login(t, st, "lanhdao")

	secret := func(meta map[string]any) map[string]any {
		meta["confidentiality"] = "MAT"
		return meta
	}
	secretPDF := stacktest.TextPDF("Ke hoach bao ve bi mat nha nuoc")
	secretIn := submit(t, clerk, secretPDF, secret(metadata("KE_HOACH", "Kế hoạch bảo vệ bí mật nhà nước")))
	plainPDF := stacktest.TextPDF("Ke hoach cong tac quy I")
	plainIn := submit(t, clerk, plainPDF, metadata("KE_HOACH", "Kế hoạch công tác quý I"))
	draftPDF := stacktest.TextPDF("Du thao bao cao mat")
	secretDraft := submit(t, drafter, draftPDF, secret(draft("KE_HOACH", "Dự thảo kế hoạch bảo mật")))
	// Routing presents the incoming ones to the leader, and the draft to
	// its reviewer.
	awaitTask(t, leader, secretIn.ID, "lanhdao")
	awaitTask(t, leader, plainIn.ID, "lanhdao")
	awaitTask(t, reviewer, secretDraft.ID, "chuyenvien1")

	officials := []*session{reviewer, drafter}
	for doc, readers := range map[string]struct {
		pdf         []byte
		may, mayNot []*session
	}{
		secretIn.ID:    {secretPDF, []*session{clerk, leader}, officials},
		plainIn.ID:     {plainPDF, []*session{clerk, leader}, officials},
		secretDraft.ID: {draftPDF, []*session{reviewer, drafter, clerk}, []*session{leader}},
	} {
		for _, s := range readers.may {
			r, err := s.client.GetDocumentWithResponse(t.Context(), doc)
			if err != nil {
				t.Fatal(err)
			}
			if r.JSON200 == nil || r.JSON200.ID != doc {
				t.Fatalf("%s reading %s: %s %s", s.user, doc, r.Status(), r.Body)
			}
			if got := documentContent(t, s, doc, "", httpapi.DocumentVersionOriginal); !bytes.Equal(got, readers.pdf) {
				t.Fatalf("%s downloading %s: not the registered PDF", s.user, doc)
			}
		}
		for _, s := range readers.mayNot {
			r, err := s.client.GetDocumentWithResponse(t.Context(), doc)
			if err != nil {
				t.Fatal(err)
			}
			wantError(t, s.user+" reading "+doc, r.StatusCode(), r.Body, http.StatusNotFound, httpapi.ErrorCodeNotFound)
			c, err := s.client.GetDocumentContentWithResponse(t.Context(), doc, &httpapi.GetDocumentContentParams{})
			if err != nil {
				t.Fatal(err)
			}
			wantError(t, s.user+" downloading "+doc, c.StatusCode(), c.Body, http.StatusNotFound, httpapi.ErrorCodeNotFound)
		}
	}

	// Lists agree.
	for s, want := range map[*session][]string{
		leader: {secretIn.ID, plainIn.ID}, clerk: {secretIn.ID, plainIn.ID, secretDraft.ID},
		reviewer: {secretDraft.ID}, drafter: {secretDraft.ID},
	} {
		r, err := s.client.ListDocumentsWithResponse(t.Context(), &httpapi.ListDocumentsParams{})
		if err != nil || r.JSON200 == nil {
			t.Fatalf("%s listing: %v %s", s.user, err, r.Body)
		}
		var got []string
		for _, d := range r.JSON200.Items {
			got = append(got, d.ID)
		}
		slices.Sort(got)
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Errorf("%s lists %v, want %v", s.user, got, want)
		}
	}

	// Reviewed, signed and issued, the secret draft is dispatched: its
	// units get it, the other agency does not.
	task := awaitTask(t, reviewer, secretDraft.ID, "chuyenvien1")
	if r, err := reviewer.client.DecideTaskWithResponse(t.Context(), task.ID, httpapi.DecisionRequest{Decision: httpapi.DecisionApprove}); err != nil || r.JSON200 == nil {
		t.Fatalf("approve: %v %v", err, r)
	}
	signAll(t, leader, secretDraft.ID)
	issueAll(t, clerk, secretDraft.ID)
	sent := dispatch(t, clerk, secretDraft.ID, http.StatusOK)
	refused := sent["000.00.00.H49"]
	if refused.Status != httpapi.RecipientStatusRefused || refused.Error == nil || refused.Error.Code != httpapi.ErrorCodeConfidentialDocument {
		t.Fatalf("the other agency's outcome %+v, want refused with confidential_document", refused)
	}
	if sent["tong-hop"].Status != httpapi.RecipientStatusDelivered {
		t.Fatalf("the unit's outcome %+v, want delivered", sent["tong-hop"])
	}
	entries := audited(t, st, "document.dispatch", secretDraft.ID)
	if !slices.ContainsFunc(entries, func(e string) bool {
		return strings.HasPrefix(e, "vanthu refused ") && strings.Contains(e, "000.00.00.H49") && strings.Contains(e, "confidential_document")
	}) {
		t.Fatalf("no audit entry of the refused dispatch; the trail has %v", entries)
	}
}
