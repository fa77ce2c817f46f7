package readmodel

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
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

const issuedColumns = `document_id, register, year, number, symbol, kind, subject, signer, issued_by, issued_at, attachment,
	sealed_bucket, sealed_key, sealed_version, sealed_sha256, sealed_size`

func scanIssued(row scanner) (Issued, error) {
	var (
		i  Issued
		at string
	)
	if err := row.Scan(&i.DocumentID, &i.Register, &i.Year, &i.Number, &i.Symbol, &i.Kind, &i.Subject, &i.Signer, &i.IssuedBy, &at,
		&i.Attachment, &i.Sealed.Bucket, &i.Sealed.Key, &i.Sealed.VersionID, &i.Sealed.SHA256, &i.Sealed.Size); err != nil {
		return Issued{}, err
	}
	t, err := sqlstore.ParseTime(at)
	if err != nil {
		return Issued{}, fmt.Errorf("document %s: issued_at: %w", i.DocumentID, err)
	}
	i.IssuedAt = t
	return i, nil
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

func (s *Store) outgoing(ctx context.Context, op string, r Reader, year int, since, until time.Time, series string) ([]Issued, error) {
	args := []any{r.Agency, year, sqlstore.Time(since), sqlstore.Time(until)}
	readable := r.readable(binder(&args))
	rows, err := s.db.QueryContext(ctx, `SELECT `+issuedColumns+` FROM outgoing
		WHERE agency = $1 AND year = $2 AND issued_at >= $3 AND issued_at < $4 AND `+series+`
			AND EXISTS (SELECT 1 FROM documents d WHERE d.id = outgoing.document_id AND `+readable+`)
		ORDER BY issued_at, number, document_id`, args...)
	if err != nil {
		return nil, errs.Wrap(op, err)
	}
	out, err := collect(rows, scanIssued)
	if err != nil {
		return nil, errs.Wrap(op, err)
	}
	for i := range out {
		if err := s.db.QueryRowContext(ctx, `SELECT drafter, unit, confidentiality FROM documents WHERE id = $1`, out[i].DocumentID).
			Scan(&out[i].Drafter, &out[i].Unit, &out[i].Confidentiality); err != nil {
			return nil, errs.Wrap(op, err)
		}
		if out[i].Recipients, err = s.recipients(ctx, out[i].DocumentID); err != nil {
			return nil, errs.Wrap(op, err)
		}
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
