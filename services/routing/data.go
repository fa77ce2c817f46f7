package routing

import (
	"context"
	"fmt"
	"time"

	"github.com/docflow/docflow/api/vntime"
	"github.com/docflow/docflow/services/internal/clerical/calendar"
	"github.com/docflow/docflow/services/internal/health"
	"github.com/docflow/docflow/services/routing/internal/orgchart"
	"github.com/docflow/docflow/services/routing/internal/rules"
)

// loadData reads the rules, the org chart and the working-day calendar
// before anything is opened: a broken file fails the start with its name,
// not a routing later.
func loadData(cfg Config) (*rules.Set, *orgchart.Chart, *calendar.Calendar, error) {
	set, err := rules.Load(cfg.Rules)
	if err != nil {
		return nil, nil, nil, err
	}
	chart, err := orgchart.Load(cfg.OrgChart)
	if err != nil {
		return nil, nil, nil, err
	}
	if err := set.CheckChart(chart); err != nil {
		return nil, nil, nil, fmt.Errorf("the rules in %s do not fit the org chart %s: %w", cfg.Rules, cfg.OrgChart, err)
	}
	cal, err := calendar.Load()
	if err != nil {
		return nil, nil, nil, err
	}
	return set, chart, cal, nil
}

// calendarHorizon is how far ahead deadlines may fall; the working-day
// calendar must cover it, or deadlines cannot be computed.
const calendarHorizon = 90 * 24 * time.Hour

// calendarCovers reports not-ready while the working-day calendar lacks the
// data of the coming months, so the operator adds next year's holidays
// before deadlines need them.
func calendarCovers(cal *calendar.Calendar, now func() time.Time) health.Check {
	return func(context.Context) error {
		t := now().In(vntime.Zone)
		for _, d := range []time.Time{t, t.Add(calendarHorizon)} {
			if !cal.Covers(d.Year()) {
				return fmt.Errorf("the working-day calendar has no data for %d: add the year's holidays to the calendar data", d.Year())
			}
		}
		return nil
	}
}
