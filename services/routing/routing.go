// Package routing is the routing service: it decides who handles each
// received document, starts its approval workflow, and runs the approval
// workflows themselves (with the activities that publish their events).
package routing

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/worker"
	"go.uber.org/zap"

	events "github.com/docflow/docflow/api/events/v1"
	"github.com/docflow/docflow/services/internal/clerical/calendar"
	"github.com/docflow/docflow/services/internal/config"
	"github.com/docflow/docflow/services/internal/health"
	"github.com/docflow/docflow/services/internal/logging"
	"github.com/docflow/docflow/services/internal/natsx"
	"github.com/docflow/docflow/services/internal/sqlstore"
	"github.com/docflow/docflow/services/internal/temporalx"
	"github.com/docflow/docflow/services/routing/internal/deadlines"
	"github.com/docflow/docflow/services/routing/internal/delegation"
	"github.com/docflow/docflow/services/routing/internal/directory"
	"github.com/docflow/docflow/services/routing/internal/dispatch"
	"github.com/docflow/docflow/services/routing/internal/orgchart"
	"github.com/docflow/docflow/services/routing/internal/rules"
	"github.com/docflow/docflow/workflows"
	"github.com/docflow/docflow/workflows/chain"
	"github.com/docflow/docflow/workflows/incoming"
)

// Config is the routing service's configuration.
type Config struct {
	NATS     natsx.Config
	Temporal temporalx.Config
	Log      logging.Config
	Rules    string `env:"DOCFLOW_ROUTING_RULES" default:"deploy/dev/routing.yaml"`
	OrgChart string `env:"DOCFLOW_ROUTING_ORGCHART" default:"deploy/dev/orgchart.yaml"`
	DB       string `env:"DOCFLOW_ROUTING_DB" default:"sqlite:var/routing.db"`
	HTTPAddr string `env:"DOCFLOW_ROUTING_HTTP_ADDR" default:"127.0.0.1:8082"`
}

// Validate reports every problem at once.
func (c Config) Validate() error {
	var problems []error
	problems = append(problems, c.NATS.Validate(), c.Temporal.Validate(), c.Log.Validate())
	if c.Rules == "" {
		problems = append(problems, errors.New("DOCFLOW_ROUTING_RULES is required"))
	}
	if c.OrgChart == "" {
		problems = append(problems, errors.New("DOCFLOW_ROUTING_ORGCHART is required"))
	}
	if c.DB == "" {
		problems = append(problems, errors.New("DOCFLOW_ROUTING_DB is required: sqlite:<file> or a postgres:// address"))
	}
	return errors.Join(problems...)
}

// Run runs the service until ctx is cancelled.
func Run(ctx context.Context, getenv func(string) string, stdout io.Writer) error {
	var cfg Config
	if err := config.LoadValid("routing", getenv, &cfg); err != nil {
		return err
	}
	log, err := cfg.Log.Logger(stdout, "routing")
	if err != nil {
		return err
	}

	set, err := rules.Load(cfg.Rules)
	if err != nil {
		return fmt.Errorf("routing: %w", err)
	}
	chart, err := orgchart.Load(cfg.OrgChart)
	if err != nil {
		return fmt.Errorf("routing: %w", err)
	}
	if err := set.CheckChart(chart); err != nil {
		return fmt.Errorf("routing: the rules in %s do not fit the org chart %s: %w", cfg.Rules, cfg.OrgChart, err)
	}
	log.Info("routing rules loaded", zap.String("file", cfg.Rules), zap.String("version", set.Version), zap.Int("rules", len(set.Rules)),
		zap.String("orgchart", cfg.OrgChart))

	db, err := sqlstore.Open(ctx, cfg.DB)
	if err != nil {
		return fmt.Errorf("routing: %w", err)
	}
	defer func() { _ = db.Close() }()
	delegations, err := delegation.Open(ctx, db, func() *orgchart.Chart { return chart }, time.Now, log)
	if err != nil {
		return fmt.Errorf("routing: %w", err)
	}

	nc, err := natsx.Connect(ctx, cfg.NATS, "routing", log)
	if err != nil {
		return fmt.Errorf("routing: %w", err)
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		return fmt.Errorf("routing: %w", err)
	}
	if err := natsx.EnsureStreams(ctx, js, events.Streams); err != nil {
		return fmt.Errorf("routing: %w", err)
	}
	pub := natsx.NewPublisher(js, "routing")

	tc, err := temporalx.Dial(ctx, cfg.Temporal, log)
	if err != nil {
		return fmt.Errorf("routing: %w", err)
	}
	defer tc.Close()

	cal, err := calendar.Load()
	if err != nil {
		return fmt.Errorf("routing: %w", err)
	}
	// The approval chain and the handling of incoming documents run here.
	w := worker.New(tc, workflows.RoutingTaskQueue, worker.Options{})
	chain.Register(w)
	incoming.Register(w)
	acts := &dispatch.Activities{Publisher: pub}
	w.RegisterActivityWithOptions(acts.PublishEvent, activity.RegisterOptions{Name: workflows.ActivityPublishEvent})
	w.RegisterActivityWithOptions((&deadlines.Planner{Calendar: cal}).PlanDeadlines, activity.RegisterOptions{Name: workflows.ActivityPlanDeadlines})
	if err := w.Start(); err != nil {
		return fmt.Errorf("routing: start worker: %w", err)
	}
	defer w.Stop()

	planner := &rules.Planner{Rules: func() *rules.Set { return set }, Chart: func() *orgchart.Chart { return chart }, Substitutes: delegations}
	router := &dispatch.Router{Planner: planner, Temporal: tc, Publisher: pub, Log: log}
	stop, err := natsx.Consume(ctx, js, events.RoutingReceived, log, router.HandleReceived)
	if err != nil {
		return fmt.Errorf("routing: %w", err)
	}
	defer stop()
	subs := &dispatch.Substitutes{Delegations: delegations, Temporal: tc, Now: time.Now, Log: log, Titles: chart.TitleOf}
	stopSubs, err := natsx.Consume(ctx, js, events.RoutingDelegations, log, subs.HandleDelegation)
	if err != nil {
		return fmt.Errorf("routing: %w", err)
	}
	defer stopSubs()

	dir := &directory.Directory{
		Rules: planner.Rules, Chart: planner.Chart, Planner: planner, Delegations: delegations, Now: time.Now,
	}
	endpoints, err := natsx.Serve(nc, "routing", "routing: rules, org chart, assignees and delegations of positions to substitutes", log,
		append(delegations.Endpoints(pub), dir.Endpoints()...)...)
	if err != nil {
		return fmt.Errorf("routing: %w", err)
	}
	defer func() { _ = endpoints.Stop() }()

	log.Info("routing ready", zap.String("task_queue", workflows.RoutingTaskQueue))
	return health.Serve(ctx, cfg.HTTPAddr, log, map[string]health.Check{
		"nats":     natsx.Check(nc),
		"temporal": temporalx.Check(tc),
		"calendar": calendarCovers(cal, time.Now),
		"database": db.PingContext,
	})
}

// calendarHorizon is how far ahead deadlines may fall; the working-day
// calendar must cover it, or deadlines cannot be computed.
const calendarHorizon = 90 * 24 * time.Hour

// calendarCovers reports not-ready while the working-day calendar lacks the
// data of the coming months, so the operator adds next year's holidays
// before deadlines need them.
func calendarCovers(cal *calendar.Calendar, now func() time.Time) health.Check {
	return func(context.Context) error {
		t := now().In(calendar.Zone)
		for _, d := range []time.Time{t, t.Add(calendarHorizon)} {
			if !cal.Covers(d.Year()) {
				return fmt.Errorf("the working-day calendar has no data for %d: add the year's holidays to the calendar data", d.Year())
			}
		}
		return nil
	}
}
