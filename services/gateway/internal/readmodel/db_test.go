package readmodel

import (
	"testing"

	"github.com/docflow/docflow/services/internal/sqlstore"
)

// OpenTestDB opens the database at dsn for one test or benchmark, closed
// when it ends. Exported for the package's external tests, which open their
// read models on it too.
func OpenTestDB(tb testing.TB, dsn string) *sqlstore.DB {
	tb.Helper()
	db, err := sqlstore.Open(tb.Context(), dsn)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = db.Close() })
	return db
}
