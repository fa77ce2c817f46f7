// Package catalog is the archive catalog: one record per archived document,
// saying where its signed PDF is kept, under which retention, and what it is
// about, so that records officers can find it again by its subject.
package catalog

import (
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/docflow/docflow/api/errcode"
	events "github.com/docflow/docflow/api/events/v1"
	"github.com/docflow/docflow/services/archive/internal/textfold"
	"github.com/docflow/docflow/services/internal/errs"
	"github.com/docflow/docflow/services/internal/sqlstore"
)

// Page sizes of Search.
const (
	DefaultPageSize = 20
	MaxPageSize     = 100
)

// Limits on a search query, so one request cannot make the database scan the
// catalog with hundreds of patterns.
const (
	maxQueryLen   = 500
	maxQueryWords = 16
)

// Record is one archived document.
type Record struct {
	ID            string
	DocumentID    string
	Agency        string
	Kind          string
	Subject       string // NFC
	ArrivalNumber int64
	Object        events.Object // the signed PDF in the archive bucket
	RetentionMode string
	RetainUntil   time.Time
	Signer        string
	SignedAt      time.Time
	ArchivedAt    time.Time
	// Confidentiality is the document's mark, travelling with its record;
	// empty for records archived before the catalog kept it.
	Confidentiality string
}

// Page is one page of search results, newest first.
type Page struct {
	Items []Record
	// NextPageToken continues the search; empty on the last page.
	NextPageToken string
}

// Catalog keeps the records in SQL (SQLite or PostgreSQL).
type Catalog struct {
	db *sqlstore.DB
}

// New returns the catalog on db after bringing its schema up to date.
func New(ctx context.Context, db *sqlstore.DB) (*Catalog, error) {
	if err := db.Migrate(ctx, "archive.catalog", migrations(db.Dialect)); err != nil {
		return nil, fmt.Errorf("catalog.New: %w", err)
	}
	return &Catalog{db: db}, nil
}

// migrations are the schema steps, append-only. Paging compares archived_at
// and id as text; PostgreSQL would compare them with the database's
// collation, which may ignore punctuation, so there they use byte order.
func migrations(d sqlstore.Dialect) []string {
	key := "TEXT"
	if d == sqlstore.Postgres {
		key = `TEXT COLLATE "C"`
	}
	return []string{
		`CREATE TABLE archive_records (
			id ` + key + ` PRIMARY KEY,
			document_id TEXT NOT NULL UNIQUE,
			agency TEXT NOT NULL,
			kind TEXT NOT NULL,
			subject TEXT NOT NULL,
			subject_folded TEXT NOT NULL,
			arrival_number BIGINT NOT NULL,
			bucket TEXT NOT NULL,
			object_key TEXT NOT NULL,
			version_id TEXT NOT NULL,
			size BIGINT NOT NULL,
			sha256 TEXT NOT NULL,
			retention_mode TEXT NOT NULL,
			retain_until TEXT NOT NULL,
			signer TEXT NOT NULL,
			signed_at TEXT NOT NULL,
			archived_at ` + key + ` NOT NULL
		)`,
		`CREATE INDEX archive_records_agency_newest ON archive_records (agency, archived_at DESC, id DESC)`,
		`ALTER TABLE archive_records ADD COLUMN confidentiality TEXT NOT NULL DEFAULT ''`,
	}
}

const columns = `id, document_id, agency, kind, subject, arrival_number, bucket, object_key, version_id, size, sha256,
	retention_mode, retain_until, signer, signed_at, archived_at, confidentiality`

// Insert adds r to the catalog. A document is archived once: when the
// catalog already has a record for r.DocumentID, that record is returned
// unchanged with created false.
func (c *Catalog) Insert(ctx context.Context, r Record) (rec Record, created bool, err error) {
	const op = "catalog.Insert"
	if err := r.validate(op); err != nil {
		return Record{}, false, err
	}
	r.Subject = textfold.NFC(r.Subject)
	res, err := c.db.ExecContext(ctx, `INSERT INTO archive_records (`+columns+`, subject_folded)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)
		ON CONFLICT (document_id) DO NOTHING`,
		r.ID, r.DocumentID, r.Agency, r.Kind, r.Subject, r.ArrivalNumber,
		r.Object.Bucket, r.Object.Key, r.Object.VersionID, r.Object.Size, r.Object.SHA256,
		r.RetentionMode, sqlstore.Time(r.RetainUntil), r.Signer, sqlstore.Time(r.SignedAt), sqlstore.Time(r.ArchivedAt),
		r.Confidentiality, textfold.Fold(r.Subject))
	if err != nil {
		if sqlstore.IsUniqueViolation(err) {
			return Record{}, false, errs.E(op, errs.Conflict, errcode.Conflict,
				"another document already has archive record "+r.ID).WithCause(err)
		}
		return Record{}, false, fmt.Errorf("%s: %w", op, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return Record{}, false, fmt.Errorf("%s: %w", op, err)
	}
	stored, err := c.ByDocument(ctx, r.DocumentID)
	if err != nil {
		return Record{}, false, errs.Wrap(op, err)
	}
	return stored, n == 1, nil
}

// ByDocument returns the record of a document, whatever its agency; it is
// for the archive's own bookkeeping, never for a person's request.
func (c *Catalog) ByDocument(ctx context.Context, documentID string) (Record, error) {
	const op = "catalog.ByDocument"
	r, err := scanRecord(c.db.QueryRowContext(ctx, `SELECT `+columns+` FROM archive_records WHERE document_id = $1`, documentID))
	if errors.Is(err, sql.ErrNoRows) {
		return Record{}, errs.E(op, errs.NotFound, errcode.NotFound, "document "+documentID+" is not in the archive")
	}
	if err != nil {
		return Record{}, fmt.Errorf("%s: %w", op, err)
	}
	return r, nil
}

// Get returns the record id of agency. A record of another agency is
// reported as missing, so its existence is not revealed.
func (c *Catalog) Get(ctx context.Context, agency, id string) (Record, error) {
	const op = "catalog.Get"
	if agency == "" {
		return Record{}, errs.E(op, errs.Invalid, errcode.InvalidArgument, "agency is required").WithDetail("agency", "required")
	}
	if id == "" {
		return Record{}, errs.E(op, errs.Invalid, errcode.InvalidArgument, "record id is required").WithDetail("record_id", "required")
	}
	r, err := scanRecord(c.db.QueryRowContext(ctx, `SELECT `+columns+` FROM archive_records WHERE id = $1 AND agency = $2`, id, agency))
	if errors.Is(err, sql.ErrNoRows) {
		return Record{}, errs.E(op, errs.NotFound, errcode.NotFound, "archive record "+id+" does not exist").
			WithDetail("record_id", id)
	}
	if err != nil {
		return Record{}, fmt.Errorf("%s: %w", op, err)
	}
	return r, nil
}

// Search returns agency's records whose subject contains every word of query,
// ignoring case and diacritics, newest first. An empty query lists every
// record. pageSize 0 means DefaultPageSize; larger than MaxPageSize means
// MaxPageSize. pageToken is empty for the first page, else the
// NextPageToken of the previous one.
func (c *Catalog) Search(ctx context.Context, agency, query string, pageSize int, pageToken string) (Page, error) {
	const op = "catalog.Search"
	if agency == "" {
		return Page{}, errs.E(op, errs.Invalid, errcode.InvalidArgument, "agency is required").WithDetail("agency", "required")
	}
	switch {
	case pageSize < 0:
		return Page{}, errs.E(op, errs.Invalid, errcode.InvalidArgument, "page size cannot be negative").
			WithDetail("page_size", "must be between 0 and 100")
	case pageSize == 0:
		pageSize = DefaultPageSize
	case pageSize > MaxPageSize:
		pageSize = MaxPageSize
	}
	if len([]rune(query)) > maxQueryLen {
		return Page{}, errs.E(op, errs.Invalid, errcode.InvalidArgument,
			fmt.Sprintf("search text is too long: at most %d characters", maxQueryLen)).WithDetail("query", "too long")
	}
	words := textfold.Words(query)
	if len(words) > maxQueryWords {
		return Page{}, errs.E(op, errs.Invalid, errcode.InvalidArgument,
			fmt.Sprintf("search text has %d words: use at most %d", len(words), maxQueryWords)).WithDetail("query", "too many words")
	}

	var q strings.Builder
	args := []any{agency}
	q.WriteString(`SELECT ` + columns + ` FROM archive_records WHERE agency = $1`)
	if pageToken != "" {
		after, err := decodeToken(pageToken)
		if err != nil {
			return Page{}, errs.E(op, errs.Invalid, errcode.InvalidArgument,
				"page token is not one this search returned: start again without it").WithDetail("page_token", "invalid").WithCause(err)
		}
		args = append(args, after.ArchivedAt, after.ID)
		fmt.Fprintf(&q, ` AND (archived_at, id) < ($%d, $%d)`, len(args)-1, len(args))
	}
	for _, w := range words {
		// Words hold only letters and digits, so they carry no LIKE wildcard.
		args = append(args, "%"+w+"%")
		fmt.Fprintf(&q, ` AND subject_folded LIKE $%d`, len(args))
	}
	// One row more than the page tells whether another page follows.
	args = append(args, pageSize+1)
	fmt.Fprintf(&q, ` ORDER BY archived_at DESC, id DESC LIMIT $%d`, len(args))

	rows, err := c.db.QueryContext(ctx, q.String(), args...)
	if err != nil {
		return Page{}, fmt.Errorf("%s: %w", op, err)
	}
	defer func() { _ = rows.Close() }()
	var page Page
	for rows.Next() {
		r, err := scanRecord(rows)
		if err != nil {
			return Page{}, fmt.Errorf("%s: %w", op, err)
		}
		page.Items = append(page.Items, r)
	}
	if err := rows.Err(); err != nil {
		return Page{}, fmt.Errorf("%s: %w", op, err)
	}
	if len(page.Items) > pageSize {
		page.Items = page.Items[:pageSize]
		last := page.Items[pageSize-1]
		page.NextPageToken = encodeToken(cursor{ArchivedAt: sqlstore.Time(last.ArchivedAt), ID: last.ID})
	}
	return page, nil
}

// cursor is the position after the last record of a page. The token is
// opaque to callers so the paging key can change without breaking them.
type cursor struct {
	ArchivedAt string `json:"a"`
	ID         string `json:"i"`
}

func encodeToken(c cursor) string {
	b, _ := json.Marshal(c) // a struct of two strings always marshals
	return base64.RawURLEncoding.EncodeToString(b)
}

func decodeToken(token string) (cursor, error) {
	b, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil {
		return cursor{}, err
	}
	var c cursor
	if err := json.Unmarshal(b, &c); err != nil {
		return cursor{}, err
	}
	if c.ID == "" {
		return cursor{}, errors.New("token has no record id")
	}
	if _, err := sqlstore.ParseTime(c.ArchivedAt); err != nil {
		return cursor{}, err
	}
	return c, nil
}

type scanner interface{ Scan(dest ...any) error }

func scanRecord(s scanner) (Record, error) {
	var (
		r                                 Record
		retainUntil, signedAt, archivedAt string
	)
	err := s.Scan(&r.ID, &r.DocumentID, &r.Agency, &r.Kind, &r.Subject, &r.ArrivalNumber,
		&r.Object.Bucket, &r.Object.Key, &r.Object.VersionID, &r.Object.Size, &r.Object.SHA256,
		&r.RetentionMode, &retainUntil, &r.Signer, &signedAt, &archivedAt, &r.Confidentiality)
	if err != nil {
		return Record{}, err
	}
	for _, t := range []struct {
		dst *time.Time
		src string
	}{{&r.RetainUntil, retainUntil}, {&r.SignedAt, signedAt}, {&r.ArchivedAt, archivedAt}} {
		if *t.dst, err = sqlstore.ParseTime(t.src); err != nil {
			return Record{}, fmt.Errorf("record %s has a malformed time %q: %w", r.ID, t.src, err)
		}
	}
	return r, nil
}

func (r Record) validate(op string) error {
	var problems []string
	e := errs.E(op, errs.Invalid, errcode.InvalidArgument, "")
	for _, f := range []struct{ name, value string }{
		{"id", r.ID}, {"document_id", r.DocumentID}, {"agency", r.Agency}, {"kind", r.Kind},
		{"subject", r.Subject}, {"object.bucket", r.Object.Bucket}, {"object.key", r.Object.Key},
		{"object.sha256", r.Object.SHA256}, {"retention_mode", r.RetentionMode},
	} {
		if f.value == "" {
			e = e.WithDetail(f.name, "required")
			problems = append(problems, f.name)
		}
	}
	for _, f := range []struct {
		name  string
		value time.Time
	}{{"retain_until", r.RetainUntil}, {"archived_at", r.ArchivedAt}} {
		if f.value.IsZero() {
			e = e.WithDetail(f.name, "required")
			problems = append(problems, f.name)
		}
	}
	if len(problems) == 0 {
		return nil
	}
	e.Message = "archive record is missing " + strings.Join(problems, ", ")
	return e
}
