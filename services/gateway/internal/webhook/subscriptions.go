package webhook

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/docflow/docflow/api/errcode"
	events "github.com/docflow/docflow/api/events/v1"
	"github.com/docflow/docflow/services/internal/errs"
	"github.com/docflow/docflow/services/internal/sqlstore"
)

// Subscription is an agency's webhook: where its events go.
type Subscription struct {
	ID     string
	Agency string
	URL    string
	// EventTypes are the types sent; empty sends every event of the agency.
	EventTypes  []events.Type
	Description string
	// Secret signs the requests. Create returns it; the lists leave it
	// empty, so it is shown once.
	Secret    string
	CreatedAt time.Time
	CreatedBy string
}

// matches says whether the subscription takes events of type t.
func (s Subscription) matches(t events.Type) bool {
	return len(s.EventTypes) == 0 || slices.Contains(s.EventTypes, t)
}

// NewSubscription is what a clerk asks for.
type NewSubscription struct {
	Agency      string
	URL         string
	EventTypes  []string
	Description string
	By          string // the clerk's username
}

// Limits of a subscription's fields.
const (
	maxURLLength         = 2048
	maxDescriptionLength = 500
)

// Create validates n and records the subscription with a new secret,
// which the result carries (and no later read does).
func (s *Store) Create(ctx context.Context, n NewSubscription) (Subscription, error) {
	const op = "webhook.Create"
	problems := map[string]string{}
	if err := ValidateURL(n.URL); err != nil {
		problems["url"] = err.Error()
	}
	types, err := parseTypes(n.EventTypes)
	if err != nil {
		problems["event_types"] = err.Error()
	}
	if utf8.RuneCountInString(n.Description) > maxDescriptionLength {
		problems["description"] = fmt.Sprintf("at most %d characters", maxDescriptionLength)
	}
	if n.Agency == "" {
		problems["agency"] = "the subscribing agency is unknown"
	}
	if len(problems) > 0 {
		return Subscription{}, errs.Fields(op, "the webhook is invalid", problems)
	}
	secret, err := newSecret()
	if err != nil {
		return Subscription{}, errs.E(op, errs.Internal, errcode.Internal, "a secret for the webhook could not be generated; try again").WithCause(err)
	}
	sub := Subscription{
		ID: uuid.NewString(), Agency: n.Agency, URL: n.URL, EventTypes: types, Description: n.Description,
		Secret: secret, CreatedAt: s.now().UTC(), CreatedBy: n.By,
	}
	_, err = s.db.ExecContext(ctx, `INSERT INTO webhook_subscriptions (id, agency, url, event_types, description, secret, created_at, created_by)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
		sub.ID, sub.Agency, sub.URL, joinTypes(sub.EventTypes), sub.Description, sub.Secret, timeText(sub.CreatedAt), sub.CreatedBy)
	if err != nil {
		return Subscription{}, unavailable(op, "the webhook store", err)
	}
	return sub, nil
}

// ValidateURL accepts an absolute http or https URL with a host and
// without credentials: a secret in a URL ends up in logs and lists.
func ValidateURL(raw string) error {
	if raw == "" {
		return errors.New("required: the absolute http or https URL the events are posted to")
	}
	if len(raw) > maxURLLength {
		return fmt.Errorf("at most %d characters", maxURLLength)
	}
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("not a URL: %w", errors.Unwrap(err))
	}
	switch {
	case !u.IsAbs() || u.Opaque != "":
		return fmt.Errorf("%q is not an absolute URL: give it as https://host/path", raw)
	case u.Scheme != "http" && u.Scheme != "https":
		return fmt.Errorf("the scheme %q is not supported: use https (or http)", u.Scheme)
	case u.Host == "" || u.Hostname() == "":
		return fmt.Errorf("%q has no host", raw)
	case u.User != nil:
		return errors.New("must not carry credentials (user:password@): every request is signed with the webhook's secret instead")
	case u.Fragment != "" || strings.HasSuffix(raw, "#"):
		return errors.New("must not have a fragment (#…): it is never sent to the server")
	}
	if port := u.Port(); port != "" {
		if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
			return fmt.Errorf("the port %q is not between 1 and 65535", port)
		}
	}
	return nil
}

// parseTypes checks the filter: known types, each once, in the given order.
func parseTypes(raw []string) ([]events.Type, error) {
	var out []events.Type
	var unknown []string
	for _, r := range raw {
		t := events.Type(r)
		if !slices.Contains(events.Types, t) {
			unknown = append(unknown, strconv.Quote(r))
			continue
		}
		if !slices.Contains(out, t) {
			out = append(out, t)
		}
	}
	if len(unknown) > 0 {
		return nil, fmt.Errorf("unknown event types %s: use the CloudEvents types of the AsyncAPI document, e.g. %s, or none for every event",
			strings.Join(unknown, ", "), events.DocumentReceived)
	}
	return out, nil
}

func joinTypes(types []events.Type) string {
	parts := make([]string, len(types))
	for i, t := range types {
		parts[i] = string(t)
	}
	return strings.Join(parts, " ")
}

func splitTypes(s string) []events.Type {
	var out []events.Type
	for _, f := range strings.Fields(s) {
		out = append(out, events.Type(f))
	}
	return out
}

// newSecret is 32 random bytes, printable; the HMAC key is the whole text.
func newSecret() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return "whsec_" + base64.RawURLEncoding.EncodeToString(b), nil
}

// Subscriptions lists an agency's subscriptions, newest first, without
// their secrets.
func (s *Store) Subscriptions(ctx context.Context, agency string, size int, token string) ([]Subscription, string, error) {
	const op = "webhook.Subscriptions"
	size, err := pageSize(op, size)
	if err != nil {
		return nil, "", err
	}
	where, args := `agency = $1`, []any{agency}
	if token != "" {
		at, id, err := decodePageToken(op, "webhooks", token)
		if err != nil {
			return nil, "", err
		}
		where += ` AND (created_at < $2 OR (created_at = $2 AND id < $3))`
		args = append(args, at, id)
	}
	rows, err := s.db.QueryContext(ctx, `SELECT id, agency, url, event_types, description, created_at, created_by
		FROM webhook_subscriptions WHERE `+where+` ORDER BY created_at DESC, id DESC LIMIT `+strconv.Itoa(size+1), args...)
	if err != nil {
		return nil, "", unavailable(op, "the webhooks", err)
	}
	defer func() { _ = rows.Close() }()
	var out []Subscription
	var raw []string
	for rows.Next() {
		var sub Subscription
		var types, at string
		if err := rows.Scan(&sub.ID, &sub.Agency, &sub.URL, &types, &sub.Description, &at, &sub.CreatedBy); err != nil {
			return nil, "", unavailable(op, "the webhooks", err)
		}
		sub.EventTypes = splitTypes(types)
		if sub.CreatedAt, err = parseTime(at); err != nil {
			return nil, "", errs.Wrap(op, fmt.Errorf("webhook %s: created_at: %w", sub.ID, err))
		}
		out, raw = append(out, sub), append(raw, at)
	}
	if err := rows.Err(); err != nil {
		return nil, "", unavailable(op, "the webhooks", err)
	}
	next := ""
	if len(out) > size {
		out, raw = out[:size], raw[:size]
		next = encodePageToken("webhooks", raw[size-1], out[size-1].ID)
	}
	return out, next, nil
}

// Delete removes a subscription of agency with its deliveries; one of
// another agency is not found, as one that does not exist.
func (s *Store) Delete(ctx context.Context, agency, id string) error {
	const op = "webhook.Delete"
	var n int64
	err := s.db.InTx(ctx, func(tx *sql.Tx) error {
		// Deliveries go first: on a database whose foreign keys do not
		// cascade, the subscription could not go before them.
		if _, err := tx.ExecContext(ctx, `DELETE FROM webhook_deliveries WHERE subscription_id = $1 AND agency = $2`, id, agency); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM webhook_subscriptions WHERE id = $1 AND agency = $2`, id, agency)
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	if err != nil {
		return unavailable(op, "the webhook store", err)
	}
	if n == 0 {
		return notFound(op, "webhook", id)
	}
	return nil
}

func notFound(op, what, id string) error {
	return errs.E(op, errs.NotFound, errcode.NotFound, fmt.Sprintf("no %s with id %s in your agency", what, id))
}

// timeText is a time as stored: sqlstore.Time, or the empty string for
// the zero time.
func timeText(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return sqlstore.Time(t)
}
