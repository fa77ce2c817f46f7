// Package exchange is the gateway's port to the inter-agency exchange of
// documents (edXML, QCVN 102; DOMAIN.md §8): an issued document dispatched
// to another agency is handed to an Exchange, which takes it to send.
//
// The one adapter so far is the Outbox, a table of the gateway's database
// in which each document waits, queued, for the edXML exchange that will
// drain it. Queued is not delivered: nothing has left the agency until the
// exchange sends it and the other agency acknowledges it.
package exchange

import (
	"context"
	"fmt"
	"time"

	"github.com/docflow/docflow/api/errcode"
	events "github.com/docflow/docflow/api/events/v1"
	"github.com/docflow/docflow/services/internal/clerical/secrecy"
	"github.com/docflow/docflow/services/internal/errs"
	"github.com/docflow/docflow/services/internal/sqlstore"
)

// Outbound is one issued document for one other agency.
type Outbound struct {
	DocumentID string
	From       string // the sending agency
	To         string // the receiving agency
	// Confidentiality is the document's mark: a secret one is refused
	// (secrecy.RefuseSecret) whoever asks to send it.
	Confidentiality string
	Sealed          events.Object // the issued PDF, with both signatures
	By              string        // the clerk who dispatched it
	At              time.Time
}

// Exchange takes an issued document to send to another agency. Sending the
// same document to the same agency again is not an error and sends it once.
type Exchange interface {
	Send(ctx context.Context, m Outbound) error
}

// StatusQueued is an outbox row waiting for the exchange.
const StatusQueued = "queued"

var migrations = []string{
	`CREATE TABLE exchange_outbox (
		document_id    TEXT NOT NULL,
		agency         TEXT NOT NULL,
		sender         TEXT NOT NULL,
		status         TEXT NOT NULL,
		created_at     TEXT NOT NULL,
		created_by     TEXT NOT NULL,
		sealed_bucket  TEXT NOT NULL,
		sealed_key     TEXT NOT NULL,
		sealed_version TEXT NOT NULL,
		sealed_sha256  TEXT NOT NULL,
		sealed_size    BIGINT NOT NULL,
		PRIMARY KEY (document_id, agency))`,
	// The exchange drains the oldest queued rows first.
	`CREATE INDEX exchange_outbox_by_status ON exchange_outbox (status, created_at)`,
}

// Outbox is the Exchange that queues each document in the gateway's
// database for the edXML exchange.
type Outbox struct {
	db *sqlstore.DB
}

var _ Exchange = (*Outbox)(nil)

// Open migrates the outbox's table and returns it.
func Open(ctx context.Context, db *sqlstore.DB) (*Outbox, error) {
	if err := db.Migrate(ctx, "gateway.outbox", migrations); err != nil {
		return nil, fmt.Errorf("exchange.Open: %w", err)
	}
	return &Outbox{db: db}, nil
}

// Send queues m. A document already queued for the agency keeps its row:
// a repeated dispatch queues nothing twice.
func (o *Outbox) Send(ctx context.Context, m Outbound) error {
	const op = "exchange.Send"
	level, err := secrecy.ParseLevel(m.Confidentiality)
	if err != nil {
		// A document without a valid mark is held as the most secret.
		level = secrecy.TuyetMat
	}
	if err := secrecy.RefuseSecret("sent", level); err != nil {
		return err
	}
	if m.DocumentID == "" || m.To == "" || m.Sealed.Key == "" {
		return errs.E(op, errs.Invalid, errcode.InvalidArgument,
			fmt.Sprintf("an outbound document needs its id, the receiving agency and its sealed PDF (got %q to %q, sealed %q)", m.DocumentID, m.To, m.Sealed.Key))
	}
	_, err = o.db.ExecContext(ctx, `INSERT INTO exchange_outbox (document_id, agency, sender, status, created_at, created_by,
			sealed_bucket, sealed_key, sealed_version, sealed_sha256, sealed_size)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
		ON CONFLICT (document_id, agency) DO NOTHING`,
		m.DocumentID, m.To, m.From, StatusQueued, sqlstore.Time(m.At), m.By,
		m.Sealed.Bucket, m.Sealed.Key, m.Sealed.VersionID, m.Sealed.SHA256, m.Sealed.Size)
	if err != nil {
		return errs.E(op, errs.Unavailable, errcode.Unavailable, "the outbox of the inter-agency exchange could not be written; dispatch again").WithCause(err)
	}
	return nil
}

// Queued is an outbox row.
type Queued struct {
	Outbound
	Status    string
	CreatedAt time.Time
}

// Queued lists up to limit rows still waiting for the exchange, oldest
// first: what the exchange drains next.
func (o *Outbox) Queued(ctx context.Context, limit int) ([]Queued, error) {
	const op = "exchange.Queued"
	rows, err := o.db.QueryContext(ctx, `SELECT document_id, agency, sender, status, created_at, created_by,
			sealed_bucket, sealed_key, sealed_version, sealed_sha256, sealed_size
		FROM exchange_outbox WHERE status = $1 ORDER BY created_at, document_id, agency LIMIT $2`, StatusQueued, limit)
	if err != nil {
		return nil, errs.Wrap(op, err)
	}
	defer func() { _ = rows.Close() }()
	var out []Queued
	for rows.Next() {
		var (
			q  Queued
			at string
		)
		if err := rows.Scan(&q.DocumentID, &q.To, &q.From, &q.Status, &at, &q.By,
			&q.Sealed.Bucket, &q.Sealed.Key, &q.Sealed.VersionID, &q.Sealed.SHA256, &q.Sealed.Size); err != nil {
			return nil, errs.Wrap(op, err)
		}
		q.CreatedAt, err = sqlstore.ParseTime(at)
		if err != nil {
			return nil, errs.Wrap(op, fmt.Errorf("outbox row %s/%s: created_at: %w", q.DocumentID, q.To, err))
		}
		q.At = q.CreatedAt
		out = append(out, q)
	}
	return out, errs.Wrap(op, rows.Err())
}
