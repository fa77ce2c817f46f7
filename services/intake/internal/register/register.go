// Package register is the incoming register (sổ đăng ký văn bản đến): what
// may be entered in it (document kinds, subject, urgency, confidentiality)
// and the entries themselves, each with its arrival number (số đến).
//
// Arrival numbers run per agency and calendar year in Vietnam's time zone,
// from 1 on 1 January, without gaps; secret documents have a series of
// their own. The number is issued by the clerical counters in the same
// transaction that inserts the entry, so a registration that fails leaves
// the counter where it was.
package register

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/docflow/docflow/api/errcode"
	events "github.com/docflow/docflow/api/events/v1"
	"github.com/docflow/docflow/api/vntime"
	"github.com/docflow/docflow/services/internal/clerical/counter"
	"github.com/docflow/docflow/services/internal/errs"
	"github.com/docflow/docflow/services/internal/sqlstore"
)

// Statuses of an entry: an incoming document entered in the register with
// its arrival number, or an outgoing draft, stored and checked but not
// numbered (it takes its number from the outgoing register when issued).
const (
	StatusRegistered = "registered"
	StatusDrafted    = "drafted"
)

// The two flows (DOMAIN.md §4–§5). The table holds both because both are
// stored, checked and announced the same way; only incoming entries take an
// arrival number and belong to the incoming register.
const (
	Incoming = "incoming"
	Outgoing = "outgoing"
)

// secret are the confidentiality levels numbered in the secret series.
var secret = []string{"MAT", "TOI_MAT", "TUYET_MAT"}

// Document is one entry: an incoming document or an outgoing draft.
type Document struct {
	ID        string
	Agency    string
	Direction string // Incoming or Outgoing
	// ArrivalRegister is the series the arrival number belongs to:
	// counter.IncomingRegister, or counter.IncomingSecretRegister for
	// secret documents. It, ArrivalYear and ArrivalNumber are empty for
	// an outgoing draft.
	ArrivalRegister string
	ArrivalYear     int
	ArrivalNumber   int64
	Kind            string
	Subject         string
	Urgency         string
	Confidentiality string
	// What the document says of itself, each optional (empty when not
	// given), for the register printout (DOMAIN.md §10).
	Issuer      string // issuing agency's name (tác giả)
	IssuerID    string // issuing agency's identifier
	Symbol      string // number and symbol as printed, e.g. 12/QĐ-UBND
	IssuedOn    string // the document's date, YYYY-MM-DD
	Description string // note (ghi chú)
	// A draft's drafting unit and recipients (nơi nhận); empty for an
	// incoming document.
	Unit       string
	Recipients []events.Recipient
	// ExchangeArrival is the exchange arrival an incoming document was
	// registered from; empty otherwise.
	ExchangeArrival string
	Original        events.Object // the stored original PDF
	Pages           int
	Status          string
	ReceivedBy      events.Actor
	ReceivedAt      time.Time
	// Staged is where the upload was staged; a repeated request for the same
	// staged object finds this entry instead of registering the file twice.
	StagedBucket, StagedKey string
	// EventID is the id of the document.received event, fixed at
	// registration so every attempt to publish it is the same event.
	EventID     string
	AnnouncedAt time.Time // zero until the event is on the stream
}

// Register stores the entries in SQL (SQLite or PostgreSQL).
type Register struct {
	db       *sqlstore.DB
	counters *counter.Store
	series   counter.Config
}

// migrations are append-only: a released step is never edited.
var migrations = []string{
	`CREATE TABLE intake_counters (
		agency   TEXT NOT NULL,
		register TEXT NOT NULL,
		year     INTEGER NOT NULL,
		value    BIGINT NOT NULL,
		PRIMARY KEY (agency, register, year))`,
	`CREATE TABLE intake_documents (
		id               TEXT PRIMARY KEY,
		agency           TEXT NOT NULL,
		arrival_year     INTEGER NOT NULL,
		arrival_number   BIGINT NOT NULL,
		kind             TEXT NOT NULL,
		subject          TEXT NOT NULL,
		urgency          TEXT NOT NULL,
		confidentiality  TEXT NOT NULL,
		bucket           TEXT NOT NULL,
		object_key       TEXT NOT NULL,
		version_id       TEXT NOT NULL,
		size             BIGINT NOT NULL,
		sha256           TEXT NOT NULL,
		pages            INTEGER NOT NULL,
		status           TEXT NOT NULL,
		received_by      TEXT NOT NULL,
		received_by_role TEXT NOT NULL,
		received_at      TEXT NOT NULL,
		staged_bucket    TEXT NOT NULL,
		staged_key       TEXT NOT NULL,
		event_id         TEXT NOT NULL,
		announced_at     TEXT,
		UNIQUE (staged_bucket, staged_key),
		UNIQUE (agency, arrival_year, arrival_number))`,
	`CREATE INDEX intake_documents_unannounced ON intake_documents (received_at) WHERE announced_at IS NULL`,
	// The numbers moved to the clerical counters: the values reached so far
	// carry over (the larger wins should the counters have one already),
	// and the old table goes so nothing reads a stale number from it.
	`INSERT INTO clerical_counters (agency, register, year, value)
		SELECT agency, register, year, value FROM intake_counters WHERE true
		ON CONFLICT (agency, register, year) DO UPDATE SET value =
			CASE WHEN excluded.value > clerical_counters.value THEN excluded.value ELSE clerical_counters.value END`,
	`DROP TABLE intake_counters`,
	// Entries record their series, so that a secret document's number may
	// repeat a normal one's, and what the document says of itself. SQLite
	// cannot drop a table constraint, so the table is rebuilt in both
	// dialects: entries made so far were all numbered in the incoming series.
	`CREATE TABLE intake_documents_v2 (
		id               TEXT PRIMARY KEY,
		agency           TEXT NOT NULL,
		arrival_register TEXT NOT NULL,
		arrival_year     INTEGER NOT NULL,
		arrival_number   BIGINT NOT NULL,
		kind             TEXT NOT NULL,
		subject          TEXT NOT NULL,
		urgency          TEXT NOT NULL,
		confidentiality  TEXT NOT NULL,
		issuer           TEXT NOT NULL,
		issuer_id        TEXT NOT NULL,
		symbol           TEXT NOT NULL,
		issued_on        TEXT NOT NULL,
		description      TEXT NOT NULL,
		bucket           TEXT NOT NULL,
		object_key       TEXT NOT NULL,
		version_id       TEXT NOT NULL,
		size             BIGINT NOT NULL,
		sha256           TEXT NOT NULL,
		pages            INTEGER NOT NULL,
		status           TEXT NOT NULL,
		received_by      TEXT NOT NULL,
		received_by_role TEXT NOT NULL,
		received_at      TEXT NOT NULL,
		staged_bucket    TEXT NOT NULL,
		staged_key       TEXT NOT NULL,
		event_id         TEXT NOT NULL,
		announced_at     TEXT,
		UNIQUE (staged_bucket, staged_key),
		UNIQUE (agency, arrival_register, arrival_year, arrival_number))`,
	`INSERT INTO intake_documents_v2 (id, agency, arrival_register, arrival_year, arrival_number, kind, subject, urgency,
		confidentiality, issuer, issuer_id, symbol, issued_on, description, bucket, object_key, version_id, size, sha256,
		pages, status, received_by, received_by_role, received_at, staged_bucket, staged_key, event_id, announced_at)
		SELECT id, agency, 'incoming', arrival_year, arrival_number, kind, subject, urgency,
		confidentiality, '', '', '', '', '', bucket, object_key, version_id, size, sha256,
		pages, status, received_by, received_by_role, received_at, staged_bucket, staged_key, event_id, announced_at
		FROM intake_documents`,
	`DROP TABLE intake_documents`,
	`ALTER TABLE intake_documents_v2 RENAME TO intake_documents`,
	`CREATE INDEX intake_documents_unannounced ON intake_documents (received_at) WHERE announced_at IS NULL`,
	// Outgoing drafts are stored here too, without an arrival number: the
	// arrival columns become nullable (a unique constraint ignores NULLs in
	// both dialects), so the table is rebuilt again; every entry so far is
	// an incoming one.
	`CREATE TABLE intake_documents_v3 (
		id               TEXT PRIMARY KEY,
		agency           TEXT NOT NULL,
		direction        TEXT NOT NULL,
		arrival_register TEXT,
		arrival_year     INTEGER,
		arrival_number   BIGINT,
		kind             TEXT NOT NULL,
		subject          TEXT NOT NULL,
		urgency          TEXT NOT NULL,
		confidentiality  TEXT NOT NULL,
		issuer           TEXT NOT NULL,
		issuer_id        TEXT NOT NULL,
		symbol           TEXT NOT NULL,
		issued_on        TEXT NOT NULL,
		description      TEXT NOT NULL,
		unit             TEXT NOT NULL,
		recipients       TEXT NOT NULL,
		bucket           TEXT NOT NULL,
		object_key       TEXT NOT NULL,
		version_id       TEXT NOT NULL,
		size             BIGINT NOT NULL,
		sha256           TEXT NOT NULL,
		pages            INTEGER NOT NULL,
		status           TEXT NOT NULL,
		received_by      TEXT NOT NULL,
		received_by_role TEXT NOT NULL,
		received_at      TEXT NOT NULL,
		staged_bucket    TEXT NOT NULL,
		staged_key       TEXT NOT NULL,
		event_id         TEXT NOT NULL,
		announced_at     TEXT,
		UNIQUE (staged_bucket, staged_key),
		UNIQUE (agency, arrival_register, arrival_year, arrival_number),
		CHECK (direction IN ('incoming', 'outgoing')),
		CHECK ((direction = 'incoming') = (arrival_number IS NOT NULL)))`,
	`INSERT INTO intake_documents_v3 (id, agency, direction, arrival_register, arrival_year, arrival_number, kind, subject, urgency,
		confidentiality, issuer, issuer_id, symbol, issued_on, description, unit, recipients, bucket, object_key, version_id, size, sha256,
		pages, status, received_by, received_by_role, received_at, staged_bucket, staged_key, event_id, announced_at)
		SELECT id, agency, 'incoming', arrival_register, arrival_year, arrival_number, kind, subject, urgency,
		confidentiality, issuer, issuer_id, symbol, issued_on, description, '', '[]', bucket, object_key, version_id, size, sha256,
		pages, status, received_by, received_by_role, received_at, staged_bucket, staged_key, event_id, announced_at
		FROM intake_documents`,
	`DROP TABLE intake_documents`,
	`ALTER TABLE intake_documents_v3 RENAME TO intake_documents`,
	`CREATE INDEX intake_documents_unannounced ON intake_documents (received_at) WHERE announced_at IS NULL`,
	// The exchange arrival an incoming document was registered from.
	`ALTER TABLE intake_documents ADD COLUMN exchange_arrival TEXT NOT NULL DEFAULT ''`,
}

// Open prepares the register's tables, and the counters that number its
// entries, in db. series says which series numbers an entry.
func Open(ctx context.Context, db *sqlstore.DB, series counter.Config) (*Register, error) {
	if err := series.Validate(); err != nil {
		return nil, fmt.Errorf("register.Open: registers: %w", err)
	}
	// The counters' table first: a step below carries the old numbers into it.
	counters, err := counter.Open(ctx, db)
	if err != nil {
		return nil, fmt.Errorf("register.Open: %w", err)
	}
	if err := db.Migrate(ctx, "intake.register", migrations); err != nil {
		return nil, fmt.Errorf("register.Open: %w", err)
	}
	return &Register{db: db, counters: counters, series: series}, nil
}

// Enter registers d: it takes the next arrival number of d's series (its
// Enter stores an entry. An incoming document takes the next arrival number
// of its series, in the same transaction; an outgoing draft takes none.
// d's ArrivalRegister, ArrivalYear, ArrivalNumber and Status are set here.
// When an entry for the same staged object exists already, Enter returns
// that entry and created is false.
func (r *Register) Enter(ctx context.Context, d Document) (_ Document, created bool, err error) {
	const op = "register.Enter"
	d.ReceivedAt = d.ReceivedAt.In(vntime.Zone)
	if d.Direction == "" {
		d.Direction = Incoming // what every entry was before drafts
	}
	if d.Recipients == nil {
		d.Recipients = []events.Recipient{}
	}
	recipients, err := json.Marshal(d.Recipients)
	if err != nil {
		return Document{}, false, errs.E(op, errs.Internal, errcode.Internal, "the recipients cannot be stored").WithCause(err)
	}
	insert := func(ctx context.Context, x execer) error {
		var register, year, number any // NULL for a draft
		if d.Direction == Incoming {
			register, year, number = d.ArrivalRegister, d.ArrivalYear, d.ArrivalNumber
		}
		_, err := x.ExecContext(ctx, `
			INSERT INTO intake_documents (id, agency, direction, arrival_register, arrival_year, arrival_number, kind, subject, urgency,
				confidentiality, issuer, issuer_id, symbol, issued_on, description, unit, recipients, bucket, object_key, version_id, size, sha256,
				pages, status, received_by, received_by_role, received_at, staged_bucket, staged_key, event_id, exchange_arrival)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24, $25, $26, $27, $28, $29, $30, $31)`,
			d.ID, d.Agency, d.Direction, register, year, number, d.Kind, d.Subject, d.Urgency,
			d.Confidentiality, d.Issuer, d.IssuerID, d.Symbol, d.IssuedOn, d.Description, d.Unit, string(recipients),
			d.Original.Bucket, d.Original.Key, d.Original.VersionID, d.Original.Size, d.Original.SHA256,
			d.Pages, d.Status, d.ReceivedBy.Username, d.ReceivedBy.Role, sqlstore.Time(d.ReceivedAt), d.StagedBucket, d.StagedKey, d.EventID, d.ExchangeArrival)
		return err
	}
	switch d.Direction {
	case Outgoing:
		d.ArrivalRegister, d.ArrivalYear, d.ArrivalNumber = "", 0, 0
		d.Status = StatusDrafted
		err = insert(ctx, r.db)
	case Incoming:
		series := r.series.SeriesFor(counter.Document{
			Agency:       d.Agency,
			Direction:    counter.Incoming,
			Kind:         d.Kind,
			Confidential: slices.Contains(secret, d.Confidentiality),
		}, d.ReceivedAt)
		d.ArrivalRegister, d.ArrivalYear = series.Register, series.Year
		d.Status = StatusRegistered
		_, err = r.counters.Issue(ctx, series, func(tx *sql.Tx, n int64) error {
			d.ArrivalNumber = n
			return insert(ctx, tx)
		})
	default:
		return Document{}, false, errs.E(op, errs.Internal, errcode.Internal, fmt.Sprintf("an entry's direction is %q, not incoming or outgoing", d.Direction))
	}
	if err == nil {
		return d, true, nil
	}
	if sqlstore.IsUniqueViolation(err) {
		existing, found, ferr := r.ByStaged(ctx, d.StagedBucket, d.StagedKey)
		if ferr != nil {
			return Document{}, false, errs.Wrap(op, ferr)
		}
		if found {
			return existing, false, nil
		}
		return Document{}, false, errs.E(op, errs.Conflict, errcode.Conflict,
			"the document conflicts with one already registered").WithCause(err)
	}
	return Document{}, false, unavailable(op, err)
}

// ByStaged finds the entry registered from a staged object.
func (r *Register) ByStaged(ctx context.Context, bucket, key string) (Document, bool, error) {
	const op = "register.ByStaged"
	docs, err := r.query(ctx, `WHERE staged_bucket = $1 AND staged_key = $2`, bucket, key)
	if err != nil {
		return Document{}, false, unavailable(op, err)
	}
	if len(docs) == 0 {
		return Document{}, false, nil
	}
	return docs[0], true, nil
}

// Get returns the entry with the given document id.
func (r *Register) Get(ctx context.Context, id string) (Document, error) {
	const op = "register.Get"
	docs, err := r.query(ctx, `WHERE id = $1`, id)
	if err != nil {
		return Document{}, unavailable(op, err)
	}
	if len(docs) == 0 {
		return Document{}, errs.E(op, errs.NotFound, errcode.NotFound, "no document "+id+" was registered or drafted here")
	}
	return docs[0], nil
}

// Unannounced lists up to limit entries received before the given instant
// whose event has not been published yet, oldest first.
func (r *Register) Unannounced(ctx context.Context, before time.Time, limit int) ([]Document, error) {
	const op = "register.Unannounced"
	docs, err := r.query(ctx, `WHERE announced_at IS NULL AND received_at < $1 ORDER BY received_at LIMIT $2`,
		sqlstore.Time(before), limit)
	if err != nil {
		return nil, unavailable(op, err)
	}
	return docs, nil
}

// MarkAnnounced records that the entry's event is on the stream.
func (r *Register) MarkAnnounced(ctx context.Context, id string, at time.Time) error {
	const op = "register.MarkAnnounced"
	if _, err := r.db.ExecContext(ctx, `UPDATE intake_documents SET announced_at = $1 WHERE id = $2 AND announced_at IS NULL`,
		sqlstore.Time(at), id); err != nil {
		return unavailable(op, err)
	}
	return nil
}

// Count is how many entries an agency's incoming register holds for a
// year, secret ones included; drafts have no arrival year and are not
// counted.
func (r *Register) Count(ctx context.Context, agency string, year int) (int64, error) {
	const op = "register.Count"
	var n int64
	if err := r.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM intake_documents WHERE agency = $1 AND arrival_year = $2`,
		agency, year).Scan(&n); err != nil {
		return 0, unavailable(op, err)
	}
	return n, nil
}

const columns = `id, agency, direction, arrival_register, arrival_year, arrival_number, kind, subject, urgency, confidentiality,
	issuer, issuer_id, symbol, issued_on, description, unit, recipients, bucket, object_key, version_id, size, sha256, pages, status, received_by, received_by_role,
	received_at, staged_bucket, staged_key, event_id, announced_at, exchange_arrival`

func (r *Register) query(ctx context.Context, where string, args ...any) ([]Document, error) {
	rows, err := r.db.QueryContext(ctx, `SELECT `+columns+` FROM intake_documents `+where, args...)
	if err != nil {
		return nil, err
	}
	defer func() { _ = rows.Close() }() // rows.Err below reports what matters
	var docs []Document
	for rows.Next() {
		var (
			d           Document
			receivedAt  string
			announcedAt sql.NullString
			register    sql.NullString
			year        sql.NullInt64
			number      sql.NullInt64
			recipients  string
		)
		if err := rows.Scan(&d.ID, &d.Agency, &d.Direction, &register, &year, &number, &d.Kind, &d.Subject, &d.Urgency,
			&d.Confidentiality, &d.Issuer, &d.IssuerID, &d.Symbol, &d.IssuedOn, &d.Description, &d.Unit, &recipients, &d.Original.Bucket, &d.Original.Key, &d.Original.VersionID, &d.Original.Size,
			&d.Original.SHA256, &d.Pages, &d.Status, &d.ReceivedBy.Username, &d.ReceivedBy.Role,
			&receivedAt, &d.StagedBucket, &d.StagedKey, &d.EventID, &announcedAt, &d.ExchangeArrival); err != nil {
			return nil, err
		}
		d.ReceivedBy.Agency = d.Agency
		d.ArrivalRegister, d.ArrivalYear, d.ArrivalNumber = register.String, int(year.Int64), number.Int64
		if err := json.Unmarshal([]byte(recipients), &d.Recipients); err != nil {
			return nil, fmt.Errorf("document %s: recipients: %w", d.ID, err)
		}
		if d.ReceivedAt, err = sqlstore.ParseTime(receivedAt); err != nil {
			return nil, fmt.Errorf("document %s: received_at: %w", d.ID, err)
		}
		d.ReceivedAt = d.ReceivedAt.In(vntime.Zone)
		if announcedAt.Valid {
			if d.AnnouncedAt, err = sqlstore.ParseTime(announcedAt.String); err != nil {
				return nil, fmt.Errorf("document %s: announced_at: %w", d.ID, err)
			}
		}
		docs = append(docs, d)
	}
	return docs, rows.Err()
}

// execer is a database or a transaction.
type execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

func unavailable(op string, err error) error {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return errs.E(op, errs.Unavailable, errcode.Unavailable, "the request was cancelled before the register answered; try again").WithCause(err)
	}
	return errs.E(op, errs.Unavailable, errcode.Unavailable, "the incoming register is not available right now; try again shortly").WithCause(err)
}
