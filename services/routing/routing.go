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
	set, chart, cal, err := loadData(cfg)
	if err != nil {
		return fmt.Errorf("routing: %w", err)
	}
	return service.Run(ctx, stdout, service.Spec{
		Name: "routing", Log: cfg.Log, HealthAddr: cfg.HTTPAddr, DB: cfg.DB,
		Temporal: &cfg.Temporal, NATS: &cfg.NATS, Streams: events.Streams,
	}, func(ctx context.Context, env *service.Env) error {
		env.Log.Info("routing rules loaded", zap.String("file", cfg.Rules), zap.String("version", set.Version), zap.Int("rules", len(set.Rules)),
			zap.String("orgchart", cfg.OrgChart), zap.String("task_queue", workflows.RoutingTaskQueue))
		delegations, err := delegation.Open(ctx, env.DB, func() *orgchart.Chart { return chart }, time.Now, env.Log)
		if err != nil {
			return err
		}
		pub := env.Publisher()
		// The approval chain and the handling of incoming documents run here.
		env.Worker(workflows.RoutingTaskQueue, func(w worker.Registry) {
			chain.Register(w)
			incoming.Register(w)
			w.RegisterActivityWithOptions((&dispatch.Activities{Publisher: pub}).PublishEvent, activity.RegisterOptions{Name: workflows.ActivityPublishEvent})
			w.RegisterActivityWithOptions((&deadlines.Planner{Calendar: cal}).PlanDeadlines, activity.RegisterOptions{Name: workflows.ActivityPlanDeadlines})
		})
		planner := &rules.Planner{Rules: func() *rules.Set { return set }, Chart: func() *orgchart.Chart { return chart }, Substitutes: delegations}
		env.Consume(events.RoutingReceived, (&dispatch.Router{Planner: planner, Temporal: env.Temporal, Publisher: pub, Log: env.Log}).HandleReceived)
		env.Consume(events.RoutingDelegations, (&dispatch.Substitutes{
			Delegations: delegations, Temporal: env.Temporal, Now: time.Now, Log: env.Log, Titles: chart.TitleOf,
		}).HandleDelegation)
		dir := &directory.Directory{Rules: planner.Rules, Chart: planner.Chart, Planner: planner, Delegations: delegations, Now: time.Now}
		env.Serve("routing: rules, org chart, assignees and delegations of positions to substitutes", append(delegations.Endpoints(pub), dir.Endpoints()...)...)
		env.Check("calendar", calendarCovers(cal, time.Now))
		return nil
	})
}
