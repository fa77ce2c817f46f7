package server_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/docflow/docflow/api/errcode"
	events "github.com/docflow/docflow/api/events/v1"
	httpapi "github.com/docflow/docflow/api/http/v1"
	"github.com/docflow/docflow/api/vntime"
	"github.com/docflow/docflow/services/gateway/internal/audit"
	"github.com/docflow/docflow/services/gateway/internal/server"
	"github.com/docflow/docflow/services/internal/objstore"
	"github.com/docflow/docflow/services/internal/testkit"
)

// contentAPI is the API over a real object store holding the PDFs of four
// documents at different points of their lives: "draft" only registered,
// "signed" personally signed, "issued" also numbered and sealed, and
// "tampered" whose original no longer matches the digest it was registered
// with. It returns the bytes of each version by document and version name.
func contentAPI(t *testing.T) (*api, map[string]map[string][]byte) {
	t.Helper()
	const bucket = "docflow-documents"
	s3 := testkit.S3(t)
	if err := s3.Store.EnsureBucket(t.Context(), bucket, objstore.BucketOptions{Versioning: true}); err != nil {
		t.Fatal(err)
	}
	a := newAPI(t, testkit.SQLite(t), func(s *server.Server) { s.Objects, s.DocumentsBucket = s3.Store, bucket })

	put := func(key string, pdf []byte) events.Object {
		t.Helper()
		info, err := s3.Store.Put(t.Context(), bucket, key, bytes.NewReader(pdf), int64(len(pdf)), objstore.PutOptions{ContentType: "application/pdf"})
		if err != nil {
			t.Fatal(err)
		}
		return events.Object{Bucket: bucket, Key: key, VersionID: info.VersionID, SHA256: info.SHA256, Size: info.Size}
	}
	at := time.Date(2026, 3, 5, 9, 0, 0, 0, vntime.Zone)
	clerk := events.Actor{Username: "vanthu", Role: "clerk", Agency: demoAgency}
	stored := map[string]map[string][]byte{}
	for _, doc := range []string{"draft", "signed", "issued", "tampered"} {
		stored[doc] = map[string][]byte{"original": testkit.TextPDF("Ke hoach " + doc)}
		original := put("originals/"+doc+".pdf", stored[doc]["original"])
		if doc == "tampered" {
			original.SHA256 = strings.Repeat("0", 64)
		}
		a.apply(t, envelope(t, events.DocumentReceived, demoAgency, doc, at, events.DocumentReceivedData{
			DocumentID: doc, Agency: demoAgency, ArrivalNumber: 1, ArrivalYear: 2026, Kind: "KE_HOACH", Subject: "Kế hoạch",
			Urgency: "THUONG", Confidentiality: "NONE", Original: original, By: clerk,
		}))
		if doc != "signed" && doc != "issued" {
			continue
		}
		stored[doc]["signed"] = testkit.TextPDF("Ke hoach "+doc, "signed by chuyenvien1")
		a.apply(t, envelope(t, events.DocumentSigned, demoAgency, doc, at.Add(time.Hour), events.DocumentSignedData{
			DocumentID: doc, Signer: "chuyenvien1", Level: "B-LT", Source: original,
			Signed: put("signed/"+doc+".pdf", stored[doc]["signed"]), SignedAt: at.Add(time.Hour),
		}))
		if doc != "issued" {
			continue
		}
		stored[doc]["issued"] = testkit.TextPDF("Ke hoach "+doc, "signed by chuyenvien1", "01/KH-VPCP sealed")
		a.apply(t, envelope(t, events.DocumentNumbered, demoAgency, doc, at.Add(2*time.Hour), events.DocumentNumberedData{
			DocumentID: doc, Number: 1, Symbol: "01/KH-VPCP", Register: "outgoing", Year: 2026, Kind: "KE_HOACH", Subject: "Kế hoạch",
			Signer: "chuyenvien1", Sealed: put("sealed/"+doc+".pdf", stored[doc]["issued"]), By: clerk, IssuedAt: at.Add(2 * time.Hour),
		}))
	}
	return a, stored
}

// A document's content is its current PDF unless an earlier one is asked
// for; the answer says which it is, and the original is the registered
// upload byte for byte.
func TestDocumentContentVersions(t *testing.T) {
	t.Parallel()
	a, stored := contentAPI(t)
	for _, c := range []struct{ doc, query, want string }{
		{"draft", "", "original"},
		{"signed", "", "signed"},
		{"issued", "", "issued"},
		{"issued", "?version=original", "original"},
		{"issued", "?version=signed", "signed"},
		{"issued", "?version=issued", "issued"},
		{"signed", "?version=original", "original"},
		{"draft", "?version=original", "original"},
	} {
		path := "/v1/documents/" + c.doc + "/content" + c.query
		res, body := a.get(t, "vanthu", path)
		if res.StatusCode != http.StatusOK {
			t.Errorf("%s: status %d %s", path, res.StatusCode, body)
			continue
		}
		if !bytes.Equal(body, stored[c.doc][c.want]) {
			t.Errorf("%s: got %d bytes, not the %s PDF", path, len(body), c.want)
		}
		if got := res.Header.Get("Docflow-Version"); got != c.want {
			t.Errorf("%s: Docflow-Version %q, want %q", path, got, c.want)
		}
		if got, want := res.Header.Get("Content-Disposition"), `attachment; filename="`+c.doc+"-"+c.want+`.pdf"`; got != want {
			t.Errorf("%s: Content-Disposition %q, want %q", path, got, want)
		}
		if ct := res.Header.Get("Content-Type"); ct != "application/pdf" {
			t.Errorf("%s: Content-Type %q", path, ct)
		}
	}

	// The original's digest is the one the document shows.
	_, body := a.get(t, "vanthu", "/v1/documents/issued")
	_, original := a.get(t, "vanthu", "/v1/documents/issued/content?version=original")
	sum := sha256.Sum256(original)
	if d := decode[httpapi.Document](t, body); d.SHA256 != hex.EncodeToString(sum[:]) {
		t.Errorf("the original's SHA-256 %x is not the document's %s", sum, d.SHA256)
	}
}

// A version the document does not have yet is not found, saying which and
// why; a version the API does not know is refused as a bad parameter; a
// stored PDF that does not match its digest is never served.
func TestDocumentContentRefusals(t *testing.T) {
	t.Parallel()
	a, _ := contentAPI(t)
	for _, c := range []struct {
		path       string
		wantStatus int
		wantCode   errcode.Code
		wantText   string
		// namesVersion: the details name the parameter to change.
		namesVersion bool
	}{
		{"/v1/documents/draft/content?version=signed", http.StatusNotFound, errcode.NotFound, "document draft has no signed version yet", true},
		{"/v1/documents/draft/content?version=issued", http.StatusNotFound, errcode.NotFound, "document draft has no issued version yet", true},
		{"/v1/documents/signed/content?version=issued", http.StatusNotFound, errcode.NotFound, "document signed has no issued version yet", true},
		{"/v1/documents/issued/content?version=archived", http.StatusBadRequest, errcode.InvalidArgument, `there is no version "archived"`, true},
		{"/v1/documents/issued/content?version=ISSUED", http.StatusBadRequest, errcode.InvalidArgument, `there is no version "ISSUED"`, true},
		{"/v1/documents/nowhere/content?version=original", http.StatusNotFound, errcode.NotFound, "", false},
		{"/v1/documents/tampered/content", http.StatusInternalServerError, errcode.Internal, "does not match its recorded digest", false},
	} {
		res, body := a.get(t, "vanthu", c.path)
		e := wireError(t, body)
		if res.StatusCode != c.wantStatus || e.Code != c.wantCode || !strings.Contains(e.Message, c.wantText) {
			t.Errorf("%s: %d %+v, want %d %s saying %q", c.path, res.StatusCode, e, c.wantStatus, c.wantCode, c.wantText)
		}
		if _, named := e.Details["version"]; named != c.namesVersion {
			t.Errorf("%s: details %v, want the version named: %v", c.path, e.Details, c.namesVersion)
		}
		if v := res.Header.Get("Docflow-Version"); v != "" {
			t.Errorf("%s: a refusal names version %q", c.path, v)
		}
	}
}

// Every download is in the audit trail with the version served, and so is
// every refused one.
func TestDocumentContentIsAudited(t *testing.T) {
	t.Parallel()
	a, _ := contentAPI(t)
	for _, path := range []string{
		"/v1/documents/issued/content",
		"/v1/documents/issued/content?version=original",
		"/v1/documents/issued/content?version=bogus",
		"/v1/documents/draft/content?version=issued",
	} {
		a.get(t, "vanthu", path)
	}
	for doc, want := range map[string][]audit.Entry{
		"issued": {
			{Outcome: audit.Allowed, Detail: "version=issued"},
			{Outcome: audit.Allowed, Detail: "version=original"},
			{Outcome: audit.Refused, Detail: "invalid_argument"},
		},
		"draft": {{Outcome: audit.Refused, Detail: "version=issued not_found"}},
	} {
		entries, err := a.audit.ForTarget(t.Context(), doc)
		if err != nil {
			t.Fatal(err)
		}
		if len(entries) != len(want) {
			t.Fatalf("audit of %s: %+v, want %d entries", doc, entries, len(want))
		}
		for i, e := range entries {
			if e.Action != "document.download" || e.Actor != "vanthu" || e.Outcome != want[i].Outcome || e.Detail != want[i].Detail {
				t.Errorf("audit of %s, entry %d: %+v, want document.download by vanthu %s %q", doc, i, e, want[i].Outcome, want[i].Detail)
			}
		}
	}
}
