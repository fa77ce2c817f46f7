package service

import (
	"context"
	"fmt"
	"net/http"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"
	"go.uber.org/zap"

	events "github.com/docflow/docflow/api/events/v1"
	"github.com/docflow/docflow/services/internal/health"
	"github.com/docflow/docflow/services/internal/natsx"
	"github.com/docflow/docflow/services/internal/objstore"
	"github.com/docflow/docflow/services/internal/sqlstore"
)

// Env is what a service's wiring works with: the dependencies Run opened
// (nil when the Spec did not ask for them) and the means to declare the
// work the service takes. Declared work starts only after the wiring
// returned, so a wiring that fails leaves nothing running.
type Env struct {
	Name      string
	Log       *zap.Logger
	DB        *sqlstore.DB
	Store     *objstore.S3
	Temporal  client.Client
	NATS      *nats.Conn
	JetStream jetstream.JetStream

	checks  map[string]health.Check
	pending [stages][]func(context.Context) error
	closers []closer
	// misuse collects declarations of work on a dependency the Spec did
	// not ask for; the start fails with them.
	misuse []error
	failed chan error
}

// Stages of the start, in order; the shutdown stops them in reverse.
const (
	stageWorkers = iota
	stageEndpoints
	stageConsumers
	stageLoops
	stageServers
	stages
)

func (e *Env) later(stage int, start func(context.Context) error) {
	e.pending[stage] = append(e.pending[stage], start)
}

// Publisher publishes the service's events on JetStream.
func (e *Env) Publisher() *natsx.Publisher {
	e.need(e.JetStream != nil, "an event publisher", "NATS")
	return natsx.NewPublisher(e.JetStream, e.Name)
}

// Worker declares a Temporal worker on queue; register adds its workflows
// and activities. It starts with the service and, at shutdown, gives the
// activities in hand up to workerStopGrace to finish before NATS, Temporal
// and the database they use close; one still running then has its context
// cancelled and Temporal retries it elsewhere.
func (e *Env) Worker(queue string, register func(worker.Registry)) {
	if !e.need(e.Temporal != nil, "a worker on "+queue, "Temporal") {
		return
	}
	w := worker.New(e.Temporal, queue, worker.Options{WorkerStopTimeout: workerStopGrace})
	register(w)
	e.later(stageWorkers, func(context.Context) error {
		if err := w.Start(); err != nil {
			return fmt.Errorf("temporal worker on %s: %w", queue, err)
		}
		e.onStop("worker "+queue, func() error { w.Stop(); return nil })
		return nil
	})
}

// Serve declares a NATS micro service answering endpoints.
func (e *Env) Serve(description string, endpoints ...natsx.Endpoint) {
	if !e.need(e.NATS != nil, "NATS endpoints", "NATS") {
		return
	}
	e.later(stageEndpoints, func(context.Context) error {
		srv, err := natsx.Serve(e.NATS, e.Name, description, e.Log, endpoints...)
		if err != nil {
			return err
		}
		e.onStop("endpoints", srv.Stop)
		return nil
	})
}

// Consume declares a durable JetStream consumer handing each event to
// handle; at shutdown it finishes the event in hand.
func (e *Env) Consume(c events.Consumer, handle natsx.Handler) {
	if !e.need(e.JetStream != nil, "consumer "+c.Durable, "NATS") {
		return
	}
	e.later(stageConsumers, func(ctx context.Context) error {
		stop, err := natsx.Consume(ctx, e.JetStream, c, e.Log, handle)
		if err != nil {
			return err
		}
		e.onStop("consumer "+c.Durable, func() error { stop(); return nil })
		return nil
	})
}

// Go declares a background loop: it runs until its context ends at the
// shutdown, which waits for it to return.
func (e *Env) Go(name string, loop func(context.Context)) {
	e.later(stageLoops, func(ctx context.Context) error {
		lctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
		done := make(chan struct{})
		go func() {
			defer close(done)
			loop(lctx)
		}()
		e.onStop(name, func() error {
			cancel()
			<-done
			return nil
		})
		return nil
	})
}

// HTTP declares an HTTP server listening on addr. It is shut down
// gracefully with a fresh timeout; failing while it runs stops the service.
func (e *Env) HTTP(name, addr string, srv *http.Server) {
	e.later(stageServers, func(ctx context.Context) error { return e.serveHTTP(ctx, name, addr, srv) })
}

// Check adds a readiness check next to those of the dependencies.
func (e *Env) Check(name string, check health.Check) { e.checks[name] = check }

// Checks are the readiness checks: the dependencies' and those added with
// Check. The health endpoints serve them; a service answering /readyz
// itself hands them to its server.
func (e *Env) Checks() map[string]health.Check { return e.checks }

// OnStop has stop run at shutdown after the service stopped taking work
// and before NATS drains and the dependencies close: the place to wait for
// work in hand and to release what the wiring opened. Steps run in the
// reverse order of their declaration.
func (e *Env) OnStop(name string, stop func() error) { e.onStop(name, stop) }

// need records a declaration the Spec cannot serve.
func (e *Env) need(ok bool, what, dependency string) bool {
	if !ok {
		e.misuse = append(e.misuse, fmt.Errorf("%s needs %s, which the service did not declare", what, dependency))
	}
	return ok
}
