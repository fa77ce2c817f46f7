package readmodel

import (
	"context"
	"fmt"
	"strconv"

	"github.com/docflow/docflow/api/errcode"
	"github.com/docflow/docflow/services/internal/errs"
	"github.com/docflow/docflow/services/internal/sqlstore"
)

// DocumentQuery selects a page of an agency's documents, most recently
// changed first, perhaps only those in one status.
type DocumentQuery struct {
	Agency, Status string
	PageSize       int
	PageToken      string
}

// pageSize is the size of a page asked for: the default when none is
// asked, refused above the largest.
func pageSize(op string, asked int) (int, error) {
	if asked <= 0 {
		return defaultInboxPageSize, nil
	}
	if asked > maxInboxPageSize {
		return 0, errs.E(op, errs.Invalid, errcode.InvalidArgument,
			fmt.Sprintf("page_size must be at most %d", maxInboxPageSize)).WithDetail("page_size", fmt.Sprintf("at most %d", maxInboxPageSize))
	}
	return asked, nil
}

// Documents lists documents without their history.
func (s *Store) Documents(ctx context.Context, q DocumentQuery) ([]Document, string, error) {
	const op = "readmodel.Documents"
	size, err := pageSize(op, q.PageSize)
	if err != nil {
		return nil, "", err
	}
	where := `agency = $1`
	args := []any{q.Agency}
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	if q.Status != "" {
		where += ` AND status = ` + arg(q.Status)
	}
	if q.PageToken != "" {
		after, err := decodePageToken(q.PageToken, "documents:"+q.Status, 2)
		if err != nil {
			return nil, "", errs.E(op, errs.Invalid, errcode.InvalidArgument, pageTokenMalformedHint).WithDetail("page_token", "invalid")
		}
		where += ` AND (updated_at, id) < (` + arg(after[0]) + `, ` + arg(after[1]) + `)`
	}
	rows, err := s.db.QueryContext(ctx, `SELECT id, agency, kind, subject, urgency, confidentiality, arrival_number, arrival_year, status,
		waiting_for, record_id, created_at, updated_at FROM documents WHERE `+where+`
		ORDER BY updated_at DESC, id DESC LIMIT `+arg(size+1), args...)
	if err != nil {
		return nil, "", errs.Wrap(op, err)
	}
	defer rows.Close()
	var (
		out      []Document
		rawTimes []string
	)
	for rows.Next() {
		var (
			d                Document
			created, updated string
		)
		if err := rows.Scan(&d.ID, &d.Agency, &d.Kind, &d.Subject, &d.Urgency, &d.Confidentiality, &d.ArrivalNumber, &d.ArrivalYear,
			&d.Status, &d.WaitingFor, &d.RecordID, &created, &updated); err != nil {
			return nil, "", errs.Wrap(op, err)
		}
		d.CreatedAt, _ = sqlstore.ParseTime(created)
		d.UpdatedAt, _ = sqlstore.ParseTime(updated)
		out = append(out, d)
		rawTimes = append(rawTimes, updated)
	}
	if err := rows.Err(); err != nil {
		return nil, "", errs.Wrap(op, err)
	}
	next := ""
	if len(out) > size {
		out = out[:size]
		next = encodePageToken("documents:"+q.Status, []string{rawTimes[size-1], out[size-1].ID})
	}
	return out, next, nil
}
