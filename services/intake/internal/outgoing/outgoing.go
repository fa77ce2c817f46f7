// Package outgoing is the outgoing register (sổ đăng ký văn bản đi) as far
// as numbering goes: the AssignNumber activity gives a signed document the
// next number of its series and writes its symbol (số, ký hiệu; DOMAIN.md
// §2) when a clerk issues it.
//
// A document is numbered once: the number is taken from the clerical
// counters in the transaction that records it against the document, so a
// retried activity, a crash or two clerks at once never number it twice,
// and a failure burns no number.
package outgoing

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"
	"go.uber.org/zap"

	"github.com/docflow/docflow/api/errcode"
	"github.com/docflow/docflow/api/ids"
	"github.com/docflow/docflow/api/vntime"
	"github.com/docflow/docflow/services/intake/internal/register"
	"github.com/docflow/docflow/services/internal/clerical/agencies"
	"github.com/docflow/docflow/services/internal/clerical/counter"
	"github.com/docflow/docflow/services/internal/clerical/kinds"
	"github.com/docflow/docflow/services/internal/clerical/secrecy"
	"github.com/docflow/docflow/services/internal/clerical/symbol"
	"github.com/docflow/docflow/services/internal/errs"
	"github.com/docflow/docflow/services/internal/sqlstore"
	"github.com/docflow/docflow/workflows"
)

// Component is the name the migrations are recorded under.
const Component = "intake.outgoing"

// migrations are append-only: a released step is never edited.
var migrations = []string{
	`CREATE TABLE intake_outgoing (
		document_id    TEXT PRIMARY KEY,
		agency         TEXT NOT NULL,
		register       TEXT NOT NULL,
		year           INTEGER NOT NULL,
		number         BIGINT NOT NULL,
		symbol         TEXT NOT NULL,
		issued_at      TEXT NOT NULL,
		issued_by      TEXT NOT NULL,
		issued_by_role TEXT NOT NULL,
		UNIQUE (agency, register, year, number))`,
}

// Entries are the documents in the register; intake's incoming register
// implements it (an outgoing document is one registered there first).
type Entries interface {
	Get(ctx context.Context, id string) (register.Document, error)
}

// Registry is where activities are registered (a Temporal worker, or the
// SDK's test environment).
type Registry interface {
	RegisterActivityWithOptions(a any, options activity.RegisterOptions)
}

// Register numbers outgoing documents.
type Register struct {
	db       *sqlstore.DB
	counters *counter.Store
	series   counter.Config
	entries  Entries
	agencies *agencies.Directory
	now      func() time.Time
	log      *zap.Logger
	// Places are the place names (địa danh) each agency's documents are
	// dated at, printed on the date line: "Hà Nội, ngày …". An agency
	// without one prints the date alone.
	Places map[string]string
}

// Open prepares the register's table in db, next to the counters.
func Open(ctx context.Context, db *sqlstore.DB, series counter.Config, entries Entries, dir *agencies.Directory,
	now func() time.Time, log *zap.Logger) (*Register, error) {
	counters, err := counter.Open(ctx, db)
	if err != nil {
		return nil, fmt.Errorf("outgoing.Open: %w", err)
	}
	if err := db.Migrate(ctx, Component, migrations); err != nil {
		return nil, fmt.Errorf("outgoing.Open: %w", err)
	}
	return &Register{db: db, counters: counters, series: series, entries: entries, agencies: dir, now: now, log: log}, nil
}

// Register registers AssignNumber under its contract name.
func (r *Register) Register(reg Registry) {
	reg.RegisterActivityWithOptions(r.AssignNumber, activity.RegisterOptions{Name: workflows.ActivityAssignNumber})
}

// AssignNumber returns the document's number in its outgoing register,
// taking the next one the first time. The series follows the document's
// registered kind and confidentiality (secret documents, copies and legal
// normative kinds have their own); the symbol is the number, the kind's
// abbreviation and the agency's.
//
// Failures a retry cannot fix are non-retryable: workflows.ErrUnregistered (no
// such document, or one of another agency) and workflows.ErrCannotNumber (no
// symbol can be written for it). The database being away is retried.
func (r *Register) AssignNumber(ctx context.Context, in workflows.AssignNumberInput) (workflows.AssignNumberResult, error) {
	const op = "outgoing.AssignNumber"
	log := r.log.With(zap.String("document_id", in.DocumentID), zap.String("agency", in.Agency), zap.String("by", in.By.Username))
	if err := ids.CheckDocument(in.DocumentID); err != nil || in.Agency == "" {
		return workflows.AssignNumberResult{}, temporal.NewNonRetryableApplicationError(
			fmt.Sprintf("cannot number document %q of agency %q: a document id and its agency are required", in.DocumentID, in.Agency), workflows.ErrUnregistered, err)
	}
	if got, found, err := r.Get(ctx, in.DocumentID); err != nil {
		return workflows.AssignNumberResult{}, err
	} else if found {
		log.Info("document already numbered; returning its number", zap.String("symbol", got.Symbol))
		return got, nil
	}

	doc, err := r.entries.Get(ctx, in.DocumentID)
	switch {
	case errs.KindOf(err) == errs.NotFound:
		return workflows.AssignNumberResult{}, temporal.NewNonRetryableApplicationError(
			fmt.Sprintf("document %s is not in the register, so it cannot be numbered", in.DocumentID), workflows.ErrUnregistered, err)
	case err != nil:
		return workflows.AssignNumberResult{}, fmt.Errorf("%s: %w", op, err)
	case doc.Agency != in.Agency:
		return workflows.AssignNumberResult{}, temporal.NewNonRetryableApplicationError(
			fmt.Sprintf("document %s belongs to %s, not %s: only its own agency numbers it", in.DocumentID, doc.Agency, in.Agency), workflows.ErrUnregistered, nil)
	}
	info, err := kinds.Lookup(doc.Kind)
	if err != nil {
		return workflows.AssignNumberResult{}, cannotNumber(err)
	}
	agency, err := r.agencies.Get(in.Agency)
	if err != nil {
		return workflows.AssignNumberResult{}, cannotNumber(err)
	}
	if agency.Abbreviation == "" {
		return workflows.AssignNumberResult{}, cannotNumber(fmt.Errorf(
			"agency %s (%s) has no abbreviation in the agency directory, so no symbol can be written: add it to agencies.json", agency.ID, agency.Name))
	}
	level, err := secrecy.ParseLevel(doc.Confidentiality)
	if err != nil {
		return workflows.AssignNumberResult{}, cannotNumber(err)
	}

	at := r.now().In(vntime.Zone)
	// An agency numbering per unit numbers by the drafting unit, whose
	// abbreviation is its code in the register.
	var unit string
	if len(in.Units) > 0 {
		unit = in.Units[len(in.Units)-1]
	}
	series := r.series.SeriesFor(counter.Document{
		Agency: in.Agency, Direction: counter.Outgoing, Kind: doc.Kind, Unit: unit,
		Confidential: level.Secret(), Legal: info.Series == kinds.SeriesLegal,
	}, at)
	res := workflows.AssignNumberResult{Year: series.Year, Register: series.Register, IssuedAt: at, DateLine: symbol.DateLine(r.Places[in.Agency], at)}
	var symErr error
	_, err = r.counters.Issue(ctx, series, func(tx *sql.Tx, n int64) error {
		res.Number = n
		if res.Symbol, symErr = write(info, int(n), series.Year, agency.Abbreviation, in.Units); symErr != nil {
			return symErr
		}
		_, err := tx.ExecContext(ctx, `
			INSERT INTO intake_outgoing (document_id, agency, register, year, number, symbol, issued_at, issued_by, issued_by_role)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
			in.DocumentID, in.Agency, series.Register, series.Year, n, res.Symbol, sqlstore.Time(at), in.By.Username, in.By.Role)
		return err
	})
	switch {
	case symErr != nil:
		return workflows.AssignNumberResult{}, cannotNumber(symErr)
	case err != nil && sqlstore.IsUniqueViolation(err):
		// Another attempt numbered it meanwhile; its transaction won and
		// this one's number went back with the rollback.
		got, found, gerr := r.Get(ctx, in.DocumentID)
		if gerr != nil || !found {
			return workflows.AssignNumberResult{}, fmt.Errorf("%s: numbered concurrently, then not found: %w", op, errors.Join(err, gerr))
		}
		return got, nil
	case err != nil:
		return workflows.AssignNumberResult{}, fmt.Errorf("%s: %w", op, err)
	}
	log.Info("document numbered", zap.String("symbol", res.Symbol), zap.String("register", res.Register), zap.Int("year", res.Year))
	return res, nil
}

// Get returns a document's number and its date line, found false when it
// has none yet.
func (r *Register) Get(ctx context.Context, documentID string) (workflows.AssignNumberResult, bool, error) {
	const op = "outgoing.Get"
	var (
		res            workflows.AssignNumberResult
		agency, issued string
	)
	err := r.db.QueryRowContext(ctx, `SELECT agency, register, year, number, symbol, issued_at FROM intake_outgoing WHERE document_id = $1`,
		documentID).Scan(&agency, &res.Register, &res.Year, &res.Number, &res.Symbol, &issued)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return workflows.AssignNumberResult{}, false, nil
	case err != nil:
		return workflows.AssignNumberResult{}, false, errs.E(op, errs.Unavailable, errcode.Unavailable,
			"the outgoing register is not available right now; try again shortly").WithCause(err)
	}
	at, err := sqlstore.ParseTime(issued)
	if err != nil {
		return workflows.AssignNumberResult{}, false, fmt.Errorf("%s: document %s has an unreadable issue time %q: %w", op, documentID, issued, err)
	}
	res.IssuedAt = at.In(vntime.Zone)
	res.DateLine = symbol.DateLine(r.Places[agency], res.IssuedAt)
	return res, true, nil
}

// write is the symbol of the document numbered n: a legal normative
// document carries the year (30/2020/NĐ-CP), the others follow their kind;
// a công văn also carries its drafting unit's abbreviations (12/VPCP-TH),
// which kinds with an abbreviation of their own do not (ND30 Appendix I).
func write(info kinds.Info, n, year int, issuer string, units []string) (string, error) {
	var (
		s   symbol.Symbol
		err error
	)
	if info.Series == kinds.SeriesLegal {
		s, err = symbol.NewLegal(n, year, info.Abbreviation, issuer)
	} else if info.Abbreviation == "" {
		s, err = symbol.New(info.Kind, n, issuer, units...)
	} else {
		s, err = symbol.New(info.Kind, n, issuer)
	}
	if err != nil {
		return "", err
	}
	return symbol.Format(s)
}

func cannotNumber(err error) error {
	msg := err.Error()
	var e *errs.Error
	if errors.As(err, &e) {
		msg = e.Message
		if len(e.Details) > 0 {
			var parts []string
			for _, k := range slices.Sorted(maps.Keys(e.Details)) {
				parts = append(parts, k+": "+e.Details[k])
			}
			msg += " (" + strings.Join(parts, "; ") + ")"
		}
	}
	return temporal.NewNonRetryableApplicationError("the document cannot be numbered: "+msg, workflows.ErrCannotNumber, err)
}
