package tests

import (
	"bytes"
	"net/http"
	"slices"
	"testing"

	httpapi "github.com/docflow/docflow/api/http/v1"
	"github.com/docflow/docflow/services/stack/stacktest"
)

// A MẬT document is read only by the people named on it (DOMAIN.md §3): the
// clerk who registered it and the official who holds its task. Another
// official, and the leader whom the agency did not clear for secrets, are
// told it does not exist, for its metadata as for its content. A document
// that is not secret is no different for an official with no part in it,
// while the leader reads it.
func TestSecretDocumentNeedToKnow(t *testing.T) {
	t.Parallel()
	st, _ := stacktest.Start(t, nil)
	clerk := login(t, st, "vanthu")
	holder := login(t, st, "chuyenvien1")
	other := login(t, st, "chuyenvien2")
	leader := login(t, st, "lanhdao")

	secretPDF := stacktest.TextPDF("Ke hoach bao ve bi mat nha nuoc")
	meta := metadata("KE_HOACH", "Kế hoạch bảo vệ bí mật nhà nước")
	meta["confidentiality"] = "MAT"
	secret := submit(t, clerk, secretPDF, meta)
	plainPDF := stacktest.TextPDF("Ke hoach cong tac quy I")
	plain := submit(t, clerk, plainPDF, metadata("KE_HOACH", "Kế hoạch công tác quý I"))
	// Routing gives both to chuyenvien1.
	awaitTask(t, holder, secret.ID, "chuyenvien1")
	awaitTask(t, holder, plain.ID, "chuyenvien1")

	for doc, readers := range map[string]struct {
		pdf         []byte
		may, mayNot []*session
	}{
		secret.ID: {secretPDF, []*session{clerk, holder}, []*session{other, leader}},
		plain.ID:  {plainPDF, []*session{clerk, holder, leader}, []*session{other}},
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

	// Lists agree: the leader sees the plain document only, the other
	// official neither.
	for s, want := range map[*session][]string{leader: {plain.ID}, other: nil, holder: {secret.ID, plain.ID}} {
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
