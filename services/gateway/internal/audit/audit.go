// Package audit records what people do: who (username, role, agency), what
// (action and target), when (+07:00), and whether it was allowed. Refusals
// are recorded too: a records officer investigating a document needs to see
// the attempts as well as the successes.
package audit

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/docflow/docflow/api/vntime"
	"github.com/docflow/docflow/services/internal/sqlstore"
)

// Outcomes.
const (
	Allowed = "allowed"
	Refused = "refused"
	Failed  = "failed"
)

// Entry is one audited action.
type Entry struct {
	At      time.Time
	Actor   string
	Role    string
	Agency  string
	Action  string // e.g. "document.create", "task.decide"
	Target  string // the document, task or record id
	Outcome string
	Detail  string // the decision, the error code, …
}

var migrations = []string{
	`CREATE TABLE audit_log (
		id TEXT PRIMARY KEY,
		at TEXT NOT NULL,
		actor TEXT NOT NULL,
		role TEXT NOT NULL,
		agency TEXT NOT NULL,
		action TEXT NOT NULL,
		target TEXT NOT NULL,
		outcome TEXT NOT NULL,
		detail TEXT NOT NULL)`,
	`CREATE INDEX audit_log_by_target ON audit_log (target, at)`,
}

// Log is the audit trail.
type Log struct {
	db  *sqlstore.DB
	now func() time.Time
}

// Open migrates the schema and returns the trail.
func Open(ctx context.Context, db *sqlstore.DB) (*Log, error) {
	if err := db.Migrate(ctx, "gateway.audit", migrations); err != nil {
		return nil, fmt.Errorf("audit.Open: %w", err)
	}
	return &Log{db: db, now: time.Now}, nil
}

// Record appends an entry. Times are stored with +07:00, as the records
// officer reads them.
func (l *Log) Record(ctx context.Context, e Entry) error {
	if e.At.IsZero() {
		e.At = l.now()
	}
	_, err := l.db.ExecContext(ctx, `INSERT INTO audit_log (id, at, actor, role, agency, action, target, outcome, detail)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
		uuid.NewString(), e.At.In(vntime.Zone).Format("2006-01-02T15:04:05.000000-07:00"), e.Actor, e.Role, e.Agency, e.Action, e.Target, e.Outcome, e.Detail)
	if err != nil {
		return fmt.Errorf("audit.Record: %w", err)
	}
	return nil
}

// ForTarget lists the entries about one target, oldest first.
func (l *Log) ForTarget(ctx context.Context, target string) ([]Entry, error) {
	rows, err := l.db.QueryContext(ctx, `SELECT at, actor, role, agency, action, target, outcome, detail FROM audit_log WHERE target = $1 ORDER BY at, id`, target)
	if err != nil {
		return nil, fmt.Errorf("audit.ForTarget: %w", err)
	}
	defer rows.Close()
	var out []Entry
	for rows.Next() {
		var e Entry
		var at string
		if err := rows.Scan(&at, &e.Actor, &e.Role, &e.Agency, &e.Action, &e.Target, &e.Outcome, &e.Detail); err != nil {
			return nil, fmt.Errorf("audit.ForTarget: %w", err)
		}
		e.At, _ = time.Parse(time.RFC3339Nano, at)
		out = append(out, e)
	}
	return out, rows.Err()
}
