package tests

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	events "github.com/docflow/docflow/api/events/v1"

	httpapi "github.com/docflow/docflow/api/http/v1"
	"github.com/docflow/docflow/api/vntime"
	"github.com/docflow/docflow/services/stack/stacktest"
)

// The two-signature rule end to end (DOMAIN.md §4): the competent person's
// personal signature on the signing task, then only a clerk may number and
// seal the document, writing its number and date on its own lines; the
// archived PDF carries both signatures, each valid in pdfsig and in the
// verification report, and the number is in the outgoing register.
func TestIssueAfterPersonalSignature(t *testing.T) {
	t.Parallel()
	st, _ := stacktest.Start(t, nil)
	ctx := t.Context()
	clerk := login(t, st, "vanthu")
	official := login(t, st, "chuyenvien1")
	drafter := login(t, st, "chuyenvien2")

	// The draft leaves the number and the date blank on page 1, as ND30
	// lays it out, for the clerk to fill when issuing it.
	year := time.Now().In(vntime.Zone).Year()
	original := stacktest.VietnamesePDF(t, []stacktest.Line{
		{Y: 700, Size: 13, Runs: []stacktest.Run{
			{X: 90, Text: "Số:        /KH-VPCP"},
			{X: 320, Text: fmt.Sprintf("Hà Nội, ngày        tháng        năm %d", year)},
		}},
		{Y: 640, Size: 14, Runs: []stacktest.Run{{X: 230, Text: "KẾ HOẠCH CÔNG TÁC THÁNG 12"}}},
		{Y: 600, Size: 13, Runs: []stacktest.Run{{X: 90, Text: "1. Tổng kết công tác văn thư năm " + fmt.Sprint(year) + "."}}},
	})
	created := submit(t, drafter, original, draft("KE_HOACH", "Kế hoạch công tác tháng 12"))

	// Before anyone signed it, even the clerk cannot issue it.
	early, err := clerk.client.IssueDocumentWithResponse(ctx, created.ID, httpapi.IssueRequest{})
	if err != nil {
		t.Fatal(err)
	}
	wantError(t, "issue before the signature", early.StatusCode(), early.Body, http.StatusConflict, httpapi.ErrorCodeConflict)

	var taskID string
	eventually(t, "task in the official's inbox", time.Minute, func() error {
		r, err := official.client.ListInboxWithResponse(ctx, &httpapi.ListInboxParams{})
		if err != nil || r.JSON200 == nil {
			return fmt.Errorf("inbox: %w", err)
		}
		for _, it := range r.JSON200.Items {
			if it.DocumentID == created.ID {
				taskID = it.ID
				return nil
			}
		}
		return fmt.Errorf("no task for %s yet", created.ID)
	})
	decided, err := official.client.DecideTaskWithResponse(ctx, taskID, httpapi.DecisionRequest{Decision: httpapi.DecisionApprove, Comment: "Đồng ý"})
	if err != nil || decided.JSON200 == nil {
		t.Fatalf("approve: %v %s", err, decided.Body)
	}
	// Approved is not signed: the chief of office signs it.
	signAll(t, login(t, st, "lanhdao"), created.ID)
	eventually(t, "document signed by the chief of office", 2*time.Minute, func() error {
		r, err := clerk.client.GetDocumentWithResponse(ctx, created.ID)
		if err != nil || r.JSON200 == nil || r.JSON200.Status != httpapi.DocumentStatusSigned {
			return fmt.Errorf("not yet signed: %w", err)
		}
		return nil
	})

	// The văn thư has it in their inbox, due by the end of the working day
	// (of the next one, when it was signed after hours or on a day off).
	if task := awaitTaskOfKind(t, clerk, created.ID, "vanthu", httpapi.TaskKindIssue); task.Deadline == nil ||
		task.Deadline.After(time.Now().Add(96*time.Hour)) {
		t.Fatalf("the văn thư's issue task %+v, want one due by the end of a working day", task)
	}

	// The clerk finds it among the signed documents, waiting for the clerks.
	waiting, err := clerk.client.ListDocumentsWithResponse(ctx, &httpapi.ListDocumentsParams{Status: httpapi.DocumentStatusSigned})
	if err != nil || waiting.JSON200 == nil {
		t.Fatalf("signed documents: %v %s", err, waiting.Body)
	}
	found := false
	for _, d := range waiting.JSON200.Items {
		found = found || (d.ID == created.ID && d.WaitingFor == "clerks")
	}
	if !found {
		t.Fatalf("the signed documents %+v do not list %s waiting for the clerks", waiting.JSON200.Items, created.ID)
	}

	// Until it is issued, its current PDF is the signed one; no issued one yet.
	signedPDF := documentContent(t, clerk, created.ID, "", httpapi.DocumentVersionSigned)
	if bytes.Equal(signedPDF, original) {
		t.Fatal("the signed PDF is the original, unchanged")
	}
	tooEarly, err := clerk.client.GetDocumentContentWithResponse(ctx, created.ID, &httpapi.GetDocumentContentParams{Version: httpapi.DocumentVersionIssued})
	if err != nil {
		t.Fatal(err)
	}
	wantError(t, "the issued PDF before the issue", tooEarly.StatusCode(), tooEarly.Body, http.StatusNotFound, httpapi.ErrorCodeNotFound)

	// The personal signature alone verifies.
	personal := signatures(t, clerk, created.ID)
	if !personal.Valid || personal.Verified != 1 {
		t.Fatalf("after the personal signature: valid %v, %d signatures: %+v", personal.Valid, personal.Verified, personal)
	}

	// An official is not a clerk: refused, and it stays waiting.
	refused, err := official.client.IssueDocumentWithResponse(ctx, created.ID, httpapi.IssueRequest{})
	if err != nil {
		t.Fatal(err)
	}
	wantError(t, "issue by an official", refused.StatusCode(), refused.Body, http.StatusForbidden, httpapi.ErrorCodeForbidden)

	issued, err := clerk.client.IssueDocumentWithResponse(ctx, created.ID, httpapi.IssueRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if issued.JSON200 == nil {
		t.Fatalf("issue by the clerk: %s %s", issued.Status(), issued.Body)
	}
	res := *issued.JSON200
	if res.Number < 1 || !strings.HasSuffix(res.Symbol, "/KH-VPCP") || res.DocumentID != created.ID || res.IssuedAt.IsZero() {
		t.Fatalf("issue result %+v, want a number with the symbol n/KH-VPCP", res)
	}
	again, err := clerk.client.IssueDocumentWithResponse(ctx, created.ID, httpapi.IssueRequest{})
	if err != nil {
		t.Fatal(err)
	}
	wantError(t, "a second issue", again.StatusCode(), again.Body, http.StatusConflict, httpapi.ErrorCodeConflict)

	var doc httpapi.Document
	eventually(t, "sealed document archived", 2*time.Minute, func() error {
		r, err := clerk.client.GetDocumentWithResponse(ctx, created.ID)
		if err != nil || r.JSON200 == nil || r.JSON200.Status != httpapi.DocumentStatusArchived {
			return fmt.Errorf("not yet archived: %w", err)
		}
		doc = *r.JSON200
		return nil
	})

	// Issued, its current PDF is the sealed one; the original and the signed
	// PDF are still there on request, the original exactly as uploaded.
	sealed := documentContent(t, clerk, created.ID, "", httpapi.DocumentVersionIssued)
	if bytes.Equal(sealed, original) || bytes.Equal(sealed, signedPDF) {
		t.Fatal("the issued PDF is the original or the signed one, unchanged")
	}
	if got := documentContent(t, clerk, created.ID, httpapi.DocumentVersionSigned, httpapi.DocumentVersionSigned); !bytes.Equal(got, signedPDF) {
		t.Error("the signed PDF changed when the document was issued")
	}
	uploaded := documentContent(t, clerk, created.ID, httpapi.DocumentVersionOriginal, httpapi.DocumentVersionOriginal)
	if sum := sha256.Sum256(uploaded); hex.EncodeToString(sum[:]) != doc.SHA256 || !bytes.Equal(uploaded, original) {
		t.Errorf("the original's SHA-256 %x, want the document's %s and the uploaded bytes", sum, doc.SHA256)
	}

	// Both signatures verify in the report…
	report := signatures(t, clerk, created.ID)
	if !report.Valid || report.Verified != 2 || report.SignatureFields != 2 {
		t.Fatalf("after the seal: valid %v, %d fields, %d verified: %+v", report.Valid, report.SignatureFields, report.Verified, report)
	}
	first, second := report.Signatures[0], report.Signatures[1]
	if !first.Valid || first.Coverage.LaterChanges != "permitted" || !strings.Contains(first.Signer.Subject, "lanhdao") {
		t.Errorf("personal signature %+v: want valid, by lanhdao, later changes permitted", first)
	}
	// At B-LT the validation data follows each signature in a revision of
	// its own: the only change after the seal.
	if !second.Valid || !second.Coverage.WholeRevision || second.Coverage.LaterChanges == "disallowed" ||
		!strings.Contains(second.Signer.Subject, "000.00.00.G22") {
		t.Errorf("organisation signature %+v: want valid, by the agency, nothing but validation data after it", second)
	}
	for _, c := range second.Coverage.Changes {
		if c.What != "dss" {
			t.Errorf("after the organisation signature: %+v, want only validation data", c)
		}
	}

	// …and in pdfsig, on the archived original.
	officer := login(t, st, "luutru")
	content, err := officer.client.GetArchiveRecordContentWithResponse(ctx, doc.RecordID)
	if err != nil || content.StatusCode() != http.StatusOK {
		t.Fatalf("archived content: %v %s", err, content.Status())
	}
	out := pdfsig(t, content.Body)
	if n := strings.Count(out, "Signature is Valid."); n != 2 || strings.Count(out, "Signature Field Name:") != 2 {
		t.Fatalf("pdfsig on the archived PDF: %d valid signatures, want both of its 2:\n%s", n, out)
	}

	// The number and the date are written on the document's own lines of
	// page 1, as text a search finds.
	text := pdftotext(t, content.Body, 1)
	so, date := lineWith(text, "Số:"), lineWith(text, "ngày")
	if !strings.Contains(so, "Số: "+res.Symbol) {
		t.Errorf("the Số line of page 1 reads %q, want Số: %s; page 1:\n%s", so, res.Symbol, text)
	}
	if want := dateLine(res.IssuedAt); !strings.Contains(date, want) {
		t.Errorf("the date line of page 1 reads %q, want %q; page 1:\n%s", date, want, text)
	}

	// The outgoing register prints the number and the signer.
	year = res.IssuedAt.In(vntime.Zone).Year()
	csv := string(register(t, clerk, "outgoing", year, "csv"))
	row := fmt.Sprintf("%s,%s,Kế hoạch công tác tháng 12,Phạm Quốc Hùng", res.Symbol, res.IssuedAt.In(vntime.Zone).Format("02/01/2006"))
	if !strings.Contains(csv, row) {
		t.Fatalf("outgoing register lacks %q:\n%s", row, csv)
	}

	// Dispatch: the two units get it in their inbox, for information; the
	// other agency's copy waits in the outbox for the exchange.
	sent := dispatch(t, clerk, created.ID, http.StatusOK)
	if sent["tong-hop"].Status != httpapi.RecipientStatusDelivered || sent["hanh-chinh"].Status != httpapi.RecipientStatusDelivered ||
		sent["000.00.00.H49"].Status != httpapi.RecipientStatusQueued || len(sent) != 3 {
		t.Fatalf("dispatch outcomes %+v, want both units delivered and the agency queued", sent)
	}
	for _, reader := range []*session{official, login(t, st, "luutru")} { // Phòng Tổng hợp, Phòng Hành chính
		if item := awaitTaskOfKind(t, reader, created.ID, reader.user, httpapi.TaskKindRead); item.DocumentID != created.ID {
			t.Fatalf("%s's inbox item %+v", reader.user, item)
		}
	}
	// The exchange sends the other agency a signed edXML package; hosted
	// here too, it verifies it and answers 01 (arrived) at once.
	eventually(t, "the other agency's receipt 01", time.Minute, func() error {
		if n := assertEvents(t, st, created.ID)[events.ExchangeStatusReceived]; n == 0 {
			return errors.New("no exchange.status_received yet")
		}
		return nil
	})
	repeat := dispatch(t, clerk, created.ID, http.StatusOK)
	if repeat["tong-hop"].Status != httpapi.RecipientStatusDelivered || repeat["000.00.00.H49"].Status != httpapi.RecipientStatusQueued {
		t.Fatalf("a second dispatch reports %+v, want the recipients as they stand", repeat)
	}
	eventually(t, "recipients' statuses on the document", time.Minute, func() error {
		r, err := clerk.client.GetDocumentWithResponse(ctx, created.ID)
		if err != nil || r.JSON200 == nil {
			return fmt.Errorf("document: %w", err)
		}
		var got []string
		for _, rc := range r.JSON200.Recipients {
			got = append(got, rc.Unit+string(rc.Agency)+"="+string(rc.Status))
		}
		if want := "tong-hop=delivered hanh-chinh=delivered 000.00.00.H49=queued"; strings.Join(got, " ") != want {
			return fmt.Errorf("recipients %v, want %s", got, want)
		}
		return nil
	})
	// The register's row now names the recipients, the file copy's keeper,
	// the copies and the dispatch date.
	csv = string(register(t, clerk, "outgoing", year, "csv"))
	row = fmt.Sprintf("%s,%s,Kế hoạch công tác tháng 12,Phạm Quốc Hùng,Phòng Tổng hợp; Phòng Hành chính - Văn thư - Lưu trữ; ", res.Symbol, res.IssuedAt.In(vntime.Zone).Format("02/01/2006"))
	if !strings.Contains(csv, row) || !strings.Contains(csv, ",Phòng Tổng hợp (Lê Thị Hoa),3,"+time.Now().In(vntime.Zone).Format("02/01/2006")) {
		t.Fatalf("outgoing register lacks the dispatched row %q…:\n%s", row, csv)
	}
}

// documentContent downloads a version of a document (the current one when
// version is empty) and checks that the answer names the version want.
func documentContent(t *testing.T, s *session, id string, version, want httpapi.DocumentVersion) []byte {
	t.Helper()
	r, err := s.client.GetDocumentContentWithResponse(t.Context(), id, &httpapi.GetDocumentContentParams{Version: version})
	if err != nil {
		t.Fatal(err)
	}
	if r.StatusCode() != http.StatusOK {
		t.Fatalf("content of %s (version %q): %s %s", id, version, r.Status(), r.Body)
	}
	if got := r.HTTPResponse.Header.Get("Docflow-Version"); got != string(want) {
		t.Fatalf("content of %s (version %q): Docflow-Version %q, want %q", id, version, got, want)
	}
	return r.Body
}

// signatures is the verification report of a document.
func signatures(t *testing.T, s *session, id string) httpapi.SignatureReport {
	t.Helper()
	r, err := s.client.GetDocumentSignaturesWithResponse(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	if r.JSON200 == nil {
		t.Fatalf("signatures of %s: %s %s", id, r.Status(), r.Body)
	}
	return *r.JSON200
}

// pdfsig runs poppler's pdfsig on pdf without judging the certificates
// (the development root is not in any system store).
func pdfsig(t *testing.T, pdf []byte) string {
	t.Helper()
	file := filepath.Join(t.TempDir(), "archived.pdf")
	if err := os.WriteFile(file, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.CommandContext(t.Context(), "pdfsig", "-nocert", "-no-ocsp", file).CombinedOutput()
	if err != nil {
		t.Fatalf("pdfsig: %v\n%s", err, out)
	}
	return string(out)
}

// pdftotext is poppler's text of page of pdf, in layout mode: each line of
// the page on one line.
func pdftotext(t *testing.T, pdf []byte, page int) string {
	t.Helper()
	file := filepath.Join(t.TempDir(), "page.pdf")
	if err := os.WriteFile(file, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.CommandContext(t.Context(), "pdftotext", "-f", fmt.Sprint(page), "-l", fmt.Sprint(page), "-layout", file, "-").CombinedOutput()
	if err != nil {
		t.Fatalf("pdftotext: %v\n%s", err, out)
	}
	return string(out)
}

// lineWith is the first line of text containing part, with its runs of
// spaces folded to one.
func lineWith(text, part string) string {
	for line := range strings.Lines(text) {
		if strings.Contains(line, part) {
			return strings.Join(strings.Fields(line), " ")
		}
	}
	return ""
}

// dateLine is the date line of a document of the demo agency issued at:
// "Hà Nội, ngày 07 tháng 12 năm 2026", with a leading zero on days below
// 10 and on January and February only (ND30 Appendix I).
func dateLine(at time.Time) string {
	at = at.In(vntime.Zone)
	month := fmt.Sprint(int(at.Month()))
	if at.Month() <= time.February {
		month = "0" + month
	}
	return fmt.Sprintf("Hà Nội, ngày %02d tháng %s năm %d", at.Day(), month, at.Year())
}
