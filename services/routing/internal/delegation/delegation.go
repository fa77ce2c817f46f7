// Package delegation records who may act for a position while its holder is
// away: a substitute, for a time range and a scope of document kinds. A TUQ
// authorisation (DOMAIN.md §3) must be limited in time and scope, and nothing
// held by delegation can be delegated further. Every change is audited.
package delegation

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
	"go.uber.org/zap"

	"github.com/docflow/docflow/api/errcode"
	events "github.com/docflow/docflow/api/events/v1"
	svc "github.com/docflow/docflow/api/svc/v1"
	"github.com/docflow/docflow/api/vntime"
	"github.com/docflow/docflow/services/internal/errs"
	"github.com/docflow/docflow/services/internal/sqlstore"
	"github.com/docflow/docflow/services/routing/internal/orgchart"
)

// Authorities a delegation grants.
const (
	// Delegated: the substitute handles the position's tasks (giao nhiệm vụ).
	Delegated = "delegated"
	// TUQ: signs "TUQ." by written authorisation, limited in time and scope.
	TUQ = "TUQ"
)

// LeaderRole may manage any position's delegations, as the agency's head
// does when a holder is unexpectedly absent.
const LeaderRole = "leader"

// The store keeps delegations as the routing endpoints send them
// (svc.Delegation): a Substitute acting for a Position from From
// (inclusive) until Until (exclusive), for the Kinds of documents (every
// kind when empty).

// covers says whether d lets its substitute act at t on a document of kind.
func covers(d svc.Delegation, t time.Time, kind string) bool {
	return d.RevokedAt.IsZero() && !t.Before(d.From) && t.Before(d.Until) &&
		(len(d.Kinds) == 0 || kind == "" || slices.Contains(d.Kinds, kind))
}

// AuditEntry is one change to the delegations, as the audit trail shows it.
type AuditEntry struct {
	At           time.Time `json:"at"` // +07:00
	Actor        string    `json:"actor"`
	Action       string    `json:"action"` // "created" or "revoked"
	DelegationID string    `json:"delegation_id"`
	Position     string    `json:"position"`
	Substitute   string    `json:"substitute"`
}

// Store keeps delegations in the routing database.
type Store struct {
	db     *sqlstore.DB
	charts func() orgchart.Charts
	now    func() time.Time
	log    *zap.Logger
}

var migrations = []string{
	`CREATE TABLE delegations (
		id TEXT PRIMARY KEY,
		position TEXT NOT NULL,
		holder TEXT NOT NULL,
		substitute TEXT NOT NULL,
		valid_from TEXT NOT NULL,
		valid_until TEXT NOT NULL,
		kinds TEXT NOT NULL,
		authority TEXT NOT NULL,
		reason TEXT NOT NULL,
		created_by TEXT NOT NULL,
		created_at TEXT NOT NULL,
		revoked_by TEXT NOT NULL,
		revoked_at TEXT NOT NULL)`,
	`CREATE INDEX delegations_position ON delegations (position, valid_from)`,
	`CREATE INDEX delegations_substitute ON delegations (substitute, valid_from)`,
	`CREATE TABLE delegation_audit (
		id TEXT PRIMARY KEY,
		at TEXT NOT NULL,
		actor TEXT NOT NULL,
		action TEXT NOT NULL,
		delegation_id TEXT NOT NULL,
		position TEXT NOT NULL,
		substitute TEXT NOT NULL)`,
	`CREATE INDEX delegation_audit_at ON delegation_audit (at, id)`,
	// The authorising document of a TUQ authorisation.
	`ALTER TABLE delegations ADD COLUMN reference TEXT NOT NULL DEFAULT ''`,
	// One installation hosts several agencies, whose position ids may be
	// the same; rows from before have '' until Open assigns them.
	`ALTER TABLE delegations ADD COLUMN agency TEXT NOT NULL DEFAULT ''`,
	`CREATE INDEX delegations_agency_position ON delegations (agency, position, valid_from)`,
}

// Open migrates the schema and returns the store. charts gives the current
// org charts of the hosted agencies (they may be reloaded); now is the
// clock.
func Open(ctx context.Context, db *sqlstore.DB, charts func() orgchart.Charts, now func() time.Time, log *zap.Logger) (*Store, error) {
	if err := db.Migrate(ctx, "routing.delegation", migrations); err != nil {
		return nil, fmt.Errorf("delegation.Open: %w", err)
	}
	s := &Store{db: db, charts: charts, now: now, log: log}
	if err := s.assignAgencies(ctx); err != nil {
		return nil, fmt.Errorf("delegation.Open: %w", err)
	}
	return s, nil
}

// assignAgencies gives the delegations recorded before the store knew
// agencies the agency whose chart has the position with that holder.
func (s *Store) assignAgencies(ctx context.Context) error {
	pending, err := s.withoutAgency(ctx)
	if err != nil {
		return err
	}
	for _, k := range pending {
		agency := ""
		for id, chart := range s.charts() {
			if chart.IsPerson(k.holder) {
				if _, err := chart.Position(k.position); err == nil {
					agency = id
				}
			}
		}
		if agency == "" {
			s.log.Warn("a delegation's position is in no hosted org chart; it stays without an agency and applies nowhere",
				zap.String("position", k.position), zap.String("holder", k.holder))
			continue
		}
		if _, err := s.db.ExecContext(ctx, `UPDATE delegations SET agency = $1 WHERE agency = '' AND position = $2 AND holder = $3`,
			agency, k.position, k.holder); err != nil {
			return err
		}
	}
	return nil
}

type positionHolder struct{ position, holder string }

func (s *Store) withoutAgency(ctx context.Context) ([]positionHolder, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT DISTINCT position, holder FROM delegations WHERE agency = ''`)
	if err != nil {
		return nil, err
	}
	defer func() { _ = rows.Close() }()
	var out []positionHolder
	for rows.Next() {
		var k positionHolder
		if err := rows.Scan(&k.position, &k.holder); err != nil {
			return nil, err
		}
		out = append(out, k)
	}
	return out, rows.Err()
}

// chartOf is the org chart of the agency by acts for.
func (s *Store) chartOf(op string, agency string) (*orgchart.Chart, error) {
	chart, ok := s.charts()[agency]
	if !ok {
		return nil, errs.E(op, errs.Forbidden, errcode.Forbidden, fmt.Sprintf("routing here does not serve agency %q", agency))
	}
	return chart, nil
}

// problems collects every invalid field of a request, so the person fixes
// them all at once.
type problems struct {
	msgs   []string
	fields map[string]string
}

func (p *problems) add(field, msg string) {
	p.msgs = append(p.msgs, msg)
	if p.fields == nil {
		p.fields = map[string]string{}
	}
	p.fields[field] = msg
}

func (p *problems) err(op string) error {
	if len(p.msgs) == 0 {
		return nil
	}
	e := errs.E(op, errs.Invalid, errcode.InvalidArgument, strings.Join(p.msgs, "; "))
	for k, v := range p.fields {
		e = e.WithDetail(k, v)
	}
	return e
}

// authorise lets the position's holder, or a leader, manage its
// delegations; never someone who acts for it only by delegation.
func (s *Store) authorise(ctx context.Context, op string, by events.Actor, position string) error {
	chart, err := s.chartOf(op, by.Agency)
	if err != nil {
		return err
	}
	if chart.Holds(by.Username, position) {
		return nil
	}
	subs, err := s.Substitutes(ctx, by.Agency, position, s.now(), "")
	if err != nil {
		return err
	}
	if slices.ContainsFunc(subs, func(d svc.Delegation) bool { return d.Substitute == by.Username }) {
		return errs.E(op, errs.Forbidden, errcode.Forbidden,
			fmt.Sprintf("%s acts for %s only by delegation and cannot delegate it further", by.Username, position))
	}
	if by.Role == LeaderRole {
		return nil
	}
	return errs.E(op, errs.Forbidden, errcode.Forbidden,
		fmt.Sprintf("only the holder of %s or a leader can change its delegations", position))
}

// Create records a delegation made by r.By.
func (s *Store) Create(ctx context.Context, r svc.CreateDelegationRequest) (svc.Delegation, error) {
	const op = "delegation.Create"
	by := r.By
	chart, err := s.chartOf(op, by.Agency)
	if err != nil {
		return svc.Delegation{}, err
	}
	var bad problems
	pos, err := chart.Position(r.Position)
	if err != nil {
		bad.add("position", fmt.Sprintf("no position %q in the org chart", r.Position))
	}
	switch {
	case !chart.IsPerson(r.Substitute):
		bad.add("substitute", fmt.Sprintf("%q is not one of the agency's people", r.Substitute))
	case r.Substitute == pos.Holder:
		bad.add("substitute", "the holder cannot be their own substitute")
	}
	if r.From.IsZero() || r.Until.IsZero() || !r.Until.After(r.From) {
		bad.add("until", "a delegation needs a start and an end after it")
	}
	switch r.Authority {
	case "", Delegated:
		r.Authority = Delegated
	case TUQ:
		if len(r.Kinds) == 0 {
			bad.add("kinds", "a TUQ authorisation is limited in scope: list the kinds of documents it covers")
		}
		if strings.TrimSpace(r.Reference) == "" {
			bad.add("reference", "a TUQ authorisation is given in writing: name the authorising document (giấy ủy quyền), e.g. 05/GUQ-VPCP ngày 01/12/2026")
		}
	default:
		bad.add("authority", fmt.Sprintf("unknown authority %q: use %q or %q", r.Authority, Delegated, TUQ))
	}
	if slices.Contains(r.Kinds, "") {
		bad.add("kinds", "a kind cannot be empty")
	}
	if err := bad.err(op); err != nil {
		return svc.Delegation{}, err
	}
	if err := s.authorise(ctx, op, by, r.Position); err != nil {
		return svc.Delegation{}, err
	}
	now := s.now()
	d := svc.Delegation{
		ID: uuid.NewString(), Agency: by.Agency, Position: r.Position, Holder: pos.Holder, Substitute: r.Substitute,
		From: r.From.In(vntime.Zone), Until: r.Until.In(vntime.Zone), Kinds: slices.Sorted(slices.Values(r.Kinds)),
		Authority: r.Authority, Reference: strings.TrimSpace(r.Reference), Reason: r.Reason, CreatedBy: by.Username, CreatedAt: now.In(vntime.Zone),
	}
	err = s.db.InTx(ctx, func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM delegations
			WHERE agency = $1 AND position = $2 AND substitute = $3 AND revoked_at = '' AND valid_from < $4 AND valid_until > $5`,
			d.Agency, d.Position, d.Substitute, sqlstore.Time(d.Until), sqlstore.Time(d.From)).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return errs.E(op, errs.Conflict, errcode.Conflict,
				fmt.Sprintf("%s already acts for %s during part of that time: revoke that delegation first", d.Substitute, d.Position))
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO delegations
			(id, position, holder, substitute, valid_from, valid_until, kinds, authority, reason, created_by, created_at, revoked_by, revoked_at, reference, agency)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, '', '', $12, $13)`,
			d.ID, d.Position, d.Holder, d.Substitute, sqlstore.Time(d.From), sqlstore.Time(d.Until), strings.Join(d.Kinds, ","),
			d.Authority, d.Reason, d.CreatedBy, sqlstore.Time(d.CreatedAt), d.Reference, d.Agency); err != nil {
			return err
		}
		return audit(ctx, tx, now, by.Username, "created", d)
	})
	if err != nil {
		return svc.Delegation{}, errs.Wrap(op, err)
	}
	s.log.Info("delegation created", zap.String("delegation_id", d.ID), zap.String("position", d.Position),
		zap.String("substitute", d.Substitute), zap.String("by", by.Username))
	return d, nil
}

// Revoke ends a delegation at once. A revoked delegation stays listed, with
// who revoked it and when.
func (s *Store) Revoke(ctx context.Context, by events.Actor, id string) (svc.Delegation, error) {
	const op = "delegation.Revoke"
	d, err := s.get(ctx, id)
	if err == nil && d.Agency != by.Agency {
		// Another agency's delegation is not there for this person.
		err = errs.E(op, errs.NotFound, errcode.NotFound, fmt.Sprintf("no delegation %q", id))
	}
	if err != nil {
		return svc.Delegation{}, errs.Wrap(op, err)
	}
	if err := s.authorise(ctx, op, by, d.Position); err != nil {
		return svc.Delegation{}, err
	}
	now := s.now()
	err = s.db.InTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE delegations SET revoked_by = $1, revoked_at = $2 WHERE id = $3 AND revoked_at = ''`,
			by.Username, sqlstore.Time(now), id)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return errs.E(op, errs.Conflict, errcode.Conflict, "the delegation was already revoked")
		}
		return audit(ctx, tx, now, by.Username, "revoked", d)
	})
	if err != nil {
		return svc.Delegation{}, errs.Wrap(op, err)
	}
	d.RevokedBy, d.RevokedAt = by.Username, now.In(vntime.Zone)
	s.log.Info("delegation revoked", zap.String("delegation_id", d.ID), zap.String("by", by.Username))
	return d, nil
}

func audit(ctx context.Context, tx *sql.Tx, at time.Time, actor, action string, d svc.Delegation) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO delegation_audit (id, at, actor, action, delegation_id, position, substitute)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`, uuid.NewString(), sqlstore.Time(at), actor, action, d.ID, d.Position, d.Substitute)
	return err
}

// Filter narrows List; empty fields do not filter. Active keeps only the
// delegations in force at that time.
type Filter struct {
	Agency     string    `json:"agency,omitempty"`
	Position   string    `json:"position,omitempty"`
	Substitute string    `json:"substitute,omitempty"`
	Active     time.Time `json:"active,omitzero"`
}

const columns = `id, position, holder, substitute, valid_from, valid_until, kinds, authority, reason, created_by, created_at, revoked_by, revoked_at, reference, agency`

// List returns the delegations matching f, newest start first.
func (s *Store) List(ctx context.Context, f Filter) ([]svc.Delegation, error) {
	q := `SELECT ` + columns + ` FROM delegations WHERE 1 = 1`
	var args []any
	arg := func(v any) string { args = append(args, v); return fmt.Sprintf("$%d", len(args)) }
	if f.Agency != "" {
		q += ` AND agency = ` + arg(f.Agency)
	}
	if f.Position != "" {
		q += ` AND position = ` + arg(f.Position)
	}
	if f.Substitute != "" {
		q += ` AND substitute = ` + arg(f.Substitute)
	}
	if !f.Active.IsZero() {
		at := sqlstore.Time(f.Active)
		q += ` AND revoked_at = '' AND valid_from <= ` + arg(at) + ` AND valid_until > ` + arg(at)
	}
	q += ` ORDER BY valid_from DESC, id`
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("delegation.List: %w", err)
	}
	defer func() { _ = rows.Close() }()
	var out []svc.Delegation
	for rows.Next() {
		d, err := scan(rows)
		if err != nil {
			return nil, fmt.Errorf("delegation.List: %w", err)
		}
		out = append(out, d)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("delegation.List: %w", err)
	}
	return out, nil
}

// Substitutes are the delegations that let someone act for the agency's
// position at t on a document of kind ("" for any kind), earliest start
// first.
func (s *Store) Substitutes(ctx context.Context, agency, position string, at time.Time, kind string) ([]svc.Delegation, error) {
	all, err := s.List(ctx, Filter{Agency: agency, Position: position, Active: at})
	if err != nil {
		return nil, errs.Wrap("delegation.Substitutes", err)
	}
	out := slices.DeleteFunc(all, func(d svc.Delegation) bool { return !covers(d, at, kind) })
	slices.Reverse(out)
	return out, nil
}

// Audit returns the audit trail, oldest first, times in +07:00.
func (s *Store) Audit(ctx context.Context) ([]AuditEntry, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT at, actor, action, delegation_id, position, substitute FROM delegation_audit ORDER BY at, id`)
	if err != nil {
		return nil, fmt.Errorf("delegation.Audit: %w", err)
	}
	defer func() { _ = rows.Close() }()
	var out []AuditEntry
	for rows.Next() {
		var e AuditEntry
		var at string
		if err := rows.Scan(&at, &e.Actor, &e.Action, &e.DelegationID, &e.Position, &e.Substitute); err != nil {
			return nil, fmt.Errorf("delegation.Audit: %w", err)
		}
		t, err := sqlstore.ParseTime(at)
		if err != nil {
			return nil, fmt.Errorf("delegation.Audit: %w", err)
		}
		e.At = t.In(vntime.Zone)
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("delegation.Audit: %w", err)
	}
	return out, nil
}

func (s *Store) get(ctx context.Context, id string) (svc.Delegation, error) {
	d, err := scan(s.db.QueryRowContext(ctx, `SELECT `+columns+` FROM delegations WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return svc.Delegation{}, errs.E("delegation.get", errs.NotFound, errcode.NotFound, fmt.Sprintf("no delegation %q", id))
	}
	return d, err
}

type scanner interface{ Scan(dest ...any) error }

func scan(sc scanner) (svc.Delegation, error) {
	var d svc.Delegation
	var from, until, kinds, created, revoked string
	if err := sc.Scan(&d.ID, &d.Position, &d.Holder, &d.Substitute, &from, &until, &kinds, &d.Authority, &d.Reason,
		&d.CreatedBy, &created, &d.RevokedBy, &revoked, &d.Reference, &d.Agency); err != nil {
		return svc.Delegation{}, err
	}
	var problems []error
	parse := func(s string, dst *time.Time) {
		if s == "" {
			return
		}
		t, err := sqlstore.ParseTime(s)
		problems = append(problems, err)
		*dst = t.In(vntime.Zone)
	}
	parse(from, &d.From)
	parse(until, &d.Until)
	parse(created, &d.CreatedAt)
	parse(revoked, &d.RevokedAt)
	if kinds != "" {
		d.Kinds = strings.Split(kinds, ",")
	}
	return d, errors.Join(problems...)
}
