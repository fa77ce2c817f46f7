package readmodel

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"time"

	"github.com/docflow/docflow/api/errcode"
	events "github.com/docflow/docflow/api/events/v1"
	"github.com/docflow/docflow/api/vntime"
	"github.com/docflow/docflow/services/internal/errs"
	"github.com/docflow/docflow/services/internal/sqlstore"
)

// Notification kinds.
const (
	NoticeAssigned   = "assigned"
	NoticeReminded   = "reminded"
	NoticeEscalated  = "escalated"
	NoticeReassigned = "reassigned"
	NoticeCommented  = "commented"
	NoticeWithdrawn  = "withdrawn"
)

// Notification is one thing a person is told about their work.
type Notification struct {
	ID         string
	Recipient  string
	Agency     string
	Kind       string
	TaskID     string
	DocumentID string
	Subject    string
	At         time.Time
	Deadline   time.Time
	Message    string
}

// notifications tells people of their work: each task event gives rise to
// a notification per person concerned, in the event's transaction, so that
// each person is told once. The notifier (e-mail, SMS) takes them from the
// same table (Undelivered).
var notifications = projector{
	events.TaskAssigned: on(func(ctx context.Context, tx *sql.Tx, ev events.Event, d *events.TaskAssignedData) error {
		due := d.Deadline.In(vntime.Zone).Format("15:04 02/01/2006")
		list := []Notification{{Recipient: d.Assignee, Kind: NoticeAssigned, TaskID: d.TaskID, DocumentID: d.DocumentID, Deadline: d.Deadline,
			Message: urgencyMark(d.Urgency) + "Bạn được giao " + taskKindText(d.TaskKind) + ", hạn " + due}}
		// A substitute in force learns of the task they may act on.
		for _, sub := range d.Substitutes {
			if !covers(sub, d.Kind) {
				continue
			}
			list = append(list, Notification{Recipient: sub.Username, Kind: NoticeAssigned, TaskID: d.TaskID, DocumentID: d.DocumentID, Deadline: d.Deadline,
				Message: "Văn bản giao " + d.Assignee + " " + taskKindText(d.TaskKind) + "; đồng chí có thể xử lý thay đến " + sub.Until.In(vntime.Zone).Format("15:04 02/01/2006")})
		}
		return tell(ctx, tx, ev, list)
	}),
	events.TaskReminded: tellOfTask(func(d *events.TaskNoticeData, _ string) []note {
		return []note{{d.Assignee, NoticeReminded, "Sắp đến hạn xử lý: " + d.Deadline.In(vntime.Zone).Format("15:04 02/01/2006")}}
	}),
	events.TaskEscalated: tellOfTask(func(d *events.TaskNoticeData, _ string) []note {
		return []note{
			{d.Assignee, NoticeEscalated, "Nhiệm vụ đã quá hạn và được báo cáo " + d.Supervisor},
			{d.Supervisor, NoticeEscalated, "Nhiệm vụ của " + d.Assignee + " đã quá hạn; đồng chí có thể quyết định thay"},
		}
	}),
	events.TaskReassigned: tellOfTask(func(d *events.TaskNoticeData, by string) []note {
		return []note{{d.Assignee, NoticeReassigned, by + " đã chuyển nhiệm vụ của bạn cho " + d.To}}
	}),
	events.TaskCommented: tellOfTask(func(d *events.TaskNoticeData, by string) []note {
		if d.By != nil && d.By.Username == d.Assignee {
			return nil
		}
		return []note{{d.Assignee, NoticeCommented, by + " góp ý về nhiệm vụ của bạn"}}
	}),
	events.TaskWithdrawn: tellOfTask(func(d *events.TaskNoticeData, _ string) []note {
		return []note{{d.Assignee, NoticeWithdrawn, "Nhiệm vụ đã đóng, không cần ý kiến của bạn"}}
	}),
}

// note is what one person is told of a task event.
type note struct{ recipient, kind, message string }

// tellOfTask makes a projection of the notes of a task event, given who
// acted (the system when no one did); each note ends with the comment.
func tellOfTask(notes func(d *events.TaskNoticeData, by string) []note) projection {
	return on(func(ctx context.Context, tx *sql.Tx, ev events.Event, d *events.TaskNoticeData) error {
		by := "hệ thống"
		if d.By != nil {
			by = d.By.Username
		}
		var list []Notification
		for _, n := range notes(d, by) {
			list = append(list, Notification{Recipient: n.recipient, Kind: n.kind, TaskID: d.TaskID, DocumentID: d.DocumentID,
				Deadline: d.Deadline, Message: withComment(n.message, d.Comment)})
		}
		return tell(ctx, tx, ev, list)
	})
}

// tell records the notifications of one event, each keyed by the event id
// and its place in list; one without a recipient is nobody's.
func tell(ctx context.Context, tx *sql.Tx, ev events.Event, list []Notification) error {
	for i, n := range list {
		if n.Recipient == "" {
			continue
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO notifications (id, recipient, agency, kind, task_id, document_id, subject, at, deadline, message)
			VALUES ($1, $2, $3, $4, $5, $6, COALESCE((SELECT d.subject FROM documents d WHERE d.id = $6), ''), $7, $8, $9)
			ON CONFLICT (id) DO NOTHING`,
			ev.ID+"/"+strconv.Itoa(i), n.Recipient, ev.Agency, n.Kind, n.TaskID, n.DocumentID,
			sqlstore.Time(ev.Time), optionalTime(n.Deadline), n.Message)
		if err != nil {
			return err
		}
	}
	return nil
}

// urgencyMark heads the notice of an urgent document, which the notifier
// passes on at once like any other: the mark tells the person to act first
// on it.
func urgencyMark(urgency string) string {
	switch urgency {
	case "HOA_TOC":
		return "[HỎA TỐC] "
	case "THUONG_KHAN":
		return "[THƯỢNG KHẨN] "
	case "KHAN":
		return "[KHẨN] "
	}
	return ""
}

// NotificationQuery selects a page of one person's notifications.
type NotificationQuery struct {
	Agency, Recipient string
	PageSize          int
	PageToken         string
}

// Notifications lists a person's notifications, newest first.
func (s *Store) Notifications(ctx context.Context, q NotificationQuery) ([]Notification, string, error) {
	const op = "readmodel.Notifications"
	size, err := pageSize(op, q.PageSize)
	if err != nil {
		return nil, "", err
	}
	where := `agency = $1 AND recipient = $2`
	args := []any{q.Agency, q.Recipient}
	if q.PageToken != "" {
		after, err := decodePageToken(q.PageToken, "notifications", 2)
		if err != nil {
			return nil, "", errs.E(op, errs.Invalid, errcode.InvalidArgument, "page_token is not one this list issued; start again without it").WithDetail("page_token", "invalid")
		}
		where += ` AND (at < $3 OR (at = $3 AND id < $4))`
		args = append(args, after[0], after[1])
	}
	rows, err := s.db.QueryContext(ctx, `SELECT id, recipient, agency, kind, task_id, document_id, subject, at, deadline, message
		FROM notifications WHERE `+where+` ORDER BY at DESC, id DESC LIMIT `+strconv.Itoa(size+1), args...)
	if err != nil {
		return nil, "", errs.E(op, errs.Unavailable, errcode.Unavailable, "the notifications cannot be read now; try again").WithCause(err)
	}
	list, raw, err := scanNotifications(rows)
	if err != nil {
		return nil, "", errs.E(op, errs.Unavailable, errcode.Unavailable, "the notifications cannot be read now; try again").WithCause(err)
	}
	next := ""
	if len(list) > size {
		list, raw = list[:size], raw[:size]
		last := len(list) - 1
		next = encodePageToken("notifications", []string{raw[last], list[last].ID})
	}
	return list, next, nil
}

// Undelivered lists up to limit notifications the notifier has not taken
// yet, oldest first.
func (s *Store) Undelivered(ctx context.Context, limit int) ([]Notification, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, recipient, agency, kind, task_id, document_id, subject, at, deadline, message
		FROM notifications WHERE delivered_at = '' ORDER BY at, id LIMIT `+strconv.Itoa(limit))
	if err != nil {
		return nil, fmt.Errorf("readmodel.Undelivered: %w", err)
	}
	list, _, err := scanNotifications(rows)
	if err != nil {
		return nil, fmt.Errorf("readmodel.Undelivered: %w", err)
	}
	return list, nil
}

// MarkDelivered records that the notifier took a notification.
func (s *Store) MarkDelivered(ctx context.Context, id string, at time.Time) error {
	_, err := s.db.ExecContext(ctx, `UPDATE notifications SET delivered_at = $1 WHERE id = $2`, sqlstore.Time(at), id)
	if err != nil {
		return fmt.Errorf("readmodel.MarkDelivered: %w", err)
	}
	return nil
}

// scanNotifications reads rows, returning each row's stored `at` as well,
// which page tokens carry so the next page starts exactly after it.
func scanNotifications(rows *sql.Rows) ([]Notification, []string, error) {
	var raw []string
	list, err := collect(rows, func(row scanner) (Notification, error) {
		var (
			n            Notification
			at, deadline string
		)
		if err := row.Scan(&n.ID, &n.Recipient, &n.Agency, &n.Kind, &n.TaskID, &n.DocumentID, &n.Subject, &at, &deadline, &n.Message); err != nil {
			return Notification{}, err
		}
		n.At = parseOptionalTime(at)
		n.Deadline = parseOptionalTime(deadline)
		raw = append(raw, at)
		return n, nil
	})
	return list, raw, err
}
