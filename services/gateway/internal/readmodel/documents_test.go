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
			q.Reader = anyReader(agency)
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
		if _, _, err := s.Documents(t.Context(), readmodel.DocumentQuery{Reader: anyReader(agency), Status: readmodel.StatusSigned, PageToken: first}); err == nil {
			t.Fatal("a token of the unfiltered listing was taken for the signed one")
		}
		if docs, _, err := s.Documents(t.Context(), readmodel.DocumentQuery{Reader: anyReader("other"), PageSize: 10}); err != nil || len(docs) != 0 {
			t.Fatalf("another agency sees %d documents (%v)", len(docs), err)
		}
	})
}

// A document keeps every PDF the events name, whole (bucket, key, version,
// digest, size), and its latest is the one to verify: the original, then
// the signed PDF, then the sealed one; archiving changes which is latest no
// more.
func TestDocumentKeepsEveryPDF(t *testing.T) {
	t.Parallel()
	pdf := func(key, version, digest string, size int64) events.Object {
		return events.Object{Bucket: "docflow-documents", Key: key, VersionID: version, SHA256: digest, Size: size}
	}
	original := pdf("originals/d1.pdf", "v-original", "aa", 3)
	signed := pdf("signed/d1.pdf", "v-signed", "bb", 5)
	sealed := pdf("sealed/d1.pdf", "v-sealed", "cc", 7)
	archived := events.Object{Bucket: "docflow-archive", Key: "000.00.00.G22/2026/r1.pdf", VersionID: "v-record", SHA256: "cc", Size: 7}
	clerk := events.Actor{Username: "vanthu", Role: "clerk", Agency: agency}
	eachStore(t, func(t *testing.T, s *readmodel.Store) {
		apply := applier(t, s)
		latest := func(want events.Object, wantWhich string) {
			t.Helper()
			if got, which := document(t, s, "d1").Latest(); got != want || which != wantWhich {
				t.Fatalf("latest PDF %s %+v, want %s %+v", which, got, wantWhich, want)
			}
		}
		apply(event(t, events.DocumentReceived, "d1", at, events.DocumentReceivedData{
			DocumentID: "d1", Agency: agency, ArrivalNumber: 1, ArrivalYear: 2026, Kind: "QUYET_DINH", Subject: "Quyết định",
			Urgency: "THUONG", Confidentiality: "NONE", Original: original, By: clerk,
		}))
		latest(original, "original")
		apply(event(t, events.DocumentSigned, "d1", at.Add(time.Hour), events.DocumentSignedData{
			DocumentID: "d1", Signer: "lanhdao", Level: "B-LT", Source: original, Signed: signed, SignedAt: at.Add(time.Hour),
		}))
		latest(signed, "signed")
		apply(event(t, events.DocumentNumbered, "d1", at.Add(2*time.Hour), events.DocumentNumberedData{
			DocumentID: "d1", Number: 1, Symbol: "01/QĐ-VPCP", Register: "outgoing", Year: 2026, Kind: "QUYET_DINH",
			Subject: "Quyết định", Signer: "lanhdao", Sealed: sealed, By: clerk, IssuedAt: at.Add(2 * time.Hour),
		}))
		latest(sealed, "sealed")
		apply(event(t, events.DocumentArchived, "d1", at.Add(3*time.Hour), events.DocumentArchivedData{
			DocumentID: "d1", RecordID: "r1", Object: archived, RetainUntil: at.AddDate(10, 0, 0), RetentionMode: "COMPLIANCE", ArchivedAt: at.Add(3 * time.Hour),
		}))
		latest(sealed, "sealed")
		d := document(t, s, "d1")
		if d.Object != original || d.Signed != signed || d.Sealed != sealed || d.Archived != archived {
			t.Errorf("document keeps\n original %+v\n signed %+v\n sealed %+v\n archived %+v", d.Object, d.Signed, d.Sealed, d.Archived)
		}
		if d.Status != readmodel.StatusArchived || d.RecordID != "r1" {
			t.Errorf("archived document: status %s, record %q", d.Status, d.RecordID)
		}
	})
}
