// Package counter issues document numbers: yearly, gap-free counters, one
// per register series (DOMAIN.md §2).
//
// A number is issued inside the transaction that records what it numbers
// (Store.Next takes the caller's transaction), so a registration that fails
// or is rolled back returns its number and the next one issued is the same.
// Numbers restart from 1 each calendar year in Vietnam's time zone.
//
// Concurrency rests on one upsert that both databases run atomically: the
// counter row's lock (PostgreSQL) or the database write lock taken at BEGIN
// (SQLite, opened with immediate transactions by sqlstore) makes concurrent
// issuers of one series queue, each reading the value the previous one
// committed. Series do not share rows, so on PostgreSQL they do not wait for
// each other.
package counter

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/docflow/docflow/api/errcode"
	"github.com/docflow/docflow/services/internal/errs"
	"github.com/docflow/docflow/services/internal/sqlstore"
)

// Series names one run of numbers: an agency's register in a year.
type Series struct {
	Agency   string // agency identifier, e.g. 000.00.00.G22
	Register string // register id, from Config.SeriesFor
	Year     int    // calendar year in Vietnam
}

func (s Series) String() string { return fmt.Sprintf("%s %s %d", s.Agency, s.Register, s.Year) }

func (s Series) validate(op string) error {
	var fields, problems []string
	if s.Agency == "" {
		fields, problems = append(fields, "agency"), append(problems, "required: the agency whose register numbers the document")
	}
	if s.Register == "" {
		fields, problems = append(fields, "register"), append(problems, "required: the register the number belongs to")
	}
	if s.Year < 1 || s.Year > 9999 {
		fields, problems = append(fields, "year"), append(problems, fmt.Sprintf("%d is not a calendar year", s.Year))
	}
	if len(fields) == 0 {
		return nil
	}
	e := errs.E(op, errs.Invalid, errcode.InvalidArgument, "the number series is incomplete: "+s.String())
	for i, f := range fields {
		e = e.WithDetail(f, problems[i])
	}
	return e
}

// Store keeps the counters in SQL (SQLite or PostgreSQL).
type Store struct {
	db *sqlstore.DB
}

// migrations are append-only: a released step is never edited.
var migrations = []string{
	`CREATE TABLE clerical_counters (
		agency   TEXT NOT NULL,
		register TEXT NOT NULL,
		year     INTEGER NOT NULL,
		value    BIGINT NOT NULL,
		PRIMARY KEY (agency, register, year))`,
}

// Component is the name the counters' schema steps are recorded under.
const Component = "clerical.counter"

// Open prepares the counters' table in db.
func Open(ctx context.Context, db *sqlstore.DB) (*Store, error) {
	if err := db.Migrate(ctx, Component, migrations); err != nil {
		return nil, fmt.Errorf("counter.Open: %w", err)
	}
	return &Store{db: db}, nil
}

// Next issues the next number of s inside tx. The number is taken only if
// tx commits; until then other issuers of s wait for tx to finish. tx must
// belong to the Store's database.
func (st *Store) Next(ctx context.Context, tx *sql.Tx, s Series) (int64, error) {
	const op = "counter.Next"
	if err := s.validate(op); err != nil {
		return 0, err
	}
	var n int64
	err := tx.QueryRowContext(ctx, `
		INSERT INTO clerical_counters (agency, register, year, value) VALUES ($1, $2, $3, 1)
		ON CONFLICT (agency, register, year) DO UPDATE SET value = clerical_counters.value + 1
		RETURNING value`,
		s.Agency, s.Register, s.Year).Scan(&n)
	if err != nil {
		return 0, unavailable(op, s, err)
	}
	return n, nil
}

// Issue issues the next number of s and runs fn with it in the same
// transaction, which commits only when fn returns nil: the number and what
// fn writes are kept together or not at all. Like sqlstore.DB.InTx, a
// transaction that lost a race is retried, so fn may run more than once and
// must only touch the database.
func (st *Store) Issue(ctx context.Context, s Series, fn func(tx *sql.Tx, n int64) error) (int64, error) {
	const op = "counter.Issue"
	var (
		n     int64
		fnErr error
	)
	err := st.db.InTx(ctx, func(tx *sql.Tx) error {
		var err error
		fnErr = nil
		if n, err = st.Next(ctx, tx, s); err != nil {
			return err
		}
		fnErr = fn(tx, n)
		return fnErr
	})
	if err == nil {
		return n, nil
	}
	// fn's own failures and the classified ones of Next reach the caller as
	// they are; what is left is the database failing to begin or commit.
	var classified *errs.Error
	if fnErr != nil || errors.As(err, &classified) {
		return 0, errs.Wrap(op, err)
	}
	return 0, unavailable(op, s, err)
}

// Last is the last number issued in s, 0 when none has been.
func (st *Store) Last(ctx context.Context, s Series) (int64, error) {
	const op = "counter.Last"
	if err := s.validate(op); err != nil {
		return 0, err
	}
	var n int64
	err := st.db.QueryRowContext(ctx, `SELECT value FROM clerical_counters WHERE agency = $1 AND register = $2 AND year = $3`,
		s.Agency, s.Register, s.Year).Scan(&n)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return 0, nil
	case err != nil:
		return 0, unavailable(op, s, err)
	}
	return n, nil
}

func unavailable(op string, s Series, err error) error {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return errs.E(op, errs.Unavailable, errcode.Unavailable,
			"the request was cancelled before a number was issued; try again").WithCause(err)
	}
	return errs.E(op, errs.Unavailable, errcode.Unavailable,
		"the number register is not available right now; try again shortly").WithCause(fmt.Errorf("series %s: %w", s, err))
}
