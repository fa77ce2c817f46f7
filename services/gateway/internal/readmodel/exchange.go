package readmodel

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/docflow/docflow/api/errcode"
	events "github.com/docflow/docflow/api/events/v1"
	"github.com/docflow/docflow/services/internal/errs"
	"github.com/docflow/docflow/services/internal/sqlstore"
)

// The inter-agency exchange as the desks see it: at the recipient, the
// packages that arrived for its clerk to register (exchange.arrived, linked
// to the document once document.received names the arrival); at the sender,
// each recipient agency's latest status receipt (01–06) on the document's
// recipient row (exchange.status_received).

// exchanges keeps the arrivals and the recipients' receipts.
var exchanges = projector{
	events.ExchangeArrived:        on(arrive),
	events.DocumentReceived:       on(registerArrival),
	events.ExchangeStatusReceived: on(receipt),
}

// ExchangeArrival is a document package another agency sent, as its
// recipient's clerk sees it.
type ExchangeArrival struct {
	ID, Agency           string
	FromAgency, FromName string
	// Number and Notation make the code (số, ký hiệu) the sender gave it.
	Number, Notation string
	Kind, TypeName   string
	Subject, Urgency string
	PromulgatedOn    string // YYYY-MM-DD
	DueOn            string // YYYY-MM-DD, empty when none
	// Attachments are the package's files in the staging area.
	Attachments []events.Object
	ReceivedAt  time.Time
	// DocumentID is the document it was registered as; empty until then.
	DocumentID   string
	RegisteredAt time.Time
}

// Code is the document's number and notation as printed, e.g. 12/QĐ-UBND.
func (a ExchangeArrival) Code() string {
	if a.Notation == "" {
		return a.Number
	}
	return a.Number + "/" + a.Notation
}

func arrive(ctx context.Context, tx *sql.Tx, ev events.Event, d *events.ExchangeArrivedData) error {
	files, err := json.Marshal(d.Attachments)
	if err != nil {
		return err
	}
	at := d.ReceivedAt
	if at.IsZero() {
		at = ev.Time
	}
	agency := d.Agency
	if agency == "" {
		agency = ev.Agency
	}
	// A package delivered twice is one arrival with one id: the first
	// projection stays.
	_, err = tx.ExecContext(ctx, `INSERT INTO exchange_arrivals (id, agency, from_agency, from_name, edxml_document_id,
			number, notation, promulgated_on, kind, type_name, subject, urgency, due_on, attachments, received_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
		ON CONFLICT (id) DO NOTHING`,
		d.ArrivalID, agency, d.FromAgency, d.FromName, d.EdXMLDocumentID, d.Number, d.Notation, d.PromulgatedOn,
		d.Kind, d.TypeName, d.Subject, d.Urgency, d.DueOn, string(files), sqlstore.Time(at))
	return err
}

// registerArrival links an arrival to the document its clerk registered it
// as. Only an arrival of the registering agency is linked: the arrival id
// came from a request, and another agency's arrival is none of its business.
func registerArrival(ctx context.Context, tx *sql.Tx, ev events.Event, d *events.DocumentReceivedData) error {
	if d.ExchangeArrival == "" {
		return nil
	}
	_, err := tx.ExecContext(ctx, `UPDATE exchange_arrivals SET document_id = $1, registered_at = $2
		WHERE id = $3 AND agency = $4 AND document_id = ''`,
		d.DocumentID, sqlstore.Time(ev.Time), d.ExchangeArrival, d.Agency)
	return err
}

// receipt keeps a recipient agency's latest status on the sender's
// document. Receipts may come out of order: an older one never replaces a
// newer one, and of two issued in the same instant the later step wins.
func receipt(ctx context.Context, tx *sql.Tx, ev events.Event, d *events.ExchangeStatusReceivedData) error {
	at := d.Timestamp
	if at.IsZero() {
		at = ev.Time
	}
	stamp := sqlstore.Time(at)
	_, err := tx.ExecContext(ctx, `UPDATE document_recipients SET receipt = $1, receipt_description = $2, receipt_at = $3
		WHERE document_id = $4 AND agency = $5
			AND (receipt_at < $3 OR (receipt_at = $3 AND receipt < $1))`,
		d.Code, d.Description, stamp, ev.Subject, d.Recipient)
	return err
}

// maxArrivals bounds one listing: a clerk works through the newest.
const maxArrivals = 200

// ExchangeArrivals lists the packages that arrived for agency, newest first.
func (s *Store) ExchangeArrivals(ctx context.Context, agency string) ([]ExchangeArrival, error) {
	const op = "readmodel.ExchangeArrivals"
	rows, err := s.db.QueryContext(ctx, `SELECT `+arrivalColumns+` FROM exchange_arrivals
		WHERE agency = $1 ORDER BY received_at DESC, id DESC LIMIT $2`, agency, maxArrivals)
	if err != nil {
		return nil, errs.Wrap(op, err)
	}
	out, err := collect(rows, scanExchangeArrival)
	return out, errs.Wrap(op, err)
}

// ExchangeArrival is one arrival of agency; another agency's is not found,
// like one that never came.
func (s *Store) ExchangeArrival(ctx context.Context, agency, id string) (ExchangeArrival, error) {
	const op = "readmodel.ExchangeArrival"
	a, err := scanExchangeArrival(s.db.QueryRowContext(ctx, `SELECT `+arrivalColumns+` FROM exchange_arrivals
		WHERE id = $1 AND agency = $2`, id, agency))
	if errors.Is(err, sql.ErrNoRows) {
		return ExchangeArrival{}, errs.E(op, errs.NotFound, errcode.NotFound, "no arrival "+id)
	}
	return a, errs.Wrap(op, err)
}

const arrivalColumns = `id, agency, from_agency, from_name, number, notation, kind, type_name, subject, urgency,
	promulgated_on, due_on, attachments, received_at, document_id, registered_at`

func scanExchangeArrival(row scanner) (ExchangeArrival, error) {
	var (
		a                     ExchangeArrival
		files, at, registered string
	)
	if err := row.Scan(&a.ID, &a.Agency, &a.FromAgency, &a.FromName, &a.Number, &a.Notation, &a.Kind, &a.TypeName,
		&a.Subject, &a.Urgency, &a.PromulgatedOn, &a.DueOn, &files, &at, &a.DocumentID, &registered); err != nil {
		return ExchangeArrival{}, err
	}
	if err := json.Unmarshal([]byte(files), &a.Attachments); err != nil {
		return ExchangeArrival{}, fmt.Errorf("arrival %s: attachments: %w", a.ID, err)
	}
	a.ReceivedAt, _ = sqlstore.ParseTime(at) // written by sqlstore.Time
	a.RegisteredAt = parseOptionalTime(registered)
	return a, nil
}
