package webhook

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/google/uuid"

	"github.com/docflow/docflow/api/errcode"
	events "github.com/docflow/docflow/api/events/v1"
	"github.com/docflow/docflow/services/internal/errs"
	"github.com/docflow/docflow/services/internal/sqlstore"
)

// Statuses of a delivery.
const (
	StatusPending   = "pending"   // waiting for its next attempt
	StatusDelivered = "delivered" // the receiver answered 2xx
	StatusDead      = "dead"      // MaxAttempts failed: on the dead-letter list until replayed
)

// MaxAttempts is how many failed attempts make a delivery dead.
const MaxAttempts = 12

// Delivery is one event for one subscription.
type Delivery struct {
	ID             string
	EventID        string
	EventType      events.Type
	SubscriptionID string
	URL            string
	Agency         string
	Status         string
	Attempts       int
	LastError      string
	LastStatusCode int       // the last answer's HTTP status; 0 when there was none
	NextAttemptAt  time.Time // zero unless pending
	DeliveredAt    time.Time // zero unless delivered
	CreatedAt      time.Time
}

// deliveryNamespace derives delivery ids from the event and subscription.
var deliveryNamespace = uuid.MustParse("3b0f6d0e-5c1a-4f7e-9d43-1f6c2b8a7e55")

func deliveryID(eventID, subscriptionID string) string {
	return uuid.NewSHA1(deliveryNamespace, []byte(eventID+"\x00"+subscriptionID)).String()
}

// Fanout records ev for every subscription of its agency whose filter
// takes its type: the event's body once, and one delivery each, due now.
// It is the handler of the gateway's webhook consumer; handing it the same
// event again records nothing new for the subscriptions it already has.
func (s *Store) Fanout(ctx context.Context, ev events.Event) error {
	const op = "webhook.Fanout"
	if ev.Agency == "" {
		return nil // an event of no agency has no agency's webhooks to go to
	}
	var body []byte
	recorded := 0
	err := s.db.InTx(ctx, func(tx *sql.Tx) error {
		recorded = 0
		subs, err := agencySubscriptions(ctx, tx, ev.Agency)
		if err != nil {
			return err
		}
		now := sqlstore.Time(s.now())
		for _, sub := range subs {
			if !sub.matches(ev.Type) {
				continue
			}
			if body == nil {
				if body, err = json.Marshal(ev.Envelope); err != nil {
					return err
				}
			}
			if recorded == 0 {
				if _, err := tx.ExecContext(ctx, `INSERT INTO webhook_events (id, agency, type, body, recorded_at)
					VALUES ($1, $2, $3, $4, $5) ON CONFLICT (id) DO NOTHING`, ev.ID, ev.Agency, string(ev.Type), string(body), now); err != nil {
					return err
				}
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO webhook_deliveries (id, event_id, subscription_id, agency, status, attempts,
					next_attempt_at, last_error, last_status, created_at, delivered_at)
				VALUES ($1, $2, $3, $4, $5, 0, $6, '', 0, $6, '') ON CONFLICT (id) DO NOTHING`,
				deliveryID(ev.ID, sub.ID), ev.ID, sub.ID, ev.Agency, StatusPending, now); err != nil {
				return err
			}
			recorded++
		}
		return nil
	})
	if err != nil {
		return errs.Wrap(op, fmt.Errorf("event %s: %w", ev.ID, err))
	}
	if recorded > 0 {
		s.signal()
	}
	return nil
}

func agencySubscriptions(ctx context.Context, tx *sql.Tx, agency string) ([]Subscription, error) {
	rows, err := tx.QueryContext(ctx, `SELECT id, event_types FROM webhook_subscriptions WHERE agency = $1 ORDER BY id`, agency)
	if err != nil {
		return nil, err
	}
	defer func() { _ = rows.Close() }()
	var out []Subscription
	for rows.Next() {
		var sub Subscription
		var types string
		if err := rows.Scan(&sub.ID, &types); err != nil {
			return nil, err
		}
		sub.EventTypes = splitTypes(types)
		out = append(out, sub)
	}
	return out, rows.Err()
}

// DeliveryQuery selects a page of an agency's deliveries.
type DeliveryQuery struct {
	Agency    string
	Status    string // one of the statuses, or empty for all
	PageSize  int
	PageToken string
}

const deliveryColumns = `d.id, d.event_id, e.type, d.subscription_id, s.url, d.agency, d.status, d.attempts,
	d.last_error, d.last_status, d.next_attempt_at, d.delivered_at, d.created_at`

const deliveryJoin = ` FROM webhook_deliveries d
	JOIN webhook_events e ON e.id = d.event_id
	JOIN webhook_subscriptions s ON s.id = d.subscription_id`

// Deliveries lists an agency's deliveries, newest first.
func (s *Store) Deliveries(ctx context.Context, q DeliveryQuery) ([]Delivery, string, error) {
	const op = "webhook.Deliveries"
	size, err := pageSize(op, q.PageSize)
	if err != nil {
		return nil, "", err
	}
	where, args := `d.agency = $1`, []any{q.Agency}
	switch q.Status {
	case "":
	case StatusPending, StatusDelivered, StatusDead:
		where += ` AND d.status = $2`
		args = append(args, q.Status)
	default:
		return nil, "", errs.E(op, errs.Invalid, errcode.InvalidArgument,
			fmt.Sprintf("status %q is not one of pending, delivered, dead", q.Status)).WithDetail("status", "one of pending, delivered, dead")
	}
	list := "deliveries:" + q.Status
	if q.PageToken != "" {
		at, id, err := decodePageToken(op, list, q.PageToken)
		if err != nil {
			return nil, "", err
		}
		n := len(args)
		where += fmt.Sprintf(` AND (d.created_at < $%d OR (d.created_at = $%d AND d.id < $%d))`, n+1, n+1, n+2)
		args = append(args, at, id)
	}
	rows, err := s.db.QueryContext(ctx, `SELECT `+deliveryColumns+deliveryJoin+` WHERE `+where+
		` ORDER BY d.created_at DESC, d.id DESC LIMIT `+strconv.Itoa(size+1), args...)
	if err != nil {
		return nil, "", unavailable(op, "the webhook deliveries", err)
	}
	out, raw, err := scanDeliveries(rows)
	if err != nil {
		return nil, "", unavailable(op, "the webhook deliveries", err)
	}
	next := ""
	if len(out) > size {
		out, raw = out[:size], raw[:size]
		next = encodePageToken(list, raw[size-1], out[size-1].ID)
	}
	return out, next, nil
}

// scanDeliveries reads rows of deliveryColumns, with each one's stored
// creation time for the page token.
func scanDeliveries(rows *sql.Rows) ([]Delivery, []string, error) {
	defer func() { _ = rows.Close() }()
	var out []Delivery
	var raw []string
	for rows.Next() {
		var (
			d                   Delivery
			typ, next, done, at string
		)
		if err := rows.Scan(&d.ID, &d.EventID, &typ, &d.SubscriptionID, &d.URL, &d.Agency, &d.Status, &d.Attempts,
			&d.LastError, &d.LastStatusCode, &next, &done, &at); err != nil {
			return nil, nil, err
		}
		d.EventType = events.Type(typ)
		var err1, err2, err3 error
		d.NextAttemptAt, err1 = parseTime(next)
		d.DeliveredAt, err2 = parseTime(done)
		d.CreatedAt, err3 = parseTime(at)
		if err := errors.Join(err1, err2, err3); err != nil {
			return nil, nil, fmt.Errorf("delivery %s: %w", d.ID, err)
		}
		if d.Status != StatusPending {
			d.NextAttemptAt = time.Time{}
		}
		out, raw = append(out, d), append(raw, at)
	}
	return out, raw, rows.Err()
}

// Delivery returns one delivery of agency.
func (s *Store) Delivery(ctx context.Context, agency, id string) (Delivery, error) {
	const op = "webhook.Delivery"
	rows, err := s.db.QueryContext(ctx, `SELECT `+deliveryColumns+deliveryJoin+` WHERE d.id = $1 AND d.agency = $2`, id, agency)
	if err != nil {
		return Delivery{}, unavailable(op, "the webhook deliveries", err)
	}
	out, _, err := scanDeliveries(rows)
	if err != nil {
		return Delivery{}, unavailable(op, "the webhook deliveries", err)
	}
	if len(out) == 0 {
		return Delivery{}, notFound(op, "webhook delivery", id)
	}
	return out[0], nil
}

// Replay puts a dead or delivered delivery of agency back to be sent now,
// its attempts reset. A pending one is already on its way: a conflict.
func (s *Store) Replay(ctx context.Context, agency, id string) (Delivery, error) {
	const op = "webhook.Replay"
	d, err := s.Delivery(ctx, agency, id)
	if err != nil {
		return Delivery{}, err
	}
	if d.Status == StatusPending {
		return Delivery{}, errs.E(op, errs.Conflict, errcode.Conflict,
			fmt.Sprintf("delivery %s is pending: it is sent again at its next attempt (%d made so far); replay a dead or delivered one", id, d.Attempts))
	}
	now := s.now()
	res, err := s.db.ExecContext(ctx, `UPDATE webhook_deliveries SET status = $1, attempts = 0, next_attempt_at = $2, last_error = '', last_status = 0, delivered_at = ''
		WHERE id = $3 AND agency = $4 AND status = $5`, StatusPending, sqlstore.Time(now), id, agency, d.Status)
	if err != nil {
		return Delivery{}, unavailable(op, "the webhook store", err)
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return Delivery{}, errs.E(op, errs.Conflict, errcode.Conflict, fmt.Sprintf("delivery %s changed meanwhile; look at it again", id)).WithCause(err)
	}
	// The delivery as the replay left it: the deliverer, woken now, may
	// already be making its first attempt.
	d.Status, d.Attempts, d.NextAttemptAt = StatusPending, 0, now
	d.LastError, d.LastStatusCode, d.DeliveredAt = "", 0, time.Time{}
	s.signal()
	return d, nil
}
