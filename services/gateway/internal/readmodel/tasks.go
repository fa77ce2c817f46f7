package readmodel

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"time"

	"github.com/docflow/docflow/api/errcode"
	events "github.com/docflow/docflow/api/events/v1"
	"github.com/docflow/docflow/services/internal/errs"
	"github.com/docflow/docflow/services/internal/sqlstore"
)

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

// tasks keeps the inbox: a row per task, open until it is decided or closed,
// and who may act on each open task for its assignee.
var tasks = projector{
	events.TaskAssigned: on(assignTask),
	events.TaskDecided: on(func(ctx context.Context, tx *sql.Tx, _ events.Event, d *events.TaskDecidedData) error {
		_, err := tx.ExecContext(ctx, `UPDATE tasks SET status = 'decided', decision = $1, decided_at = $2 WHERE id = $3`,
			d.Decision, sqlstore.Time(d.DecidedAt), d.TaskID)
		return err
	}),
	// Both leave the inbox: a reassigned task closes, and the workflow opens
	// a new task (with its own task.assigned) for the new assignee.
	events.TaskWithdrawn:  closeTask("withdrawn"),
	events.TaskReassigned: closeTask("reassigned"),
	events.TaskDelegated: on(func(ctx context.Context, tx *sql.Tx, _ events.Event, d *events.TaskDelegatedData) error {
		var kind string
		err := tx.QueryRowContext(ctx, `SELECT kind FROM tasks WHERE id = $1`, d.TaskID).Scan(&kind)
		if errors.Is(err, sql.ErrNoRows) {
			return nil // a task this read model never saw assigned
		}
		if err != nil {
			return err
		}
		return setSubstitutes(ctx, tx, d.TaskID, kind, d.Substitutes)
	}),
	// A recalled document's tasks all close.
	events.DocumentRecalled: func(ctx context.Context, tx *sql.Tx, ev events.Event) error {
		_, err := tx.ExecContext(ctx, `UPDATE tasks SET status = 'withdrawn' WHERE document_id = $1 AND status = 'open'`, ev.Subject)
		return err
	},
}

func assignTask(ctx context.Context, tx *sql.Tx, ev events.Event, d *events.TaskAssignedData) error {
	taskKind := d.TaskKind
	if taskKind == "" {
		taskKind = events.TaskKindApprove
	}
	// The issuer is copied from the document, projected before (the
	// documents projector refuses the event otherwise).
	if _, err := tx.ExecContext(ctx, `INSERT INTO tasks (id, document_id, workflow_id, agency, assignee, subject, kind, urgency,
			assigned_at, deadline, status, issuer_id, urgency_order, task_kind)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'open',
			COALESCE((SELECT d.issuer_id FROM documents d WHERE d.id = $2), ''), $11, $12)`,
		d.TaskID, d.DocumentID, d.WorkflowID, ev.Agency, d.Assignee, d.Subject, d.Kind, d.Urgency,
		sqlstore.Time(d.AssignedAt), sqlstore.Time(d.Deadline), urgencyOrder(d.Urgency), taskKind); err != nil {
		return err
	}
	return setSubstitutes(ctx, tx, d.TaskID, d.Kind, d.Substitutes)
}

// closeTask takes an open task out of the inbox without a decision.
func closeTask(status string) projection {
	return on(func(ctx context.Context, tx *sql.Tx, _ events.Event, d *events.TaskNoticeData) error {
		_, err := tx.ExecContext(ctx, `UPDATE tasks SET status = $1 WHERE id = $2 AND status = 'open'`, status, d.TaskID)
		return err
	})
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

// openAssignees lists, in order of assignment, the people with an open task
// on the document; a read item asks nothing of its holder, so the document
// does not wait for them.
// waiter is whom an open task makes its document wait for: its assignee,
// or the clerks for the văn thư's issue task, which any clerk may do. The
// values are the package's constants, not input.
const waiter = `CASE WHEN task_kind = '` + events.TaskKindIssue + `' THEN '` + WaitingForClerks + `' ELSE assignee END`

func openAssignees(ctx context.Context, tx *sql.Tx, docID string) ([]string, error) {
	rows, err := tx.QueryContext(ctx, `SELECT `+waiter+` FROM tasks
		WHERE document_id = $1 AND status = 'open' AND task_kind <> $2
		ORDER BY assigned_at, id`, docID, events.TaskKindRead)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var who []string
	for rows.Next() {
		var a string
		if err := rows.Scan(&a); err != nil {
			return nil, err
		}
		if !slices.Contains(who, a) {
			who = append(who, a)
		}
	}
	return who, rows.Err()
}

// Task returns one task of agency.
func (s *Store) Task(ctx context.Context, agency, id string) (Task, error) {
	const op = "readmodel.Task"
	rows, err := s.db.QueryContext(ctx, taskSelect+` FROM tasks WHERE id = $1 AND agency = $2`, id, agency)
	if err != nil {
		return Task{}, errs.Wrap(op, err)
	}
	found, _, err := scanTasks(rows, false)
	if err != nil {
		return Task{}, errs.Wrap(op, err)
	}
	if len(found) == 0 {
		return Task{}, errs.E(op, errs.NotFound, errcode.NotFound, "no task "+id)
	}
	return found[0], nil
}

const taskSelect = `SELECT id, document_id, workflow_id, agency, assignee, subject, kind, urgency, assigned_at, deadline, status, decision, issuer_id, task_kind`

// scanTasks reads rows of taskSelect, followed by urgency_order when ranked,
// returning each task's urgency order too.
func scanTasks(rows *sql.Rows, ranked bool) ([]Task, []int, error) {
	var ranks []int
	out, err := collect(rows, func(row scanner) (Task, error) {
		var (
			t             Task
			assigned, due string
			rank          int
		)
		dest := []any{&t.ID, &t.DocumentID, &t.WorkflowID, &t.Agency, &t.Assignee, &t.Subject, &t.Kind, &t.Urgency,
			&assigned, &due, &t.Status, &t.Decision, &t.IssuerID, &t.TaskKind}
		if ranked {
			dest = append(dest, &rank)
		}
		if err := row.Scan(dest...); err != nil {
			return Task{}, err
		}
		t.AssignedAt, _ = sqlstore.ParseTime(assigned)
		t.Deadline, _ = sqlstore.ParseTime(due)
		ranks = append(ranks, rank)
		return t, nil
	})
	return out, ranks, err
}
