package delegation_test

import (
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/zap/zaptest"

	events "github.com/docflow/docflow/api/events/v1"
	"github.com/docflow/docflow/api/vntime"
	"github.com/docflow/docflow/services/internal/errs"
	"github.com/docflow/docflow/services/internal/sqlstore"
	"github.com/docflow/docflow/services/internal/testkit"
	"github.com/docflow/docflow/services/routing/internal/delegation"
	"github.com/docflow/docflow/services/routing/internal/orgchart"
)

const agency = "000.00.00.G22"

var (
	specialist = events.Actor{Username: "chuyenvien1", Role: "official", Agency: agency}
	head       = events.Actor{Username: "chuyenvien2", Role: "official", Agency: agency}
	leader     = events.Actor{Username: "lanhdao", Role: "leader", Agency: agency}
	clerk      = events.Actor{Username: "vanthu", Role: "clerk", Agency: agency}
)

func day(d int) time.Time { return time.Date(2026, 3, d, 0, 0, 0, 0, vntime.Zone) }

// clock is a settable clock shared by a test's store.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

func (c *clock) set(t time.Time) { c.mu.Lock(); defer c.mu.Unlock(); c.t = t }

// stores opens a store on each database the service supports.
func stores(t *testing.T) map[string]func(t *testing.T) (*delegation.Store, *clock) {
	t.Helper()
	chart, err := orgchart.Load("../../../../deploy/dev/orgchart.yaml")
	if err != nil {
		t.Fatal(err)
	}
	open := func(dsn func(testing.TB) string) func(t *testing.T) (*delegation.Store, *clock) {
		return func(t *testing.T) (*delegation.Store, *clock) {
			t.Helper()
			db, err := sqlstore.Open(t.Context(), dsn(t))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = db.Close() })
			c := &clock{t: time.Date(2026, 3, 1, 9, 0, 0, 0, vntime.Zone)}
			s, err := delegation.Open(t.Context(), db, func() *orgchart.Chart { return chart }, c.now, zaptest.NewLogger(t))
			if err != nil {
				t.Fatal(err)
			}
			return s, c
		}
	}
	return map[string]func(t *testing.T) (*delegation.Store, *clock){"sqlite": open(testkit.SQLite), "postgres": open(testkit.Postgres)}
}

func TestSubstituteActsDuringLeaveOnly(t *testing.T) {
	t.Parallel()
	for name, open := range stores(t) {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			s, _ := open(t)
			d, err := s.Create(t.Context(), head, delegation.Request{
				Position: "truong-phong-tong-hop", Substitute: "chuyenvien1", From: day(2), Until: day(7), Reason: "nghỉ phép",
			})
			if err != nil {
				t.Fatal(err)
			}
			if d.Holder != "chuyenvien2" || d.Authority != delegation.Delegated {
				t.Fatalf("created %+v", d)
			}
			tests := []struct {
				at   time.Time
				kind string
				want int
			}{
				{day(1), "", 0},
				{day(2), "CONG_VAN", 1},
				{day(6).Add(23 * time.Hour), "QUYET_DINH", 1},
				{day(7), "", 0},
			}
			for _, tc := range tests {
				subs, err := s.Substitutes(t.Context(), "truong-phong-tong-hop", tc.at, tc.kind)
				if err != nil {
					t.Fatal(err)
				}
				if len(subs) != tc.want || (tc.want == 1 && subs[0].Substitute != "chuyenvien1") {
					t.Fatalf("at %s: substitutes %+v", tc.at, subs)
				}
			}
		})
	}
}

func TestTUQIsLimitedInScopeAndTime(t *testing.T) {
	t.Parallel()
	for name, open := range stores(t) {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			s, _ := open(t)
			_, err := s.Create(t.Context(), leader, delegation.Request{
				Position: "chanh-van-phong", Substitute: "chuyenvien2", From: day(2), Until: day(7), Authority: delegation.TUQ,
			})
			if errs.KindOf(err) != errs.Invalid || !strings.Contains(err.Error(), "limited in scope") {
				t.Fatalf("TUQ without kinds: %v", err)
			}
			if _, err := s.Create(t.Context(), leader, delegation.Request{
				Position: "chanh-van-phong", Substitute: "chuyenvien2", From: day(2), Until: day(7),
				Authority: delegation.TUQ, Kinds: []string{"CONG_VAN"},
			}); err != nil {
				t.Fatal(err)
			}
			for kind, want := range map[string]int{"CONG_VAN": 1, "QUYET_DINH": 0} {
				subs, err := s.Substitutes(t.Context(), "chanh-van-phong", day(3), kind)
				if err != nil {
					t.Fatal(err)
				}
				if len(subs) != want {
					t.Fatalf("%s: %d substitutes, want %d", kind, len(subs), want)
				}
			}
		})
	}
}

func TestOnlyTheHolderOrALeaderDelegates(t *testing.T) {
	t.Parallel()
	for name, open := range stores(t) {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			s, _ := open(t)
			req := delegation.Request{Position: "chuyen-vien-tong-hop", Substitute: "chuyenvien2", From: day(2), Until: day(7)}
			if _, err := s.Create(t.Context(), clerk, req); errs.KindOf(err) != errs.Forbidden {
				t.Fatalf("a clerk delegated someone else's position: %v", err)
			}
			if _, err := s.Create(t.Context(), events.Actor{Username: "chuyenvien1", Role: "official", Agency: "other"}, req); errs.KindOf(err) != errs.Forbidden {
				t.Fatalf("another agency's account delegated: %v", err)
			}
			d, err := s.Create(t.Context(), specialist, req)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := s.Create(t.Context(), specialist, req); errs.KindOf(err) != errs.Conflict {
				t.Fatalf("an overlapping duplicate: %v", err)
			}
			if _, err := s.Revoke(t.Context(), clerk, d.ID); errs.KindOf(err) != errs.Forbidden {
				t.Fatalf("a clerk revoked: %v", err)
			}
			if _, err := s.Revoke(t.Context(), leader, d.ID); err != nil {
				t.Fatal(err)
			}
			if _, err := s.Revoke(t.Context(), leader, d.ID); errs.KindOf(err) != errs.Conflict {
				t.Fatalf("revoked twice: %v", err)
			}
			if _, err := s.Revoke(t.Context(), leader, "no-such-id"); errs.KindOf(err) != errs.NotFound {
				t.Fatalf("unknown id: %v", err)
			}
		})
	}
}

// A leader acting for a position by delegation still cannot pass it on:
// what is held by delegation is never re-delegated.
func TestNoRedelegation(t *testing.T) {
	t.Parallel()
	for name, open := range stores(t) {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			s, c := open(t)
			if _, err := s.Create(t.Context(), specialist, delegation.Request{
				Position: "chuyen-vien-tong-hop", Substitute: "lanhdao", From: day(1), Until: day(10), Authority: delegation.TUQ, Kinds: []string{"CONG_VAN"},
			}); err != nil {
				t.Fatal(err)
			}
			c.set(day(3))
			_, err := s.Create(t.Context(), leader, delegation.Request{
				Position: "chuyen-vien-tong-hop", Substitute: "luutru", From: day(3), Until: day(5),
			})
			if errs.KindOf(err) != errs.Forbidden || !strings.Contains(err.Error(), "cannot delegate it further") {
				t.Fatalf("re-delegation: %v", err)
			}
		})
	}
}

func TestRequestProblemsReportedTogether(t *testing.T) {
	t.Parallel()
	s, _ := stores(t)["sqlite"](t)
	_, err := s.Create(t.Context(), leader, delegation.Request{Position: "chanh-van-phong", Substitute: "lanhdao", From: day(5), Until: day(2), Authority: "KT"})
	var e *errs.Error
	if !errors.As(err, &e) || e.Kind != errs.Invalid {
		t.Fatalf("got %v", err)
	}
	for _, field := range []string{"substitute", "until", "authority"} {
		if e.Details[field] == "" {
			t.Errorf("no problem reported for %s: %v", field, e.Details)
		}
	}
}

func TestChangesAreAuditedAndListed(t *testing.T) {
	t.Parallel()
	for name, open := range stores(t) {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			s, c := open(t)
			d, err := s.Create(t.Context(), head, delegation.Request{Position: "truong-phong-tong-hop", Substitute: "chuyenvien1", From: day(2), Until: day(7)})
			if err != nil {
				t.Fatal(err)
			}
			c.set(time.Date(2026, 3, 4, 1, 30, 0, 0, time.UTC))
			if _, err := s.Revoke(t.Context(), head, d.ID); err != nil {
				t.Fatal(err)
			}
			trail, err := s.Audit(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			if len(trail) != 2 || trail[0].Action != "created" || trail[1].Action != "revoked" || trail[1].Actor != "chuyenvien2" {
				t.Fatalf("audit trail %+v", trail)
			}
			if got := trail[1].At.Format(time.RFC3339); got != "2026-03-04T08:30:00+07:00" {
				t.Fatalf("revocation audited at %s, want Vietnam time", got)
			}
			list, err := s.List(t.Context(), delegation.Filter{Position: "truong-phong-tong-hop"})
			if err != nil {
				t.Fatal(err)
			}
			if len(list) != 1 || list[0].RevokedBy != "chuyenvien2" || list[0].RevokedAt.IsZero() {
				t.Fatalf("listed %+v", list)
			}
			if subs, err := s.Substitutes(t.Context(), "truong-phong-tong-hop", day(5), ""); err != nil || len(subs) != 0 {
				t.Fatalf("a revoked delegation still acts: %+v, %v", subs, err)
			}
		})
	}
}
