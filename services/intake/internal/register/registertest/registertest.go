// Package registertest opens incoming registers on test databases and makes
// entries for them, for the tests of the register and of what builds on it.
package registertest

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"

	events "github.com/docflow/docflow/api/events/v1"
	"github.com/docflow/docflow/services/intake/internal/register"
	"github.com/docflow/docflow/services/internal/clerical/counter"
	"github.com/docflow/docflow/services/internal/sqlstore"
	"github.com/docflow/docflow/services/internal/testkit"
)

// databases are the SQL dialects the register supports, each giving the DSN
// of a fresh database.
var databases = map[string]func(testing.TB) string{
	"sqlite":   testkit.SQLite,
	"postgres": testkit.Postgres,
}

// OnEachDatabase runs test in a parallel subtest for each SQL dialect the
// register supports; dsn gives a fresh database of that dialect.
func OnEachDatabase(t *testing.T, test func(t *testing.T, dsn func(testing.TB) string)) {
	t.Helper()
	for name, dsn := range databases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			test(t, dsn)
		})
	}
}

// Open opens the database at dsn and the register in it, numbered by the
// default series.
func Open(t testing.TB, dsn string) (*register.Register, *sqlstore.DB) {
	t.Helper()
	db := testkit.DB(t, dsn)
	reg, err := register.Open(t.Context(), db, counter.DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	return reg, db
}

// Document is an ordinary (not secret) entry for agency received at the
// given instant, with a fresh id, staged key and event id so that it never
// collides with another.
func Document(agency string, at time.Time) register.Document {
	id := uuid.NewString()
	return register.Document{
		ID:              id,
		Agency:          agency,
		Kind:            "CONG_VAN",
		Subject:         "Về việc báo cáo tình hình thực hiện kế hoạch",
		Urgency:         "THUONG",
		Confidentiality: "NONE",
		Original: events.Object{
			Bucket: "docs", Key: "originals/" + id + ".pdf", VersionID: "v1", Size: 1234,
			SHA256: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
		},
		Pages:        2,
		ReceivedBy:   events.Actor{Username: "vanthu", Role: "clerk", Agency: agency},
		ReceivedAt:   at,
		StagedBucket: "docs",
		StagedKey:    "staging/" + uuid.NewString(),
		EventID:      uuid.NewString(),
	}
}

// Kinds loads the document kinds the register accepts.
func Kinds(t testing.TB) *register.Kinds {
	t.Helper()
	k, err := register.LoadKinds()
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// CheckConsecutive fails the test unless numbers, in any order, are 1 to n
// each exactly once: what n numbers issued at once in a fresh series must
// come to.
func CheckConsecutive(t testing.TB, numbers []int64, n int) {
	t.Helper()
	sorted := slices.Sorted(slices.Values(numbers))
	for i, got := range sorted {
		if got != int64(i+1) {
			t.Fatalf("numbers %v are not 1..%d without gaps or repeats", sorted, n)
		}
	}
	if len(sorted) != n {
		t.Fatalf("%d numbers, want %d", len(sorted), n)
	}
}

// Refuse makes the database refuse register entries with the given subject,
// or every entry when subject is empty, inside the registration's
// transaction (after the counter has been advanced), so that a test can fail
// a registration midway. allow lifts the refusal.
func Refuse(t testing.TB, db *sqlstore.DB, subject string) (allow func()) {
	t.Helper()
	when := "true"
	if subject != "" {
		when = fmt.Sprintf("NEW.subject = '%s'", subject)
	}
	var stmts []string
	switch db.Dialect {
	case sqlstore.SQLite:
		stmts = []string{`CREATE TRIGGER refuse_entries BEFORE INSERT ON intake_documents
			WHEN ` + when + ` BEGIN SELECT RAISE(ABORT, 'refused by test trigger'); END`}
	case sqlstore.Postgres:
		stmts = []string{
			`CREATE FUNCTION refuse_entries() RETURNS trigger AS $$
			BEGIN
				IF ` + when + ` THEN RAISE EXCEPTION 'refused by test trigger'; END IF;
				RETURN NEW;
			END $$ LANGUAGE plpgsql`,
			`CREATE TRIGGER refuse_entries BEFORE INSERT ON intake_documents FOR EACH ROW EXECUTE FUNCTION refuse_entries()`,
		}
	}
	mustExec(t, db, stmts...)
	return func() {
		t.Helper()
		stmt := `DROP TRIGGER refuse_entries`
		if db.Dialect == sqlstore.Postgres {
			stmt += ` ON intake_documents`
		}
		mustExec(t, db, stmt)
	}
}

func mustExec(t testing.TB, db *sqlstore.DB, stmts ...string) {
	t.Helper()
	for _, s := range stmts {
		if _, err := db.ExecContext(t.Context(), s); err != nil {
			t.Fatal(err)
		}
	}
}
