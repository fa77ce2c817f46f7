package delegation_test

import (
	"testing"
	"time"

	events "github.com/docflow/docflow/api/events/v1"
	svc "github.com/docflow/docflow/api/svc/v1"
	"github.com/docflow/docflow/api/vntime"
	"github.com/docflow/docflow/services/internal/errs"
	"github.com/docflow/docflow/services/internal/sqlstore"
	"github.com/docflow/docflow/services/internal/testkit"
	"github.com/docflow/docflow/services/routing/internal/delegation"
	"github.com/docflow/docflow/services/routing/internal/routingtest"
)

const otherAgency = "000.00.00.H49"

var otherLeader = events.Actor{Username: "qn.lanhdao", Role: "leader", Agency: otherAgency}

// Both development agencies have a position "chanh-van-phong": a
// delegation of one agency's must never name a substitute for the other's,
// nor be seen or revoked by the other agency's people.
func TestDelegationsStayInTheirAgency(t *testing.T) {
	t.Parallel()
	for name, dsn := range map[string]func(testing.TB) string{"sqlite": testkit.SQLite, "postgres": testkit.Postgres} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			c := &clock{t: time.Date(2026, 3, 1, 9, 0, 0, 0, vntime.Zone)}
			s := routingtest.DelegationsOf(t, testkit.DB(t, dsn(t)), routingtest.Charts(t), c.now)
			d, err := s.Create(t.Context(), svc.CreateDelegationRequest{
				By: otherLeader, Position: "chanh-van-phong", Substitute: "qn.chuyenvien", From: day(2), Until: day(9),
			})
			if err != nil {
				t.Fatal(err)
			}
			if d.Agency != otherAgency {
				t.Errorf("delegation agency = %q, want %s", d.Agency, otherAgency)
			}
			if subs, err := s.Substitutes(t.Context(), agency, "chanh-van-phong", day(3), ""); err != nil || len(subs) != 0 {
				t.Errorf("G22's chanh-van-phong substitutes = %v, %v; want none (the delegation is H49's)", subs, err)
			}
			if subs, err := s.Substitutes(t.Context(), otherAgency, "chanh-van-phong", day(3), ""); err != nil || len(subs) != 1 {
				t.Errorf("H49's chanh-van-phong substitutes = %v, %v; want its one delegation", subs, err)
			}
			if list, err := s.List(t.Context(), delegation.Filter{Agency: agency}); err != nil || len(list) != 0 {
				t.Errorf("G22's delegations = %v, %v; want none", list, err)
			}
			if _, err := s.Revoke(t.Context(), leader, d.ID); errs.KindOf(err) != errs.NotFound {
				t.Errorf("G22's leader revoking H49's delegation: %v, want not found", err)
			}
			// A substitute from the other agency is not one of its people.
			if _, err := s.Create(t.Context(), svc.CreateDelegationRequest{
				By: leader, Position: "chanh-van-phong", Substitute: "qn.chuyenvien", From: day(2), Until: day(9),
			}); errs.KindOf(err) != errs.Invalid {
				t.Errorf("G22 naming an H49 person as substitute: %v, want invalid", err)
			}
		})
	}
}

// Delegations recorded before the store knew agencies take the agency of
// the chart that has the position with that holder.
func TestDelegationsFromBeforeAgenciesAreAssigned(t *testing.T) {
	t.Parallel()
	db := testkit.DB(t, testkit.SQLite(t))
	c := &clock{t: time.Date(2026, 3, 1, 9, 0, 0, 0, vntime.Zone)}
	charts := routingtest.Charts(t)
	routingtest.DelegationsOf(t, db, charts, c.now) // creates the tables
	for _, row := range []struct{ id, holder, substitute string }{
		{"old-g22", "lanhdao", "chuyenvien2"},
		{"old-h49", "qn.lanhdao", "qn.chuyenvien"},
	} {
		if _, err := db.ExecContext(t.Context(), `INSERT INTO delegations
			(id, position, holder, substitute, valid_from, valid_until, kinds, authority, reason, created_by, created_at, revoked_by, revoked_at, reference, agency)
			VALUES ($1, 'chanh-van-phong', $2, $3, $4, $5, '', 'delegated', '', $2, $4, '', '', '', '')`,
			row.id, row.holder, row.substitute, sqlstore.Time(day(2)), sqlstore.Time(day(9))); err != nil {
			t.Fatal(err)
		}
	}
	reopened := routingtest.DelegationsOf(t, db, charts, c.now)
	for agencyID, want := range map[string]string{agency: "chuyenvien2", otherAgency: "qn.chuyenvien"} {
		subs, err := reopened.Substitutes(t.Context(), agencyID, "chanh-van-phong", day(3), "")
		if err != nil || len(subs) != 1 || subs[0].Substitute != want {
			t.Errorf("%s: substitutes %v, %v; want %s", agencyID, subs, err, want)
		}
	}
}
