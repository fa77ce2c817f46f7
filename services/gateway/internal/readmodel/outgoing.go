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

// The outgoing register (sổ đăng ký văn bản đi, DOMAIN.md §10): one row per
// document a clerk issued, projected from document.numbered.

// outgoingMigration is appended to migrations.
const outgoingMigration = `CREATE TABLE outgoing (
		document_id    TEXT PRIMARY KEY,
		agency         TEXT NOT NULL,
		register       TEXT NOT NULL,
		year           INTEGER NOT NULL,
		number         BIGINT NOT NULL,
		symbol         TEXT NOT NULL,
		kind           TEXT NOT NULL,
		subject        TEXT NOT NULL,
		signer         TEXT NOT NULL,
		issued_by      TEXT NOT NULL,
		issued_at      TEXT NOT NULL,
		attachment     BOOLEAN NOT NULL,
		sealed_bucket  TEXT NOT NULL,
		sealed_key     TEXT NOT NULL,
		sealed_version TEXT NOT NULL,
		sealed_sha256  TEXT NOT NULL,
		sealed_size    BIGINT NOT NULL)`

// outgoingIndex serves the register's print, per agency and year.
const outgoingIndex = `CREATE INDEX outgoing_by_year ON outgoing (agency, year, issued_at, number)`

// Issued is one document in the outgoing register.
type Issued struct {
	DocumentID string
	Register   string
	Year       int
	Number     int64
	Symbol     string
	Kind       string
	Subject    string
	Signer     string // username of the person who signed
	IssuedBy   string // the clerk
	IssuedAt   time.Time
	Attachment bool
	Sealed     events.Object
	// What the register prints beside the number: who drafted it, in which
	// unit (they keep its file copy), and its recipients with where each
	// copy stands.
	Drafter, Unit, Confidentiality string
	Recipients                     []Recipient
}

// issueDocument enters an issued document in the register, with the sealed
// PDF (the one archived and dispatched), and stops it waiting for a clerk.
func issueDocument(ctx context.Context, tx *sql.Tx, ev events.Event, d *events.DocumentNumberedData) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO outgoing (document_id, agency, register, year, number, symbol, kind, subject, signer,
			issued_by, issued_at, attachment, sealed_bucket, sealed_key, sealed_version, sealed_sha256, sealed_size)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)
		ON CONFLICT (document_id) DO NOTHING`,
		d.DocumentID, ev.Agency, d.Register, d.Year, d.Number, d.Symbol, d.Kind, d.Subject, d.Signer,
		d.By.Username, sqlstore.Time(d.IssuedAt), d.Attachment,
		d.Sealed.Bucket, d.Sealed.Key, d.Sealed.VersionID, d.Sealed.SHA256, d.Sealed.Size)
	if err != nil {
		return err
	}
	// Issued: the document no longer waits for a clerk.
	_, err = tx.ExecContext(ctx, `UPDATE documents SET waiting_for = '' WHERE id = $1 AND waiting_for = $2`, d.DocumentID, WaitingForClerks)
	return err
}

var issuedColumns = issuedColumnsOf("")

// issuedColumnsOf are the register's columns, each prefixed (a table name
// and a dot) where a join makes their names ambiguous.
func issuedColumnsOf(prefix string) string {
	names := []string{"document_id", "register", "year", "number", "symbol", "kind", "subject", "signer", "issued_by", "issued_at",
		"attachment", "sealed_bucket", "sealed_key", "sealed_version", "sealed_sha256", "sealed_size"}
	return prefix + strings.Join(names, ", "+prefix)
}

func scanIssued(row scanner) (Issued, error) {
	var i Issued
	err := scanIssuedInto(row, &i)
	return i, err
}

// scanIssuedInto scans the register's columns into i, then any further
// columns into more.
func scanIssuedInto(row scanner, i *Issued, more ...any) error {
	var at string
	dest := append([]any{&i.DocumentID, &i.Register, &i.Year, &i.Number, &i.Symbol, &i.Kind, &i.Subject, &i.Signer, &i.IssuedBy, &at,
		&i.Attachment, &i.Sealed.Bucket, &i.Sealed.Key, &i.Sealed.VersionID, &i.Sealed.SHA256, &i.Sealed.Size}, more...)
	if err := row.Scan(dest...); err != nil {
		return err
	}
	t, err := sqlstore.ParseTime(at)
	if err != nil {
		return fmt.Errorf("document %s: issued_at: %w", i.DocumentID, err)
	}
	i.IssuedAt = t
	return nil
}

// Outgoing lists the documents r's agency issued in year with an issue time
// in [since, until) and r may read, in the order they were issued. Secret
// documents are left out, as in Arrivals: their series has a register of
// its own.
func (s *Store) Outgoing(ctx context.Context, r Reader, year int, since, until time.Time) ([]Issued, error) {
	return s.outgoing(ctx, "readmodel.Outgoing", r, year, since, until, `register <> 'outgoing/secret'`)
}

// SecretOutgoing is the secret documents' outgoing register: those numbered
// in the secret series that r may read.
func (s *Store) SecretOutgoing(ctx context.Context, r Reader, year int, since, until time.Time) ([]Issued, error) {
	return s.outgoing(ctx, "readmodel.SecretOutgoing", r, year, since, until, `register = 'outgoing/secret'`)
}

// outgoing reads the register's rows with their documents' drafter, unit
// and mark in one query, and all their recipients in a second, whatever
// the number of rows.
func (s *Store) outgoing(ctx context.Context, op string, r Reader, year int, since, until time.Time, series string) ([]Issued, error) {
	args := []any{r.Agency, year, sqlstore.Time(since), sqlstore.Time(until)}
	readable := r.readable(binder(&args))
	from := `FROM outgoing JOIN documents d ON d.id = outgoing.document_id
		WHERE outgoing.agency = $1 AND outgoing.year = $2 AND outgoing.issued_at >= $3 AND outgoing.issued_at < $4
			AND outgoing.` + series + ` AND ` + readable
	rows, err := s.db.QueryContext(ctx, `SELECT `+issuedColumnsOf("outgoing.")+`, d.drafter, d.unit, d.confidentiality `+from+`
		ORDER BY outgoing.issued_at, outgoing.number, outgoing.document_id`, args...)
	if err != nil {
		return nil, errs.Wrap(op, err)
	}
	out, err := collect(rows, func(row scanner) (Issued, error) {
		var i Issued
		err := scanIssuedInto(row, &i, &i.Drafter, &i.Unit, &i.Confidentiality)
		return i, err
	})
	if err != nil {
		return nil, errs.Wrap(op, err)
	}
	rows, err = s.db.QueryContext(ctx, `SELECT r.document_id, r.unit, r.agency, r.status, r.status_at, r.receipt, r.receipt_description, r.receipt_at FROM document_recipients r
		WHERE r.document_id IN (SELECT outgoing.document_id `+from+`) ORDER BY r.document_id, r.seq`, args...)
	if err != nil {
		return nil, errs.Wrap(op, err)
	}
	recipients := map[string][]Recipient{}
	if _, err := collect(rows, func(row scanner) (struct{}, error) {
		var id string
		rc, err := scanRecipient(row, &id)
		recipients[id] = append(recipients[id], rc)
		return struct{}{}, err
	}); err != nil {
		return nil, errs.Wrap(op, err)
	}
	for i := range out {
		out[i].Recipients = recipients[out[i].DocumentID]
	}
	return out, nil
}

// IssuedDocument is how a document of agency was issued; NotFound when it
// was not (yet).
func (s *Store) IssuedDocument(ctx context.Context, agency, id string) (Issued, error) {
	const op = "readmodel.IssuedDocument"
	i, err := scanIssued(s.db.QueryRowContext(ctx, `SELECT `+issuedColumns+` FROM outgoing WHERE document_id = $1 AND agency = $2`, id, agency))
	if errors.Is(err, sql.ErrNoRows) {
		return Issued{}, errs.E(op, errs.NotFound, errcode.NotFound, "document "+id+" has not been issued")
	}
	if err != nil {
		return Issued{}, errs.Wrap(op, err)
	}
	return i, nil
}
