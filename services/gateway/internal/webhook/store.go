package webhook

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/docflow/docflow/api/errcode"
	"github.com/docflow/docflow/services/internal/errs"
	"github.com/docflow/docflow/services/internal/sqlstore"
)

var migrations = []string{
	`CREATE TABLE webhook_subscriptions (
		id          TEXT PRIMARY KEY,
		agency      TEXT NOT NULL,
		url         TEXT NOT NULL,
		event_types TEXT NOT NULL,
		description TEXT NOT NULL,
		secret      TEXT NOT NULL,
		created_at  TEXT NOT NULL,
		created_by  TEXT NOT NULL)`,
	`CREATE INDEX webhook_subscriptions_by_agency ON webhook_subscriptions (agency, created_at, id)`,
	// The body is kept as sent, so that every attempt signs the same bytes.
	`CREATE TABLE webhook_events (
		id          TEXT PRIMARY KEY,
		agency      TEXT NOT NULL,
		type        TEXT NOT NULL,
		body        TEXT NOT NULL,
		recorded_at TEXT NOT NULL)`,
	// A delivery whose subscription is deleted goes with it; one recorded
	// for a subscription deleted meanwhile fails the fan-out, which the
	// redelivered event then does without it.
	`CREATE TABLE webhook_deliveries (
		id              TEXT PRIMARY KEY,
		event_id        TEXT NOT NULL REFERENCES webhook_events (id),
		subscription_id TEXT NOT NULL REFERENCES webhook_subscriptions (id) ON DELETE CASCADE,
		agency          TEXT NOT NULL,
		status          TEXT NOT NULL,
		attempts        INTEGER NOT NULL,
		next_attempt_at TEXT NOT NULL,
		last_error      TEXT NOT NULL,
		last_status     INTEGER NOT NULL,
		created_at      TEXT NOT NULL,
		delivered_at    TEXT NOT NULL)`,
	// The deliverer takes the pending deliveries that are due.
	`CREATE INDEX webhook_deliveries_due ON webhook_deliveries (status, next_attempt_at)`,
	// The clerk lists an agency's deliveries, newest first.
	`CREATE INDEX webhook_deliveries_by_agency ON webhook_deliveries (agency, created_at, id)`,
	`CREATE INDEX webhook_deliveries_by_subscription ON webhook_deliveries (subscription_id)`,
}

// Store keeps the subscriptions, the events to deliver and their
// deliveries in the gateway's database.
type Store struct {
	db  *sqlstore.DB
	now func() time.Time
	// wake tells the deliverer that deliveries became due: new ones from
	// the fan-out, or a replay. It holds one signal; more are redundant.
	wake chan struct{}
}

// Open migrates the webhook tables and returns the store.
func Open(ctx context.Context, db *sqlstore.DB) (*Store, error) {
	if err := db.Migrate(ctx, "gateway.webhooks", migrations); err != nil {
		return nil, fmt.Errorf("webhook.Open: %w", err)
	}
	return &Store{db: db, now: time.Now, wake: make(chan struct{}, 1)}, nil
}

func (s *Store) signal() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// unavailable is the error of a database that cannot be read or written.
func unavailable(op, what string, err error) error {
	return errs.E(op, errs.Unavailable, errcode.Unavailable, what+" cannot be reached now; try again").WithCause(err)
}

// Lists come in pages ordered by creation time and id, newest first; a
// page token holds the list it belongs to and the last item returned.
const (
	defaultPageSize = 20
	maxPageSize     = 100
)

func pageSize(op string, asked int) (int, error) {
	if asked <= 0 {
		return defaultPageSize, nil
	}
	if asked > maxPageSize {
		return 0, errs.E(op, errs.Invalid, errcode.InvalidArgument, fmt.Sprintf("page_size must be at most %d", maxPageSize)).
			WithDetail("page_size", fmt.Sprintf("at most %d", maxPageSize))
	}
	return asked, nil
}

func encodePageToken(list, at, id string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(list + "|" + at + "|" + id))
}

// decodePageToken returns the creation time and id a token of list holds.
func decodePageToken(op, list, token string) (at, id string, err error) {
	raw, derr := base64.RawURLEncoding.DecodeString(token)
	parts := strings.Split(string(raw), "|")
	if derr != nil || len(parts) != 3 || parts[0] != list {
		return "", "", errs.E(op, errs.Invalid, errcode.InvalidArgument,
			"page_token is not one this list issued; start again without it").WithDetail("page_token", "invalid").
			WithCause(errors.Join(derr, errors.New("page token of another list or shape")))
	}
	return parts[1], parts[2], nil
}

// parseTime reads a stored time; the empty string is the zero time.
func parseTime(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	return sqlstore.ParseTime(s)
}
