// Package tests holds docflow's end-to-end scenarios. They run the whole
// system on the real pinned servers (embedded NATS, the Temporal dev server,
// versitygw) and check the results with independent tools (pdfsig, qpdf).
package tests

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	events "github.com/docflow/docflow/api/events/v1"
	httpapi "github.com/docflow/docflow/api/http/v1"
	"github.com/docflow/docflow/api/vntime"
	"github.com/docflow/docflow/services/stack"
	"github.com/docflow/docflow/services/stack/stacktest"
)

const maxUpload = 256 << 10

func TestDocumentFromUploadToArchive(t *testing.T) {
	st, _ := stacktest.Start(t, map[string]string{
		"DOCFLOW_GATEWAY_MAX_UPLOAD_BYTES": fmt.Sprint(maxUpload),
		"DOCFLOW_INTAKE_MAX_BYTES":         fmt.Sprint(maxUpload),
	})
	ctx := t.Context()
	s3 := s3Client(t, st)
	assertSubjectPermissions(t, st)

	// An upload without a token is refused before anything is stored.
	status, body := upload(t, st.GatewayURL, "", stacktest.TextPDF("no token"), metadata("KE_HOACH", "Không có token"))
	wantError(t, "upload without token", status, body, http.StatusUnauthorized, httpapi.ErrorCodeUnauthenticated)

	clerk := login(t, st, "vanthu")
	bad := []struct {
		name   string
		file   []byte
		status int
		code   httpapi.ErrorCode
	}{
		{"not a PDF", []byte("Kính gửi: Văn phòng Chính phủ. This is plain text."), http.StatusUnsupportedMediaType, httpapi.ErrorCodeNotPDF},
		{"empty file", nil, http.StatusUnprocessableEntity, httpapi.ErrorCodeEmptyFile},
		{"over-size file", append(stacktest.TextPDF("big"), make([]byte, maxUpload)...), http.StatusRequestEntityTooLarge, httpapi.ErrorCodeFileTooLarge},
		{"malformed PDF", []byte("%PDF-1.7\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R\nendobj\ntrailer\n<<>>\n%%EOF\n"), http.StatusUnprocessableEntity, httpapi.ErrorCodeMalformedPDF},
	}
	for _, tc := range bad {
		status, body := upload(t, st.GatewayURL, clerk.token, tc.file, metadata("KE_HOACH", "Văn bản hỏng"))
		wantError(t, tc.name, status, body, tc.status, tc.code)
	}
	if keys := listKeys(t, s3, "docflow-documents", ""); len(keys) != 0 {
		t.Fatalf("refused uploads left objects behind: %v", keys)
	}

	// The clerk registers a plan received from the province: it gets
	// arrival number 1 and its row in the incoming register, and is
	// presented to the chief of office, who assigns its handling.
	inPDF := stacktest.TextPDF("Ke hoach cua tinh Quang Ninh")
	meta := metadata("KE_HOACH", "Kế hoạch phối hợp của Ủy ban nhân dân tỉnh")
	meta["issuer"], meta["symbol"], meta["issued_on"] = "Ủy ban nhân dân tỉnh Quảng Ninh", "12/KH-UBND", "2026-01-05"
	received := submit(t, clerk, inPDF, meta)
	if received.ArrivalNumber != 1 || received.Status != httpapi.DocumentStatusRegistered {
		t.Fatalf("registered %+v", received)
	}
	assertIncomingRegister(t, clerk, received.ArrivalNumber)
	if task := awaitTask(t, login(t, st, "lanhdao"), received.ID, "lanhdao"); task.TaskKind != httpapi.TaskKindAssign {
		t.Fatalf("the incoming document's task is %q, want the leader's assignment", task.TaskKind)
	}

	// An official drafts the office's own plan: it takes no arrival number
	// and stays out of the incoming register.
	drafter := login(t, st, "chuyenvien2")
	pdf := stacktest.TextPDF("Ke hoach cong tac nam 2026")
	created := submit(t, drafter, pdf, draft("KE_HOACH", "Kế hoạch công tác năm 2026 của Văn phòng"))
	sum := sha256.Sum256(pdf)
	if created.ArrivalNumber != 0 || created.Status != httpapi.DocumentStatusDrafted || created.SHA256 != hex.EncodeToString(sum[:]) {
		t.Fatalf("drafted %+v", created)
	}
	if csv := string(register(t, clerk, "incoming", time.Now().In(vntime.Zone).Year(), "csv")); strings.Contains(csv, "Kế hoạch công tác năm 2026") {
		t.Fatalf("the draft is in the incoming register:\n%s", csv)
	}

	// Routing gives its review to chuyenvien1, whose inbox shows it.
	official := login(t, st, "chuyenvien1")
	task := awaitTask(t, official, created.ID, "")

	// Someone who is not the assignee (its drafter), and a clerk, cannot
	// decide it.
	other := drafter
	resp, err := other.client.DecideTaskWithResponse(ctx, task.ID, httpapi.DecisionRequest{Decision: httpapi.DecisionApprove})
	if err != nil {
		t.Fatal(err)
	}
	wantError(t, "decision by a non-assignee", resp.StatusCode(), resp.Body, http.StatusForbidden, httpapi.ErrorCodeNotAssignee)
	resp, err = clerk.client.DecideTaskWithResponse(ctx, task.ID, httpapi.DecisionRequest{Decision: httpapi.DecisionApprove})
	if err != nil {
		t.Fatal(err)
	}
	wantError(t, "decision by a clerk", resp.StatusCode(), resp.Body, http.StatusForbidden, httpapi.ErrorCodeForbidden)

	// The assignee approves; a second decision is refused.
	resp, err = official.client.DecideTaskWithResponse(ctx, task.ID, httpapi.DecisionRequest{Decision: httpapi.DecisionApprove, Comment: "Đồng ý"})
	if err != nil {
		t.Fatal(err)
	}
	if resp.JSON200 == nil || resp.JSON200.Decision != httpapi.DecisionApprove {
		t.Fatalf("approve: %s %s", resp.Status(), resp.Body)
	}
	resp, err = official.client.DecideTaskWithResponse(ctx, task.ID, httpapi.DecisionRequest{Decision: httpapi.DecisionReject, Comment: "Đổi ý"})
	if err != nil {
		t.Fatal(err)
	}
	wantError(t, "second decision", resp.StatusCode(), resp.Body, http.StatusConflict, httpapi.ErrorCodeTaskClosed)

	// The chief of office signs it, the clerk issues it and it is archived;
	// its history tells the story.
	signAll(t, login(t, st, "lanhdao"), created.ID)
	issueAll(t, clerk, created.ID)
	var doc httpapi.Document
	eventually(t, "document archived", 2*time.Minute, func() error {
		r, err := clerk.client.GetDocumentWithResponse(ctx, created.ID)
		if err != nil {
			return err
		}
		if r.JSON200 == nil {
			return fmt.Errorf("%s %s", r.Status(), r.Body)
		}
		doc = *r.JSON200
		if doc.Status != httpapi.DocumentStatusArchived {
			return fmt.Errorf("status %s", doc.Status)
		}
		return nil
	})
	var types []string
	for _, h := range doc.History {
		types = append(types, h.Type)
	}
	if doc.Direction != httpapi.DirectionOutgoing || doc.Drafter != "chuyenvien2" || doc.ArrivalNumber != 0 || len(doc.Recipients) != 3 ||
		doc.Recipients[0].Unit != "tong-hop" || doc.Recipients[2].Agency != "000.00.00.H49" || doc.Recipients[0].Status != httpapi.RecipientStatusPending {
		t.Fatalf("the archived draft shows direction %q, drafter %q, arrival %d, recipients %+v",
			doc.Direction, doc.Drafter, doc.ArrivalNumber, doc.Recipients)
	}
	if err := contains(strings.Join(types, " "), "document.drafted", "route.selected", "task.assigned", "task.decided", "document.approved", "document.signed", "document.numbered", "document.archived"); err != nil {
		t.Fatalf("history: %v", err)
	}
	// Every step emitted its events once, each matching its schema; the
	// review, signing and issue tasks were each assigned and decided once.
	seen := assertEvents(t, st, created.ID)
	for typ, want := range map[events.Type]int{events.DocumentDrafted: 1, events.RouteSelected: 1, events.TaskAssigned: 3, events.TaskDecided: 3,
		events.DocumentApproved: 1, events.DocumentSigned: 1, events.DocumentNumbered: 1, events.DocumentArchived: 1} {
		if seen[typ] != want {
			t.Errorf("%s events about the document: %d, want %d (all: %v)", typ, seen[typ], want, seen)
		}
	}

	// The records officer finds it without typing the diacritics and
	// downloads the signed original.
	officer := login(t, st, "luutru")
	q := "ke hoach cong tac"
	sr, err := officer.client.SearchArchiveWithResponse(ctx, &httpapi.SearchArchiveParams{Q: q})
	if err != nil {
		t.Fatal(err)
	}
	if sr.JSON200 == nil || len(sr.JSON200.Items) != 1 || sr.JSON200.Items[0].DocumentID != created.ID {
		t.Fatalf("search %q: %s %s", q, sr.Status(), sr.Body)
	}
	rec := sr.JSON200.Items[0]
	if rec.ID != doc.RecordID || rec.RetentionMode != "COMPLIANCE" || !rec.RetainUntil.After(time.Now().AddDate(1, 0, 0)) {
		t.Fatalf("record %+v (document says record %s)", rec, doc.RecordID)
	}
	cr, err := officer.client.GetArchiveRecordContentWithResponse(ctx, rec.ID)
	if err != nil {
		t.Fatal(err)
	}
	if cr.StatusCode() != http.StatusOK || cr.HTTPResponse.Header.Get("Content-Type") != "application/pdf" {
		t.Fatalf("download: %s %s", cr.Status(), cr.Body)
	}
	signed := cr.Body
	got := sha256.Sum256(signed)
	if hex.EncodeToString(got[:]) != rec.SHA256 {
		t.Fatalf("downloaded sha256 %x, catalog says %s", got, rec.SHA256)
	}

	// The archived object itself has the catalog's digest.
	key := archivedKey(t, s3, created.ID)
	obj, err := s3.GetObject(ctx, "docflow-archive", key, minio.GetObjectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	h := sha256.New()
	if _, err := io.Copy(h, obj); err != nil {
		t.Fatal(err)
	}
	if hex.EncodeToString(h.Sum(nil)) != rec.SHA256 {
		t.Fatalf("archived object sha256 %x, catalog says %s", h.Sum(nil), rec.SHA256)
	}

	// The incoming document was neither signed nor numbered here.
	if seen := assertEvents(t, st, received.ID); seen[events.DocumentSigned] != 0 || seen[events.DocumentNumbered] != 0 || seen[events.DocumentReceived] != 1 {
		t.Fatalf("events about the incoming document: %v; want it registered, never signed or numbered", seen)
	}

	// Independent tools agree that both signatures (the signer's, then the
	// agency's added by the clerk) are valid, and that the PDF is sound. At
	// B-LT each is followed by its validation data, so neither ends the file.
	path := filepath.Join(t.TempDir(), "signed.pdf")
	if err := os.WriteFile(path, signed, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.CommandContext(ctx, "pdfsig", path).CombinedOutput()
	if err != nil {
		t.Fatalf("pdfsig: %v\n%s", err, out)
	}
	if n := strings.Count(string(out), "Signature Validation: Signature is Valid."); n != 2 {
		t.Fatalf("pdfsig: %d valid signatures, want 2:\n%s", n, out)
	}
	if out, err := exec.CommandContext(ctx, "qpdf", "--check", path).CombinedOutput(); err != nil {
		t.Fatalf("qpdf --check: %v\n%s", err, out)
	}

	// The storage refuses to delete or replace the archived version.
	assertLocked(ctx, t, s3, key, signed)

	// The API serves the archived version, not whatever was put on top.
	cr, err = officer.client.GetArchiveRecordContentWithResponse(ctx, rec.ID)
	if err != nil {
		t.Fatal(err)
	}
	if cr.StatusCode() != http.StatusOK || string(cr.Body) != string(signed) {
		t.Fatalf("download after the forged overwrite: %s, %d bytes", cr.Status(), len(cr.Body))
	}
}

func s3Client(t *testing.T, st *stack.Stack) *minio.Client {
	t.Helper()
	c, err := minio.New(st.S3.Endpoint, &minio.Options{
		Creds: credentials.NewStaticV4(st.S3.AccessKey, st.S3.SecretKey, ""), Region: st.S3.Region, BucketLookup: minio.BucketLookupPath,
	})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func listKeys(t *testing.T, c *minio.Client, bucket, prefix string) []string {
	t.Helper()
	var keys []string
	for o := range c.ListObjects(t.Context(), bucket, minio.ListObjectsOptions{Prefix: prefix, Recursive: true, WithVersions: true}) {
		if o.Err != nil {
			t.Fatalf("list %s: %v", bucket, o.Err)
		}
		keys = append(keys, o.Key)
	}
	return keys
}

func archivedKey(t *testing.T, c *minio.Client, documentID string) string {
	t.Helper()
	for _, k := range listKeys(t, c, "docflow-archive", "") {
		if strings.Contains(k, documentID) {
			return k
		}
	}
	t.Fatalf("no archived object for %s", documentID)
	return ""
}

// assertLocked tries what a careless or malicious operator would: delete
// the version (also with the governance bypass), shorten its retention, and
// overwrite the key. Each must leave the archived bytes as they were.
func assertLocked(ctx context.Context, t *testing.T, c *minio.Client, key string, want []byte) {
	t.Helper()
	info, err := c.StatObject(ctx, "docflow-archive", key, minio.StatObjectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	version := info.VersionID
	if version == "" {
		t.Fatal("archived object has no version id: versioning is off")
	}
	if err := c.RemoveObject(ctx, "docflow-archive", key, minio.RemoveObjectOptions{VersionID: version}); err == nil {
		t.Fatal("deleting the archived version was allowed")
	}
	if err := c.RemoveObject(ctx, "docflow-archive", key, minio.RemoveObjectOptions{VersionID: version, GovernanceBypass: true}); err == nil {
		t.Fatal("deleting the archived version with the governance bypass was allowed")
	}
	mode := minio.Compliance
	until := time.Now().Add(time.Hour)
	if err := c.PutObjectRetention(ctx, "docflow-archive", key, minio.PutObjectRetentionOptions{VersionID: version, Mode: &mode, RetainUntilDate: &until}); err == nil {
		t.Fatal("shortening the retention of the archived version was allowed")
	}
	// Overwriting the key can at most add a newer version on top; the
	// locked version stays exactly as archived.
	_, _ = c.PutObject(ctx, "docflow-archive", key, strings.NewReader("forged"), 6, minio.PutObjectOptions{})
	obj, err := c.GetObject(ctx, "docflow-archive", key, minio.GetObjectOptions{VersionID: version})
	if err != nil {
		t.Fatal(err)
	}
	var got strings.Builder
	if _, err := io.Copy(&got, obj); err != nil {
		t.Fatal(err)
	}
	if got.String() != string(want) {
		t.Fatal("the archived version's bytes changed")
	}
}

func mustJSON(t *testing.T, raw []byte, v any) {
	t.Helper()
	if err := json.Unmarshal(raw, v); err != nil {
		t.Fatalf("decode %s: %v", raw, err)
	}
}

// assertIncomingRegister prints the incoming register as CSV and PDF and
// finds the document's row: its arrival number, issuer, symbol and date.
func assertIncomingRegister(t *testing.T, clerk *session, arrival int64) {
	t.Helper()
	year := time.Now().In(vntime.Zone).Year()
	csv := string(register(t, clerk, "incoming", year, "csv"))
	header := "\ufeffNgày đến,Số đến,Tác giả,\"Số, ký hiệu\",Ngày tháng,Tên loại và trích yếu,Đơn vị hoặc người nhận,Ngày chuyển,Ký nhận,Ghi chú\r\n"
	row := fmt.Sprintf(",%d,Ủy ban nhân dân tỉnh Quảng Ninh,12/KH-UBND,05/01/2026,Kế hoạch phối hợp của Ủy ban nhân dân tỉnh,", arrival)
	if !strings.HasPrefix(csv, header) || !strings.Contains(csv, row) {
		t.Fatalf("incoming register CSV lacks the ND30 heading or the document's row:\n%q", csv)
	}
	path := filepath.Join(t.TempDir(), "so-den.pdf")
	if err := os.WriteFile(path, register(t, clerk, "incoming", year, "pdf"), 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.CommandContext(t.Context(), "pdftotext", "-layout", path, "-").CombinedOutput()
	if err != nil {
		t.Fatalf("pdftotext: %v\n%s", err, out)
	}
	if err := contains(string(out), "SỔ ĐĂNG KÝ VĂN BẢN ĐẾN", "Ngày đến", "Tác giả", "12/KH-UBND"); err != nil {
		t.Fatalf("incoming register PDF: %v", err)
	}
}
