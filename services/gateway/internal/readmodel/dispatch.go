package readmodel

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/docflow/docflow/api/errcode"
	events "github.com/docflow/docflow/api/events/v1"
	"github.com/docflow/docflow/services/internal/sqlstore"
)

// The dispatch of an issued outgoing document (ND30 Art. 16), from
// document.dispatched: where each recipient's copy stands, and for each
// person of a unit it was delivered to, a read item in their inbox.
//
// A read item is a row of tasks with task_kind read, so that the inbox
// lists, filters, sorts and pages it with the rest, and the need-to-know
// rule names its holder on the document (access.go) with no rule of its
// own. It has no workflow and no deadline (NoDeadline sorts it after every
// dated task), never makes a document wait for its holder, and is never
// decided.

// NoDeadline is the deadline of a read item, which has none: later than any
// real one, so that it is never overdue and comes last by deadline.
var NoDeadline = time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC)

// HasDeadline reports whether t is due at some time.
func (t Task) HasDeadline() bool { return !t.Deadline.Equal(NoDeadline) }

// ReadTaskID is the id of the read item of username for a document: one per
// person and document, however many of their units it was delivered to.
func ReadTaskID(documentID, username string) string {
	return "read-" + documentID + "-" + username
}

// dispatches keeps the recipients' status and the read items.
var dispatches = projector{
	events.DocumentDispatched: on(dispatch),
}

func dispatch(ctx context.Context, tx *sql.Tx, ev events.Event, d *events.DocumentDispatchedData) error {
	id := ev.Subject
	var subject, kind, urgency, issuerID string
	err := tx.QueryRowContext(ctx, `SELECT subject, kind, urgency, issuer_id FROM documents WHERE id = $1`, id).
		Scan(&subject, &kind, &urgency, &issuerID)
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("document %s is not projected yet: its %s is applied after its document.drafted", id, ev.Type)
	}
	if err != nil {
		return err
	}
	at := d.At
	if at.IsZero() {
		at = ev.Time
	}
	for _, r := range d.Recipients {
		// Only a copy not sent yet moves: a late event of an earlier
		// dispatch never takes back a delivery.
		if _, err := tx.ExecContext(ctx, `UPDATE document_recipients SET status = $1, status_at = $2
			WHERE document_id = $3 AND unit = $4 AND agency = $5 AND status IN ($6, $7)`,
			r.Status, sqlstore.Time(at), id, r.Unit, r.Agency, RecipientPending, events.DispatchFailed); err != nil {
			return err
		}
		if r.Status != events.DispatchDelivered {
			continue
		}
		for _, who := range r.Readers {
			if _, err := tx.ExecContext(ctx, `INSERT INTO tasks (id, document_id, workflow_id, agency, assignee, subject, kind, urgency,
					assigned_at, deadline, status, issuer_id, urgency_order, task_kind)
				VALUES ($1, $2, '', $3, $4, $5, $6, $7, $8, $9, 'open', $10, $11, $12)
				ON CONFLICT (id) DO NOTHING`,
				ReadTaskID(id, who), id, ev.Agency, who, subject, kind, urgency,
				sqlstore.Time(at), sqlstore.Time(NoDeadline), issuerID, urgencyOrder(urgency), events.TaskKindRead); err != nil {
				return err
			}
		}
	}
	_, err = tx.ExecContext(ctx, `UPDATE documents SET updated_at = $1 WHERE id = $2`, sqlstore.Time(ev.Time), id)
	return err
}

// dispatchSummary is the history's line for a dispatch: where the document
// went, what waits for the exchange, and what was not sent and why.
func dispatchSummary(d *events.DocumentDispatchedData) string {
	var delivered, queued, refused, failed []string
	for _, r := range d.Recipients {
		to := r.Unit
		if to == "" {
			to = r.Agency
		}
		switch r.Status {
		case events.DispatchDelivered:
			delivered = append(delivered, to)
		case events.DispatchQueued:
			queued = append(queued, to)
		case events.DispatchRefused:
			refused = append(refused, to+" ("+reasonText(r.Reason)+")")
		default:
			failed = append(failed, to+" ("+reasonText(r.Reason)+")")
		}
	}
	var parts []string
	if len(delivered) > 0 {
		parts = append(parts, "Đã gửi văn bản đến "+strings.Join(delivered, ", "))
	}
	if len(queued) > 0 {
		parts = append(parts, "Chờ gửi qua trục liên thông đến "+strings.Join(queued, ", "))
	}
	if len(refused) > 0 {
		parts = append(parts, "Không gửi điện tử đến "+strings.Join(refused, ", "))
	}
	if len(failed) > 0 {
		parts = append(parts, "Chưa gửi được đến "+strings.Join(failed, ", "))
	}
	if len(parts) == 0 {
		return "Đã gửi văn bản"
	}
	return strings.Join(parts, "; ")
}

// reasonText words an error code of a recipient for the history.
func reasonText(code string) string {
	if code == string(errcode.Confidential) {
		return "văn bản mật"
	}
	return code
}
