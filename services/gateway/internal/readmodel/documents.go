package readmodel

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/docflow/docflow/api/errcode"
	events "github.com/docflow/docflow/api/events/v1"
	"github.com/docflow/docflow/services/internal/errs"
	"github.com/docflow/docflow/services/internal/sqlstore"
)

// Document statuses, in the order a document moves through them.
const (
	// StatusDrafted is an outgoing draft, stored but not numbered; an
	// incoming document starts StatusRegistered, with its số đến.
	StatusDrafted    = "drafted"
	StatusRegistered = "registered"
	// WaitingForClerks is whom a signed document waits for: a clerk of its
	// agency, to issue it.
	WaitingForClerks = "clerks"
	StatusInApproval = "in_approval"
	StatusApproved   = "approved"
	StatusRejected   = "rejected"
	StatusSigned     = "signed"
	StatusArchived   = "archived"
	StatusRecalled   = "recalled" // withdrawn by its drafter before signing
	// An incoming document's handling (DOMAIN.md §5): assigned by the
	// leader, then completed by its lead.
	StatusInHandling = "in_handling"
	StatusHandled    = "handled"
)

// rank orders statuses so a late, redelivered event never moves a document
// backwards.
var rank = map[string]int{
	StatusDrafted: 1, StatusRegistered: 1, StatusInApproval: 2, StatusApproved: 3, StatusSigned: 4, StatusArchived: 5, StatusRejected: 5, StatusRecalled: 5,
	// The handling's tasks are assigned (in_approval) before the leader's
	// assignment moves the document on.
	StatusInHandling: 3, StatusHandled: 5,
}

// The flows a document is in (DOMAIN.md §4–§5).
const (
	Incoming = "incoming"
	Outgoing = "outgoing"
)

// Recipient is one addressee of an outgoing document, with where its copy
// stands.
type Recipient struct {
	Unit, Agency string
	// Status is RecipientPending until the document is dispatched, then
	// one of the events.Dispatch* statuses.
	Status   string
	StatusAt time.Time
	// Receipt is the latest status receipt (events.Receipt*, 01–06) the
	// recipient agency sent back over the exchange, with its description
	// and when it was issued; empty before the first.
	Receipt, ReceiptDescription string
	ReceiptAt                   time.Time
}

// RecipientPending is a recipient the document has not been sent to yet.
const RecipientPending = "pending"

// Document is a document as the gateway shows it.
type Document struct {
	ID, Agency, Kind, Subject, Urgency, Confidentiality string
	// Direction is Incoming or Outgoing; an outgoing document has its
	// drafter, drafting unit and recipients.
	Direction, Drafter, Unit string
	Recipients               []Recipient
	ArrivalNumber            int64
	ArrivalYear              int
	Status                   string
	// Object is the registered original.
	Object               events.Object
	WaitingFor, RecordID string
	CreatedAt, UpdatedAt time.Time
	History              []HistoryEntry
	Self                 SelfDescription
	// The PDFs made from the original, each zero until its event arrives:
	// the one with the personal signature (document.signed), the one the
	// clerk issued with the organisation signature (document.numbered), and
	// the record's copy under object lock (document.archived). Documents
	// signed before the read model kept the signed PDF have its key without
	// a digest.
	Signed, Sealed, Archived events.Object
}

// Latest is the document's latest PDF and what it is: the sealed one once
// issued, else the personally signed one once signed, else the original.
func (d Document) Latest() (events.Object, string) {
	switch {
	case d.Sealed.Key != "":
		return d.Sealed, "sealed"
	case d.Signed.Key != "":
		return d.Signed, "signed"
	}
	return d.Object, "original"
}

// DocumentQuery selects a page of the documents of the reader's agency
// that the reader may read, most recently changed first, perhaps only those
// in one status.
type DocumentQuery struct {
	Reader    Reader
	Status    string
	PageSize  int
	PageToken string
}

// SelfDescription is what an incoming document says of itself, as the clerk
// entered it on upload; every field may be empty.
type SelfDescription struct {
	Issuer      string // the issuing agency's name
	IssuerID    string // its identifier
	Symbol      string // số, ký hiệu as printed
	IssuedOn    string // the document's date, YYYY-MM-DD
	Description string // the register's note (Ghi chú)
}

// documents keeps a row per document: where it stands (status, whom it
// waits for), what it says of itself, and every PDF of it the events name.
// The events after document.received fail while the document is not
// projected, so that they are delivered again after it.
var documents = projector{
	events.DocumentReceived: on(registerDocument),
	events.DocumentDrafted:  on(draftDocument),
	// A draft whose drafter named no unit takes the one routing settled.
	events.RouteSelected: on(func(ctx context.Context, tx *sql.Tx, ev events.Event, d *events.RouteSelectedData) error {
		if d.Unit == "" {
			return nil
		}
		_, err := tx.ExecContext(ctx, `UPDATE documents SET unit = $1 WHERE id = $2 AND unit = ''`, d.Unit, ev.Subject)
		return err
	}),
	// Whom a document in a step waits for is everyone holding an open task
	// on it, so a parallel step shows all its approvers until each decides.
	events.TaskAssigned:      waitForTasks(StatusInApproval),
	events.TaskDecided:       waitForTasks(StatusInApproval),
	events.TaskWithdrawn:     waitForTasks(StatusInApproval),
	events.TaskReassigned:    waitForTasks(StatusInApproval),
	events.HandlingAssigned:  waitForTasks(StatusInHandling),
	events.HandlingCompleted: waitForTasks(StatusHandled),
	events.DocumentRecalled:  waitForTasks(StatusRecalled),
	events.DocumentSent: on(func(ctx context.Context, tx *sql.Tx, ev events.Event, d *events.DocumentSentData) error {
		if err := forward(ctx, tx, ev, StatusInApproval); err != nil {
			return err
		}
		// The document waits for the agency it was sent to.
		return waitFor(ctx, tx, ev.Subject, d.To)
	}),
	events.DocumentApproved: func(ctx context.Context, tx *sql.Tx, ev events.Event) error {
		return forward(ctx, tx, ev, StatusApproved)
	},
	events.DocumentRejected: func(ctx context.Context, tx *sql.Tx, ev events.Event) error {
		return forward(ctx, tx, ev, StatusRejected)
	},
	events.DocumentSigned: on(func(ctx context.Context, tx *sql.Tx, ev events.Event, d *events.DocumentSignedData) error {
		if err := forward(ctx, tx, ev, StatusSigned); err != nil {
			return err
		}
		// A signed document waits for a clerk to number and seal it.
		_, err := tx.ExecContext(ctx, `UPDATE documents SET waiting_for = $1,
			signed_bucket = $2, signed_key = $3, signed_version = $4, signed_sha256 = $5, signed_size = $6 WHERE id = $7`,
			WaitingForClerks, d.Signed.Bucket, d.Signed.Key, d.Signed.VersionID, d.Signed.SHA256, d.Signed.Size, ev.Subject)
		return err
	}),
	// Issued: the register's row (outgoing.go), and the sealed PDF with it.
	events.DocumentNumbered: on(issueDocument),
	events.DocumentArchived: on(func(ctx context.Context, tx *sql.Tx, ev events.Event, d *events.DocumentArchivedData) error {
		if err := forward(ctx, tx, ev, StatusArchived); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `UPDATE documents SET record_id = $1, waiting_for = '',
			archived_bucket = $2, archived_key = $3, archived_version = $4, archived_sha256 = $5, archived_size = $6 WHERE id = $7`,
			d.RecordID, d.Object.Bucket, d.Object.Key, d.Object.VersionID, d.Object.SHA256, d.Object.Size, ev.Subject)
		return err
	}),
}

func registerDocument(ctx context.Context, tx *sql.Tx, ev events.Event, d *events.DocumentReceivedData) error {
	received := d.ReceivedAt
	if received.IsZero() {
		received = ev.Time
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO documents (id, agency, kind, subject, urgency, confidentiality, arrival_number, arrival_year,
			status, bucket, object_key, object_version, sha256, size, created_at, updated_at,
			issuer, issuer_id, symbol, issued_on, description, received_at, drafter)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $15, $16, $17, $18, $19, $20, $21, $22)`,
		d.DocumentID, d.Agency, d.Kind, d.Subject, d.Urgency, d.Confidentiality, d.ArrivalNumber, d.ArrivalYear,
		StatusRegistered, d.Original.Bucket, d.Original.Key, d.Original.VersionID, d.Original.SHA256, d.Original.Size, sqlstore.Time(ev.Time),
		d.Issuer, d.IssuerID, d.Symbol, d.IssuedOn, d.Description, sqlstore.Time(received), d.By.Username)
	return err
}

// draftDocument projects an outgoing draft: no arrival number, its drafter
// and drafting unit, and a row per recipient, none sent yet.
func draftDocument(ctx context.Context, tx *sql.Tx, ev events.Event, d *events.DocumentDraftedData) error {
	drafted := d.DraftedAt
	if drafted.IsZero() {
		drafted = ev.Time
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO documents (id, agency, kind, subject, urgency, confidentiality, arrival_number, arrival_year,
			status, bucket, object_key, object_version, sha256, size, created_at, updated_at,
			issuer, issuer_id, symbol, issued_on, description, received_at, drafter, direction, unit)
		VALUES ($1, $2, $3, $4, $5, $6, 0, 0, $7, $8, $9, $10, $11, $12, $13, $13, '', '', '', '', $14, $15, $16, $17, $18)`,
		d.DocumentID, d.Agency, d.Kind, d.Subject, d.Urgency, d.Confidentiality,
		StatusDrafted, d.Original.Bucket, d.Original.Key, d.Original.VersionID, d.Original.SHA256, d.Original.Size, sqlstore.Time(ev.Time),
		d.Description, sqlstore.Time(drafted), d.By.Username, Outgoing, d.Unit); err != nil {
		return err
	}
	for i, r := range d.Recipients {
		if _, err := tx.ExecContext(ctx, `INSERT INTO document_recipients (document_id, seq, unit, agency, status, status_at)
			VALUES ($1, $2, $3, $4, $5, $6)`, d.DocumentID, i, r.Unit, r.Agency, RecipientPending, sqlstore.Time(ev.Time)); err != nil {
			return err
		}
	}
	return nil
}

// recipients are an outgoing document's recipients, in the drafter's order.
func (s *Store) recipients(ctx context.Context, id string) ([]Recipient, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT unit, agency, status, status_at, receipt, receipt_description, receipt_at FROM document_recipients WHERE document_id = $1 ORDER BY seq`, id)
	if err != nil {
		return nil, err
	}
	return collect(rows, func(row scanner) (Recipient, error) { return scanRecipient(row) })
}

// scanRecipient scans a recipient's unit, agency, status, status time and
// latest receipt, after any leading columns (lead) a query selects before
// them.
func scanRecipient(row scanner, lead ...any) (Recipient, error) {
	var (
		r             Recipient
		at, receiptAt string
	)
	if err := row.Scan(append(lead, &r.Unit, &r.Agency, &r.Status, &at, &r.Receipt, &r.ReceiptDescription, &receiptAt)...); err != nil {
		return r, err
	}
	r.StatusAt, _ = sqlstore.ParseTime(at)
	r.ReceiptAt = parseOptionalTime(receiptAt)
	return r, nil
}

// forward moves the event's document on to status, never back, and stamps
// it with the event's time. A document not projected yet is an error.
func forward(ctx context.Context, tx *sql.Tx, ev events.Event, status string) error {
	id := ev.Subject
	var current string
	err := tx.QueryRowContext(ctx, `SELECT status FROM documents WHERE id = $1`, id).Scan(&current)
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("document %s is not projected yet: its %s is applied after its document.received", id, ev.Type)
	}
	if err != nil {
		return err
	}
	if rank[status] <= rank[current] {
		status = current
	}
	_, err = tx.ExecContext(ctx, `UPDATE documents SET status = $1, updated_at = $2 WHERE id = $3`, status, sqlstore.Time(ev.Time), id)
	return err
}

// waitFor says whom a document waits for.
func waitFor(ctx context.Context, tx *sql.Tx, id, who string) error {
	_, err := tx.ExecContext(ctx, `UPDATE documents SET waiting_for = $1 WHERE id = $2`, who, id)
	return err
}

// waitForTasks moves the event's document on to status; it then waits for
// the people holding an open task on it, comma separated in order of
// assignment.
func waitForTasks(status string) projection {
	return func(ctx context.Context, tx *sql.Tx, ev events.Event) error {
		if err := forward(ctx, tx, ev, status); err != nil {
			return err
		}
		who, err := openAssignees(ctx, tx, ev.Subject)
		if err != nil {
			return err
		}
		return waitFor(ctx, tx, ev.Subject, strings.Join(who, ","))
	}
}

// Document returns one document of r's agency with its history, if r may
// read it. One r may not read is not found to them, as one that does not
// exist is (its existence is not disclosed), with ErrNeedToKnow as cause.
func (s *Store) Document(ctx context.Context, r Reader, id string) (Document, error) {
	const op = "readmodel.Document"
	var (
		d                Document
		created, updated string
		readable         bool
	)
	dest := []any{&d.ID, &d.Agency, &d.Kind, &d.Subject, &d.Urgency, &d.Confidentiality, &d.ArrivalNumber, &d.ArrivalYear,
		&d.Status, &d.WaitingFor, &d.RecordID, &created, &updated,
		&d.Self.Issuer, &d.Self.IssuerID, &d.Self.Symbol, &d.Self.IssuedOn, &d.Self.Description, &d.Direction, &d.Drafter, &d.Unit}
	for _, o := range []*events.Object{&d.Object, &d.Signed, &d.Sealed, &d.Archived} {
		dest = append(dest, &o.Bucket, &o.Key, &o.VersionID, &o.SHA256, &o.Size)
	}
	dest = append(dest, &readable)
	args := []any{id, r.Agency}
	err := s.db.QueryRowContext(ctx, `SELECT d.id, d.agency, d.kind, d.subject, d.urgency, d.confidentiality, d.arrival_number, d.arrival_year,
		d.status, d.waiting_for, d.record_id, d.created_at, d.updated_at, d.issuer, d.issuer_id, d.symbol, d.issued_on, d.description,
		d.direction, d.drafter, d.unit, d.bucket, d.object_key, d.object_version, d.sha256, d.size,
		d.signed_bucket, d.signed_key, d.signed_version, d.signed_sha256, d.signed_size,
		COALESCE(o.sealed_bucket, ''), COALESCE(o.sealed_key, ''), COALESCE(o.sealed_version, ''), COALESCE(o.sealed_sha256, ''), COALESCE(o.sealed_size, 0),
		d.archived_bucket, d.archived_key, d.archived_version, d.archived_sha256, d.archived_size,
		CASE WHEN `+r.readable(binder(&args))+` THEN TRUE ELSE FALSE END
		FROM documents d LEFT JOIN outgoing o ON o.document_id = d.id
		WHERE d.id = $1 AND d.agency = $2`, args...).Scan(dest...)
	if errors.Is(err, sql.ErrNoRows) {
		return Document{}, errs.E(op, errs.NotFound, errcode.NotFound, "no document "+id)
	}
	if err != nil {
		return Document{}, errs.Wrap(op, err)
	}
	if !readable {
		return Document{}, errs.E(op, errs.NotFound, errcode.NotFound, "no document "+id).WithCause(ErrNeedToKnow)
	}
	d.CreatedAt, _ = sqlstore.ParseTime(created)
	d.UpdatedAt, _ = sqlstore.ParseTime(updated)
	if d.History, err = s.history(ctx, id); err != nil {
		return Document{}, errs.Wrap(op, err)
	}
	if d.Direction == Outgoing {
		if d.Recipients, err = s.recipients(ctx, id); err != nil {
			return Document{}, errs.Wrap(op, err)
		}
	}
	return d, nil
}

// Documents lists documents without their history.
func (s *Store) Documents(ctx context.Context, q DocumentQuery) ([]Document, string, error) {
	const op = "readmodel.Documents"
	size, err := pageSize(op, q.PageSize)
	if err != nil {
		return nil, "", err
	}
	where := `d.agency = $1`
	args := []any{q.Reader.Agency}
	arg := binder(&args)
	if !q.Reader.seesAll() {
		where += ` AND d.id IN (` + q.Reader.candidates("$1", arg) + `)`
	}
	where += ` AND ` + q.Reader.readable(arg)
	if q.Status != "" {
		where += ` AND d.status = ` + arg(q.Status)
	}
	if q.PageToken != "" {
		after, err := decodePageToken(q.PageToken, "documents:"+q.Status, 2)
		if err != nil {
			return nil, "", errs.E(op, errs.Invalid, errcode.InvalidArgument, pageTokenMalformedHint).WithDetail("page_token", "invalid")
		}
		where += ` AND (d.updated_at, d.id) < (` + arg(after[0]) + `, ` + arg(after[1]) + `)`
	}
	rows, err := s.db.QueryContext(ctx, `SELECT d.id, d.agency, d.kind, d.subject, d.urgency, d.confidentiality, d.arrival_number, d.arrival_year, d.status,
		d.waiting_for, d.record_id, d.created_at, d.updated_at FROM documents d WHERE `+where+`
		ORDER BY d.updated_at DESC, d.id DESC LIMIT `+arg(size+1), args...)
	if err != nil {
		return nil, "", errs.Wrap(op, err)
	}
	var rawTimes []string
	out, err := collect(rows, func(row scanner) (Document, error) {
		var (
			d                Document
			created, updated string
		)
		if err := row.Scan(&d.ID, &d.Agency, &d.Kind, &d.Subject, &d.Urgency, &d.Confidentiality, &d.ArrivalNumber, &d.ArrivalYear,
			&d.Status, &d.WaitingFor, &d.RecordID, &created, &updated); err != nil {
			return Document{}, err
		}
		d.CreatedAt, _ = sqlstore.ParseTime(created)
		d.UpdatedAt, _ = sqlstore.ParseTime(updated)
		rawTimes = append(rawTimes, updated)
		return d, nil
	})
	if err != nil {
		return nil, "", errs.Wrap(op, err)
	}
	next := ""
	if len(out) > size {
		out = out[:size]
		next = encodePageToken("documents:"+q.Status, []string{rawTimes[size-1], out[size-1].ID})
	}
	return out, next, nil
}
