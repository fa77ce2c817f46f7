package register_test

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	events "github.com/docflow/docflow/api/events/v1"
	"github.com/docflow/docflow/services/intake/internal/register"
	"github.com/docflow/docflow/services/intake/internal/register/registertest"
	"github.com/docflow/docflow/services/internal/clerical/counter"
	"github.com/docflow/docflow/services/internal/sqlstore"
	"github.com/docflow/docflow/services/internal/testkit"
)

func enter(t *testing.T, reg *register.Register, d register.Document) register.Document {
	t.Helper()
	got, created, err := reg.Enter(t.Context(), d)
	if err != nil {
		t.Fatalf("Enter: %v", err)
	}
	if !created {
		t.Fatalf("Enter(%s) found an existing entry %s", d.StagedKey, got.ID)
	}
	return got
}

func TestRegister(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		run  func(t *testing.T, dsn string)
	}{
		{"numbers run per agency and year", testNumbering},
		{"the year is Vietnam's", testYearBoundary},
		{"a repeated entry returns the first and burns no number", testRepeat},
		{"a failed entry burns no number", testFailedEntry},
		{"concurrent entries get consecutive numbers", testConcurrent},
		{"unannounced entries", testUnannounced},
		{"secret documents have their own series", testSecretSeries},
		{"a register of the previous release carries on", testUpgrade},
		{"a draft takes no arrival number", testDraft},
	}
	registertest.OnEachDatabase(t, func(t *testing.T, dsn func(testing.TB) string) {
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				t.Parallel()
				tt.run(t, dsn(t))
			})
		}
	})
}

func testNumbering(t *testing.T, dsn string) {
	reg, _ := registertest.Open(t, dsn)
	at := time.Date(2026, 3, 5, 9, 0, 0, 0, time.UTC)
	steps := []struct {
		agency string
		at     time.Time
		want   int64
	}{
		{"000.00.00.G22", at, 1},
		{"000.00.00.G22", at.Add(time.Minute), 2},
		{"H49.64.33", at, 1}, // another agency has its own register
		{"000.00.00.G22", at.Add(2 * time.Minute), 3},
		{"000.00.00.G22", at.AddDate(1, 0, 0), 1}, // a new year starts again at 1
	}
	for _, s := range steps {
		d := enter(t, reg, registertest.Document(s.agency, s.at))
		if d.ArrivalNumber != s.want {
			t.Errorf("%s at %s: arrival number %d, want %d", s.agency, s.at, d.ArrivalNumber, s.want)
		}
		if d.Status != register.StatusRegistered {
			t.Errorf("status %q, want %q", d.Status, register.StatusRegistered)
		}
	}

	// The entry reads back as it was written.
	want := registertest.Document("000.00.00.G22", at.Add(3*time.Minute+123456789))
	want.Issuer, want.IssuerID, want.Symbol = "Bộ Nội vụ", "000.00.00.G09", "05/TTr-SNV-VP"
	want.IssuedOn, want.Description = "2026-03-02", "Kèm theo 02 phụ lục"
	entered := enter(t, reg, want)
	got, err := reg.Get(t.Context(), want.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Subject != want.Subject || got.Original != want.Original || got.ReceivedBy != want.ReceivedBy ||
		got.Pages != want.Pages || got.EventID != want.EventID || got.ArrivalNumber != 4 || got.ArrivalYear != 2026 ||
		got.ArrivalRegister != counter.IncomingRegister || got.Issuer != want.Issuer || got.IssuerID != want.IssuerID ||
		got.Symbol != want.Symbol || got.IssuedOn != want.IssuedOn || got.Description != want.Description {
		t.Errorf("read back %+v\nwant %+v", got, entered)
	}
	if !got.ReceivedAt.Equal(want.ReceivedAt) {
		t.Errorf("received at %s, want %s", got.ReceivedAt, want.ReceivedAt)
	}
	if _, offset := got.ReceivedAt.Zone(); offset != 7*3600 {
		t.Errorf("received at %s is not shown in +07:00", got.ReceivedAt)
	}
}

func testYearBoundary(t *testing.T, dsn string) {
	reg, _ := registertest.Open(t, dsn)
	const agency = "000.00.00.G09"
	// 16:59:59 UTC on 31 December is still 2025 in Hà Nội; a second later
	// it is 00:00 on 1 January 2026.
	lastOf2025 := enter(t, reg, registertest.Document(agency, time.Date(2025, 12, 31, 16, 59, 59, 0, time.UTC)))
	firstOf2026 := enter(t, reg, registertest.Document(agency, time.Date(2025, 12, 31, 17, 0, 0, 0, time.UTC)))
	if lastOf2025.ArrivalYear != 2025 || lastOf2025.ArrivalNumber != 1 {
		t.Errorf("before midnight in Hà Nội: %d/%d, want 1/2025", lastOf2025.ArrivalNumber, lastOf2025.ArrivalYear)
	}
	if firstOf2026.ArrivalYear != 2026 || firstOf2026.ArrivalNumber != 1 {
		t.Errorf("after midnight in Hà Nội: %d/%d, want 1/2026", firstOf2026.ArrivalNumber, firstOf2026.ArrivalYear)
	}
}

func testRepeat(t *testing.T, dsn string) {
	reg, _ := registertest.Open(t, dsn)
	const agency = "000.00.00.G12"
	at := time.Date(2026, 4, 1, 8, 0, 0, 0, time.UTC)
	first := enter(t, reg, registertest.Document(agency, at))

	again := registertest.Document(agency, at.Add(time.Second))
	again.StagedBucket, again.StagedKey = first.StagedBucket, first.StagedKey
	got, created, err := reg.Enter(t.Context(), again)
	if err != nil {
		t.Fatalf("repeated Enter: %v", err)
	}
	if created || got.ID != first.ID || got.ArrivalNumber != first.ArrivalNumber {
		t.Errorf("repeated Enter = %s #%d created=%t, want the first entry %s #%d", got.ID, got.ArrivalNumber, created, first.ID, first.ArrivalNumber)
	}
	found, ok, err := reg.ByStaged(t.Context(), first.StagedBucket, first.StagedKey)
	if err != nil || !ok || found.ID != first.ID {
		t.Errorf("ByStaged = %s, %t, %v; want %s", found.ID, ok, err, first.ID)
	}

	next := enter(t, reg, registertest.Document(agency, at.Add(2*time.Second)))
	if next.ArrivalNumber != 2 {
		t.Errorf("after a repeated entry the next number is %d, want 2", next.ArrivalNumber)
	}
}

func testFailedEntry(t *testing.T, dsn string) {
	reg, db := registertest.Open(t, dsn)
	const agency = "000.00.00.G06"
	at := time.Date(2026, 5, 1, 8, 0, 0, 0, time.UTC)
	enter(t, reg, registertest.Document(agency, at))

	// The database refuses the entry after the counter was advanced in the
	// same transaction.
	registertest.Refuse(t, db, "refused by the database")
	bad := registertest.Document(agency, at.Add(time.Second))
	bad.Subject = "refused by the database"
	if _, _, err := reg.Enter(t.Context(), bad); err == nil {
		t.Fatal("Enter succeeded although the database refused the row")
	}

	next := enter(t, reg, registertest.Document(agency, at.Add(2*time.Second)))
	if next.ArrivalNumber != 2 {
		t.Errorf("after a failed entry the next number is %d, want 2", next.ArrivalNumber)
	}
}

func testConcurrent(t *testing.T, dsn string) {
	reg, _ := registertest.Open(t, dsn)
	const (
		agency = "H49"
		n      = 100
	)
	at := time.Date(2026, 6, 1, 8, 0, 0, 0, time.UTC)
	var (
		wg      sync.WaitGroup
		mu      sync.Mutex
		numbers []int64
		errs    []error
	)
	for i := range n {
		wg.Go(func() {
			d, _, err := reg.Enter(context.WithoutCancel(t.Context()), registertest.Document(agency, at.Add(time.Duration(i)*time.Millisecond)))
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				errs = append(errs, err)
				return
			}
			numbers = append(numbers, d.ArrivalNumber)
		})
	}
	wg.Wait()
	for _, err := range errs {
		t.Errorf("concurrent Enter: %v", err)
	}
	registertest.CheckConsecutive(t, numbers, n)
	count, err := reg.Count(t.Context(), agency, 2026)
	if err != nil {
		t.Fatal(err)
	}
	if count != n {
		t.Errorf("register holds %d entries, want %d", count, n)
	}
}

func testUnannounced(t *testing.T, dsn string) {
	reg, _ := registertest.Open(t, dsn)
	const agency = "G22"
	at := time.Date(2026, 7, 1, 8, 0, 0, 0, time.UTC)
	older := enter(t, reg, registertest.Document(agency, at))
	newer := enter(t, reg, registertest.Document(agency, at.Add(time.Hour)))

	pending, err := reg.Unannounced(t.Context(), at.Add(time.Minute), 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(pending) != 1 || pending[0].ID != older.ID {
		t.Fatalf("unannounced before %s: %v, want only %s", at.Add(time.Minute), ids(pending), older.ID)
	}

	if err := reg.MarkAnnounced(t.Context(), older.ID, at.Add(2*time.Hour)); err != nil {
		t.Fatal(err)
	}
	pending, err = reg.Unannounced(t.Context(), at.Add(3*time.Hour), 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(pending) != 1 || pending[0].ID != newer.ID {
		t.Errorf("unannounced after marking %s: %v, want only %s", older.ID, ids(pending), newer.ID)
	}
	got, err := reg.Get(t.Context(), older.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !got.AnnouncedAt.Equal(at.Add(2 * time.Hour)) {
		t.Errorf("announced at %s, want %s", got.AnnouncedAt, at.Add(2*time.Hour))
	}
}

func testSecretSeries(t *testing.T, dsn string) {
	reg, _ := registertest.Open(t, dsn)
	const agency = "000.00.00.G22"
	at := time.Date(2026, 8, 3, 8, 0, 0, 0, time.UTC)
	steps := []struct {
		confidentiality string
		number          int64
		register        string
	}{
		{"NONE", 1, counter.IncomingRegister},
		{"MAT", 1, counter.IncomingSecretRegister},
		{"TOI_MAT", 2, counter.IncomingSecretRegister},
		{"NONE", 2, counter.IncomingRegister},
		{"TUYET_MAT", 3, counter.IncomingSecretRegister},
	}
	for i, s := range steps {
		d := registertest.Document(agency, at.Add(time.Duration(i)*time.Minute))
		d.Confidentiality = s.confidentiality
		got := enter(t, reg, d)
		if got.ArrivalNumber != s.number || got.ArrivalRegister != s.register {
			t.Errorf("%s document: number %d in %s, want %d in %s", s.confidentiality, got.ArrivalNumber, got.ArrivalRegister, s.number, s.register)
		}
		if back, err := reg.Get(t.Context(), d.ID); err != nil || back.ArrivalRegister != s.register || back.ArrivalNumber != s.number {
			t.Errorf("%s document reads back as %d in %s (%v)", s.confidentiality, back.ArrivalNumber, back.ArrivalRegister, err)
		}
	}
}

func testUpgrade(t *testing.T, dsn string) {
	ctx := t.Context()
	// The register's schema as the foundation release left it, numbering
	// from its own table; deployed registers hold data in it.
	db := testkit.DB(t, dsn)
	if err := db.Migrate(ctx, "intake.register", register.ReleasedMigrations); err != nil {
		t.Fatal(err)
	}
	const g22, h49 = "000.00.00.G22", "H49.64.33"
	for _, c := range []struct {
		agency string
		year   int
		value  int64
	}{{g22, 2026, 7}, {g22, 2025, 40}, {h49, 2026, 3}} {
		if _, err := db.ExecContext(ctx, `INSERT INTO intake_counters (agency, register, year, value) VALUES ($1, 'incoming', $2, $3)`,
			c.agency, c.year, c.value); err != nil {
			t.Fatal(err)
		}
	}
	old := registertest.Document(g22, time.Date(2026, 2, 2, 3, 0, 0, 0, time.UTC))
	announced := time.Date(2026, 2, 2, 3, 0, 1, 0, time.UTC)
	if _, err := db.ExecContext(ctx, `INSERT INTO intake_documents (id, agency, arrival_year, arrival_number, kind, subject, urgency,
		confidentiality, bucket, object_key, version_id, size, sha256, pages, status, received_by, received_by_role, received_at,
		staged_bucket, staged_key, event_id, announced_at)
		VALUES ($1, $2, 2026, 7, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, 'registered', $13, $14, $15, $16, $17, $18, $19)`,
		old.ID, old.Agency, old.Kind, old.Subject, old.Urgency, old.Confidentiality, old.Original.Bucket, old.Original.Key,
		old.Original.VersionID, old.Original.Size, old.Original.SHA256, old.Pages, old.ReceivedBy.Username, old.ReceivedBy.Role,
		sqlstore.Time(old.ReceivedAt), old.StagedBucket, old.StagedKey, old.EventID, sqlstore.Time(announced)); err != nil {
		t.Fatal(err)
	}

	var (
		reg *register.Register
		err error
	)
	for range 2 { // the upgrade happens once; a restart after it changes nothing
		if reg, err = register.Open(ctx, db, counter.DefaultConfig()); err != nil {
			t.Fatalf("upgrading: %v", err)
		}
	}

	got, err := reg.Get(ctx, old.ID)
	if err != nil {
		t.Fatalf("the entry made before the upgrade: %v", err)
	}
	if got.ArrivalNumber != 7 || got.ArrivalYear != 2026 || got.ArrivalRegister != counter.IncomingRegister ||
		got.Subject != old.Subject || got.Original != old.Original || !got.AnnouncedAt.Equal(announced) || got.Issuer != "" {
		t.Errorf("the entry made before the upgrade reads back as %+v", got)
	}

	// Numbering carries on from where the old counters were.
	steps := []struct {
		agency string
		at     time.Time
		want   int64
	}{
		{g22, time.Date(2026, 9, 1, 8, 0, 0, 0, time.UTC), 8},
		{g22, time.Date(2025, 12, 31, 16, 0, 0, 0, time.UTC), 41},
		{h49, time.Date(2026, 9, 1, 8, 0, 0, 0, time.UTC), 4},
		{"000.00.00.G12", time.Date(2026, 9, 1, 8, 0, 0, 0, time.UTC), 1},
	}
	for _, s := range steps {
		if d := enter(t, reg, registertest.Document(s.agency, s.at)); d.ArrivalNumber != s.want {
			t.Errorf("%s in %d after the upgrade: number %d, want %d", s.agency, d.ArrivalYear, d.ArrivalNumber, s.want)
		}
	}
	// Nothing can read a stale number from the old table.
	if _, err := db.ExecContext(ctx, `SELECT value FROM intake_counters`); err == nil {
		t.Error("the old counters table is still there")
	}
}

func ids(docs []register.Document) []string {
	out := make([]string, len(docs))
	for i, d := range docs {
		out[i] = d.ID
	}
	return out
}

// An outgoing draft is stored beside the incoming entries but takes no
// arrival number (số đến): the next incoming document gets the number the
// draft would have taken, and the register's count leaves drafts out.
func testDraft(t *testing.T, dsn string) {
	reg, _ := registertest.Open(t, dsn)
	const agency = "000.00.00.G22"
	at := time.Date(2026, 5, 4, 9, 0, 0, 0, time.UTC)
	first := enter(t, reg, registertest.Document(agency, at))

	draft := registertest.Document(agency, at.Add(time.Minute))
	draft.Direction, draft.Unit = register.Outgoing, "tong-hop"
	draft.Recipients = []events.Recipient{{Unit: "hanh-chinh"}, {Agency: "000.00.00.H49"}}
	draft.ReceivedBy = events.Actor{Username: "chuyenvien1", Role: "official", Agency: agency}
	drafted := enter(t, reg, draft)
	if drafted.ArrivalNumber != 0 || drafted.ArrivalRegister != "" || drafted.ArrivalYear != 0 || drafted.Status != register.StatusDrafted {
		t.Errorf("draft entered as %d/%d in %q with status %s; want no arrival number and status drafted",
			drafted.ArrivalNumber, drafted.ArrivalYear, drafted.ArrivalRegister, drafted.Status)
	}
	second := enter(t, reg, registertest.Document(agency, at.Add(2*time.Minute)))
	if first.ArrivalNumber != 1 || second.ArrivalNumber != 2 {
		t.Errorf("incoming numbers around a draft: %d then %d, want 1 then 2", first.ArrivalNumber, second.ArrivalNumber)
	}
	got, err := reg.Get(t.Context(), draft.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Direction != register.Outgoing || got.Unit != "tong-hop" || !slices.Equal(got.Recipients, draft.Recipients) || got.ArrivalNumber != 0 {
		t.Errorf("draft read back as %+v", got)
	}
	if n, err := reg.Count(t.Context(), agency, 2026); err != nil || n != 2 {
		t.Errorf("count %d (%v), want the 2 incoming documents", n, err)
	}
	// A second draft is not refused as a duplicate of the first: drafts
	// share the empty arrival number, which no unique constraint compares.
	another := registertest.Document(agency, at.Add(3*time.Minute))
	another.Direction, another.ReceivedBy = register.Outgoing, draft.ReceivedBy
	another.Recipients = []events.Recipient{{Unit: "tong-hop"}}
	enter(t, reg, another)
}
