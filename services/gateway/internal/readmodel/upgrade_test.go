package readmodel

import (
	"errors"
	"testing"
	"time"

	events "github.com/docflow/docflow/api/events/v1"
	"github.com/docflow/docflow/api/vntime"
	"github.com/docflow/docflow/services/gateway/internal/auth"
	"github.com/docflow/docflow/services/internal/sqlstore"
	"github.com/docflow/docflow/services/internal/testkit"
)

// Releases of the read model, as the number of migration steps each had.
const (
	// firstRelease: before documents carried what they say of themselves.
	firstRelease = 5
	// releaseWithoutPDFs: before the documents kept every PDF the events
	// name.
	releaseWithoutPDFs = 32
	// releaseWithoutDrafter: before the documents named their drafter.
	releaseWithoutDrafter = 44
)

// eachOlderRelease runs test, in parallel on each database, with a database
// migrated as far as an older release had it, holding the documents given
// (id and status, registered at received), and then opened by this one.
func eachOlderRelease(t *testing.T, steps int, received time.Time, docs map[string]string, test func(t *testing.T, s *Store)) {
	t.Helper()
	for name, dsn := range map[string]string{"sqlite": testkit.SQLite(t), "postgres": testkit.Postgres(t)} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			ctx := t.Context()
			db := testkit.DB(t, dsn)
			if err := db.Migrate(ctx, "gateway.readmodel", migrations[:steps]); err != nil {
				t.Fatal(err)
			}
			for id, status := range docs {
				if _, err := db.ExecContext(ctx, `INSERT INTO documents (id, agency, kind, subject, urgency, confidentiality, arrival_number,
					arrival_year, status, bucket, object_key, sha256, size, created_at, updated_at)
					VALUES ($1, '000.00.00.G22', 'CONG_VAN', 'Về việc cũ', 'THUONG', 'NONE', 1, 2026, $2, 'b', 'k', 'ab', 1, $3, $3)`,
					id, status, sqlstore.Time(received)); err != nil {
					t.Fatal(err)
				}
				// Its registration, as every release wrote it in the history.
				if _, err := db.ExecContext(ctx, `INSERT INTO document_history (event_id, document_id, at, type, actor, summary)
					VALUES ($1, $2, $3, 'vn.docflow.document.received.v1', 'chuyenvien1', 'Đã đăng ký')`,
					"received-"+id, id, sqlstore.Time(received)); err != nil {
					t.Fatal(err)
				}
			}
			s, err := Open(ctx, db)
			if err != nil {
				t.Fatal(err)
			}
			test(t, s)
		})
	}
}

// Documents registered before the upgrade keep their place in the incoming
// register: their arrival time is the received event's time.
func TestDocumentsFromBeforeTheUpgradeAreInTheRegister(t *testing.T) {
	t.Parallel()
	received := time.Date(2026, 1, 5, 1, 30, 0, 0, time.UTC)
	eachOlderRelease(t, firstRelease, received, map[string]string{"old": StatusRegistered}, func(t *testing.T, s *Store) {
		got, err := s.Arrivals(t.Context(), Reader{Username: "vanthu", Role: "clerk", Agency: "000.00.00.G22"}, 2026, time.Date(2026, 1, 5, 0, 0, 0, 0, vntime.Zone), time.Date(2026, 1, 6, 0, 0, 0, 0, vntime.Zone))
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 1 || got[0].DocumentID != "old" || !got[0].ReceivedAt.Equal(received) || got[0].Self != (SelfDescription{}) {
			t.Fatalf("arrivals after the upgrade = %+v", got)
		}
	})
}

// Documents signed before the read model kept the signed PDF still have it,
// where the signing service wrote it (in the original's bucket, without a
// digest), so that their signatures can be verified; documents never signed
// have none.
func TestDocumentsSignedBeforeTheUpgradeKeepTheirSignedPDF(t *testing.T) {
	t.Parallel()
	docs := map[string]string{"registered": StatusRegistered, "rejected": StatusRejected, "signed": StatusSigned, "archived": StatusArchived}
	eachOlderRelease(t, releaseWithoutPDFs, time.Date(2026, 1, 5, 1, 30, 0, 0, time.UTC), docs, func(t *testing.T, s *Store) {
		for id := range docs {
			d, err := s.Document(t.Context(), Reader{Username: "vanthu", Role: "clerk", Agency: "000.00.00.G22"}, id)
			if err != nil {
				t.Fatal(err)
			}
			latest, which := d.Latest()
			want, wantWhich := events.Object{Bucket: "b", Key: "signed/" + id + ".pdf"}, "signed"
			if id == "registered" || id == "rejected" {
				want, wantWhich = events.Object{Bucket: "b", Key: "k", SHA256: "ab", Size: 1}, "original"
			}
			if latest != want || which != wantWhich {
				t.Errorf("%s document: latest PDF %s %+v, want %s %+v", id, which, latest, wantWhich, want)
			}
		}
	})
}

// Documents registered before the drafter was kept still name theirs, read
// from their registration in the history: the drafter reads them, another
// official does not.
func TestDocumentsRegisteredBeforeTheUpgradeNameTheirDrafter(t *testing.T) {
	t.Parallel()
	eachOlderRelease(t, releaseWithoutDrafter, time.Date(2026, 1, 5, 1, 30, 0, 0, time.UTC), map[string]string{"old": StatusRegistered}, func(t *testing.T, s *Store) {
		for user, want := range map[string]bool{"chuyenvien1": true, "chuyenvien2": false} {
			r := Reader{Username: user, Role: auth.RoleOfficial, Agency: "000.00.00.G22", Now: time.Now()}
			readable, err := s.Readable(t.Context(), r, []string{"old", "missing"})
			if err != nil {
				t.Fatal(err)
			}
			if readable["old"] != want || readable["missing"] {
				t.Errorf("%s may read %v, want old: %v", user, readable, want)
			}
			_, err = s.Document(t.Context(), r, "old")
			if (err == nil) != want || (!want && !errors.Is(err, ErrNeedToKnow)) {
				t.Errorf("%s reading old: %v", user, err)
			}
		}
	})
}
