package webhook

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"time"

	"github.com/docflow/docflow/services/internal/sqlstore"
)

// attempt is a claimed delivery with what sending it takes.
type attempt struct {
	id, eventID, url, secret string
	body                     []byte
	attempts                 int // this one included
	// lease is the next_attempt_at the claim wrote: the outcome is recorded
	// only while it is still there, i.e. nobody replayed, deleted or
	// re-claimed the delivery meanwhile.
	lease string
}

// due lists up to limit pending deliveries whose next attempt is due at now.
func (s *Store) due(ctx context.Context, now time.Time, limit int) ([]string, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id FROM webhook_deliveries WHERE status = $1 AND next_attempt_at <= $2
		ORDER BY next_attempt_at, id LIMIT `+strconv.Itoa(limit), StatusPending, sqlstore.Time(now))
	if err != nil {
		return nil, fmt.Errorf("webhook.due: %w", err)
	}
	defer func() { _ = rows.Close() }()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("webhook.due: %w", err)
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// claim takes a due delivery for one attempt: it counts the attempt and
// moves the next one past the lease, so that no other deliverer takes it
// meanwhile. ok is false when the delivery is no longer due (another
// deliverer claimed it, a clerk deleted it).
func (s *Store) claim(ctx context.Context, id string, now time.Time, lease time.Duration) (a attempt, ok bool, err error) {
	a.lease = sqlstore.Time(now.Add(lease))
	err = s.db.InTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE webhook_deliveries SET attempts = attempts + 1, next_attempt_at = $1
			WHERE id = $2 AND status = $3 AND next_attempt_at <= $4`, a.lease, id, StatusPending, sqlstore.Time(now))
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return err
		}
		var body string
		err = tx.QueryRowContext(ctx, `SELECT d.id, d.event_id, s.url, s.secret, e.body, d.attempts`+deliveryJoin+` WHERE d.id = $1`, id).
			Scan(&a.id, &a.eventID, &a.url, &a.secret, &body, &a.attempts)
		a.body = []byte(body)
		ok = err == nil
		return err
	})
	if err != nil {
		return attempt{}, false, fmt.Errorf("webhook.claim %s: %w", id, err)
	}
	return a, ok, nil
}

// delivered records that the receiver took the attempt.
func (s *Store) delivered(ctx context.Context, a attempt, status int, at time.Time) error {
	return s.settle(ctx, a, `status = $1, next_attempt_at = '', last_error = '', last_status = $2, delivered_at = $3`,
		StatusDelivered, status, sqlstore.Time(at))
}

// failed records a failed attempt: the next one at next, or dead when
// it was the last.
func (s *Store) failed(ctx context.Context, a attempt, status int, cause string, next time.Time) error {
	if a.attempts >= MaxAttempts {
		return s.settle(ctx, a, `status = $1, next_attempt_at = '', last_error = $2, last_status = $3`, StatusDead, cause, status)
	}
	return s.settle(ctx, a, `next_attempt_at = $1, last_error = $2, last_status = $3`, sqlstore.Time(next), cause, status)
}

// giveBack undoes the claim of an attempt cut short by the shutdown: it
// does not count, and the delivery is due again at once.
func (s *Store) giveBack(ctx context.Context, a attempt, now time.Time) error {
	return s.settle(ctx, a, `attempts = attempts - 1, next_attempt_at = $1`, sqlstore.Time(now))
}

// settle applies set (whose placeholders are args) to a's delivery if the
// claim still holds.
func (s *Store) settle(ctx context.Context, a attempt, set string, args ...any) error {
	n := len(args)
	args = append(args, a.id, StatusPending, a.lease)
	_, err := s.db.ExecContext(ctx, fmt.Sprintf(`UPDATE webhook_deliveries SET %s WHERE id = $%d AND status = $%d AND next_attempt_at = $%d`,
		set, n+1, n+2, n+3), args...)
	if err != nil {
		return fmt.Errorf("webhook.settle %s: %w", a.id, err)
	}
	return nil
}
