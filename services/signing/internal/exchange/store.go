package exchange

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/docflow/docflow/services/internal/sqlstore"
)

// migrations are the exchange's tables, append-only:
//   - sent: each document package sent, so a status answering its edXML
//     DocumentId finds our document again, and a dispatch delivered twice
//     sends once;
//   - arrivals: each package received and verified, with the document
//     intake registered it as, so its handling events find the sender;
//   - receipts: each status sent about an arrival, so none is sent twice.
var migrations = []string{
	`CREATE TABLE exchange_sent (
		document_id       TEXT NOT NULL,
		recipient         TEXT NOT NULL,
		sender            TEXT NOT NULL,
		edxml_document_id TEXT NOT NULL,
		sent_at           TEXT NOT NULL,
		PRIMARY KEY (document_id, recipient))`,
	`CREATE UNIQUE INDEX exchange_sent_by_edxml ON exchange_sent (edxml_document_id, recipient)`,
	`CREATE TABLE exchange_arrivals (
		arrival_id        TEXT PRIMARY KEY,
		agency            TEXT NOT NULL,
		sender            TEXT NOT NULL,
		edxml_document_id TEXT NOT NULL,
		code              TEXT NOT NULL,
		promulgated_on    TEXT NOT NULL,
		document_id       TEXT NOT NULL DEFAULT '',
		arrived_at        TEXT NOT NULL)`,
	`CREATE INDEX exchange_arrivals_by_document ON exchange_arrivals (document_id)`,
	`CREATE TABLE exchange_receipts (
		arrival_id TEXT NOT NULL,
		code       TEXT NOT NULL,
		sent_at    TEXT NOT NULL,
		PRIMARY KEY (arrival_id, code))`,
}

// Store keeps what the exchange sent and received.
type Store struct{ db *sqlstore.DB }

// OpenStore migrates db and returns the store on it.
func OpenStore(ctx context.Context, db *sqlstore.DB) (*Store, error) {
	if err := db.Migrate(ctx, "signing.exchange", migrations); err != nil {
		return nil, err
	}
	return &Store{db: db}, nil
}

// Sent is one document package sent to one agency.
type Sent struct {
	DocumentID, Recipient, Sender, EdXMLDocumentID string
	At                                             time.Time
}

// RecordSent records a package sent; recording it again changes nothing.
func (s *Store) RecordSent(ctx context.Context, p Sent) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO exchange_sent (document_id, recipient, sender, edxml_document_id, sent_at)
		VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING`,
		p.DocumentID, p.Recipient, p.Sender, p.EdXMLDocumentID, sqlstore.Time(p.At))
	if err != nil {
		return fmt.Errorf("exchange.RecordSent %s to %s: %w", p.DocumentID, p.Recipient, err)
	}
	return nil
}

// WasSent reports whether the document was sent to recipient.
func (s *Store) WasSent(ctx context.Context, documentID, recipient string) (bool, error) {
	var n int
	err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM exchange_sent WHERE document_id = $1 AND recipient = $2`, documentID, recipient).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("exchange.WasSent: %w", err)
	}
	return n > 0, nil
}

// SentAs finds the package sent to recipient under an edXML DocumentId;
// found is false when we sent no such package.
func (s *Store) SentAs(ctx context.Context, edxmlDocumentID, recipient string) (p Sent, found bool, err error) {
	var at string
	err = s.db.QueryRowContext(ctx, `SELECT document_id, recipient, sender, edxml_document_id, sent_at FROM exchange_sent
		WHERE edxml_document_id = $1 AND recipient = $2`, edxmlDocumentID, recipient).
		Scan(&p.DocumentID, &p.Recipient, &p.Sender, &p.EdXMLDocumentID, &at)
	if errors.Is(err, sql.ErrNoRows) {
		return Sent{}, false, nil
	}
	if err == nil {
		p.At, err = sqlstore.ParseTime(at)
	}
	if err != nil {
		return Sent{}, false, fmt.Errorf("exchange.SentAs: %w", err)
	}
	return p, true, nil
}

// Arrival is one package received and verified.
type Arrival struct {
	ID              string
	Agency          string // the recipient, hosted here
	Sender          string
	EdXMLDocumentID string
	Code            string    // "<số>/<ký hiệu>"
	PromulgatedOn   time.Time // the document's date
	DocumentID      string    // the document intake registered it as; empty until then
	At              time.Time
}

// RecordArrival records an arrival; recording it again changes nothing.
func (s *Store) RecordArrival(ctx context.Context, a Arrival) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO exchange_arrivals (arrival_id, agency, sender, edxml_document_id, code, promulgated_on, arrived_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING`,
		a.ID, a.Agency, a.Sender, a.EdXMLDocumentID, a.Code, sqlstore.Time(a.PromulgatedOn), sqlstore.Time(a.At))
	if err != nil {
		return fmt.Errorf("exchange.RecordArrival %s: %w", a.ID, err)
	}
	return nil
}

// Registered links an arrival to the document intake registered it as.
// found is false when there is no such arrival.
func (s *Store) Registered(ctx context.Context, arrivalID, documentID string) (found bool, err error) {
	res, err := s.db.ExecContext(ctx, `UPDATE exchange_arrivals SET document_id = $2 WHERE arrival_id = $1`, arrivalID, documentID)
	if err != nil {
		return false, fmt.Errorf("exchange.Registered %s: %w", arrivalID, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("exchange.Registered %s: %w", arrivalID, err)
	}
	return n > 0, nil
}

const arrivalColumns = `arrival_id, agency, sender, edxml_document_id, code, promulgated_on, document_id, arrived_at`

// ArrivalByID finds an arrival by its id.
func (s *Store) ArrivalByID(ctx context.Context, id string) (Arrival, bool, error) {
	return s.arrival(ctx, `SELECT `+arrivalColumns+` FROM exchange_arrivals WHERE arrival_id = $1`, id)
}

// ArrivalOf finds the arrival a registered document came from.
func (s *Store) ArrivalOf(ctx context.Context, documentID string) (Arrival, bool, error) {
	if documentID == "" {
		return Arrival{}, false, nil
	}
	return s.arrival(ctx, `SELECT `+arrivalColumns+` FROM exchange_arrivals WHERE document_id = $1`, documentID)
}

func (s *Store) arrival(ctx context.Context, query, arg string) (Arrival, bool, error) {
	var a Arrival
	var date, at string
	err := s.db.QueryRowContext(ctx, query, arg).Scan(&a.ID, &a.Agency, &a.Sender, &a.EdXMLDocumentID, &a.Code, &date, &a.DocumentID, &at)
	if errors.Is(err, sql.ErrNoRows) {
		return Arrival{}, false, nil
	}
	if err == nil {
		a.PromulgatedOn, err = sqlstore.ParseTime(date)
	}
	if err == nil {
		a.At, err = sqlstore.ParseTime(at)
	}
	if err != nil {
		return Arrival{}, false, fmt.Errorf("exchange: arrival %s: %w", arg, err)
	}
	return a, true, nil
}

// ReceiptSent reports whether status code was sent about the arrival.
func (s *Store) ReceiptSent(ctx context.Context, arrivalID, code string) (bool, error) {
	var n int
	err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM exchange_receipts WHERE arrival_id = $1 AND code = $2`, arrivalID, code).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("exchange.ReceiptSent: %w", err)
	}
	return n > 0, nil
}

// RecordReceipt records a status sent about an arrival.
func (s *Store) RecordReceipt(ctx context.Context, arrivalID, code string, at time.Time) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO exchange_receipts (arrival_id, code, sent_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`,
		arrivalID, code, sqlstore.Time(at))
	if err != nil {
		return fmt.Errorf("exchange.RecordReceipt %s %s: %w", arrivalID, code, err)
	}
	return nil
}
