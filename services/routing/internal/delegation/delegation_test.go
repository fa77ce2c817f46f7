package delegation_test

import (
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	events "github.com/docflow/docflow/api/events/v1"
	svc "github.com/docflow/docflow/api/svc/v1"
	"github.com/docflow/docflow/api/vntime"
	"github.com/docflow/docflow/services/internal/errs"
	"github.com/docflow/docflow/services/internal/testkit"
	"github.com/docflow/docflow/services/routing/internal/delegation"
	"github.com/docflow/docflow/services/routing/internal/routingtest"
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

// open is a store on the development org chart, on the database at dsn,
// with a clock set to 1 March 2026.
func open(t *testing.T, dsn string) (*delegation.Store, *clock) {
	t.Helper()
	c := &clock{t: time.Date(2026, 3, 1, 9, 0, 0, 0, vntime.Zone)}
	return routingtest.Delegations(t, dsn, routingtest.Chart(t), c.now), c
}

// onEachDatabase runs test, in parallel, on a store on each database the
// service supports.
func onEachDatabase(t *testing.T, test func(t *testing.T, s *delegation.Store, c *clock)) {
	t.Helper()
	for name, dsn := range map[string]func(testing.TB) string{"sqlite": testkit.SQLite, "postgres": testkit.Postgres} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			s, c := open(t, dsn(t))
			test(t, s, c)
		})
	}
}

// as is r made by.
func as(by events.Actor, r svc.CreateDelegationRequest) svc.CreateDelegationRequest {
	r.By = by
	return r
}

func TestSubstituteActsDuringLeaveOnly(t *testing.T) {
	t.Parallel()
	onEachDatabase(t, func(t *testing.T, s *delegation.Store, _ *clock) {
		d, err := s.Create(t.Context(), svc.CreateDelegationRequest{
			By: head, Position: "truong-phong-tong-hop", Substitute: "chuyenvien1", From: day(2), Until: day(7), Reason: "nghỉ phép",
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
			subs, err := s.Substitutes(t.Context(), routingtest.DevAgency, "truong-phong-tong-hop", tc.at, tc.kind)
			if err != nil {
				t.Fatal(err)
			}
			if len(subs) != tc.want || (tc.want == 1 && subs[0].Substitute != "chuyenvien1") {
				t.Fatalf("at %s: substitutes %+v", tc.at, subs)
			}
		}
	})
}

func TestTUQIsLimitedInScopeAndTime(t *testing.T) {
	t.Parallel()
	onEachDatabase(t, func(t *testing.T, s *delegation.Store, _ *clock) {
		_, err := s.Create(t.Context(), svc.CreateDelegationRequest{
			By: leader, Position: "chanh-van-phong", Substitute: "chuyenvien2", From: day(2), Until: day(7), Authority: delegation.TUQ,
		})
		if errs.KindOf(err) != errs.Invalid || !strings.Contains(err.Error(), "limited in scope") || !strings.Contains(err.Error(), "giấy ủy quyền") {
			t.Fatalf("TUQ without kinds nor authorising document: %v", err)
		}
		d, err := s.Create(t.Context(), svc.CreateDelegationRequest{
			By: leader, Position: "chanh-van-phong", Substitute: "chuyenvien2", From: day(2), Until: day(7),
			Authority: delegation.TUQ, Kinds: []string{"CONG_VAN"}, Reference: " 05/GUQ-VPCP ngày 01/12/2026 ",
		})
		if err != nil {
			t.Fatal(err)
		}
		if d.Reference != "05/GUQ-VPCP ngày 01/12/2026" {
			t.Errorf("the authorising document is kept as %q", d.Reference)
		}
		for kind, want := range map[string]int{"CONG_VAN": 1, "QUYET_DINH": 0} {
			subs, err := s.Substitutes(t.Context(), routingtest.DevAgency, "chanh-van-phong", day(3), kind)
			if err != nil {
				t.Fatal(err)
			}
			if len(subs) != want {
				t.Fatalf("%s: %d substitutes, want %d", kind, len(subs), want)
			}
		}
	})
}

func TestOnlyTheHolderOrALeaderDelegates(t *testing.T) {
	t.Parallel()
	onEachDatabase(t, func(t *testing.T, s *delegation.Store, _ *clock) {
		req := svc.CreateDelegationRequest{Position: "chuyen-vien-tong-hop", Substitute: "chuyenvien2", From: day(2), Until: day(7)}
		if _, err := s.Create(t.Context(), as(clerk, req)); errs.KindOf(err) != errs.Forbidden {
			t.Fatalf("a clerk delegated someone else's position: %v", err)
		}
		if _, err := s.Create(t.Context(), as(events.Actor{Username: "chuyenvien1", Role: "official", Agency: "other"}, req)); errs.KindOf(err) != errs.Forbidden {
			t.Fatalf("another agency's account delegated: %v", err)
		}
		d, err := s.Create(t.Context(), as(specialist, req))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Create(t.Context(), as(specialist, req)); errs.KindOf(err) != errs.Conflict {
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

// A leader acting for a position by delegation still cannot pass it on:
// what is held by delegation is never re-delegated.
func TestNoRedelegation(t *testing.T) {
	t.Parallel()
	onEachDatabase(t, func(t *testing.T, s *delegation.Store, c *clock) {
		if _, err := s.Create(t.Context(), svc.CreateDelegationRequest{
			By: specialist, Position: "chuyen-vien-tong-hop", Substitute: "lanhdao", From: day(1), Until: day(10), Authority: delegation.TUQ, Kinds: []string{"CONG_VAN"},
			Reference: "01/GUQ-TH",
		}); err != nil {
			t.Fatal(err)
		}
		c.set(day(3))
		_, err := s.Create(t.Context(), svc.CreateDelegationRequest{
			By: leader, Position: "chuyen-vien-tong-hop", Substitute: "luutru", From: day(3), Until: day(5),
		})
		if errs.KindOf(err) != errs.Forbidden || !strings.Contains(err.Error(), "cannot delegate it further") {
			t.Fatalf("re-delegation: %v", err)
		}
	})
}

func TestRequestProblemsReportedTogether(t *testing.T) {
	t.Parallel()
	s, _ := open(t, testkit.SQLite(t))
	_, err := s.Create(t.Context(), svc.CreateDelegationRequest{By: leader, Position: "chanh-van-phong", Substitute: "lanhdao", From: day(5), Until: day(2), Authority: "KT"})
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
	onEachDatabase(t, func(t *testing.T, s *delegation.Store, c *clock) {
		d, err := s.Create(t.Context(), svc.CreateDelegationRequest{By: head, Position: "truong-phong-tong-hop", Substitute: "chuyenvien1", From: day(2), Until: day(7)})
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
		if subs, err := s.Substitutes(t.Context(), routingtest.DevAgency, "truong-phong-tong-hop", day(5), ""); err != nil || len(subs) != 0 {
			t.Fatalf("a revoked delegation still acts: %+v, %v", subs, err)
		}
	})
}
