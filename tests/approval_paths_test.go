package tests

import (
	"bytes"
	"fmt"
	"mime/multipart"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	enums "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/api/temporalproto"
	"go.temporal.io/sdk/client"

	events "github.com/docflow/docflow/api/events/v1"
	httpapi "github.com/docflow/docflow/api/http/v1"
	"github.com/docflow/docflow/services/stack"
	"github.com/docflow/docflow/services/stack/stacktest"
)

// The paths an approval can take besides straight agreement, on one stack:
// an official on leave whose substitute decides (named before the document
// came, and named while its task was open), a return for revision and the
// drafter's resubmission, a rejection, and an incoming document the leader
// assigns for handling. The development rules send a draft plan (KE_HOACH)
// to the official of the Phòng Tổng hợp (chuyenvien1) for review, and every
// incoming document to the Chánh Văn phòng (lanhdao) for assignment.
func TestApprovalPaths(t *testing.T) {
	st, _ := stacktest.Start(t, nil)
	p := &paths{t: t, st: st, users: map[string]*session{}, record: map[string]string{}}
	for _, u := range []string{"vanthu", "chuyenvien1", "chuyenvien2", "lanhdao"} {
		p.users[u] = login(t, st, u)
	}
	t.Run("substitute", p.substitute)
	t.Run("return for revision", p.revision)
	t.Run("rejection", p.rejection)
	t.Run("incoming handling", p.handling)
	t.Run("across agencies", p.acrossAgencies)
	if dir := os.Getenv("DOCFLOW_RECORD_HISTORIES"); dir != "" {
		// Recorded histories become the workflows' replay tests (see
		// workflows/*/testdata/README.md).
		root, err := os.OpenRoot(dir)
		if err != nil {
			t.Fatal(err)
		}
		defer func() { _ = root.Close() }()
		for name, id := range p.record {
			recordHistory(t, st, id, root, name+".json")
		}
	}
}

// recordHistory writes the history of a workflow as JSON, the form the
// Temporal CLI shows and the SDK's replayer reads, at path inside root.
func recordHistory(t *testing.T, st *stack.Stack, workflowID string, root *os.Root, path string) {
	t.Helper()
	c, err := client.Dial(client.Options{HostPort: st.TemporalAddr})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	var h historypb.History
	it := c.GetWorkflowHistory(t.Context(), workflowID, "", false, enums.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	for it.HasNext() {
		e, err := it.Next()
		if err != nil {
			t.Fatal(err)
		}
		h.Events = append(h.Events, e)
	}
	raw, err := temporalproto.CustomJSONMarshalOptions{Indent: "  "}.Marshal(&h)
	if err != nil {
		t.Fatal(err)
	}
	if err := root.WriteFile(path, raw, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("recorded %s (%d events) in %s", workflowID, len(h.Events), path)
}

type paths struct {
	t     *testing.T
	st    *stack.Stack
	users map[string]*session
	// record names workflows worth keeping as replay histories.
	record map[string]string
}

// drafter writes the outgoing drafts of these paths.
const drafter = "chuyenvien2"

// submit creates an outgoing draft as the drafter and returns its id.
func (p *paths) submit(t *testing.T, meta map[string]any) string {
	t.Helper()
	return submit(t, p.users[drafter], stacktest.TextPDF(fmt.Sprint(meta["subject"])), meta).ID
}

// register registers an incoming document as the clerk and returns its id.
func (p *paths) register(t *testing.T, meta map[string]any) string {
	t.Helper()
	return submit(t, p.users["vanthu"], stacktest.TextPDF(fmt.Sprint(meta["subject"])), meta).ID
}

// task waits until user has an open task of their own on doc and returns it.
func (p *paths) task(t *testing.T, user, doc string) httpapi.Task {
	t.Helper()
	return p.taskFor(t, user, user, doc)
}

// taskFor waits until user's inbox holds an open task of assignee on doc.
func (p *paths) taskFor(t *testing.T, user, assignee, doc string) httpapi.Task {
	t.Helper()
	return awaitTask(t, p.users[user], doc, assignee)
}

// wantReasonRequired checks that user's decision on task without a comment
// is refused: returning and rejecting must say why.
func (p *paths) wantReasonRequired(t *testing.T, user string, task httpapi.Task, decision httpapi.Decision, what string) {
	t.Helper()
	resp, err := p.users[user].client.DecideTaskWithResponse(t.Context(), task.ID, httpapi.DecisionRequest{Decision: decision})
	if err != nil {
		t.Fatal(err)
	}
	wantError(t, what, resp.StatusCode(), resp.Body, http.StatusBadRequest, httpapi.ErrorCodeInvalidArgument)
}

func (p *paths) decide(t *testing.T, user string, task httpapi.Task, req httpapi.DecisionRequest) httpapi.DecisionResult {
	t.Helper()
	resp, err := p.users[user].client.DecideTaskWithResponse(t.Context(), task.ID, req)
	if err != nil {
		t.Fatal(err)
	}
	if resp.JSON200 == nil {
		t.Fatalf("%s deciding %s: %s %s", user, req.Decision, resp.Status(), resp.Body)
	}
	return *resp.JSON200
}

// document waits until the document satisfies check.
func (p *paths) document(t *testing.T, doc string, what string, check func(httpapi.Document) error) httpapi.Document {
	t.Helper()
	var out httpapi.Document
	eventually(t, what, time.Minute, func() error {
		r, err := p.users["vanthu"].client.GetDocumentWithResponse(t.Context(), doc)
		if err != nil {
			return err
		}
		if r.JSON200 == nil {
			return fmt.Errorf("%s %s", r.Status(), r.Body)
		}
		out = *r.JSON200
		return check(out)
	})
	return out
}

// approved says the approval succeeded: the document is approved, or
// further on its way (signed, archived).
func approved(d httpapi.Document) bool {
	switch d.Status {
	case httpapi.DocumentStatusApproved, httpapi.DocumentStatusSigned, httpapi.DocumentStatusArchived:
		return true
	}
	return false
}

func inHistory(d httpapi.Document, parts ...string) error {
	var lines []string
	for _, h := range d.History {
		lines = append(lines, h.Actor+" | "+h.Summary)
	}
	return contains(strings.Join(lines, "\n"), parts...)
}

func (p *paths) substitute(t *testing.T) {
	// A document already waiting for chuyenvien1 when the delegation is
	// made, and one that arrives after it.
	before := p.submit(t, draft("KE_HOACH", "Kế hoạch kiểm tra văn thư"))
	p.record["chain/testdata/late-substitute"] = "approval-" + before
	p.task(t, "chuyenvien1", before)
	now := time.Now()
	resp, err := p.users["chuyenvien1"].client.CreateDelegationWithResponse(t.Context(), httpapi.DelegationRequest{
		Position: "chuyen-vien-tong-hop", Substitute: "chuyenvien2", From: now.Add(-time.Minute), Until: now.Add(72 * time.Hour), Reason: "Nghỉ phép",
	})
	if err != nil {
		t.Fatal(err)
	}
	if resp.JSON201 == nil {
		t.Fatalf("delegation: %s %s", resp.Status(), resp.Body)
	}
	after := p.submit(t, draft("KE_HOACH", "Kế hoạch đào tạo"))

	for _, doc := range []string{before, after} {
		task := p.taskFor(t, "chuyenvien2", "chuyenvien1", doc)
		if task.OnBehalfOf != "chuyenvien1" {
			t.Fatalf("the substitute's inbox shows %+v, want chuyenvien1's task on their behalf", task)
		}
		res := p.decide(t, "chuyenvien2", task, httpapi.DecisionRequest{Decision: httpapi.DecisionApprove, Comment: "Đồng ý (thay)"})
		if res.OnBehalfOf != "chuyenvien1" {
			t.Fatalf("decision result %+v: want on_behalf_of chuyenvien1", res)
		}
		if err := p.audit(task.ID, "chuyenvien2", "on_behalf_of=chuyenvien1"); err != nil {
			t.Fatal(err)
		}
		p.document(t, doc, "history names whom the substitute acted for", func(d httpapi.Document) error {
			return inHistory(d, "chuyenvien2 (thay chuyenvien1): đồng ý")
		})
	}
	// The task is gone from the official's inbox too.
	inbox, err := p.users["chuyenvien1"].client.ListInboxWithResponse(t.Context(), &httpapi.ListInboxParams{})
	if err != nil || inbox.JSON200 == nil {
		t.Fatalf("inbox: %v", err)
	}
	for _, it := range inbox.JSON200.Items {
		if it.DocumentID == before || it.DocumentID == after {
			t.Fatalf("decided task %s still in the official's inbox", it.ID)
		}
	}
	// Revoke it so the other paths are decided by chuyenvien1 alone.
	list, err := p.users["chuyenvien1"].client.ListDelegationsWithResponse(t.Context(), &httpapi.ListDelegationsParams{})
	if err != nil || list.JSON200 == nil {
		t.Fatalf("delegations: %v", err)
	}
	for _, d := range list.JSON200.Items {
		if r, err := p.users["chuyenvien1"].client.RevokeDelegationWithResponse(t.Context(), d.ID); err != nil || r.StatusCode() != http.StatusOK {
			t.Fatalf("revoke %s: %v %v", d.ID, err, r)
		}
	}
}

// audit checks the gateway's audit trail: the entry of a decision on task
// by actor must carry detail.
func (p *paths) audit(task, actor, detail string) error {
	entries := audited(p.t, p.st, "task.decide", task)
	for _, e := range entries {
		if strings.HasPrefix(e, actor+" ") && strings.Contains(e, detail) {
			return nil
		}
	}
	return fmt.Errorf("no audit entry of %s deciding %s with %q; the trail has %v", actor, task, detail, entries)
}

func (p *paths) revision(t *testing.T) {
	doc := p.submit(t, draft("KE_HOACH", "Kế hoạch cải cách hành chính"))
	first := p.task(t, "chuyenvien1", doc)
	p.wantReasonRequired(t, "chuyenvien1", first, httpapi.DecisionReturn, "a return without a reason")
	p.decide(t, "chuyenvien1", first, httpapi.DecisionRequest{Decision: httpapi.DecisionReturn, Comment: "Bổ sung căn cứ pháp lý"})

	// The drafter gets it back and resubmits a revised PDF, which intake
	// checks like an upload.
	revise := p.task(t, drafter, doc)
	if revise.TaskKind != httpapi.TaskKindRevise {
		t.Fatalf("the drafter's task is %q, want revise", revise.TaskKind)
	}
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, err := mw.CreateFormFile("file", "van-ban-sua.pdf")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := fw.Write(stacktest.TextPDF("Ke hoach cai cach hanh chinh (sua)")); err != nil {
		t.Fatal(err)
	}
	if err := mw.WriteField("comment", "Đã bổ sung căn cứ"); err != nil {
		t.Fatal(err)
	}
	if err := mw.Close(); err != nil {
		t.Fatal(err)
	}
	rs, err := p.users[drafter].client.ResubmitTaskWithBodyWithResponse(t.Context(), revise.ID, mw.FormDataContentType(), &body)
	if err != nil {
		t.Fatal(err)
	}
	if rs.StatusCode() != http.StatusOK {
		t.Fatalf("resubmission: %s %s", rs.Status(), rs.Body)
	}

	// The step starts over with a new task for the same official.
	second := p.task(t, "chuyenvien1", doc)
	if second.ID == first.ID || second.TaskKind != httpapi.TaskKindApprove {
		t.Fatalf("after the resubmission chuyenvien1 has %+v, want a new approval task", second)
	}
	p.decide(t, "chuyenvien1", second, httpapi.DecisionRequest{Decision: httpapi.DecisionApprove})
	p.document(t, doc, "approved after the revision", func(d httpapi.Document) error {
		if !approved(d) {
			return fmt.Errorf("status %s", d.Status)
		}
		return inHistory(d, "trả lại để chỉnh sửa — Bổ sung căn cứ pháp lý", "Người soạn thảo đã gửi lại văn bản đã sửa", "chuyenvien1: đồng ý")
	})
	seen := assertEvents(t, p.st, doc)
	if seen["vn.docflow.task.resubmitted.v1"] != 1 || seen["vn.docflow.document.approved.v1"] != 1 {
		t.Fatalf("events %v: want one resubmission and one approval", seen)
	}
}

func (p *paths) rejection(t *testing.T) {
	doc := p.submit(t, draft("KE_HOACH", "Kế hoạch mua sắm"))
	task := p.task(t, "chuyenvien1", doc)
	p.wantReasonRequired(t, "chuyenvien1", task, httpapi.DecisionReject, "a rejection without a reason")
	p.decide(t, "chuyenvien1", task, httpapi.DecisionRequest{Decision: httpapi.DecisionReject, Comment: "Không phù hợp dự toán"})
	p.document(t, doc, "rejected", func(d httpapi.Document) error {
		if d.Status != httpapi.DocumentStatusRejected || d.WaitingFor != "" {
			return fmt.Errorf("status %s, waiting for %q", d.Status, d.WaitingFor)
		}
		return inHistory(d, "chuyenvien1: từ chối — Không phù hợp dự toán", "Văn bản bị từ chối")
	})
	// Deciding again is refused: the task and the workflow are closed.
	again, err := p.users["chuyenvien1"].client.DecideTaskWithResponse(t.Context(), task.ID, httpapi.DecisionRequest{Decision: httpapi.DecisionApprove})
	if err != nil {
		t.Fatal(err)
	}
	if again.StatusCode() != http.StatusConflict && again.StatusCode() != http.StatusNotFound {
		t.Fatalf("deciding a rejected document's task: %s %s", again.Status(), again.Body)
	}
	if seen := assertEvents(t, p.st, doc); seen["vn.docflow.document.rejected.v1"] != 1 || seen["vn.docflow.document.signed.v1"] != 0 {
		t.Fatalf("events %v: want one rejection and no signature", seen)
	}
}

func (p *paths) handling(t *testing.T) {
	meta := metadata("CONG_VAN", "Đề nghị phối hợp tổng kết")
	meta["issuer_id"] = "000.00.00.G06"
	doc := p.register(t, meta)
	p.record["incoming/testdata/handled"] = "handling-" + doc
	assign := p.task(t, "lanhdao", doc)
	if assign.TaskKind != httpapi.TaskKindAssign {
		t.Fatalf("the leader's task is %q, want assign", assign.TaskKind)
	}
	// An assignment must name the lead.
	resp, err := p.users["lanhdao"].client.DecideTaskWithResponse(t.Context(), assign.ID, httpapi.DecisionRequest{Decision: httpapi.DecisionAssign})
	if err != nil {
		t.Fatal(err)
	}
	wantError(t, "an assignment without a lead", resp.StatusCode(), resp.Body, http.StatusBadRequest, httpapi.ErrorCodeInvalidArgument)
	p.decide(t, "lanhdao", assign, httpapi.DecisionRequest{
		Decision: httpapi.DecisionAssign, Comment: "Phòng Tổng hợp chủ trì",
		Assignment: httpapi.Assignment{
			Lead:                httpapi.HandlingPerson{Unit: "tong-hop", Username: "chuyenvien1"},
			Cooperators:         []httpapi.HandlingPerson{{Unit: "tong-hop", Username: "chuyenvien2"}},
			DeadlineWorkingDays: 5,
		},
	})
	handle := p.task(t, "chuyenvien1", doc)
	contribute := p.task(t, "chuyenvien2", doc)
	if handle.TaskKind != httpapi.TaskKindHandle || contribute.TaskKind != httpapi.TaskKindContribute {
		t.Fatalf("tasks after the assignment: lead %q, cooperator %q", handle.TaskKind, contribute.TaskKind)
	}
	p.decide(t, "chuyenvien2", contribute, httpapi.DecisionRequest{Decision: httpapi.DecisionContribute, Comment: "Thống nhất nội dung"})
	p.decide(t, "chuyenvien1", handle, httpapi.DecisionRequest{Decision: httpapi.DecisionProgress, Comment: "Đang tổng hợp"})
	p.decide(t, "chuyenvien1", handle, httpapi.DecisionRequest{Decision: httpapi.DecisionComplete, Comment: "Đã gửi báo cáo"})
	p.document(t, doc, "handled, with the handling in the history", func(d httpapi.Document) error {
		if d.Status != httpapi.DocumentStatusHandled {
			return fmt.Errorf("status %s", d.Status)
		}
		return inHistory(d, "Phân công chuyenvien1 (tong-hop) chủ trì xử lý", "Đang xử lý", "Đã hoàn thành xử lý — Đã gửi báo cáo")
	})
	seen := assertEvents(t, p.st, doc)
	for _, typ := range []events.Type{events.HandlingAssigned, events.HandlingStarted, events.HandlingCompleted} {
		if seen[typ] != 1 {
			t.Fatalf("events %v: want one %s (the sender's receipts 04, 05, 06)", seen, typ)
		}
	}
	// The receiving agency never signs, seals or numbers what it received.
	if seen[events.DocumentSigned]+seen[events.DocumentNumbered]+seen[events.DocumentApproved] != 0 {
		t.Fatalf("events %v: an incoming document was approved, signed or numbered", seen)
	}
}

// A report goes to the ministry between two steps of the agency's own; the
// clerk records the ministry's receipts, and its 06 lets the approval go on.
func (p *paths) acrossAgencies(t *testing.T) {
	const ministry = "000.00.00.G09"
	doc := p.submit(t, draft("BAO_CAO", "Báo cáo tổng kết công tác văn thư"))
	p.record["chain/testdata/external-step"] = "approval-" + doc
	p.decide(t, "chuyenvien1", p.task(t, "chuyenvien1", doc), httpapi.DecisionRequest{Decision: httpapi.DecisionApprove})
	p.document(t, doc, "waiting for the ministry", func(d httpapi.Document) error {
		if d.WaitingFor != ministry {
			return fmt.Errorf("waiting for %q", d.WaitingFor)
		}
		return inHistory(d, "Đã gửi cơ quan "+ministry)
	})
	reply := func(user string, body httpapi.AgencyReplyRequest) *httpapi.RecordAgencyReplyResponse {
		t.Helper()
		r, err := p.users[user].client.RecordAgencyReplyWithResponse(t.Context(), doc, body)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	r := reply("chuyenvien1", httpapi.AgencyReplyRequest{Agency: ministry, Status: "06"})
	wantError(t, "an official recording a receipt", r.StatusCode(), r.Body, http.StatusForbidden, httpapi.ErrorCodeForbidden)
	r = reply("vanthu", httpapi.AgencyReplyRequest{Agency: "000.00.00.G12", Status: "06"})
	wantError(t, "a receipt from an agency nobody waits for", r.StatusCode(), r.Body, http.StatusConflict, httpapi.ErrorCodeConflict)
	r = reply("vanthu", httpapi.AgencyReplyRequest{Agency: ministry, Status: "02"})
	wantError(t, "a refusal without its reason", r.StatusCode(), r.Body, http.StatusBadRequest, httpapi.ErrorCodeInvalidArgument)
	for _, status := range []httpapi.AgencyReplyRequestStatus{"04", "06"} {
		if r := reply("vanthu", httpapi.AgencyReplyRequest{Agency: ministry, Status: status}); r.StatusCode() != http.StatusAccepted {
			t.Fatalf("receipt %s: %s %s", status, r.Status(), r.Body)
		}
	}
	// The ministry completed its step: the chief of office decides next.
	p.decide(t, "lanhdao", p.task(t, "lanhdao", doc), httpapi.DecisionRequest{Decision: httpapi.DecisionApprove})
	p.document(t, doc, "approved", func(d httpapi.Document) error {
		if !approved(d) {
			return fmt.Errorf("status %s", d.Status)
		}
		return inHistory(d, "lanhdao: đồng ý")
	})
	seen := assertEvents(t, p.st, doc)
	if seen[events.DocumentSent] != 1 || seen[events.DocumentApproved] != 1 {
		t.Fatalf("events %v: want the document sent once and approved", seen)
	}
}
