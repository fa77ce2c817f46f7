package tests

import (
	"bytes"
	"net/http"
	"slices"
	"testing"

	httpapi "github.com/docflow/docflow/api/http/v1"
	"github.com/docflow/docflow/services/stack/stacktest"
)

// A MẬT document is read only by the people named on it (DOMAIN.md §3).
// An incoming one: the clerk who registered it and the leader who holds its
// assignment; the officials, with no task on it, are told it does not
// exist, for its metadata as for its content. A secret draft: its drafter
// and the official reviewing it, not the leader (no task on it yet, and not
// cleared for secrets) nor the clerk. A document that is not secret is no
// different for an official with no part in it, while the leader reads it.
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
		secretDraft.ID: {draftPDF, officials, []*session{leader, clerk}},
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
		leader: {secretIn.ID, plainIn.ID}, clerk: {secretIn.ID, plainIn.ID},
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
}
