package readmodel_test

import (
	"fmt"
	"testing"
	"time"

	events "github.com/docflow/docflow/api/events/v1"
	"github.com/docflow/docflow/services/gateway/internal/readmodel"
)

// An agency's documents page by page, most recently changed first, all of
// them or those in one status; a token of another listing is refused.
func TestDocumentsByStatus(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, s *readmodel.Store) {
		apply := applier(t, s)
		for i := range 5 {
			doc := fmt.Sprintf("d%d", i)
			apply(event(t, events.DocumentReceived, doc, at.Add(time.Duration(i)*time.Minute), events.DocumentReceivedData{
				DocumentID: doc, Agency: agency, ArrivalNumber: int64(i + 1), Kind: "CONG_VAN", Subject: doc,
			}))
			if i%2 == 0 {
				apply(event(t, events.DocumentSigned, doc, at.Add(time.Hour+time.Duration(i)*time.Minute), events.DocumentSignedData{DocumentID: doc, Signer: "lanhdao"}))
			}
		}
		list := func(q readmodel.DocumentQuery) ([]string, string) {
			t.Helper()
			q.Agency = agency
			docs, next, err := s.Documents(t.Context(), q)
			if err != nil {
				t.Fatal(err)
			}
			var ids []string
			for _, d := range docs {
				ids = append(ids, d.ID)
			}
			return ids, next
		}
		ids, next := list(readmodel.DocumentQuery{Status: readmodel.StatusSigned, PageSize: 2})
		if fmt.Sprint(ids) != "[d4 d2]" || next == "" {
			t.Fatalf("first page of signed: %v, next %q", ids, next)
		}
		ids, next = list(readmodel.DocumentQuery{Status: readmodel.StatusSigned, PageSize: 2, PageToken: next})
		if fmt.Sprint(ids) != "[d0]" || next != "" {
			t.Fatalf("second page of signed: %v, next %q", ids, next)
		}
		ids, _ = list(readmodel.DocumentQuery{PageSize: 10})
		if fmt.Sprint(ids) != "[d4 d2 d0 d3 d1]" {
			t.Fatalf("all documents: %v", ids)
		}
		_, first := list(readmodel.DocumentQuery{PageSize: 1})
		if _, _, err := s.Documents(t.Context(), readmodel.DocumentQuery{Agency: agency, Status: readmodel.StatusSigned, PageToken: first}); err == nil {
			t.Fatal("a token of the unfiltered listing was taken for the signed one")
		}
		if docs, _, err := s.Documents(t.Context(), readmodel.DocumentQuery{Agency: "other", PageSize: 10}); err != nil || len(docs) != 0 {
			t.Fatalf("another agency sees %d documents (%v)", len(docs), err)
		}
	})
}
