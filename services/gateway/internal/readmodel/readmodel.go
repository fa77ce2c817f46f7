// Package readmodel keeps the gateway's views of documents, their history,
// the inbox and notifications, projected from the event stream.
//
// Each entity has its projector, which names the event types it cares about
// and what each of them writes: the tasks of the inbox (tasks.go), the
// documents with their status, whom they wait for, what they say of
// themselves and every PDF the events name (documents.go, with the outgoing
// register in outgoing.go), its dispatch to its recipients (dispatch.go),
// and the notifications (notifications.go).
// Adding an event type means adding it to the projectors that care.
//
// Apply runs them in one transaction per event, after the event's line in
// the document's history (history.go). That line's key is the event id, so
// applying an event twice changes nothing: the projection survives
// redeliveries and can be rebuilt from the stream.
package readmodel

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	events "github.com/docflow/docflow/api/events/v1"
	"github.com/docflow/docflow/services/internal/sqlstore"
)

// Store is the read model.
type Store struct {
	db *sqlstore.DB
}

// Open migrates the schema and returns the store.
func Open(ctx context.Context, db *sqlstore.DB) (*Store, error) {
	if err := db.Migrate(ctx, "gateway.readmodel", migrations); err != nil {
		return nil, fmt.Errorf("readmodel.Open: %w", err)
	}
	return &Store{db: db}, nil
}

// projection writes what one event changes in one entity's tables, inside
// the event's transaction.
type projection func(ctx context.Context, tx *sql.Tx, ev events.Event) error

// A projector keeps one entity's tables: for each event type it cares about,
// what that event writes.
type projector map[events.Type]projection

// on makes a projection of a function of the event's payload, which the
// type's registration in api/events fixes.
func on[T any](f func(ctx context.Context, tx *sql.Tx, ev events.Event, d *T) error) projection {
	return func(ctx context.Context, tx *sql.Tx, ev events.Event) error {
		d, ok := ev.Payload.(*T)
		if !ok {
			return fmt.Errorf("%s carries a %T, not the %T this projection reads", ev.Type, ev.Payload, d)
		}
		return f(ctx, tx, ev, d)
	}
}

// projectors run in this order: whom a document waits for is read from the
// tasks the tasks projector has just written, and a notification names the
// document's subject.
var projectors = []projector{tasks, documents, dispatches, exchanges, notifications}

// Apply projects one event. Events of types the read model has no history
// line for are ignored: the gateway does not need every event the system
// emits. An event about a document not projected yet fails, so that it is
// delivered again after the document's document.received.
func (s *Store) Apply(ctx context.Context, ev events.Event) error {
	err := s.db.InTx(ctx, func(tx *sql.Tx) error {
		// Record the event first: if it was applied before, stop here.
		fresh, err := record(ctx, tx, ev)
		if err != nil || !fresh {
			return err
		}
		for _, p := range projectors {
			if project, ok := p[ev.Type]; ok {
				if err := project(ctx, tx, ev); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("readmodel.Apply %s %s: %w", ev.Type, ev.ID, err)
	}
	return nil
}

// optionalTime stores a time that may be absent (zero) as "".
func optionalTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return sqlstore.Time(t)
}

// parseOptionalTime reads a stored time that may be absent ("").
func parseOptionalTime(s string) time.Time {
	if s == "" {
		return time.Time{}
	}
	t, _ := sqlstore.ParseTime(s) // written by sqlstore.Time, so it parses
	return t
}
