// Package catalogtest opens archive catalogs on test databases.
package catalogtest

import (
	"testing"

	"github.com/docflow/docflow/services/archive/internal/catalog"
	"github.com/docflow/docflow/services/internal/testkit"
)

// Open opens the database at dsn (from testkit.SQLite or testkit.Postgres)
// and the catalog in it.
func Open(t testing.TB, dsn string) *catalog.Catalog {
	t.Helper()
	c, err := catalog.New(t.Context(), testkit.DB(t, dsn))
	if err != nil {
		t.Fatal(err)
	}
	return c
}
