// Package readmodel keeps the gateway's views of documents, their history
// and the inbox, projected from the event stream. Applying an event twice
// changes nothing (the event id is recorded with the history entry it makes),
// so the projection survives redeliveries and can be rebuilt from the stream.
package readmodel

import (
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/docflow/docflow/api/errcode"
	events "github.com/docflow/docflow/api/events/v1"
	"github.com/docflow/docflow/services/internal/errs"
	"github.com/docflow/docflow/services/internal/sqlstore"
)

// Document statuses, in the order a document moves through them.
const (
	StatusRegistered = "registered"
	// WaitingForClerks is whom a signed document waits for: a clerk of its
	// agency, to issue it.
	WaitingForClerks = "clerks"
	StatusInApproval = "in_approval"
	StatusApproved   = "approved"
	StatusRejected   = "rejected"
	StatusSigned     = "signed"
	StatusArchived   = "archived"
	StatusRecalled   = "recalled" // withdrawn by its drafter before signing
	// An incoming document's handling (DOMAIN.md §5): assigned by the
	// leader, then completed by its lead.
	StatusInHandling = "in_handling"
	StatusHandled    = "handled"
)

// rank orders statuses so a late, redelivered event never moves a document
// backwards.
var rank = map[string]int{
	StatusRegistered: 1, StatusInApproval: 2, StatusApproved: 3, StatusSigned: 4, StatusArchived: 5, StatusRejected: 5, StatusRecalled: 5,
	// The handling's tasks are assigned (in_approval) before the leader's
	// assignment moves the document on.
	StatusInHandling: 3, StatusHandled: 5,
}

var migrations = []string{
	`CREATE TABLE documents (
		id TEXT PRIMARY KEY,
		agency TEXT NOT NULL,
		kind TEXT NOT NULL,
		subject TEXT NOT NULL,
		urgency TEXT NOT NULL,
		confidentiality TEXT NOT NULL,
		arrival_number BIGINT NOT NULL,
		arrival_year INTEGER NOT NULL,
		status TEXT NOT NULL,
		bucket TEXT NOT NULL,
		object_key TEXT NOT NULL,
		sha256 TEXT NOT NULL,
		size BIGINT NOT NULL,
		waiting_for TEXT NOT NULL DEFAULT '',
		record_id TEXT NOT NULL DEFAULT '',
		created_at TEXT NOT NULL,
		updated_at TEXT NOT NULL)`,
	`CREATE TABLE document_history (
		event_id TEXT PRIMARY KEY,
		document_id TEXT NOT NULL,
		at TEXT NOT NULL,
		type TEXT NOT NULL,
		actor TEXT NOT NULL,
		summary TEXT NOT NULL)`,
	`CREATE INDEX document_history_by_document ON document_history (document_id, at)`,
	`CREATE TABLE tasks (
		id TEXT PRIMARY KEY,
		document_id TEXT NOT NULL,
		workflow_id TEXT NOT NULL,
		agency TEXT NOT NULL,
		assignee TEXT NOT NULL,
		subject TEXT NOT NULL,
		kind TEXT NOT NULL,
		urgency TEXT NOT NULL,
		assigned_at TEXT NOT NULL,
		deadline TEXT NOT NULL,
		status TEXT NOT NULL,
		decision TEXT NOT NULL DEFAULT '',
		decided_at TEXT NOT NULL DEFAULT '')`,
	`CREATE INDEX tasks_inbox ON tasks (assignee, status, deadline, id)`,
	// What the document says of itself, for the registers (DOMAIN.md §10).
	`ALTER TABLE documents ADD COLUMN issuer TEXT NOT NULL DEFAULT ''`,
	`ALTER TABLE documents ADD COLUMN issuer_id TEXT NOT NULL DEFAULT ''`,
	`ALTER TABLE documents ADD COLUMN symbol TEXT NOT NULL DEFAULT ''`,
	`ALTER TABLE documents ADD COLUMN issued_on TEXT NOT NULL DEFAULT ''`,
	`ALTER TABLE documents ADD COLUMN description TEXT NOT NULL DEFAULT ''`,
	`ALTER TABLE documents ADD COLUMN received_at TEXT NOT NULL DEFAULT ''`,
	// Documents projected before received_at existed were stamped with the
	// received event's time, which is when intake registered them.
	`UPDATE documents SET received_at = created_at WHERE received_at = ''`,
	`CREATE INDEX documents_by_arrival ON documents (agency, arrival_year, arrival_number)`,
	`CREATE INDEX tasks_by_document ON tasks (document_id, assigned_at, id)`,
	// The inbox filters by the issuing agency and sorts by urgency; both are
	// copied onto the task so that a user's page is read from one index.
	`ALTER TABLE tasks ADD COLUMN issuer_id TEXT NOT NULL DEFAULT ''`,
	`ALTER TABLE tasks ADD COLUMN urgency_order INTEGER NOT NULL DEFAULT 3`,
	`UPDATE tasks SET issuer_id = COALESCE((SELECT d.issuer_id FROM documents d WHERE d.id = tasks.document_id), '')`,
	`UPDATE tasks SET urgency_order = CASE urgency WHEN 'HOA_TOC' THEN 0 WHEN 'THUONG_KHAN' THEN 1 WHEN 'KHAN' THEN 2 ELSE 3 END`,
	// One index per inbox sort, each led by the person whose inbox it is.
	`CREATE INDEX tasks_inbox_by_deadline ON tasks (assignee, status, agency, deadline, id)`,
	`CREATE INDEX tasks_inbox_by_assignment ON tasks (assignee, status, agency, assigned_at, id)`,
	`CREATE INDEX tasks_inbox_by_urgency ON tasks (assignee, status, agency, urgency_order, deadline, id)`,
	`DROP INDEX tasks_inbox`,
	// In-app notifications, one row per event and recipient; delivered_at
	// is set once the notifier (e-mail, SMS) has taken it.
	`CREATE TABLE notifications (
		id TEXT PRIMARY KEY,
		recipient TEXT NOT NULL,
		agency TEXT NOT NULL,
		kind TEXT NOT NULL,
		task_id TEXT NOT NULL,
		document_id TEXT NOT NULL,
		subject TEXT NOT NULL,
		at TEXT NOT NULL,
		deadline TEXT NOT NULL DEFAULT '',
		message TEXT NOT NULL,
		delivered_at TEXT NOT NULL DEFAULT '')`,
	`CREATE INDEX notifications_by_recipient ON notifications (agency, recipient, at, id)`,
	`CREATE INDEX notifications_undelivered ON notifications (delivered_at, at)`,
	// What a task asks (events.TaskKind*); earlier tasks were approvals.
	`ALTER TABLE tasks ADD COLUMN task_kind TEXT NOT NULL DEFAULT 'approve'`,
	// Who may act on an open task for its assignee, and when: the inbox
	// shows the task to them too. Only substitutes whose scope covers the
	// document's kind are kept.
	`CREATE TABLE task_substitutes (
		task_id TEXT NOT NULL,
		username TEXT NOT NULL,
		valid_from TEXT NOT NULL,
		valid_until TEXT NOT NULL,
		PRIMARY KEY (task_id, username))`,
	`CREATE INDEX task_substitutes_by_user ON task_substitutes (username, valid_until)`,
	// The outgoing register, from document.numbered (outgoing.go).
	outgoingMigration,
	outgoingIndex,
	// The agency's documents by status, most recently changed first.
	`CREATE INDEX documents_by_status ON documents (agency, status, updated_at, id)`,
	`CREATE INDEX documents_by_update ON documents (agency, updated_at, id)`,
}

// urgencyOrder ranks urgencies most urgent first, so that every inbox sort
// is ascending on its index.
func urgencyOrder(u string) int {
	switch u {
	case "HOA_TOC":
		return 0
	case "THUONG_KHAN":
		return 1
	case "KHAN":
		return 2
	}
	return 3
}

// Store is the read model.
type Store struct {
	db *sqlstore.DB
}

// Open migrates the schema and returns the store.
func Open(ctx context.Context, db *sqlstore.DB) (*Store, error) {
	if err := db.Migrate(ctx, "gateway.readmodel", migrations); err != nil {
		return nil, fmt.Errorf("readmodel.Open: %w", err)
	}
	return &Store{db: db}, nil
}

// Document is a document as the gateway shows it.
type Document struct {
	ID, Agency, Kind, Subject, Urgency, Confidentiality string
	ArrivalNumber                                       int64
	ArrivalYear                                         int
	Status                                              string
	Object                                              events.Object
	WaitingFor, RecordID                                string
	CreatedAt, UpdatedAt                                time.Time
	History                                             []HistoryEntry
	Self                                                SelfDescription
}

// SelfDescription is what an incoming document says of itself, as the clerk
// entered it on upload; every field may be empty.
type SelfDescription struct {
	Issuer      string // the issuing agency's name
	IssuerID    string // its identifier
	Symbol      string // số, ký hiệu as printed
	IssuedOn    string // the document's date, YYYY-MM-DD
	Description string // the register's note (Ghi chú)
}

// HistoryEntry is one step of a document's life.
type HistoryEntry struct {
	At      time.Time
	Type    string
	Actor   string
	Summary string
}

// Task is an inbox entry.
type Task struct {
	ID, DocumentID, WorkflowID, Agency, Assignee, Subject, Kind, Urgency string
	AssignedAt, Deadline                                                 time.Time
	Status, Decision                                                     string
	// TaskKind says what the task asks of its assignee (events.TaskKind*).
	TaskKind string
	// IssuerID is the agency that issued the document, when it said so.
	IssuerID string
	// Set by Inbox: the people the document waits for, and whether the
	// task is past its deadline.
	WaitingFor []string
	Overdue    bool
}

// Apply projects one event. Unknown event types are ignored: the gateway
// does not need every event the system emits.
func (s *Store) Apply(ctx context.Context, ev events.Event) error {
	env := ev.Envelope
	return s.db.InTx(ctx, func(tx *sql.Tx) error {
		h, ok, err := describe(env)
		if err != nil || !ok {
			return err
		}
		docID := env.Subject
		// Record the event first: if it was applied before, stop here.
		res, err := tx.ExecContext(ctx, `INSERT INTO document_history (event_id, document_id, at, type, actor, summary)
			VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (event_id) DO NOTHING`,
			env.ID, docID, sqlstore.Time(env.Time), string(env.Type), h.actor, h.summary)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return err
		}
		if err := apply(ctx, tx, env, docID); err != nil {
			return err
		}
		return notify(ctx, tx, env)
	})
}

type described struct{ actor, summary string }

func describe(env events.Envelope) (described, bool, error) {
	switch env.Type {
	case events.DocumentReceived:
		var d events.DocumentReceivedData
		if err := json.Unmarshal(env.Data, &d); err != nil {
			return described{}, false, err
		}
		return described{d.By.Username, fmt.Sprintf("Đã đăng ký văn bản đến, số đến %d/%d", d.ArrivalNumber, d.ArrivalYear)}, true, nil
	case events.RouteSelected:
		var d events.RouteSelectedData
		if err := json.Unmarshal(env.Data, &d); err != nil {
			return described{}, false, err
		}
		return described{"routing", fmt.Sprintf("Chuyển xử lý cho %s (quy tắc %s, phiên bản %s)", d.Approver, d.RuleID, d.RuleVersion)}, true, nil
	case events.TaskAssigned:
		var d events.TaskAssignedData
		if err := json.Unmarshal(env.Data, &d); err != nil {
			return described{}, false, err
		}
		return described{"workflow", fmt.Sprintf("Giao %s %s, hạn %s", d.Assignee, taskKindText(d.TaskKind), d.Deadline.In(hanoi).Format("02/01/2006 15:04"))}, true, nil
	case events.TaskDelegated:
		var d events.TaskDelegatedData
		if err := json.Unmarshal(env.Data, &d); err != nil {
			return described{}, false, err
		}
		names := make([]string, 0, len(d.Substitutes))
		for _, sub := range d.Substitutes {
			names = append(names, sub.Username)
		}
		if len(names) == 0 {
			return described{"routing", fmt.Sprintf("Không còn người xử lý thay %s", d.Assignee)}, true, nil
		}
		return described{"routing", fmt.Sprintf("Người xử lý thay %s: %s", d.Assignee, strings.Join(names, ", "))}, true, nil
	case events.HandlingAssigned, events.HandlingStarted, events.HandlingCompleted:
		var d events.HandlingData
		if err := json.Unmarshal(env.Data, &d); err != nil {
			return described{}, false, err
		}
		return describeHandling(env.Type, d), true, nil
	case events.DocumentSent:
		var d events.DocumentSentData
		if err := json.Unmarshal(env.Data, &d); err != nil {
			return described{}, false, err
		}
		return described{"workflow", fmt.Sprintf("Đã gửi cơ quan %s, chờ trả lời đến %s", d.To, d.Due.In(hanoi).Format("02/01/2006 15:04"))}, true, nil
	case events.DocumentOverdue:
		var d events.DocumentOverdueData
		if err := json.Unmarshal(env.Data, &d); err != nil {
			return described{}, false, err
		}
		return described{"workflow", fmt.Sprintf("Quá hạn: cơ quan %s chưa trả lời (hạn %s)", d.WaitingFor, d.Deadline.In(hanoi).Format("02/01/2006 15:04"))}, true, nil
	case events.TaskDecided:
		var d events.TaskDecidedData
		if err := json.Unmarshal(env.Data, &d); err != nil {
			return described{}, false, err
		}
		who := d.By.Username
		if d.OnBehalfOf != "" {
			who += " (thay " + d.OnBehalfOf + ")"
		}
		s := fmt.Sprintf("%s: %s", who, decisionText(d.Decision))
		if d.Comment != "" {
			s += " — " + d.Comment
		}
		return described{d.By.Username, s}, true, nil
	case events.TaskWithdrawn, events.TaskReassigned, events.TaskReminded, events.TaskEscalated, events.TaskCommented, events.TaskResubmitted:
		var d events.TaskNoticeData
		if err := json.Unmarshal(env.Data, &d); err != nil {
			return described{}, false, err
		}
		return describeNotice(env.Type, d), true, nil
	case events.DocumentRecalled:
		var d events.DocumentDecisionData
		if err := json.Unmarshal(env.Data, &d); err != nil {
			return described{}, false, err
		}
		return described{d.By.Username, "Người soạn thảo đã thu hồi văn bản: " + d.Comment}, true, nil
	case events.DocumentApproved:
		return described{"workflow", "Văn bản đã được phê duyệt"}, true, nil
	case events.DocumentRejected:
		return described{"workflow", "Văn bản bị từ chối"}, true, nil
	case events.DocumentSigned:
		var d events.DocumentSignedData
		if err := json.Unmarshal(env.Data, &d); err != nil {
			return described{}, false, err
		}
		return described{d.Signer, fmt.Sprintf("Đã ký số (%s, PAdES %s)", d.SignerCert, d.Level)}, true, nil
	case events.DocumentNumbered:
		var d events.DocumentNumberedData
		if err := json.Unmarshal(env.Data, &d); err != nil {
			return described{}, false, err
		}
		return described{d.By.Username, fmt.Sprintf("Văn thư đã cấp số %s và ký số của cơ quan", d.Symbol)}, true, nil
	case events.DocumentArchived:
		var d events.DocumentArchivedData
		if err := json.Unmarshal(env.Data, &d); err != nil {
			return described{}, false, err
		}
		return described{"archive", fmt.Sprintf("Đã lưu trữ, bảo quản đến %s", d.RetainUntil.In(hanoi).Format("02/01/2006"))}, true, nil
	}
	return described{}, false, nil
}

// taskKindText is what a task of kind k asks, for the history.
func taskKindText(k string) string {
	switch k {
	case events.TaskKindRevise:
		return "chỉnh sửa văn bản"
	case events.TaskKindAssign:
		return "phân công xử lý"
	case events.TaskKindHandle:
		return "chủ trì xử lý"
	case events.TaskKindContribute:
		return "phối hợp xử lý"
	}
	return "phê duyệt"
}

// describeHandling is the history line of the handling of an incoming
// document; the sender is owed the receipt it names.
func describeHandling(t events.Type, d events.HandlingData) described {
	var s string
	switch t {
	case events.HandlingAssigned:
		s = fmt.Sprintf("Phân công %s (%s) chủ trì xử lý, hạn %s", d.LeadPerson, d.LeadUnit, d.Deadline.In(hanoi).Format("02/01/2006"))
		if len(d.Cooperators) > 0 {
			s += "; phối hợp: " + strings.Join(d.Cooperators, ", ")
		}
	case events.HandlingStarted:
		s = "Đang xử lý"
	case events.HandlingCompleted:
		s = "Đã hoàn thành xử lý"
	}
	if d.OnBehalfOf != "" {
		s += " (thay " + d.OnBehalfOf + ")"
	}
	if d.Comment != "" {
		s += " — " + d.Comment
	}
	return described{d.By.Username, s}
}

func decisionText(d string) string {
	switch d {
	case "approve":
		return "đồng ý"
	case "reject":
		return "từ chối"
	case "return":
		return "trả lại để chỉnh sửa"
	case "assign":
		return "phân công xử lý"
	case "progress":
		return "báo cáo tiến độ"
	case "contribute":
		return "cho ý kiến phối hợp"
	case "complete":
		return "hoàn thành xử lý"
	}
	return d
}

var hanoi = time.FixedZone("ICT", 7*60*60)

func apply(ctx context.Context, tx *sql.Tx, env events.Envelope, docID string) error {
	at := sqlstore.Time(env.Time)
	switch env.Type {
	case events.DocumentReceived:
		var d events.DocumentReceivedData
		if err := json.Unmarshal(env.Data, &d); err != nil {
			return err
		}
		received := d.ReceivedAt
		if received.IsZero() {
			received = env.Time
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO documents (id, agency, kind, subject, urgency, confidentiality, arrival_number, arrival_year,
			status, bucket, object_key, sha256, size, created_at, updated_at, issuer, issuer_id, symbol, issued_on, description, received_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $14, $15, $16, $17, $18, $19, $20)`,
			d.DocumentID, d.Agency, d.Kind, d.Subject, d.Urgency, d.Confidentiality, d.ArrivalNumber, d.ArrivalYear,
			StatusRegistered, d.Original.Bucket, d.Original.Key, d.Original.SHA256, d.Original.Size, at,
			d.Issuer, d.IssuerID, d.Symbol, d.IssuedOn, d.Description, sqlstore.Time(received))
		return err
	case events.TaskAssigned:
		var d events.TaskAssignedData
		if err := json.Unmarshal(env.Data, &d); err != nil {
			return err
		}
		// The document was projected before (advance fails otherwise), so
		// its issuer is known.
		taskKind := d.TaskKind
		if taskKind == "" {
			taskKind = events.TaskKindApprove
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO tasks (id, document_id, workflow_id, agency, assignee, subject, kind, urgency,
			assigned_at, deadline, status, issuer_id, urgency_order, task_kind)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'open',
				COALESCE((SELECT d.issuer_id FROM documents d WHERE d.id = $2), ''), $11, $12)`,
			d.TaskID, d.DocumentID, d.WorkflowID, env.Agency, d.Assignee, d.Subject, d.Kind, d.Urgency,
			sqlstore.Time(d.AssignedAt), sqlstore.Time(d.Deadline), urgencyOrder(d.Urgency), taskKind); err != nil {
			return err
		}
		if err := setSubstitutes(ctx, tx, d.TaskID, d.Kind, d.Substitutes); err != nil {
			return err
		}
		return advance(ctx, tx, docID, StatusInApproval, at, "waiting_for", "")
	case events.TaskDecided:
		var d events.TaskDecidedData
		if err := json.Unmarshal(env.Data, &d); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE tasks SET status = 'decided', decision = $1, decided_at = $2 WHERE id = $3`,
			d.Decision, sqlstore.Time(d.DecidedAt), d.TaskID); err != nil {
			return err
		}
		return advance(ctx, tx, docID, StatusInApproval, at, "waiting_for", "")
	case events.TaskWithdrawn, events.TaskReassigned:
		var d events.TaskNoticeData
		if err := json.Unmarshal(env.Data, &d); err != nil {
			return err
		}
		// Both leave the inbox: a reassigned task closes, and the workflow
		// opens a new task (with its own task.assigned) for the new assignee.
		status := "withdrawn"
		if env.Type == events.TaskReassigned {
			status = "reassigned"
		}
		if _, err := tx.ExecContext(ctx, `UPDATE tasks SET status = $1 WHERE id = $2 AND status = 'open'`, status, d.TaskID); err != nil {
			return err
		}
		return advance(ctx, tx, docID, StatusInApproval, at, "waiting_for", "")
	case events.TaskDelegated:
		var d events.TaskDelegatedData
		if err := json.Unmarshal(env.Data, &d); err != nil {
			return err
		}
		var kind string
		err := tx.QueryRowContext(ctx, `SELECT kind FROM tasks WHERE id = $1`, d.TaskID).Scan(&kind)
		if errors.Is(err, sql.ErrNoRows) {
			return nil // a task this read model never saw assigned
		}
		if err != nil {
			return err
		}
		return setSubstitutes(ctx, tx, d.TaskID, kind, d.Substitutes)
	case events.HandlingAssigned:
		return advance(ctx, tx, docID, StatusInHandling, at, "waiting_for", "")
	case events.HandlingCompleted:
		return advance(ctx, tx, docID, StatusHandled, at, "waiting_for", "")
	case events.DocumentSent:
		var d events.DocumentSentData
		if err := json.Unmarshal(env.Data, &d); err != nil {
			return err
		}
		// The document waits for the agency it was sent to.
		return advance(ctx, tx, docID, StatusInApproval, at, "waiting_for_value", d.To)
	case events.DocumentRecalled:
		if _, err := tx.ExecContext(ctx, `UPDATE tasks SET status = 'withdrawn' WHERE document_id = $1 AND status = 'open'`, docID); err != nil {
			return err
		}
		return advance(ctx, tx, docID, StatusRecalled, at, "waiting_for", "")
	case events.DocumentApproved:
		return advance(ctx, tx, docID, StatusApproved, at, "", "")
	case events.DocumentRejected:
		return advance(ctx, tx, docID, StatusRejected, at, "", "")
	case events.DocumentSigned:
		// A signed document waits for a clerk to number and seal it.
		return advance(ctx, tx, docID, StatusSigned, at, "waiting_for_value", WaitingForClerks)
	case events.DocumentNumbered:
		return applyNumbered(ctx, tx, env)
	case events.DocumentArchived:
		var d events.DocumentArchivedData
		if err := json.Unmarshal(env.Data, &d); err != nil {
			return err
		}
		return advance(ctx, tx, docID, StatusArchived, at, "record_id", d.RecordID)
	}
	return nil
}

// advance moves a document forward to status (never back) and sets one
// extra column when named.
func advance(ctx context.Context, tx *sql.Tx, docID, status, at, column, value string) error {
	var current string
	err := tx.QueryRowContext(ctx, `SELECT status FROM documents WHERE id = $1`, docID).Scan(&current)
	if errors.Is(err, sql.ErrNoRows) {
		// The document's received event has not been projected yet: fail so
		// the event is redelivered after it.
		return fmt.Errorf("readmodel: document %s not projected yet", docID)
	}
	if err != nil {
		return err
	}
	if rank[status] > rank[current] {
		current = status
	}
	switch column {
	case "waiting_for":
		// Whom the document waits for is everyone holding an open task on
		// it, so a parallel step shows all its approvers until each decides.
		if value, err = openAssignees(ctx, tx, docID); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE documents SET status = $1, waiting_for = $2, updated_at = $3 WHERE id = $4`, current, value, at, docID)
	case "waiting_for_value":
		_, err = tx.ExecContext(ctx, `UPDATE documents SET status = $1, waiting_for = $2, updated_at = $3 WHERE id = $4`, current, value, at, docID)
	case "record_id":
		_, err = tx.ExecContext(ctx, `UPDATE documents SET status = $1, record_id = $2, waiting_for = '', updated_at = $3 WHERE id = $4`, current, value, at, docID)
	default:
		_, err = tx.ExecContext(ctx, `UPDATE documents SET status = $1, updated_at = $2 WHERE id = $3`, current, at, docID)
	}
	return err
}

// openAssignees lists, comma separated in order of assignment, the people
// with an open task on the document.
func openAssignees(ctx context.Context, tx *sql.Tx, docID string) (string, error) {
	rows, err := tx.QueryContext(ctx, `SELECT assignee FROM tasks WHERE document_id = $1 AND status = 'open' ORDER BY assigned_at, id`, docID)
	if err != nil {
		return "", err
	}
	defer rows.Close()
	var who []string
	for rows.Next() {
		var a string
		if err := rows.Scan(&a); err != nil {
			return "", err
		}
		if !slices.Contains(who, a) {
			who = append(who, a)
		}
	}
	return strings.Join(who, ","), rows.Err()
}

// Document returns one document of agency with its history.
func (s *Store) Document(ctx context.Context, agency, id string) (Document, error) {
	const op = "readmodel.Document"
	var (
		d                Document
		created, updated string
	)
	err := s.db.QueryRowContext(ctx, `SELECT id, agency, kind, subject, urgency, confidentiality, arrival_number, arrival_year, status,
		bucket, object_key, sha256, size, waiting_for, record_id, created_at, updated_at,
		issuer, issuer_id, symbol, issued_on, description FROM documents WHERE id = $1 AND agency = $2`, id, agency).
		Scan(&d.ID, &d.Agency, &d.Kind, &d.Subject, &d.Urgency, &d.Confidentiality, &d.ArrivalNumber, &d.ArrivalYear, &d.Status,
			&d.Object.Bucket, &d.Object.Key, &d.Object.SHA256, &d.Object.Size, &d.WaitingFor, &d.RecordID, &created, &updated,
			&d.Self.Issuer, &d.Self.IssuerID, &d.Self.Symbol, &d.Self.IssuedOn, &d.Self.Description)
	if errors.Is(err, sql.ErrNoRows) {
		return Document{}, errs.E(op, errs.NotFound, errcode.NotFound, "no document "+id)
	}
	if err != nil {
		return Document{}, errs.Wrap(op, err)
	}
	d.CreatedAt, _ = sqlstore.ParseTime(created)
	d.UpdatedAt, _ = sqlstore.ParseTime(updated)
	rows, err := s.db.QueryContext(ctx, `SELECT at, type, actor, summary FROM document_history WHERE document_id = $1 ORDER BY at, event_id`, id)
	if err != nil {
		return Document{}, errs.Wrap(op, err)
	}
	defer rows.Close()
	for rows.Next() {
		var h HistoryEntry
		var at string
		if err := rows.Scan(&at, &h.Type, &h.Actor, &h.Summary); err != nil {
			return Document{}, errs.Wrap(op, err)
		}
		h.At, _ = sqlstore.ParseTime(at)
		d.History = append(d.History, h)
	}
	return d, errs.Wrap(op, rows.Err())
}

// Task returns one task of agency.
func (s *Store) Task(ctx context.Context, agency, id string) (Task, error) {
	const op = "readmodel.Task"
	rows, err := s.db.QueryContext(ctx, taskSelect+` FROM tasks WHERE id = $1 AND agency = $2`, id, agency)
	if err != nil {
		return Task{}, errs.Wrap(op, err)
	}
	tasks, err := scanTasks(rows)
	if err != nil {
		return Task{}, errs.Wrap(op, err)
	}
	if len(tasks) == 0 {
		return Task{}, errs.E(op, errs.NotFound, errcode.NotFound, "no task "+id)
	}
	return tasks[0], nil
}

const taskSelect = `SELECT id, document_id, workflow_id, agency, assignee, subject, kind, urgency, assigned_at, deadline, status, decision, issuer_id, task_kind`

// Inbox sorts.
const (
	SortDeadline           = "deadline"
	SortDeadlineDesc       = "-deadline"
	SortAssignedAt         = "assigned_at"
	SortAssignedAtDesc     = "-assigned_at"
	SortUrgency            = "urgency"
	defaultInboxPageSize   = 20
	maxInboxPageSize       = 100
	pageTokenFieldSep      = "|"
	pageTokenMalformedHint = "page_token is not one this server issued for this sort; start again without it"
)

// inboxOrders are the ORDER BY columns of each sort, the last always the id
// so that the order is total and a page ends at an exact position.
var inboxOrders = map[string]struct {
	columns []string
	desc    bool
}{
	SortDeadline:       {[]string{"deadline", "id"}, false},
	SortDeadlineDesc:   {[]string{"deadline", "id"}, true},
	SortAssignedAt:     {[]string{"assigned_at", "id"}, false},
	SortAssignedAtDesc: {[]string{"assigned_at", "id"}, true},
	// Most urgent first, then the earliest deadline.
	SortUrgency: {[]string{"urgency_order", "deadline", "id"}, false},
}

// InboxQuery selects and orders a page of a person's open tasks.
type InboxQuery struct {
	Agency, Assignee string
	// Filters; the zero value does not filter.
	Overdue  bool   // only tasks past their deadline at Now
	Urgent   bool   // only tasks of documents marked KHẨN or above
	Kind     string // only documents of this kind
	IssuerID string // only documents issued by this agency
	// Sort is one of the Sort constants; empty means SortDeadline.
	Sort      string
	PageSize  int // 1–100; 0 means 20
	PageToken string
	// Now decides which tasks are overdue.
	Now time.Time
}

// Inbox lists a page of the open tasks of q.Assignee. The page token holds
// the sort and the position after the last task returned, so paging is
// stable while tasks come and go.
func (s *Store) Inbox(ctx context.Context, q InboxQuery) ([]Task, string, error) {
	const op = "readmodel.Inbox"
	if q.Sort == "" {
		q.Sort = SortDeadline
	}
	order, ok := inboxOrders[q.Sort]
	if !ok {
		return nil, "", errs.E(op, errs.Invalid, errcode.InvalidArgument,
			fmt.Sprintf("sort %q is not one of deadline, -deadline, assigned_at, -assigned_at, urgency", q.Sort)).WithDetail("sort", "unknown")
	}
	size := q.PageSize
	if size <= 0 {
		size = defaultInboxPageSize
	}
	size = min(size, maxInboxPageSize)
	now := sqlstore.Time(q.Now)

	var (
		where = []string{"assignee = $1", "status = 'open'", "agency = $2"}
		args  = []any{q.Assignee, q.Agency}
	)
	arg := func(v any) string {
		args = append(args, v)
		return fmt.Sprintf("$%d", len(args))
	}
	// A substitute in force sees the tasks they may act on too. Few people
	// are substitutes at any time, so the others keep the plain query that
	// the inbox indexes answer without sorting.
	substitute, err := s.isSubstitute(ctx, q.Assignee, now)
	if err != nil {
		return nil, "", errs.Wrap(op, err)
	}
	var delegated string // the condition picking the tasks held for someone else
	if substitute {
		p := arg(now)
		delegated = "task_substitutes.username = $1 AND task_substitutes.valid_from <= " + p + " AND task_substitutes.valid_until > " + p
	}
	if q.Overdue {
		where = append(where, "deadline < "+arg(now))
	}
	if q.Urgent {
		where = append(where, "urgency_order < "+arg(urgencyOrder("THUONG")))
	}
	if q.Kind != "" {
		where = append(where, "kind = "+arg(q.Kind))
	}
	if q.IssuerID != "" {
		where = append(where, "issuer_id = "+arg(q.IssuerID))
	}
	if q.PageToken != "" {
		after, err := decodePageToken(q.PageToken, q.Sort, len(order.columns))
		if err != nil {
			return nil, "", errs.E(op, errs.Invalid, errcode.InvalidArgument, pageTokenMalformedHint).WithDetail("page_token", "malformed")
		}
		// Row values compare column by column, which is the keyset order,
		// and both databases walk the index from that position.
		cmp := ">"
		if order.desc {
			cmp = "<"
		}
		placeholders := make([]string, len(after))
		for i, v := range after {
			if order.columns[i] == "urgency_order" {
				n, err := strconv.Atoi(v)
				if err != nil {
					return nil, "", errs.E(op, errs.Invalid, errcode.InvalidArgument, pageTokenMalformedHint).WithDetail("page_token", "malformed")
				}
				placeholders[i] = arg(n)
				continue
			}
			placeholders[i] = arg(v)
		}
		where = append(where, fmt.Sprintf("(%s) %s (%s)", strings.Join(order.columns, ", "), cmp, strings.Join(placeholders, ", ")))
	}
	orderBy := strings.Join(order.columns, ", ")
	if order.desc {
		orderBy = strings.Join(order.columns, " DESC, ") + " DESC"
	}
	limit := arg(size + 1)
	query := taskSelect + ", urgency_order FROM tasks WHERE " + strings.Join(where, " AND ") + " ORDER BY " + orderBy + " LIMIT " + limit
	if delegated != "" {
		// The tasks the person may act on as a substitute come from a second
		// query of the same page, merged: one query with an OR would lose
		// the index order and sort every open task of the agency.
		others := slices.Clone(where)
		others[0] = delegated
		held := taskSelect + ", urgency_order FROM tasks JOIN task_substitutes ON task_substitutes.task_id = tasks.id WHERE " +
			strings.Join(others, " AND ") + " ORDER BY " + orderBy + " LIMIT " + limit
		query = "SELECT * FROM (SELECT * FROM (" + query + ") AS own UNION SELECT * FROM (" + held + ") AS held) AS inbox ORDER BY " + orderBy + " LIMIT " + limit
	}
	rows, err := s.db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, "", errs.Wrap(op, err)
	}
	tasks, ranks, err := scanInboxTasks(rows)
	if err != nil {
		return nil, "", errs.Wrap(op, err)
	}
	next := ""
	if len(tasks) > size {
		tasks, ranks = tasks[:size], ranks[:size]
		last := tasks[len(tasks)-1]
		var key []string
		for _, c := range order.columns {
			switch c {
			case "deadline":
				key = append(key, sqlstore.Time(last.Deadline))
			case "assigned_at":
				key = append(key, sqlstore.Time(last.AssignedAt))
			case "urgency_order":
				key = append(key, strconv.Itoa(ranks[len(ranks)-1]))
			case "id":
				key = append(key, last.ID)
			}
		}
		next = encodePageToken(q.Sort, key)
	}
	if err := s.fillWaitingFor(ctx, tasks); err != nil {
		return nil, "", errs.Wrap(op, err)
	}
	for i := range tasks {
		tasks[i].Overdue = tasks[i].Deadline.Before(q.Now)
	}
	return tasks, next, nil
}

// isSubstitute reports whether username may act, at now, on a task for its
// assignee.
func (s *Store) isSubstitute(ctx context.Context, username, now string) (bool, error) {
	var one int
	err := s.db.QueryRowContext(ctx, `SELECT 1 FROM task_substitutes WHERE username = $1 AND valid_until > $2 AND valid_from <= $2 LIMIT 1`,
		username, now).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	return err == nil, err
}

func encodePageToken(sort string, key []string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(sort + pageTokenFieldSep + strings.Join(key, pageTokenFieldSep)))
}

// decodePageToken returns the position a token holds, refusing a token of
// another sort: its position means nothing in this order.
func decodePageToken(token, sort string, fields int) ([]string, error) {
	raw, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil {
		return nil, err
	}
	parts := strings.Split(string(raw), pageTokenFieldSep)
	if len(parts) != fields+1 || parts[0] != sort {
		return nil, errors.New("page token of another sort or shape")
	}
	return parts[1:], nil
}

// fillWaitingFor sets, on each task, whom its document waits for: the
// people holding an open task on it, in order of assignment.
func (s *Store) fillWaitingFor(ctx context.Context, tasks []Task) error {
	if len(tasks) == 0 {
		return nil
	}
	var (
		marks []string
		args  []any
		seen  = map[string]bool{}
	)
	for _, t := range tasks {
		if !seen[t.DocumentID] {
			seen[t.DocumentID] = true
			args = append(args, t.DocumentID)
			marks = append(marks, fmt.Sprintf("$%d", len(args)))
		}
	}
	rows, err := s.db.QueryContext(ctx, `SELECT document_id, assignee FROM tasks WHERE document_id IN (`+strings.Join(marks, ", ")+`)
		AND status = 'open' ORDER BY document_id, assigned_at, id`, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	waiting := map[string][]string{}
	for rows.Next() {
		var doc, who string
		if err := rows.Scan(&doc, &who); err != nil {
			return err
		}
		if !slices.Contains(waiting[doc], who) {
			waiting[doc] = append(waiting[doc], who)
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	for i := range tasks {
		tasks[i].WaitingFor = waiting[tasks[i].DocumentID]
	}
	return nil
}

func scanInboxTasks(rows *sql.Rows) ([]Task, []int, error) {
	defer rows.Close()
	var (
		out   []Task
		ranks []int
	)
	for rows.Next() {
		var (
			t             Task
			assigned, due string
			rank          int
		)
		if err := rows.Scan(&t.ID, &t.DocumentID, &t.WorkflowID, &t.Agency, &t.Assignee, &t.Subject, &t.Kind, &t.Urgency,
			&assigned, &due, &t.Status, &t.Decision, &t.IssuerID, &t.TaskKind, &rank); err != nil {
			return nil, nil, err
		}
		t.AssignedAt, _ = sqlstore.ParseTime(assigned)
		t.Deadline, _ = sqlstore.ParseTime(due)
		out = append(out, t)
		ranks = append(ranks, rank)
	}
	return out, ranks, rows.Err()
}

// covers says whether a substitute's scope includes documents of kind: an
// empty scope is every kind.
func covers(sub events.Substitute, kind string) bool {
	return len(sub.Kinds) == 0 || slices.Contains(sub.Kinds, kind)
}

// setSubstitutes replaces the substitutes of a task by those of subs whose
// scope covers the document kind.
func setSubstitutes(ctx context.Context, tx *sql.Tx, taskID, kind string, subs []events.Substitute) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM task_substitutes WHERE task_id = $1`, taskID); err != nil {
		return err
	}
	for _, sub := range subs {
		if !covers(sub, kind) {
			continue
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO task_substitutes (task_id, username, valid_from, valid_until)
			VALUES ($1, $2, $3, $4) ON CONFLICT (task_id, username) DO UPDATE SET valid_from = excluded.valid_from, valid_until = excluded.valid_until`,
			taskID, sub.Username, sqlstore.Time(sub.From), sqlstore.Time(sub.Until)); err != nil {
			return err
		}
	}
	return nil
}

func scanTasks(rows *sql.Rows) ([]Task, error) {
	defer rows.Close()
	var out []Task
	for rows.Next() {
		var t Task
		var assigned, deadline string
		if err := rows.Scan(&t.ID, &t.DocumentID, &t.WorkflowID, &t.Agency, &t.Assignee, &t.Subject, &t.Kind, &t.Urgency,
			&assigned, &deadline, &t.Status, &t.Decision, &t.IssuerID, &t.TaskKind); err != nil {
			return nil, err
		}
		t.AssignedAt, _ = sqlstore.ParseTime(assigned)
		t.Deadline, _ = sqlstore.ParseTime(deadline)
		out = append(out, t)
	}
	return out, rows.Err()
}

// Arrival is a document of the incoming register with its first assignment:
// whom it was passed to (Đơn vị hoặc người nhận), when (Ngày chuyển), by when
// it is due, and where it stands.
type Arrival struct {
	DocumentID      string
	ArrivalNumber   int64
	ReceivedAt      time.Time
	Kind, Subject   string
	Confidentiality string
	Self            SelfDescription
	Status          string
	// From the document's first task; empty or zero before it is assigned.
	Assignee   string
	AssignedAt time.Time
	Deadline   time.Time
}

// Arrivals lists the documents that agency registered in year with an
// arrival time in [since, until), in incoming-number order. Secret documents
// are left out: they are numbered in their own series and kept in a
// separate register (DOMAIN.md §3), so the ordinary one never prints them.
func (s *Store) Arrivals(ctx context.Context, agency string, year int, since, until time.Time) ([]Arrival, error) {
	const op = "readmodel.Arrivals"
	rows, err := s.db.QueryContext(ctx, `SELECT d.id, d.arrival_number, d.received_at, d.kind, d.subject, d.confidentiality,
			d.issuer, d.issuer_id, d.symbol, d.issued_on, d.description, d.status,
			COALESCE(t.assignee, ''), COALESCE(t.assigned_at, ''), COALESCE(t.deadline, '')
		FROM documents d
		LEFT JOIN tasks t ON t.id = (
			SELECT f.id FROM tasks f WHERE f.document_id = d.id ORDER BY f.assigned_at, f.id LIMIT 1)
		WHERE d.agency = $1 AND d.arrival_year = $2 AND d.received_at >= $3 AND d.received_at < $4
			AND d.confidentiality = 'NONE'
		ORDER BY d.arrival_number, d.id`,
		agency, year, sqlstore.Time(since), sqlstore.Time(until))
	if err != nil {
		return nil, errs.Wrap(op, err)
	}
	defer rows.Close()
	var out []Arrival
	for rows.Next() {
		var (
			a                            Arrival
			received, assigned, deadline string
		)
		if err := rows.Scan(&a.DocumentID, &a.ArrivalNumber, &received, &a.Kind, &a.Subject, &a.Confidentiality,
			&a.Self.Issuer, &a.Self.IssuerID, &a.Self.Symbol, &a.Self.IssuedOn, &a.Self.Description, &a.Status,
			&a.Assignee, &assigned, &deadline); err != nil {
			return nil, errs.Wrap(op, err)
		}
		if a.ReceivedAt, err = sqlstore.ParseTime(received); err != nil {
			return nil, errs.Wrap(op, fmt.Errorf("document %s: received_at: %w", a.DocumentID, err))
		}
		a.AssignedAt = parseOptionalTime(assigned)
		a.Deadline = parseOptionalTime(deadline)
		out = append(out, a)
	}
	return out, errs.Wrap(op, rows.Err())
}

// parseOptionalTime reads a stored time that may be absent ("").
func parseOptionalTime(s string) time.Time {
	if s == "" {
		return time.Time{}
	}
	t, _ := sqlstore.ParseTime(s) // written by sqlstore.Time, so it parses
	return t
}

func describeNotice(t events.Type, d events.TaskNoticeData) described {
	who := "workflow"
	if d.By != nil {
		who = d.By.Username
	}
	var s string
	switch t {
	case events.TaskWithdrawn:
		s = fmt.Sprintf("Nhiệm vụ của %s đã đóng, không cần ý kiến", d.Assignee)
	case events.TaskReassigned:
		s = fmt.Sprintf("Chuyển nhiệm vụ từ %s sang %s", d.Assignee, d.To)
	case events.TaskReminded:
		s = fmt.Sprintf("Nhắc %s: hạn %s", d.Assignee, d.Deadline.In(hanoi).Format("02/01/2006 15:04"))
	case events.TaskEscalated:
		s = fmt.Sprintf("Quá hạn: báo cáo %s, người có thể quyết định thay %s", d.Supervisor, d.Assignee)
	case events.TaskCommented:
		s = fmt.Sprintf("%s góp ý", who)
	case events.TaskResubmitted:
		s = "Người soạn thảo đã gửi lại văn bản đã sửa"
	}
	if d.Comment != "" {
		s += " — " + d.Comment
	}
	return described{who, s}
}
