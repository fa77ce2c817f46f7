package readmodel

import (
	"testing"
	"time"

	"github.com/docflow/docflow/services/internal/sqlstore"
	"github.com/docflow/docflow/services/internal/testkit"
)

// firstRelease is the number of migration steps the read model had before
// documents carried what they say of themselves.
const firstRelease = 5

// Documents registered before the upgrade keep their place in the incoming
// register: their arrival time is the received event's time.
func TestDocumentsFromBeforeTheUpgradeAreInTheRegister(t *testing.T) {
	t.Parallel()
	for name, dsn := range map[string]string{"sqlite": testkit.SQLite(t), "postgres": testkit.Postgres(t)} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			ctx := t.Context()
			db, err := sqlstore.Open(ctx, dsn)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = db.Close() })
			if err := db.Migrate(ctx, "gateway.readmodel", migrations[:firstRelease]); err != nil {
				t.Fatal(err)
			}
			received := time.Date(2026, 1, 5, 1, 30, 0, 0, time.UTC)
			if _, err := db.ExecContext(ctx, `INSERT INTO documents (id, agency, kind, subject, urgency, confidentiality, arrival_number,
				arrival_year, status, bucket, object_key, sha256, size, created_at, updated_at)
				VALUES ('old', '000.00.00.G22', 'CONG_VAN', 'Về việc cũ', 'THUONG', 'NONE', 1, 2026, 'registered', 'b', 'k', 'ab', 1, $1, $1)`,
				sqlstore.Time(received)); err != nil {
				t.Fatal(err)
			}

			s, err := Open(ctx, db)
			if err != nil {
				t.Fatal(err)
			}
			vietnam := time.FixedZone("+07", 7*3600)
			got, err := s.Arrivals(ctx, "000.00.00.G22", 2026, time.Date(2026, 1, 5, 0, 0, 0, 0, vietnam), time.Date(2026, 1, 6, 0, 0, 0, 0, vietnam))
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != 1 || got[0].DocumentID != "old" || !got[0].ReceivedAt.Equal(received) || got[0].Self != (SelfDescription{}) {
				t.Fatalf("arrivals after the upgrade = %+v", got)
			}
		})
	}
}
