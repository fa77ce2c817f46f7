package testkit

import (
	"testing"

	"github.com/docflow/docflow/services/internal/sqlstore"
)

// DB opens the database at dsn (a DSN from SQLite or Postgres) and closes it
// when the test ends.
func DB(t testing.TB, dsn string) *sqlstore.DB {
	t.Helper()
	db, err := sqlstore.Open(t.Context(), dsn)
	if err != nil {
		fatalf(t, "opening %s: %v", redact(dsn), err)
	}
	t.Cleanup(func() { _ = db.Close() })
	return db
}
