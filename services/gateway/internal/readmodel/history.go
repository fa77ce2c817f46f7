package readmodel

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	events "github.com/docflow/docflow/api/events/v1"
	"github.com/docflow/docflow/api/vntime"
	"github.com/docflow/docflow/services/internal/sqlstore"
)

// The history of a document: one line per event about it, in the words a
// person reads. The line's key is the event id, which is what makes Apply
// idempotent, so every event type a projector cares about has a line here
// (TestEveryProjectedTypeHasAHistoryLine).

// HistoryEntry is one step of a document's life.
type HistoryEntry struct {
	At      time.Time
	Type    string
	Actor   string
	Summary string
}

// line is what the history says of one event: who acted, and what happened.
type line struct{ actor, summary string }

// detached are the types whose events are about no document (an exchange
// arrival, before it is registered): their line is kept under none, only so
// that the event is applied once.
var detached = map[events.Type]bool{events.ExchangeArrived: true}

// describer gives an event's line.
type describer func(ev events.Event) (line, error)

// lines are the history's describers, by event type.
var lines = map[events.Type]describer{
	events.DocumentReceived: about(func(d *events.DocumentReceivedData) line {
		return line{d.By.Username, fmt.Sprintf("Đã đăng ký văn bản đến, số đến %d/%d", d.ArrivalNumber, d.ArrivalYear)}
	}),
	events.DocumentDrafted: about(func(d *events.DocumentDraftedData) line {
		return line{d.By.Username, fmt.Sprintf("Đã tạo dự thảo văn bản đi, %d nơi nhận", len(d.Recipients))}
	}),
	events.RouteSelected: about(func(d *events.RouteSelectedData) line {
		return line{"routing", fmt.Sprintf("Chuyển xử lý cho %s (quy tắc %s, phiên bản %s)", d.Approver, d.RuleID, d.RuleVersion)}
	}),
	events.TaskAssigned: about(func(d *events.TaskAssignedData) line {
		return line{"workflow", fmt.Sprintf("Giao %s %s, hạn %s", d.Assignee, taskKindText(d.TaskKind), d.Deadline.In(vntime.Zone).Format("02/01/2006 15:04"))}
	}),
	events.TaskDelegated: about(func(d *events.TaskDelegatedData) line {
		names := make([]string, 0, len(d.Substitutes))
		for _, sub := range d.Substitutes {
			names = append(names, sub.Username)
		}
		if len(names) == 0 {
			return line{"routing", fmt.Sprintf("Không còn người xử lý thay %s", d.Assignee)}
		}
		return line{"routing", fmt.Sprintf("Người xử lý thay %s: %s", d.Assignee, strings.Join(names, ", "))}
	}),
	events.TaskDecided: about(func(d *events.TaskDecidedData) line {
		who := d.By.Username
		if d.OnBehalfOf != "" {
			who += " (thay " + d.OnBehalfOf + ")"
		}
		return line{d.By.Username, withComment(fmt.Sprintf("%s: %s", who, decisionText(d.Decision)), d.Comment)}
	}),
	events.TaskWithdrawn: notice(func(d *events.TaskNoticeData, _ string) string {
		return fmt.Sprintf("Nhiệm vụ của %s đã đóng, không cần ý kiến", d.Assignee)
	}),
	events.TaskReassigned: notice(func(d *events.TaskNoticeData, _ string) string {
		return fmt.Sprintf("Chuyển nhiệm vụ từ %s sang %s", d.Assignee, d.To)
	}),
	events.TaskReminded: notice(func(d *events.TaskNoticeData, _ string) string {
		return fmt.Sprintf("Nhắc %s: hạn %s", d.Assignee, d.Deadline.In(vntime.Zone).Format("02/01/2006 15:04"))
	}),
	events.TaskEscalated: notice(func(d *events.TaskNoticeData, _ string) string {
		return fmt.Sprintf("Quá hạn: báo cáo %s, người có thể quyết định thay %s", d.Supervisor, d.Assignee)
	}),
	events.TaskCommented: notice(func(_ *events.TaskNoticeData, who string) string {
		return fmt.Sprintf("%s góp ý", who)
	}),
	events.TaskResubmitted: notice(func(*events.TaskNoticeData, string) string {
		return "Người soạn thảo đã gửi lại văn bản đã sửa"
	}),
	// The handling of an incoming document; the sender is owed the receipt
	// each step names.
	events.HandlingAssigned: handling(func(d *events.HandlingData) string {
		s := fmt.Sprintf("Phân công %s (%s) chủ trì xử lý, hạn %s", d.LeadPerson, d.LeadUnit, d.Deadline.In(vntime.Zone).Format("02/01/2006"))
		if len(d.Cooperators) > 0 {
			s += "; phối hợp: " + strings.Join(d.Cooperators, ", ")
		}
		return s
	}),
	events.HandlingStarted:   handling(func(*events.HandlingData) string { return "Đang xử lý" }),
	events.HandlingCompleted: handling(func(*events.HandlingData) string { return "Đã hoàn thành xử lý" }),
	events.DocumentSent: about(func(d *events.DocumentSentData) line {
		return line{"workflow", fmt.Sprintf("Đã gửi cơ quan %s, chờ trả lời đến %s", d.To, d.Due.In(vntime.Zone).Format("02/01/2006 15:04"))}
	}),
	events.DocumentOverdue: about(func(d *events.DocumentOverdueData) line {
		return line{"workflow", fmt.Sprintf("Quá hạn: cơ quan %s chưa trả lời (hạn %s)", d.WaitingFor, d.Deadline.In(vntime.Zone).Format("02/01/2006 15:04"))}
	}),
	events.DocumentRecalled: about(func(d *events.DocumentDecisionData) line {
		return line{d.By.Username, "Người soạn thảo đã thu hồi văn bản: " + d.Comment}
	}),
	events.DocumentApproved: about(func(*events.DocumentDecisionData) line {
		return line{"workflow", "Văn bản đã được phê duyệt"}
	}),
	events.DocumentRejected: about(func(*events.DocumentDecisionData) line {
		return line{"workflow", "Văn bản bị từ chối"}
	}),
	events.DocumentSigned: about(func(d *events.DocumentSignedData) line {
		return line{d.Signer, fmt.Sprintf("Đã ký số (%s, PAdES %s)", d.SignerCert, d.Level)}
	}),
	events.DocumentNumbered: about(func(d *events.DocumentNumberedData) line {
		return line{d.By.Username, fmt.Sprintf("Văn thư đã cấp số %s và ký số của cơ quan", d.Symbol)}
	}),
	events.DocumentDispatched: about(func(d *events.DocumentDispatchedData) line {
		return line{d.By.Username, dispatchSummary(d)}
	}),
	events.ExchangeArrived: about(func(d *events.ExchangeArrivedData) line {
		return line{"exchange", fmt.Sprintf("Văn bản %s/%s của cơ quan %s đến qua trục liên thông", d.Number, d.Notation, d.FromAgency)}
	}),
	events.ExchangeStatusReceived: about(func(d *events.ExchangeStatusReceivedData) line {
		text := fmt.Sprintf("Cơ quan %s báo: %s", d.Recipient, receiptWords[d.Code])
		if d.Code == events.ReceiptRejected && d.Description != "" {
			text += ": " + d.Description
		}
		return line{"exchange", text}
	}),
	events.DocumentArchived: about(func(d *events.DocumentArchivedData) line {
		return line{"archive", fmt.Sprintf("Đã lưu trữ, bảo quản đến %s", d.RetainUntil.In(vntime.Zone).Format("02/01/2006"))}
	}),
}

// about makes a describer of a function of the event's payload.
func about[T any](f func(d *T) line) describer {
	return func(ev events.Event) (line, error) {
		d, ok := ev.Payload.(*T)
		if !ok {
			return line{}, fmt.Errorf("%s carries a %T, not the %T its history line reads", ev.Type, ev.Payload, d)
		}
		return f(d), nil
	}
}

// notice describes a task event that is neither an assignment nor a
// decision: the person who acted, else the workflow, and their comment.
func notice(summary func(d *events.TaskNoticeData, who string) string) describer {
	return about(func(d *events.TaskNoticeData) line {
		who := "workflow"
		if d.By != nil {
			who = d.By.Username
		}
		return line{who, withComment(summary(d, who), d.Comment)}
	})
}

// handling describes a step of an incoming document's handling, with whom
// a substitute acted for and the comment.
func handling(summary func(d *events.HandlingData) string) describer {
	return about(func(d *events.HandlingData) line {
		s := summary(d)
		if d.OnBehalfOf != "" {
			s += " (thay " + d.OnBehalfOf + ")"
		}
		return line{d.By.Username, withComment(s, d.Comment)}
	})
}

func withComment(s, comment string) string {
	if comment == "" {
		return s
	}
	return s + " — " + comment
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
	case events.TaskKindSign:
		return "ký văn bản"
	case events.TaskKindRead:
		return "đọc văn bản để biết"
	case events.TaskKindIssue:
		return "cấp số, ký số của cơ quan và phát hành"
	}
	return "phê duyệt"
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
	case "sign":
		return "đã ký"
	case "issue":
		return "đã phát hành"
	}
	return d
}

// record writes the event's line in its document's history, reporting false
// when the event was recorded before (or has no line): then nothing else of
// it is projected again.
func record(ctx context.Context, tx *sql.Tx, ev events.Event) (bool, error) {
	describe, ok := lines[ev.Type]
	if !ok {
		return false, nil
	}
	l, err := describe(ev)
	if err != nil {
		return false, err
	}
	doc := ev.Subject
	if detached[ev.Type] {
		doc = ""
	}
	res, err := tx.ExecContext(ctx, `INSERT INTO document_history (event_id, document_id, at, type, actor, summary)
		VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (event_id) DO NOTHING`,
		ev.ID, doc, sqlstore.Time(ev.Time), string(ev.Type), l.actor, l.summary)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n > 0, err
}

// history reads a document's history, oldest first.
func (s *Store) history(ctx context.Context, documentID string) ([]HistoryEntry, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT at, type, actor, summary FROM document_history WHERE document_id = $1 ORDER BY at, event_id`, documentID)
	if err != nil {
		return nil, err
	}
	return collect(rows, func(row scanner) (HistoryEntry, error) {
		var (
			h  HistoryEntry
			at string
		)
		if err := row.Scan(&at, &h.Type, &h.Actor, &h.Summary); err != nil {
			return HistoryEntry{}, err
		}
		h.At, _ = sqlstore.ParseTime(at)
		return h, nil
	})
}

// receiptWords are the status receipts of the exchange in the clerk's words.
var receiptWords = map[string]string{
	events.ReceiptArrived:    "văn bản đã đến",
	events.ReceiptRejected:   "từ chối tiếp nhận",
	events.ReceiptRegistered: "đã vào sổ văn bản đến",
	events.ReceiptAssigned:   "đã phân công xử lý",
	events.ReceiptInProgress: "đang xử lý",
	events.ReceiptCompleted:  "đã xử lý xong",
}
