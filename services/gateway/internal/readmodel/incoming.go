package readmodel

import (
	"context"
	"fmt"
	"time"

	"github.com/docflow/docflow/services/internal/errs"
	"github.com/docflow/docflow/services/internal/sqlstore"
)

// The incoming register (sổ đăng ký văn bản đến, DOMAIN.md §10): the
// documents an agency registered, read from the documents projector's rows
// with their first task.

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

// Arrivals lists the documents that r's agency registered in year with an
// arrival time in [since, until) and r may read, in incoming-number order.
// Secret documents are left out: they are numbered in their own series and
// kept in a separate register (DOMAIN.md §3), so the ordinary one never
// prints them.
func (s *Store) Arrivals(ctx context.Context, r Reader, year int, since, until time.Time) ([]Arrival, error) {
	return s.arrivals(ctx, "readmodel.Arrivals", r, year, since, until, `d.confidentiality = 'NONE'`)
}

// SecretArrivals is the secret documents' incoming register: those marked
// MẬT or above (or unmarked, taken for the most secret) that r may read,
// numbered in their own series.
func (s *Store) SecretArrivals(ctx context.Context, r Reader, year int, since, until time.Time) ([]Arrival, error) {
	return s.arrivals(ctx, "readmodel.SecretArrivals", r, year, since, until, `d.confidentiality <> 'NONE'`)
}

func (s *Store) arrivals(ctx context.Context, op string, r Reader, year int, since, until time.Time, marked string) ([]Arrival, error) {
	args := []any{r.Agency, year, sqlstore.Time(since), sqlstore.Time(until)}
	readable := r.readable(binder(&args))
	rows, err := s.db.QueryContext(ctx, `SELECT d.id, d.arrival_number, d.received_at, d.kind, d.subject, d.confidentiality,
			d.issuer, d.issuer_id, d.symbol, d.issued_on, d.description, d.status,
			COALESCE(t.assignee, ''), COALESCE(t.assigned_at, ''), COALESCE(t.deadline, '')
		FROM documents d
		LEFT JOIN tasks t ON t.id = (
			SELECT f.id FROM tasks f WHERE f.document_id = d.id ORDER BY f.assigned_at, f.id LIMIT 1)
		WHERE d.agency = $1 AND d.direction = 'incoming' AND d.arrival_year = $2 AND d.received_at >= $3 AND d.received_at < $4
			AND `+marked+` AND `+readable+`
		ORDER BY d.arrival_number, d.id`, args...)
	if err != nil {
		return nil, errs.Wrap(op, err)
	}
	out, err := collect(rows, scanArrival)
	return out, errs.Wrap(op, err)
}

func scanArrival(row scanner) (Arrival, error) {
	var (
		a                            Arrival
		received, assigned, deadline string
	)
	if err := row.Scan(&a.DocumentID, &a.ArrivalNumber, &received, &a.Kind, &a.Subject, &a.Confidentiality,
		&a.Self.Issuer, &a.Self.IssuerID, &a.Self.Symbol, &a.Self.IssuedOn, &a.Self.Description, &a.Status,
		&a.Assignee, &assigned, &deadline); err != nil {
		return Arrival{}, err
	}
	var err error
	if a.ReceivedAt, err = sqlstore.ParseTime(received); err != nil {
		return Arrival{}, fmt.Errorf("document %s: received_at: %w", a.DocumentID, err)
	}
	a.AssignedAt = parseOptionalTime(assigned)
	a.Deadline = parseOptionalTime(deadline)
	return a, nil
}
