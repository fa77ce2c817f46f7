// Package routing is the routing service: it decides who handles each
// document, starts its workflow (the handling of an incoming document, the
// review and signing of an outgoing draft), and runs those workflows
// themselves (with the activities that publish their events).
package routing

import (
	"context"
	"fmt"
	"io"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/worker"
	"go.uber.org/zap"

	events "github.com/docflow/docflow/api/events/v1"
	"github.com/docflow/docflow/services/internal/config"
	"github.com/docflow/docflow/services/internal/service"
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

// Run runs the service until ctx is cancelled.
func Run(ctx context.Context, getenv func(string) string, stdout io.Writer) error {
	cfg, err := config.LoadValid[Config]("routing", getenv)
	if err != nil {
		return err
	}
	agencies, cal, err := loadData(cfg)
	if err != nil {
		return fmt.Errorf("routing: %w", err)
	}
	return service.Run(ctx, stdout, service.Spec{
		Name: "routing", Log: cfg.Log, HealthAddr: cfg.HTTPAddr, DB: cfg.DB,
		Temporal: &cfg.Temporal, NATS: &cfg.NATS, Streams: events.Streams,
	}, func(ctx context.Context, env *service.Env) error {
		charts := orgchart.Charts{}
		for _, a := range agencies {
			charts[a.ID] = a.chart
			env.Log.Info("routing rules loaded", zap.String("agency", a.ID), zap.String("file", a.Rules()), zap.String("version", a.set.Version),
				zap.Int("rules", len(a.set.Rules)), zap.String("orgchart", a.OrgChart()), zap.String("task_queue", workflows.RoutingTaskQueue))
		}
		delegations, err := delegation.Open(ctx, env.DB, func() orgchart.Charts { return charts }, time.Now, env.Log)
		if err != nil {
			return err
		}
		planners := map[string]*rules.Planner{}
		dirs := directory.Agencies{}
		for _, a := range agencies {
			set, chart := a.set, a.chart
			p := &rules.Planner{Rules: func() *rules.Set { return set }, Chart: func() *orgchart.Chart { return chart }, Substitutes: delegations}
			planners[a.ID] = p
			dirs[a.ID] = &directory.Directory{Rules: p.Rules, Chart: p.Chart, Planner: p, Delegations: delegations, Now: time.Now}
		}
		pub := env.Publisher()
		// The approval chain and the handling of incoming documents run here.
		env.Worker(workflows.RoutingTaskQueue, func(w worker.Registry) {
			chain.Register(w)
			incoming.Register(w)
			w.RegisterActivityWithOptions((&dispatch.Activities{Publisher: pub}).PublishEvent, activity.RegisterOptions{Name: workflows.ActivityPublishEvent})
			w.RegisterActivityWithOptions((&deadlines.Planner{Calendar: cal}).PlanDeadlines, activity.RegisterOptions{Name: workflows.ActivityPlanDeadlines})
		})
		env.Consume(events.RoutingReceived, (&dispatch.Router{Planners: planners, Temporal: env.Temporal, Publisher: pub, Log: env.Log}).HandleReceived)
		env.Consume(events.RoutingDelegations, (&dispatch.Substitutes{
			Delegations: delegations, Temporal: env.Temporal, Now: time.Now, Log: env.Log, Titles: charts.TitleOf,
		}).HandleDelegation)
		env.Serve("routing: rules, org chart, assignees and delegations of positions to substitutes", append(delegations.Endpoints(pub), dirs.Endpoints()...)...)
		env.Check("calendar", calendarCovers(cal, time.Now))
		return nil
	})
}
