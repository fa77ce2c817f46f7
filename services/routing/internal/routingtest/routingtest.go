// Package routingtest is the set-up routing's tests share: the development
// agency's org chart and rules (deploy/dev, what `make run` starts routing
// with), the working-day calendar, a delegation store on a real database,
// and a NATS server with the event streams.
package routingtest

import (
	"path/filepath"
	"testing"
	"time"

	"go.uber.org/zap/zaptest"

	events "github.com/docflow/docflow/api/events/v1"
	"github.com/docflow/docflow/services/internal/clerical/calendar"
	"github.com/docflow/docflow/services/internal/natsx"
	"github.com/docflow/docflow/services/internal/testkit"
	"github.com/docflow/docflow/services/routing/internal/delegation"
	"github.com/docflow/docflow/services/routing/internal/orgchart"
	"github.com/docflow/docflow/services/routing/internal/rules"
)

// Dev is the path of a development data file (deploy/dev) from the
// directory of a package under services/routing/internal, where its tests
// run.
func Dev(name string) string {
	return filepath.Join("..", "..", "..", "..", "deploy", "dev", name)
}

// Chart is the development org chart.
func Chart(t testing.TB) *orgchart.Chart {
	t.Helper()
	chart, err := orgchart.Load(Dev("orgchart.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	return chart
}

// Rules are the development routing rules, which fit chart.
func Rules(t testing.TB, chart *orgchart.Chart) *rules.Set {
	t.Helper()
	set, err := rules.Load(Dev("routing.yaml"))
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
	store, err := delegation.Open(t.Context(), testkit.DB(t, dsn), func() *orgchart.Chart { return chart }, now, zaptest.NewLogger(t))
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
