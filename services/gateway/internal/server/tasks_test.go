package server_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/docflow/docflow/api/errcode"
	events "github.com/docflow/docflow/api/events/v1"
	httpapi "github.com/docflow/docflow/api/http/v1"
	"github.com/docflow/docflow/api/vntime"
	"github.com/docflow/docflow/services/gateway/internal/audit"
	"github.com/docflow/docflow/services/gateway/internal/server"
	"github.com/docflow/docflow/services/internal/errs"
	"github.com/docflow/docflow/services/internal/testkit"
	"github.com/docflow/docflow/workflows"
	"github.com/docflow/docflow/workflows/chain"
)

// decider stands in for the workflows: it knows whose each task is, takes a
// task's decision once, and cannot reach the workflow of "unreachable". Once
// gated, the first calls wait until eight are in flight, which shows the
// decisions of a bulk call run side by side; it records the most ever in
// flight.
type decider struct {
	assignees map[string]string // task → username

	mu       sync.Mutex
	decided  map[string]bool
	gated    bool // the next calls wait to be eight together
	started  int
	inFlight int
	most     int
	together chan struct{} // closed once the first eight have started
	changes  []change
}

const together = 8

func newDecider(assignees map[string]string) *decider {
	return &decider{assignees: assignees, decided: map[string]bool{}, together: make(chan struct{})}
}

var _ server.Decider = (*decider)(nil)

func (d *decider) Decide(ctx context.Context, workflowID string, dec workflows.Decision) (workflows.DecisionResult, error) {
	d.mu.Lock()
	first := false
	if d.gated {
		d.started++
		d.inFlight++
		d.most = max(d.most, d.inFlight)
		first = d.started <= together
		if d.started == together {
			close(d.together)
		}
	}
	gated := d.gated
	d.mu.Unlock()
	defer func() {
		d.mu.Lock()
		if gated {
			d.inFlight--
		}
		d.mu.Unlock()
	}()
	if first {
		select {
		case <-d.together:
		case <-ctx.Done():
			return workflows.DecisionResult{}, ctx.Err()
		}
	}
	const op = "decider.Decide"
	if workflowID != "approval-doc-"+strings.TrimPrefix(dec.TaskID, "task-") {
		return workflows.DecisionResult{}, fmt.Errorf("task %s sent to workflow %s", dec.TaskID, workflowID)
	}
	if dec.TaskID == "task-unreachable" {
		return workflows.DecisionResult{}, errs.E(op, errs.Unavailable, errcode.Unavailable, "the decision could not be delivered; try again")
	}
	if who := d.assignees[dec.TaskID]; who != dec.By.Username {
		return workflows.DecisionResult{}, errs.E(op, errs.Forbidden, errcode.NotAssignee, "this task is assigned to "+who)
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.decided[dec.TaskID] {
		return workflows.DecisionResult{}, errs.E(op, errs.Conflict, errcode.TaskClosed, "this task was already decided")
	}
	d.decided[dec.TaskID] = true
	return workflows.DecisionResult{TaskID: dec.TaskID, Decision: dec.Decision, DecidedAt: time.Date(2026, 3, 6, 10, 0, 0, 0, vntime.Zone)}, nil
}

// Change records the change it was sent; the workflow's own checks of
// changes are the chain workflow's tests' and the end-to-end tests' concern.
func (d *decider) Change(_ context.Context, workflowID, update string, arg any) (chain.ChangeResult, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.changes = append(d.changes, change{workflowID, update, arg})
	return chain.ChangeResult{At: time.Date(2026, 3, 6, 10, 0, 0, 0, vntime.Zone)}, nil
}

// Handle records the update it was sent, like Change.
func (d *decider) Handle(_ context.Context, workflowID, update string, arg any) (workflows.DecisionResult, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.changes = append(d.changes, change{workflowID, update, arg})
	return workflows.DecisionResult{Decision: update, DecidedAt: time.Date(2026, 3, 6, 10, 0, 0, 0, vntime.Zone)}, nil
}

// Reply records the receipt it was sent, like Change.
func (d *decider) Reply(_ context.Context, workflowID string, r chain.AgencyReply) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.changes = append(d.changes, change{workflowID, chain.SignalAgencyReply, r})
	return nil
}

type change struct {
	workflowID, update string
	arg                any
}

// assignTasks registers one document per task and assigns it.
func assignTasks(t *testing.T, a *api, assignees map[string]string, deadline func(task string) time.Time, urgency func(task string) string) {
	t.Helper()
	at := time.Date(2026, 3, 2, 8, 0, 0, 0, vntime.Zone)
	for task, who := range assignees {
		doc := "doc-" + strings.TrimPrefix(task, "task-")
		a.apply(t,
			envelope(t, events.DocumentReceived, agency, doc, at, events.DocumentReceivedData{
				DocumentID: doc, Agency: agency, ArrivalNumber: 1, ArrivalYear: 2026, Kind: "CONG_VAN", Subject: "Về việc " + doc,
				Urgency: urgency(task), Confidentiality: "NONE", IssuerID: "000.00.00.G09",
			}),
			envelope(t, events.TaskAssigned, agency, doc, at, events.TaskAssignedData{
				TaskID: task, DocumentID: doc, WorkflowID: "approval-" + doc, Assignee: who, Subject: "Về việc " + doc,
				Kind: "CONG_VAN", Urgency: urgency(task), AssignedAt: at, Deadline: deadline(task),
			}))
	}
}

// An official approves fifty tasks in one call, among a few that cannot be
// decided; each gets its own result, in order, and its own audit entry.
func TestBulkDecisions(t *testing.T) {
	t.Parallel()
	assignees := map[string]string{"task-unreachable": "chuyenvien1", "task-others": "chuyenvien2"}
	var batch []httpapi.BulkDecision
	for i := range 50 {
		task := fmt.Sprintf("task-%02d", i)
		assignees[task] = "chuyenvien1"
		batch = append(batch, httpapi.BulkDecision{TaskID: task, Decision: httpapi.DecisionApprove, Comment: "Đồng ý"})
	}
	d := newDecider(assignees)
	a := newAPI(t, testkit.SQLite(t), func(s *server.Server) { s.Decider = d })
	due := func(string) time.Time { return time.Date(2026, 3, 9, 17, 0, 0, 0, vntime.Zone) }
	assignTasks(t, a, assignees, due, func(string) string { return "THUONG" })

	// Decided already, so refused in the batch.
	if res, body := a.post(t, "chuyenvien1", "/v1/tasks/task-07/decision", httpapi.DecisionRequest{Decision: httpapi.DecisionApprove}); res.StatusCode != http.StatusOK {
		t.Fatalf("single decision: %d %s", res.StatusCode, body)
	}
	batch = append(batch,
		httpapi.BulkDecision{TaskID: "task-others", Decision: httpapi.DecisionApprove},
		httpapi.BulkDecision{TaskID: "task-nowhere", Decision: httpapi.DecisionApprove},
		httpapi.BulkDecision{TaskID: "task-unreachable", Decision: httpapi.DecisionReject, Comment: "Cần bổ sung"},
		httpapi.BulkDecision{TaskID: "task-03", Decision: httpapi.DecisionApprove},
	)

	d.mu.Lock()
	d.gated = true
	d.mu.Unlock()
	res, body := a.post(t, "chuyenvien1", "/v1/tasks/decisions", httpapi.BulkDecisionRequest{Decisions: batch})
	if res.StatusCode != http.StatusOK {
		t.Fatalf("status %d: %s", res.StatusCode, body)
	}
	got := decode[httpapi.BulkDecisionResults](t, body).Results
	if len(got) != len(batch) {
		t.Fatalf("%d results for %d decisions", len(got), len(batch))
	}
	want := map[string]struct {
		status httpapi.BulkDecisionStatus
		code   httpapi.ErrorCode
	}{
		"task-07":          {httpapi.BulkDecisionStatusRefused, httpapi.ErrorCodeTaskClosed},
		"task-others":      {httpapi.BulkDecisionStatusRefused, httpapi.ErrorCodeNotAssignee},
		"task-nowhere":     {httpapi.BulkDecisionStatusRefused, httpapi.ErrorCodeNotFound},
		"task-unreachable": {httpapi.BulkDecisionStatusFailed, httpapi.ErrorCodeUnavailable},
	}
	for i, r := range got {
		sent := batch[i]
		if r.TaskID != sent.TaskID {
			t.Fatalf("result %d is for %s, sent %s", i, r.TaskID, sent.TaskID)
		}
		w, special := want[sent.TaskID]
		switch {
		case i == len(batch)-1: // task-03 a second time in the same call
			if r.Status != httpapi.BulkDecisionStatusRefused || r.Error == nil || r.Error.Code != httpapi.ErrorCodeInvalidArgument {
				t.Errorf("task-03 repeated: %+v", r)
			}
		case special:
			if r.Status != w.status || r.Error == nil || r.Error.Code != w.code || r.Error.Message == "" || r.DecisionResult != nil {
				t.Errorf("%s: %+v (error %+v), want %s %s", sent.TaskID, r, r.Error, w.status, w.code)
			}
		default:
			if r.Status != httpapi.BulkDecisionStatusDone || r.Error != nil || r.DecisionResult == nil ||
				r.DecisionResult.TaskID != sent.TaskID || r.DecisionResult.Decision != httpapi.DecisionApprove {
				t.Errorf("%s: %+v, want done", sent.TaskID, r)
			}
		}
	}
	d.mu.Lock()
	most := d.most
	d.mu.Unlock()
	if most != together {
		t.Errorf("at most %d decisions were in flight at once, want %d", most, together)
	}

	outcomes := map[string]string{"task-00": audit.Allowed, "task-49": audit.Allowed, "task-others": audit.Refused, "task-unreachable": audit.Failed}
	for task, outcome := range outcomes {
		entries, err := a.audit.ForTarget(t.Context(), task)
		if err != nil {
			t.Fatal(err)
		}
		if len(entries) != 1 || entries[0].Action != "task.decide" || entries[0].Actor != "chuyenvien1" || entries[0].Outcome != outcome {
			t.Errorf("audit of %s: %+v, want one %s task.decide", task, entries, outcome)
		}
	}
	if entries, err := a.audit.ForTarget(t.Context(), "task-07"); err != nil || len(entries) != 2 || entries[1].Outcome != audit.Refused {
		t.Errorf("audit of task-07, decided then sent again: %+v %v", entries, err)
	}
}

func TestBulkDecisionsRefusedAsAWhole(t *testing.T) {
	t.Parallel()
	a := newAPI(t, testkit.SQLite(t), func(s *server.Server) { s.Decider = newDecider(nil) })
	tooMany := make([]httpapi.BulkDecision, 101)
	for i := range tooMany {
		tooMany[i] = httpapi.BulkDecision{TaskID: fmt.Sprintf("task-%03d", i), Decision: httpapi.DecisionApprove}
	}
	tests := []struct {
		name   string
		user   string
		body   httpapi.BulkDecisionRequest
		status int
		code   errcode.Code
	}{
		{"more than a hundred", "chuyenvien1", httpapi.BulkDecisionRequest{Decisions: tooMany}, http.StatusBadRequest, errcode.InvalidArgument},
		{"none", "chuyenvien1", httpapi.BulkDecisionRequest{}, http.StatusBadRequest, errcode.InvalidArgument},
		{"a clerk", "vanthu", httpapi.BulkDecisionRequest{Decisions: tooMany[:2]}, http.StatusForbidden, errcode.Forbidden},
	}
	for _, tt := range tests {
		res, body := a.post(t, tt.user, "/v1/tasks/decisions", tt.body)
		if res.StatusCode != tt.status || wireError(t, body).Code != tt.code {
			t.Errorf("%s: %d %s, want %d %s", tt.name, res.StatusCode, body, tt.status, tt.code)
		}
	}
	entries, err := a.audit.ForTarget(t.Context(), "task-001")
	if err != nil || len(entries) != 1 || entries[0].Actor != "vanthu" || entries[0].Outcome != audit.Refused {
		t.Errorf("the clerk's attempt on task-001 in the trail: %+v %v", entries, err)
	}
}

// The inbox answers the filters and sort asked for, and shows for each task
// whom its document waits for and whether it is late.
func TestInboxFilters(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 3, 10, 9, 0, 0, 0, vntime.Zone)
	a := newAPI(t, testkit.SQLite(t), func(s *server.Server) { s.Now = func() time.Time { return now } })
	assignees := map[string]string{"task-late": "chuyenvien1", "task-late-urgent": "chuyenvien1", "task-urgent": "chuyenvien1", "task-calm": "chuyenvien1"}
	deadlines := map[string]time.Time{
		"task-late": now.Add(-48 * time.Hour), "task-late-urgent": now.Add(-time.Hour),
		"task-urgent": now.Add(24 * time.Hour), "task-calm": now.Add(72 * time.Hour),
	}
	urgencies := map[string]string{"task-late-urgent": "HOA_TOC", "task-urgent": "KHAN"}
	assignTasks(t, a, assignees, func(task string) time.Time { return deadlines[task] }, func(task string) string {
		return map[bool]string{true: urgencies[task], false: "THUONG"}[urgencies[task] != ""]
	})
	// A parallel step: lanhdao holds a task on the same document.
	a.apply(t, envelope(t, events.TaskAssigned, agency, "doc-urgent", now, events.TaskAssignedData{
		TaskID: "task-urgent-2", DocumentID: "doc-urgent", WorkflowID: "approval-doc-urgent", Assignee: "lanhdao",
		Urgency: "KHAN", AssignedAt: now, Deadline: now.Add(24 * time.Hour),
	}))

	tests := []struct {
		query string
		want  []string
	}{
		{"", []string{"task-late", "task-late-urgent", "task-urgent", "task-calm"}},
		{"?sort=-deadline", []string{"task-calm", "task-urgent", "task-late-urgent", "task-late"}},
		{"?sort=urgency", []string{"task-late-urgent", "task-urgent", "task-late", "task-calm"}},
		{"?overdue=true", []string{"task-late", "task-late-urgent"}},
		{"?overdue=true&urgent=true", []string{"task-late-urgent"}},
		{"?kind=CONG_VAN&agency=000.00.00.G09&page_size=100", []string{"task-late", "task-late-urgent", "task-urgent", "task-calm"}},
		{"?kind=TO_TRINH", nil},
		{"?agency=000.00.00.G12", nil},
	}
	for _, tt := range tests {
		res, body := a.get(t, "chuyenvien1", "/v1/inbox"+tt.query)
		if res.StatusCode != http.StatusOK {
			t.Fatalf("%s: %d %s", tt.query, res.StatusCode, body)
		}
		list := decode[httpapi.TaskList](t, body)
		var got []string
		for _, task := range list.Items {
			got = append(got, task.ID)
			if task.Overdue != task.Deadline.Before(now) {
				t.Errorf("%s: %s overdue = %v, deadline %v", tt.query, task.ID, task.Overdue, task.Deadline)
			}
			if task.ID == "task-urgent" && fmt.Sprint(task.WaitingFor) != "[chuyenvien1 lanhdao]" {
				t.Errorf("%s waits for %v, want chuyenvien1 and lanhdao", task.ID, task.WaitingFor)
			}
		}
		if fmt.Sprint(got) != fmt.Sprint(tt.want) {
			t.Errorf("%s: %v, want %v", tt.query, got, tt.want)
		}
	}

	// Paging in one sort, then asking for another with its token.
	res, body := a.get(t, "chuyenvien1", "/v1/inbox?sort=urgency&page_size=2")
	page := decode[httpapi.TaskList](t, body)
	if res.StatusCode != http.StatusOK || page.NextPageToken == "" {
		t.Fatalf("first page by urgency: %d %s", res.StatusCode, body)
	}
	res, body = a.get(t, "chuyenvien1", "/v1/inbox?sort=urgency&page_size=2&page_token="+page.NextPageToken)
	if next := decode[httpapi.TaskList](t, body); res.StatusCode != http.StatusOK || len(next.Items) != 2 || next.Items[0].ID != "task-late" {
		t.Errorf("second page by urgency: %d %s", res.StatusCode, body)
	}
	for _, query := range []string{"?sort=deadline&page_token=" + page.NextPageToken, "?sort=subject", "?overdue=maybe"} {
		res, body := a.get(t, "chuyenvien1", "/v1/inbox"+query)
		if res.StatusCode != http.StatusBadRequest || wireError(t, body).Code != errcode.InvalidArgument {
			t.Errorf("%s: %d %s, want 400 invalid_argument", query, res.StatusCode, body)
		}
	}
}
