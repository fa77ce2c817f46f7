// Package countertest is the conformance suite of the counters: what
// counter.Store promises, checked on one database. Every database the
// services support runs it (see counter's tests).
package countertest

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/docflow/docflow/api/vntime"
	"github.com/docflow/docflow/services/internal/clerical/counter"
	"github.com/docflow/docflow/services/internal/errs"
	"github.com/docflow/docflow/services/internal/sqlstore"
	"github.com/docflow/docflow/services/internal/testkit"
)

// Run runs the suite. newDSN returns the address of a fresh, empty
// database (testkit.SQLite, testkit.Postgres); the suite opens it itself so
// that it can close and reopen it.
func Run(t *testing.T, newDSN func(testing.TB) string) {
	t.Helper()
	tests := []struct {
		name string
		run  func(t *testing.T, dsn string)
	}{
		{"the first number of a series is 1", testFirst},
		{"100 parallel issues give 1 to 100 exactly", testParallel},
		{"a failed issue burns no number", testFailure},
		{"failures among parallel issues leave no gap", testParallelFailures},
		{"series are independent", testIndependent},
		{"the year rolls over at midnight in Vietnam", testYearRollover},
		{"a restart continues the sequence", testRestart},
		{"an incomplete series is refused", testIncomplete},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tt.run(t, newDSN(t))
		})
	}
}

var normal = counter.Document{Agency: "000.00.00.G22", Direction: counter.Incoming, Kind: "CONG_VAN"}

func open(t *testing.T, dsn string) (*sqlstore.DB, *counter.Store) {
	t.Helper()
	db := testkit.DB(t, dsn)
	store, err := counter.Open(t.Context(), db)
	if err != nil {
		t.Fatal(err)
	}
	// What a caller numbers: each number issued is recorded with it, so a
	// test can see that the number and the record commit together.
	if _, err := db.ExecContext(t.Context(), `CREATE TABLE IF NOT EXISTS numbered (
		agency TEXT NOT NULL, register TEXT NOT NULL, year INTEGER NOT NULL, n BIGINT NOT NULL,
		PRIMARY KEY (agency, register, year, n))`); err != nil {
		t.Fatal(err)
	}
	return db, store
}

func record(ctx context.Context, s counter.Series) func(*sql.Tx, int64) error {
	return func(tx *sql.Tx, n int64) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO numbered (agency, register, year, n) VALUES ($1, $2, $3, $4)`,
			s.Agency, s.Register, s.Year, n)
		return err
	}
}

func issue(t *testing.T, store *counter.Store, s counter.Series) int64 {
	t.Helper()
	var inside int64
	n, err := store.Issue(t.Context(), s, func(_ *sql.Tx, n int64) error {
		inside = n
		return nil
	})
	if err != nil {
		t.Fatalf("Issue(%s): %v", s, err)
	}
	if n != inside {
		t.Fatalf("Issue(%s) returned %d but numbered the record %d", s, n, inside)
	}
	return n
}

// wantIssued issues the next number of s and checks that it is want; what
// names the number in the failure.
func wantIssued(t *testing.T, store *counter.Store, s counter.Series, want int64, what string) {
	t.Helper()
	if n := issue(t, store, s); n != want {
		t.Errorf("%s is %d, want %d", what, n, want)
	}
}

// wantLast checks that the last number issued in s is want.
func wantLast(t *testing.T, store *counter.Store, s counter.Series, want int64) {
	t.Helper()
	n, err := store.Last(t.Context(), s)
	if err != nil {
		t.Fatalf("Last(%s): %v", s, err)
	}
	if n != want {
		t.Errorf("Last(%s) = %d, want %d", s, n, want)
	}
}

// recorded lists the numbers committed with their record in s.
func recorded(t *testing.T, db *sqlstore.DB, s counter.Series) []int64 {
	t.Helper()
	rows, err := db.QueryContext(t.Context(), `SELECT n FROM numbered WHERE agency = $1 AND register = $2 AND year = $3 ORDER BY n`,
		s.Agency, s.Register, s.Year)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = rows.Close() }()
	var ns []int64
	for rows.Next() {
		var n int64
		if err := rows.Scan(&n); err != nil {
			t.Fatal(err)
		}
		ns = append(ns, n)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return ns
}

func oneTo(n int) []int64 {
	out := make([]int64, n)
	for i := range out {
		out[i] = int64(i + 1)
	}
	return out
}

func testFirst(t *testing.T, dsn string) {
	_, store := open(t, dsn)
	s := counter.DefaultConfig().SeriesFor(normal, time.Date(2026, 1, 1, 0, 0, 0, 0, vntime.Zone))
	wantLast(t, store, s, 0)
	wantIssued(t, store, s, 1, "the first number")
	wantIssued(t, store, s, 2, "the second number")
	wantLast(t, store, s, 2)
}

func testParallel(t *testing.T, dsn string) {
	db, store := open(t, dsn)
	const n = 100
	s := counter.DefaultConfig().SeriesFor(normal, time.Date(2026, 3, 5, 9, 0, 0, 0, vntime.Zone))
	var (
		wg      sync.WaitGroup
		mu      sync.Mutex
		numbers []int64
	)
	for range n {
		wg.Go(func() {
			got, err := store.Issue(t.Context(), s, record(t.Context(), s))
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				t.Errorf("Issue: %v", err)
				return
			}
			numbers = append(numbers, got)
		})
	}
	wg.Wait()
	slices.Sort(numbers)
	if !slices.Equal(numbers, oneTo(n)) {
		t.Fatalf("%d parallel issues gave %v, want 1..%d once each", n, numbers, n)
	}
	if got := recorded(t, db, s); !slices.Equal(got, oneTo(n)) {
		t.Errorf("records committed with numbers %v, want 1..%d", got, n)
	}
	wantLast(t, store, s, n)
}

func testFailure(t *testing.T, dsn string) {
	db, store := open(t, dsn)
	ctx := t.Context()
	s := counter.DefaultConfig().SeriesFor(normal, time.Date(2026, 4, 1, 8, 0, 0, 0, vntime.Zone))
	if n, err := store.Issue(ctx, s, record(ctx, s)); err != nil || n != 1 {
		t.Fatalf("Issue = %d, %v; want 1", n, err)
	}

	// The caller's work fails after the number was taken.
	boom := errors.New("the register entry was refused")
	n, err := store.Issue(ctx, s, func(tx *sql.Tx, n int64) error {
		if err := record(ctx, s)(tx, n); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) || n != 0 {
		t.Fatalf("Issue with a failing record = %d, %v; want 0 and the record's error", n, err)
	}
	if n, err := store.Issue(ctx, s, record(ctx, s)); err != nil || n != 2 {
		t.Fatalf("after a failed issue: Issue = %d, %v; want 2", n, err)
	}

	// The caller rolls its own transaction back.
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if n, err := store.Next(ctx, tx, s); err != nil || n != 3 {
		_ = tx.Rollback()
		t.Fatalf("Next = %d, %v; want 3", n, err)
	}
	if err := tx.Rollback(); err != nil {
		t.Fatal(err)
	}
	if n, err := store.Issue(ctx, s, record(ctx, s)); err != nil || n != 3 {
		t.Fatalf("after a rolled-back transaction: Issue = %d, %v; want 3", n, err)
	}

	// The caller commits its own transaction.
	tx, err = db.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	n, err = store.Next(ctx, tx, s)
	if err == nil {
		err = record(ctx, s)(tx, n)
	}
	if err != nil {
		_ = tx.Rollback()
		t.Fatalf("Next and record: %v", err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	if n != 4 {
		t.Errorf("Next in the caller's transaction = %d, want 4", n)
	}
	if got := recorded(t, db, s); !slices.Equal(got, oneTo(4)) {
		t.Errorf("records committed with numbers %v, want 1..4", got)
	}
}

func testParallelFailures(t *testing.T, dsn string) {
	db, store := open(t, dsn)
	const attempts = 60
	s := counter.DefaultConfig().SeriesFor(normal, time.Date(2026, 6, 1, 8, 0, 0, 0, vntime.Zone))
	boom := errors.New("refused")
	var (
		wg      sync.WaitGroup
		mu      sync.Mutex
		numbers []int64
	)
	for i := range attempts {
		wg.Go(func() {
			got, err := store.Issue(t.Context(), s, func(tx *sql.Tx, n int64) error {
				if i%3 == 0 {
					return boom
				}
				return record(t.Context(), s)(tx, n)
			})
			mu.Lock()
			defer mu.Unlock()
			switch {
			case i%3 == 0 && !errors.Is(err, boom):
				t.Errorf("attempt %d should fail: %d, %v", i, got, err)
			case i%3 != 0 && err != nil:
				t.Errorf("attempt %d: %v", i, err)
			case err == nil:
				numbers = append(numbers, got)
			}
		})
	}
	wg.Wait()
	want := oneTo(attempts - attempts/3)
	slices.Sort(numbers)
	if !slices.Equal(numbers, want) {
		t.Fatalf("successful issues got %v, want 1..%d", numbers, len(want))
	}
	if got := recorded(t, db, s); !slices.Equal(got, want) {
		t.Errorf("records committed with numbers %v, want 1..%d", got, len(want))
	}
	wantLast(t, store, s, int64(len(want)))
}

func testIndependent(t *testing.T, dsn string) {
	_, store := open(t, dsn)
	cfg := counter.Config{Mode: counter.Shared, Agencies: map[string]counter.Agency{
		"000.00.00.G22": {Mode: counter.PerKind},
		"H49.64.33":     {Mode: counter.PerUnit},
	}}
	in2026 := time.Date(2026, 2, 10, 10, 0, 0, 0, vntime.Zone)
	g22 := "000.00.00.G22"
	docs := []struct {
		name string
		doc  counter.Document
		at   time.Time
	}{
		{"incoming", counter.Document{Agency: g22, Direction: counter.Incoming, Kind: "CONG_VAN"}, in2026},
		{"incoming secret", counter.Document{Agency: g22, Direction: counter.Incoming, Kind: "CONG_VAN", Confidential: true}, in2026},
		{"incoming of another agency", counter.Document{Agency: "000.00.00.G09", Direction: counter.Incoming}, in2026},
		{"incoming of another year", counter.Document{Agency: g22, Direction: counter.Incoming}, in2026.AddDate(-1, 0, 0)},
		{"outgoing decision", counter.Document{Agency: g22, Direction: counter.Outgoing, Kind: "QUYET_DINH"}, in2026},
		{"outgoing công văn", counter.Document{Agency: g22, Direction: counter.Outgoing, Kind: "CONG_VAN"}, in2026},
		{"outgoing secret", counter.Document{Agency: g22, Direction: counter.Outgoing, Kind: "CONG_VAN", Confidential: true}, in2026},
		{"copy", counter.Document{Agency: g22, Direction: counter.Outgoing, Kind: "SAO_Y"}, in2026},
		{"legal decision", counter.Document{Agency: g22, Direction: counter.Outgoing, Kind: "QUYET_DINH", Legal: true}, in2026},
		{"unit VP", counter.Document{Agency: "H49.64.33", Direction: counter.Outgoing, Kind: "CONG_VAN", Unit: "VP"}, in2026},
		{"unit TCCB", counter.Document{Agency: "H49.64.33", Direction: counter.Outgoing, Kind: "CONG_VAN", Unit: "TCCB"}, in2026},
	}
	series := make([]counter.Series, len(docs))
	for i, d := range docs {
		series[i] = cfg.SeriesFor(d.doc, d.at)
		for j := range i {
			if series[j] == series[i] {
				t.Fatalf("%s and %s share the series %s", docs[j].name, d.name, series[i])
			}
		}
	}
	// Series i receives i+1 numbers, interleaved with the others.
	issued := make([][]int64, len(series))
	for round := range len(series) {
		for i, s := range series {
			if round <= i {
				issued[i] = append(issued[i], issue(t, store, s))
			}
		}
	}
	for i, got := range issued {
		if !slices.Equal(got, oneTo(i+1)) {
			t.Errorf("%s (%s) got %v, want 1..%d", docs[i].name, series[i], got, i+1)
		}
	}
}

func testYearRollover(t *testing.T, dsn string) {
	_, store := open(t, dsn)
	cfg := counter.DefaultConfig()
	lastSecond := time.Date(2025, 12, 31, 23, 59, 59, 999999999, vntime.Zone)
	midnight := time.Date(2026, 1, 1, 0, 0, 0, 0, vntime.Zone)
	old, fresh := cfg.SeriesFor(normal, lastSecond), cfg.SeriesFor(normal, midnight)
	if old.Year != 2025 || fresh.Year != 2026 {
		t.Fatalf("years %d and %d either side of midnight +07:00, want 2025 and 2026", old.Year, fresh.Year)
	}
	// 17:00 UTC on 31 December is already New Year in Hà Nội.
	if y := cfg.SeriesFor(normal, midnight.UTC()).Year; y != 2026 {
		t.Errorf("%s is in %d, want 2026", midnight.UTC(), y)
	}
	for want := int64(1); want <= 3; want++ {
		wantIssued(t, store, old, want, "a number of 2025")
	}
	wantIssued(t, store, fresh, 1, "the first number of 2026")
	// A late entry in last year's register continues last year's numbers.
	wantIssued(t, store, old, 4, "the number of 2025 after the rollover")
	wantIssued(t, store, fresh, 2, "the second number of 2026")
}

func testRestart(t *testing.T, dsn string) {
	s := counter.DefaultConfig().SeriesFor(normal, time.Date(2026, 8, 19, 14, 0, 0, 0, vntime.Zone))
	db, store := open(t, dsn)
	for range 3 {
		issue(t, store, s)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	_, store = open(t, dsn)
	wantIssued(t, store, s, 4, "the next number after reopening the database")
}

func testIncomplete(t *testing.T, dsn string) {
	db, store := open(t, dsn)
	ctx := t.Context()
	good := counter.DefaultConfig().SeriesFor(normal, time.Date(2026, 9, 2, 8, 0, 0, 0, vntime.Zone))
	tests := []struct {
		name  string
		s     counter.Series
		field string
	}{
		{"no agency", counter.Series{Register: good.Register, Year: good.Year}, "agency"},
		{"no register", counter.Series{Agency: good.Agency, Year: good.Year}, "register"},
		{"unknown direction", counter.DefaultConfig().SeriesFor(counter.Document{Agency: good.Agency, Direction: "sideways"}, time.Now()), "register"},
		{"no year", counter.Series{Agency: good.Agency, Register: good.Register}, "year"},
	}
	for _, tt := range tests {
		_, err := store.Issue(ctx, tt.s, record(ctx, tt.s))
		var e *errs.Error
		if !errors.As(err, &e) || e.Kind != errs.Invalid || e.Details[tt.field] == "" {
			t.Errorf("%s: Issue(%s) = %v, want an invalid-argument error naming %s", tt.name, tt.s, err, tt.field)
		}
		if n, err := store.Last(ctx, tt.s); errs.KindOf(err) != errs.Invalid {
			t.Errorf("%s: Last(%s) = %d, %v, want an invalid-argument error", tt.name, tt.s, n, err)
		}
	}
	var rows int
	if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM numbered`).Scan(&rows); err != nil || rows != 0 {
		t.Errorf("%d records were numbered in incomplete series (%v)", rows, err)
	}
	wantIssued(t, store, good, 1, "the first number after refusals")
}
