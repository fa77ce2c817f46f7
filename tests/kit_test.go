package tests

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"path/filepath"
	"strings"
	"testing"
	"time"

	_ "modernc.org/sqlite" // the audit trail, read from the gateway's database

	httpapi "github.com/docflow/docflow/api/http/v1"
	"github.com/docflow/docflow/services/stack"
)

// session is a signed-in user of the API.
type session struct {
	t      *testing.T
	user   string
	base   string
	token  string
	client *httpapi.ClientWithResponses
}

func login(t *testing.T, st *stack.Stack, username string) *session {
	t.Helper()
	c, err := httpapi.NewClientWithResponses(st.GatewayURL)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := c.LoginWithResponse(t.Context(), httpapi.Credentials{Username: username, Password: stack.DevPassword})
	if err != nil {
		t.Fatal(err)
	}
	if resp.JSON200 == nil {
		t.Fatalf("login %s: %s %s", username, resp.Status(), resp.Body)
	}
	s := &session{t: t, user: username, base: st.GatewayURL, token: resp.JSON200.Token}
	s.client, err = httpapi.NewClientWithResponses(st.GatewayURL, httpapi.WithRequestEditorFn(func(_ context.Context, r *http.Request) error {
		r.Header.Set("Authorization", "Bearer "+s.token)
		return nil
	}))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// awaitTask waits until s's inbox holds an open task on doc whose assignee
// is assignee (any when empty) and returns it.
func awaitTask(t *testing.T, s *session, doc, assignee string) httpapi.Task {
	t.Helper()
	return awaitTaskOfKind(t, s, doc, assignee, "")
}

// awaitTaskOfKind is awaitTask for a task of kind (any when empty).
func awaitTaskOfKind(t *testing.T, s *session, doc, assignee string, kind httpapi.TaskKind) httpapi.Task {
	t.Helper()
	var task httpapi.Task
	eventually(t, s.user+"'s task of "+assignee+" on "+doc, time.Minute, func() error {
		resp, err := s.client.ListInboxWithResponse(t.Context(), &httpapi.ListInboxParams{})
		if err != nil {
			return err
		}
		if resp.JSON200 == nil {
			return fmt.Errorf("inbox: %s %s", resp.Status(), resp.Body)
		}
		for _, it := range resp.JSON200.Items {
			if it.DocumentID == doc && (assignee == "" || it.Assignee == assignee) && (kind == "" || it.TaskKind == kind) {
				task = it
				return nil
			}
		}
		return fmt.Errorf("no task yet")
	})
	return task
}

// submit uploads a document as s; it must be accepted. It returns its summary.
func submit(t *testing.T, s *session, file []byte, meta map[string]any) httpapi.DocumentSummary {
	t.Helper()
	status, body := upload(t, s.base, s.token, file, meta)
	if status != http.StatusCreated {
		t.Fatalf("upload of %q: %d %s", meta["subject"], status, body)
	}
	var doc httpapi.DocumentSummary
	mustJSON(t, body, &doc)
	return doc
}

// upload sends a document as the form the API documents; token may be empty.
func upload(t *testing.T, base, token string, file []byte, metadata any) (int, []byte) {
	t.Helper()
	return uploadWithin(t.Context(), t, base, token, file, metadata)
}

// uploadWithin is upload with the request bounded by ctx.
func uploadWithin(ctx context.Context, t *testing.T, base, token string, file []byte, metadata any) (int, []byte) {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	meta, err := json.Marshal(metadata)
	if err != nil {
		t.Fatal(err)
	}
	if err := mw.WriteField("metadata", string(meta)); err != nil {
		t.Fatal(err)
	}
	h := textproto.MIMEHeader{}
	h.Set("Content-Disposition", `form-data; name="file"; filename="van-ban.pdf"`)
	h.Set("Content-Type", "application/pdf")
	fw, err := mw.CreatePart(h)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := fw.Write(file); err != nil {
		t.Fatal(err)
	}
	if err := mw.Close(); err != nil {
		t.Fatal(err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/v1/documents", &body)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, raw
}

// apiError decodes an error body and checks its status and code.
func wantError(t *testing.T, what string, status int, body []byte, wantStatus int, wantCode httpapi.ErrorCode) {
	t.Helper()
	var e httpapi.Error
	if err := json.Unmarshal(body, &e); err != nil {
		t.Fatalf("%s: error body is not JSON: %s", what, body)
	}
	if status != wantStatus || e.Code != wantCode || e.Message == "" {
		t.Fatalf("%s: got %d %+v, want %d %s with a message", what, status, e, wantStatus, wantCode)
	}
}

// eventually polls check until it returns nil or the deadline passes. The
// read models are projected from events, so what one request changed shows
// in the next a moment later.
func eventually(t *testing.T, what string, timeout time.Duration, check func() error) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	var err error
	for time.Now().Before(deadline) {
		if err = check(); err == nil {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("%s: not within %s: %v", what, timeout, err)
}

// metadata describes an upload: from a clerk, an incoming document, which
// the development rules present to the Chánh Văn phòng for assignment.
func metadata(kind, subject string) map[string]any {
	return map[string]any{"kind": kind, "subject": subject, "urgency": "THUONG", "confidentiality": "NONE"}
}

// draft describes an official's outgoing draft, addressed to two units of
// the agency and to another agency. The development rules have a plan (kế
// hoạch) reviewed by the official of the Phòng Tổng hợp (chuyenvien1), a
// decision (quyết định) by four steps, and every draft signed by the Chánh
// Văn phòng (lanhdao).
func draft(kind, subject string) map[string]any {
	m := metadata(kind, subject)
	m["direction"] = "outgoing"
	m["recipients"] = []map[string]string{{"unit": "tong-hop"}, {"unit": "hanh-chinh"}, {"agency": "000.00.00.H49"}}
	return m
}

// signAll has signer sign documents waiting on their signing tasks, in one
// bulk call once every task is in their inbox.
func signAll(t *testing.T, signer *session, ids ...string) {
	t.Helper()
	want := map[string]bool{}
	for _, id := range ids {
		want[id] = true
	}
	var decisions []httpapi.BulkDecision
	eventually(t, fmt.Sprintf("%d signing tasks in %s's inbox", len(ids), signer.user), 2*time.Minute, func() error {
		decisions = decisions[:0]
		resp, err := signer.client.ListInboxWithResponse(t.Context(), &httpapi.ListInboxParams{PageSize: ptr(100)})
		if err != nil || resp.JSON200 == nil {
			return fmt.Errorf("inbox: %w", err)
		}
		for _, it := range resp.JSON200.Items {
			if want[it.DocumentID] && it.TaskKind == httpapi.TaskKindSign && it.Assignee == signer.user {
				decisions = append(decisions, httpapi.BulkDecision{TaskID: it.ID, Decision: httpapi.DecisionSign})
			}
		}
		if len(decisions) != len(ids) {
			return fmt.Errorf("%d of %d signing tasks", len(decisions), len(ids))
		}
		return nil
	})
	resp, err := signer.client.DecideTasksWithResponse(t.Context(), httpapi.BulkDecisionRequest{Decisions: decisions})
	if err != nil {
		t.Fatal(err)
	}
	if resp.JSON200 == nil {
		t.Fatalf("bulk signature: %s %s", resp.Status(), resp.Body)
	}
	for _, r := range resp.JSON200.Results {
		if r.Status != httpapi.BulkDecisionStatusDone {
			t.Fatalf("signing %s: %+v %+v", r.TaskID, r.Status, r.Error)
		}
	}
}

func contains(s string, parts ...string) error {
	for _, p := range parts {
		if !strings.Contains(s, p) {
			return fmt.Errorf("missing %q in:\n%s", p, s)
		}
	}
	return nil
}

// issueAll has a clerk number and seal signed documents (the two-signature
// rule: the workflow waits for the clerk after the personal signature). A
// document not signed yet is refused with conflict and asked again until
// every one is issued.
func issueAll(t *testing.T, clerk *session, ids ...string) map[string]httpapi.IssueResult {
	t.Helper()
	issued := map[string]httpapi.IssueResult{}
	eventually(t, "documents issued by the clerk", 3*time.Minute, func() error {
		var pending []string
		for _, id := range ids {
			if _, ok := issued[id]; !ok {
				pending = append(pending, id)
			}
		}
		resp, err := clerk.client.IssueDocumentsWithResponse(t.Context(), httpapi.BulkIssueRequest{DocumentIds: pending})
		if err != nil {
			return err
		}
		if resp.JSON200 == nil {
			t.Fatalf("bulk issue: %s %s", resp.Status(), resp.Body)
		}
		var waiting []string
		for _, r := range resp.JSON200.Results {
			switch {
			case r.Status == httpapi.BulkDecisionStatusDone:
				issued[r.DocumentID] = *r.IssueResult
			case r.Error != nil && r.Error.Code == httpapi.ErrorCodeConflict:
				waiting = append(waiting, r.DocumentID) // not signed yet
			default:
				t.Fatalf("issuing %s: %+v %+v", r.DocumentID, r.Status, r.Error)
			}
		}
		if len(waiting) > 0 {
			return fmt.Errorf("%d of %d not signed yet: %v", len(waiting), len(ids), waiting)
		}
		return nil
	})
	return issued
}

// register prints a register of year in format (csv or pdf).
func register(t *testing.T, s *session, name string, year int, format string) []byte {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, fmt.Sprintf("%s/v1/registers/%s?year=%d&format=%s", s.base, name, year, format), nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+s.token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	raw, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("register %s as %s: %s %s %v", name, format, resp.Status, raw, err)
	}
	return raw
}

// dispatch has the clerk send an issued document to its recipients and
// returns each recipient's outcome, by unit or agency.
func dispatch(t *testing.T, clerk *session, id string, wantStatus int) map[string]httpapi.DispatchOutcome {
	t.Helper()
	var resp *httpapi.DispatchDocumentResponse
	// The issue reaches the read model a moment after the clerk's issue
	// call answers; until then dispatch says it is not issued yet.
	eventually(t, "dispatch of "+id, time.Minute, func() error {
		var err error
		if resp, err = clerk.client.DispatchDocumentWithResponse(t.Context(), id); err != nil {
			return err
		}
		if resp.StatusCode() == http.StatusConflict && strings.Contains(string(resp.Body), "not issued yet") {
			return fmt.Errorf("%s", resp.Body)
		}
		return nil
	})
	if resp.StatusCode() != wantStatus {
		t.Fatalf("dispatch of %s: %s %s, want %d", id, resp.Status(), resp.Body, wantStatus)
	}
	out := map[string]httpapi.DispatchOutcome{}
	if resp.JSON200 != nil {
		for _, r := range resp.JSON200.Recipients {
			out[r.Unit+string(r.Agency)] = r
		}
	}
	return out
}

// audited reads the gateway's audit trail: the entries of action on target,
// as "actor outcome detail".
func audited(t *testing.T, st *stack.Stack, action, target string) []string {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+filepath.Join(st.Dir, "gateway.db")+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = db.Close() }()
	rows, err := db.QueryContext(t.Context(), `SELECT actor, outcome, detail FROM audit_log WHERE action = ? AND target = ? ORDER BY at`, action, target)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = rows.Close() }()
	var out []string
	for rows.Next() {
		var who, outcome, detail string
		if err := rows.Scan(&who, &outcome, &detail); err != nil {
			t.Fatal(err)
		}
		out = append(out, who+" "+outcome+" "+detail)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}
