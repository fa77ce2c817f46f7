package directory_test

import (
	"testing"
	"time"

	"go.uber.org/zap/zaptest"

	events "github.com/docflow/docflow/api/events/v1"
	svc "github.com/docflow/docflow/api/svc/v1"
	"github.com/docflow/docflow/services/internal/errs"
	"github.com/docflow/docflow/services/internal/natsx"
	"github.com/docflow/docflow/services/internal/testkit"
	"github.com/docflow/docflow/services/routing/internal/directory"
	"github.com/docflow/docflow/services/routing/internal/orgchart"
	"github.com/docflow/docflow/services/routing/internal/routingtest"
	"github.com/docflow/docflow/services/routing/internal/rules"
)

// Each person is answered from their own agency's chart, and a person of
// an agency the installation does not host from none.
func TestEachAgencyReadsItsOwnChart(t *testing.T) {
	t.Parallel()
	charts := routingtest.Charts(t)
	store := routingtest.DelegationsOf(t, testkit.DB(t, testkit.SQLite(t)), charts, time.Now)
	dirs := directory.Agencies{}
	for id, chart := range charts {
		p := &rules.Planner{Chart: func() *orgchart.Chart { return chart }, Substitutes: store}
		dirs[id] = &directory.Directory{Chart: p.Chart, Planner: p, Delegations: store, Now: time.Now}
	}
	nts := routingtest.Events(t)
	srv, err := natsx.Serve(nts.Conn, "routing", "test", zaptest.NewLogger(t), dirs.Endpoints()...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Stop() })

	for _, by := range []events.Actor{
		{Username: "lanhdao", Role: "leader", Agency: "000.00.00.G22"},
		{Username: "qn.lanhdao", Role: "leader", Agency: "000.00.00.H49"},
	} {
		chart, err := natsx.Call(t.Context(), nts.Conn, svc.RoutingOrgChart, svc.OrgChartRequest{By: by})
		if err != nil {
			t.Fatal(err)
		}
		if chart.Agency != by.Agency {
			t.Errorf("%s read the chart of %s", by.Username, chart.Agency)
		}
		a, err := natsx.Call(t.Context(), nts.Conn, svc.RoutingAssignee, svc.AssigneeRequest{By: by, Username: by.Username})
		if err != nil || a.Position != "chanh-van-phong" {
			t.Errorf("%s as an assignee: %+v, %v", by.Username, a, err)
		}
	}
	// A username of the other agency is nobody in this one's chart.
	_, err = natsx.Call(t.Context(), nts.Conn, svc.RoutingAssignee, svc.AssigneeRequest{
		By: events.Actor{Username: "lanhdao", Role: "leader", Agency: "000.00.00.G22"}, Username: "qn.chuyenvien"})
	if errs.KindOf(err) != errs.NotFound {
		t.Errorf("G22 assigning H49's official: %v, want not found", err)
	}
	_, err = natsx.Call(t.Context(), nts.Conn, svc.RoutingOrgChart, svc.OrgChartRequest{By: events.Actor{Username: "x", Role: "leader", Agency: "000.00.00.G09"}})
	if errs.KindOf(err) != errs.Forbidden {
		t.Errorf("an agency not hosted here reading a chart: %v, want forbidden", err)
	}
}
