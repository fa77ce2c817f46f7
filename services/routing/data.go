package routing

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/docflow/docflow/api/vntime"
	"github.com/docflow/docflow/services/internal/clerical/calendar"
	"github.com/docflow/docflow/services/internal/clerical/hosted"
	"github.com/docflow/docflow/services/internal/health"
	"github.com/docflow/docflow/services/routing/internal/orgchart"
	"github.com/docflow/docflow/services/routing/internal/rules"
)

// agency is one hosted agency's routing data.
type agency struct {
	hosted.Agency
	set   *rules.Set
	chart *orgchart.Chart
}

// loadData reads every hosted agency's rules and org chart, and the
// working-day calendar, before anything is opened: a broken file fails the
// start with its name, not a routing later.
func loadData(cfg Config) ([]agency, *calendar.Calendar, error) {
	all, err := hosted.Load(cfg.Agencies)
	if err != nil {
		return nil, nil, err
	}
	var out []agency
	var problems []error
	for _, a := range all {
		set, err := rules.Load(a.Rules())
		if err != nil {
			problems = append(problems, err)
			continue
		}
		chart, err := orgchart.Load(a.OrgChart())
		if err != nil {
			problems = append(problems, err)
			continue
		}
		if chart.Agency != a.ID {
			problems = append(problems, fmt.Errorf("the org chart %s is of agency %q, not %s", a.OrgChart(), chart.Agency, a.ID))
			continue
		}
		if err := set.CheckChart(chart); err != nil {
			problems = append(problems, fmt.Errorf("the rules in %s do not fit the org chart %s: %w", a.Rules(), a.OrgChart(), err))
			continue
		}
		out = append(out, agency{Agency: a, set: set, chart: chart})
	}
	if err := errors.Join(problems...); err != nil {
		return nil, nil, err
	}
	if err := onePersonOneAgency(out); err != nil {
		return nil, nil, err
	}
	cal, err := calendar.Load()
	if err != nil {
		return nil, nil, err
	}
	return out, cal, nil
}

// onePersonOneAgency refuses a username on two agencies' charts: tasks,
// inboxes and signatures are addressed by username across the installation.
func onePersonOneAgency(all []agency) error {
	seen := map[string]string{}
	var problems []error
	for _, a := range all {
		for _, p := range a.chart.People {
			if other, ok := seen[p]; ok {
				problems = append(problems, fmt.Errorf("%s is on the org charts of both %s and %s: a person belongs to one agency", p, other, a.ID))
			}
			seen[p] = a.ID
		}
	}
	return errors.Join(problems...)
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
