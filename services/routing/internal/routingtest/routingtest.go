// Package routingtest is the set-up routing's tests share: the development
// agency's org chart and rules (deploy/dev, what `make run` starts routing
// with), the working-day calendar, a delegation store on a real database,
// and a NATS server with the event streams.
package routingtest

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"go.uber.org/zap/zaptest"

	events "github.com/docflow/docflow/api/events/v1"
	"github.com/docflow/docflow/services/internal/clerical/calendar"
	"github.com/docflow/docflow/services/internal/natsx"
	"github.com/docflow/docflow/services/internal/sqlstore"
	"github.com/docflow/docflow/services/internal/testkit"
	"github.com/docflow/docflow/services/routing/internal/delegation"
	"github.com/docflow/docflow/services/routing/internal/orgchart"
	"github.com/docflow/docflow/services/routing/internal/rules"
)

// DevAgency is the first development agency, whose org chart and rules
// Chart and Rules load.
const DevAgency = "000.00.00.G22"

// Dev is the path of a development data file (deploy/dev) from the
// directory of a package under services/routing/internal, where its tests
// run.
func Dev(name string) string {
	return filepath.Join("..", "..", "..", "..", "deploy", "dev", name)
}

// Chart is the development org chart.
func Chart(t testing.TB) *orgchart.Chart {
	t.Helper()
	chart, err := orgchart.Load(Dev(filepath.Join("agencies", DevAgency, "orgchart.yaml")))
	if err != nil {
		t.Fatal(err)
	}
	return chart
}

// Charts are the org charts of every development agency.
func Charts(t testing.TB) orgchart.Charts {
	t.Helper()
	dirs, err := os.ReadDir(Dev("agencies"))
	if err != nil {
		t.Fatal(err)
	}
	out := orgchart.Charts{}
	for _, d := range dirs {
		chart, err := orgchart.Load(Dev(filepath.Join("agencies", d.Name(), "orgchart.yaml")))
		if err != nil {
			t.Fatal(err)
		}
		out[chart.Agency] = chart
	}
	return out
}

// Rules are the development routing rules, which fit chart.
func Rules(t testing.TB, chart *orgchart.Chart) *rules.Set {
	t.Helper()
	set, err := rules.Load(Dev(filepath.Join("agencies", DevAgency, "routing.yaml")))
	if err != nil {
		t.Fatal(err)
	}
	if err := set.CheckChart(chart); err != nil {
		t.Fatal(err)
	}
	return set
}

// Calendar is the working-day calendar routing counts deadlines on.
func Calendar(t testing.TB) *calendar.Calendar {
	t.Helper()
	cal, err := calendar.Load()
	if err != nil {
		t.Fatal(err)
	}
	return cal
}

// Delegations is a delegation store for chart on the database at dsn
// (testkit.SQLite or testkit.Postgres), on the clock now; the database is
// closed when the test ends.
func Delegations(t testing.TB, dsn string, chart *orgchart.Chart, now func() time.Time) *delegation.Store {
	t.Helper()
	return DelegationsOf(t, testkit.DB(t, dsn), orgchart.Charts{chart.Agency: chart}, now)
}

// DelegationsOf is a delegation store for several agencies' charts on db.
func DelegationsOf(t testing.TB, db *sqlstore.DB, charts orgchart.Charts, now func() time.Time) *delegation.Store {
	t.Helper()
	store, err := delegation.Open(t.Context(), db, func() orgchart.Charts { return charts }, now, zaptest.NewLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	return store
}

// Events is a NATS server with docflow's event streams.
func Events(t testing.TB) *testkit.NATSEnv {
	t.Helper()
	nts := testkit.NATS(t)
	if err := natsx.EnsureStreams(t.Context(), nts.JS, events.Streams); err != nil {
		t.Fatal(err)
	}
	return nts
}
