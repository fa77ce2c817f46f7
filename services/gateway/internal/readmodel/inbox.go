package readmodel

import (
	"context"
	"database/sql"
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

// Inbox sorts.
const (
	SortDeadline       = "deadline"
	SortDeadlineDesc   = "-deadline"
	SortAssignedAt     = "assigned_at"
	SortAssignedAtDesc = "-assigned_at"
	SortUrgency        = "urgency"
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
		size = defaultPageSize
	}
	size = min(size, maxPageSize)
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
	tasks, ranks, err := scanTasks(rows, true)
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

// fillWaitingFor sets, on each task, whom its document waits for: the
// people holding an open task on it other than a read item, in order of
// assignment.
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
	// A read item asks nothing: the document does not wait for its holder.
	args = append(args, events.TaskKindRead)
	rows, err := s.db.QueryContext(ctx, `SELECT document_id, `+waiter+` FROM tasks WHERE document_id IN (`+strings.Join(marks, ", ")+`)
		AND status = 'open' AND task_kind <> $`+strconv.Itoa(len(args))+` ORDER BY document_id, assigned_at, id`, args...)
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
