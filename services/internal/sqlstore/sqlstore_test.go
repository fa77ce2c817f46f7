package sqlstore_test

import (
	"context"
	"database/sql"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/docflow/docflow/api/vntime"
	"github.com/docflow/docflow/services/internal/sqlstore"
	"github.com/docflow/docflow/services/internal/testkit"
)

// Every behaviour the services rely on, run on both databases.
func TestConformance(t *testing.T) {
	t.Parallel()
	for name, dsn := range map[string]func(testing.TB) string{"sqlite": testkit.SQLite, "postgres": testkit.Postgres} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			db := testkit.DB(t, dsn(t))
			t.Run("migrate", func(t *testing.T) { testMigrate(t, db) })
			t.Run("placeholders and time", func(t *testing.T) { testPlaceholders(t, db) })
			t.Run("rollback", func(t *testing.T) { testRollback(t, db) })
			t.Run("concurrent increments", func(t *testing.T) { testConcurrent(t, db) })
		})
	}
}

func testMigrate(t *testing.T, db *sqlstore.DB) {
	ctx := t.Context()
	steps := []string{`CREATE TABLE m1 (id TEXT PRIMARY KEY)`, `ALTER TABLE m1 ADD COLUMN note TEXT`}
	for range 2 { // applying twice is a no-op
		if err := db.Migrate(ctx, "test", steps); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.Migrate(ctx, "test", append(steps, `CREATE TABLE m2 (id TEXT)`)); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM schema_migrations WHERE component = $1`, "test").Scan(&n); err != nil || n != 3 {
		t.Fatalf("recorded %d steps, %v", n, err)
	}
	if err := db.Migrate(ctx, "broken", []string{`CREATE TABLE nope (`}); err == nil {
		t.Fatal("a broken step was accepted")
	}
}

func testPlaceholders(t *testing.T, db *sqlstore.DB) {
	ctx := t.Context()
	if _, err := db.ExecContext(ctx, `CREATE TABLE p (id TEXT PRIMARY KEY, n BIGINT, at TEXT)`); err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 1, 5, 8, 30, 0, 123456789, vntime.Zone)
	if _, err := db.ExecContext(ctx, `INSERT INTO p (id, n, at) VALUES ($1, $2, $3)`, "a", int64(1)<<40, sqlstore.Time(at)); err != nil {
		t.Fatal(err)
	}
	_, err := db.ExecContext(ctx, `INSERT INTO p (id, n, at) VALUES ($1, $2, $3)`, "a", 1, "")
	if !sqlstore.IsUniqueViolation(err) {
		t.Fatalf("duplicate key: %v, want a unique violation", err)
	}
	var n int64
	var s string
	if err := db.QueryRowContext(ctx, `SELECT n, at FROM p WHERE id = $1 AND n > $2`, "a", 0).Scan(&n, &s); err != nil {
		t.Fatal(err)
	}
	got, err := sqlstore.ParseTime(s)
	if err != nil || !got.Equal(at) || n != 1<<40 {
		t.Fatalf("read back %d %s (%v)", n, s, err)
	}
}

func testRollback(t *testing.T, db *sqlstore.DB) {
	ctx := t.Context()
	if _, err := db.ExecContext(ctx, `CREATE TABLE r (id TEXT PRIMARY KEY)`); err != nil {
		t.Fatal(err)
	}
	boom := errors.New("boom")
	err := db.InTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO r (id) VALUES ($1)`, "x"); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("InTx returned %v", err)
	}
	var n int
	if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM r`).Scan(&n); err != nil || n != 0 {
		t.Fatalf("rolled-back insert is visible: %d %v", n, err)
	}
}

// Many writers incrementing one row lose no update.
func testConcurrent(t *testing.T, db *sqlstore.DB) {
	ctx := t.Context()
	if _, err := db.ExecContext(ctx, `CREATE TABLE c (id TEXT PRIMARY KEY, n BIGINT NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	if _, err := db.ExecContext(ctx, `INSERT INTO c (id, n) VALUES ('k', 0)`); err != nil {
		t.Fatal(err)
	}
	const writers = 40
	var wg sync.WaitGroup
	errc := make(chan error, writers)
	for range writers {
		wg.Go(func() {
			errc <- db.InTx(context.WithoutCancel(ctx), func(tx *sql.Tx) error {
				var n int64
				if err := tx.QueryRowContext(ctx, `SELECT n FROM c WHERE id = 'k'`+forUpdate(db)).Scan(&n); err != nil {
					return err
				}
				_, err := tx.ExecContext(ctx, `UPDATE c SET n = $1 WHERE id = 'k'`, n+1)
				return err
			})
		})
	}
	wg.Wait()
	close(errc)
	for err := range errc {
		if err != nil {
			t.Fatal(err)
		}
	}
	var n int
	if err := db.QueryRowContext(ctx, `SELECT n FROM c WHERE id = 'k'`).Scan(&n); err != nil || n != writers {
		t.Fatalf("n = %d after %d increments (%v)", n, writers, err)
	}
}

func forUpdate(db *sqlstore.DB) string {
	if db.Dialect == sqlstore.Postgres {
		return " FOR UPDATE"
	}
	return ""
}
