// Package service is the runtime every docflow service runs in, so that
// opening, readiness and shutdown are written once and behave the same in
// all of them.
//
// A service declares what it needs in a Spec: a database, the object store
// and its bucket, the Temporal client, NATS with the event streams (Run
// opens them in that order) and the health endpoints. Run hands what it
// opened to the service's wiring function, which builds the service's
// objects and declares, through the Env, the work it takes: Temporal
// workers, NATS endpoints, JetStream consumers, background loops, HTTP
// servers. Run then starts those (workers, endpoints, consumers, loops,
// servers, and the health endpoints last, so the service reports ready
// only when it is) and runs until ctx ends or one of its servers fails.
//
// Everything opened or started is closed in the reverse order: first the
// service stops taking work (health endpoints, servers, loops, consumers,
// endpoints; workers give the activities in hand up to 20 s to finish),
// then what the wiring asked to close (OnStop), then NATS drains so that
// replies in flight go out, then Temporal, the object store and the
// database close. Every error
// is reported, joined; the log is synced last. A failure during start, or
// ctx ending during it, closes what was opened so far the same way and
// returns an error naming the step that failed.
package service

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"go.uber.org/zap"

	events "github.com/docflow/docflow/api/events/v1"
	"github.com/docflow/docflow/services/internal/health"
	"github.com/docflow/docflow/services/internal/logging"
	"github.com/docflow/docflow/services/internal/natsx"
	"github.com/docflow/docflow/services/internal/objstore"
	"github.com/docflow/docflow/services/internal/sqlstore"
	"github.com/docflow/docflow/services/internal/temporalx"
)

// Spec is what a service needs opened; a zero field opens nothing.
type Spec struct {
	// Name names the service in its errors and logs, its NATS connection
	// ("docflow-<name>"), its NATS micro services and the source of the
	// events it publishes.
	Name string
	Log  logging.Config
	// HealthAddr is where /healthz and /readyz are served (host:port);
	// empty serves none (the gateway answers them on its own API with
	// Env.Checks).
	HealthAddr string
	// DB is the database address (sqlstore.Open).
	DB string
	// S3 is the object store; Bucket, when set, is created or checked
	// with BucketOptions at start and by every readiness probe.
	S3            *objstore.S3Config
	Bucket        string
	BucketOptions objstore.BucketOptions
	Temporal      *temporalx.Config
	// NATS connects to NATS and JetStream, creating or updating Streams
	// (only checking that they exist when the service's user may not
	// manage streams: natsx.PrepareStreams).
	NATS    *natsx.Config
	Streams []events.Stream
}

// Waits bounding the shutdown: a step that takes longer is cut short and
// reported, so a stuck dependency cannot keep the process alive.
const (
	// drainWait bounds the NATS drain.
	drainWait = 10 * time.Second
	// shutdownWait bounds the graceful shutdown of each HTTP server.
	shutdownWait = 15 * time.Second
	// workerStopGrace bounds how long a Temporal worker waits at shutdown
	// for its activities in hand: long enough for a signature with its
	// timestamp and revocation data, short of the 30 s a process manager
	// usually allows before it kills.
	workerStopGrace = 20 * time.Second
)

// Run opens what spec declares, calls wire with it, starts what wire
// declared and serves until ctx ends; then it shuts everything down in the
// reverse order (see the package documentation). It returns nil after a
// clean stop on ctx, the error of a failed start or of a server that
// failed while running, joined with every error of the shutdown.
func Run(ctx context.Context, stdout io.Writer, spec Spec, wire func(context.Context, *Env) error) (err error) {
	log, err := spec.Log.Logger(stdout, spec.Name)
	if err != nil {
		return fmt.Errorf("%s: %w", spec.Name, err)
	}
	e := &Env{Name: spec.Name, Log: log, checks: map[string]health.Check{}, failed: make(chan error, 1)}
	defer func() {
		if serr := e.shutdown(); serr != nil {
			err = errors.Join(err, fmt.Errorf("%s: shutdown: %w", spec.Name, serr))
		}
		// Syncing a terminal or a pipe fails (EINVAL) for no fault of the
		// service, and a log that cannot be flushed has nowhere to report it.
		_ = log.Sync()
	}()
	if err := e.start(ctx, spec, wire); err != nil {
		if ctx.Err() != nil && !errors.Is(err, ctx.Err()) {
			err = fmt.Errorf("%w (start interrupted: %w)", err, ctx.Err())
		}
		return fmt.Errorf("%s: %w", spec.Name, err)
	}
	log.Info("service started")
	select {
	case <-ctx.Done():
		log.Info("service stopping")
		return nil
	case err := <-e.failed:
		log.Error("service failed; stopping", zap.Error(err))
		return fmt.Errorf("%s: %w", spec.Name, err)
	}
}

// start opens the dependencies, wires the service and starts its work, in
// stage order.
func (e *Env) start(ctx context.Context, spec Spec, wire func(context.Context, *Env) error) error {
	if err := e.open(ctx, spec); err != nil {
		return err
	}
	if err := wire(ctx, e); err != nil {
		return err
	}
	if err := errors.Join(e.misuse...); err != nil {
		return err
	}
	if spec.HealthAddr != "" {
		e.HTTP("health endpoints", spec.HealthAddr, health.Server(e.checks))
	}
	for _, stage := range e.pending {
		for _, start := range stage {
			if err := start(ctx); err != nil {
				return err
			}
		}
	}
	return nil
}

// open opens the declared dependencies: database, object store, Temporal,
// NATS. NATS comes last so that it drains first at shutdown, while
// Temporal is still there for the work in hand.
func (e *Env) open(ctx context.Context, spec Spec) error {
	if spec.DB != "" {
		db, err := sqlstore.Open(ctx, spec.DB)
		if err != nil {
			return fmt.Errorf("database: %w", err)
		}
		e.DB = db
		e.onStop("database", db.Close)
		e.checks["database"] = db.PingContext
		e.Log.Debug("opened", zap.String("dependency", "database"), zap.String("dialect", string(db.Dialect)))
	}
	if spec.S3 != nil {
		store, err := objstore.NewS3(*spec.S3)
		if err != nil {
			return fmt.Errorf("object store: %w", err)
		}
		e.Store = store
		e.onStop("object store", store.Close)
		if spec.Bucket != "" {
			ensure := func(ctx context.Context) error { return store.EnsureBucket(ctx, spec.Bucket, spec.BucketOptions) }
			if err := ensure(ctx); err != nil {
				return fmt.Errorf("object store at %s: bucket %s: %w", spec.S3.Endpoint, spec.Bucket, err)
			}
			e.checks["s3"] = ensure
		}
		e.Log.Debug("opened", zap.String("dependency", "object store"), zap.String("endpoint", spec.S3.Endpoint))
	}
	if spec.Temporal != nil {
		tc, err := temporalx.Dial(ctx, *spec.Temporal, e.Log)
		if err != nil {
			return fmt.Errorf("temporal: %w", err)
		}
		e.Temporal = tc
		e.onStop("temporal", func() error { tc.Close(); return nil })
		e.checks["temporal"] = temporalx.Check(tc)
		e.Log.Debug("opened", zap.String("dependency", "temporal"), zap.String("address", spec.Temporal.Address))
	}
	if spec.NATS != nil {
		nc, err := natsx.Connect(ctx, *spec.NATS, spec.Name, e.Log)
		if err != nil {
			return fmt.Errorf("nats: %w", err)
		}
		e.NATS = nc
		e.onStop("nats", func() error { return natsx.Drain(nc, drainWait) })
		e.checks["nats"] = natsx.Check(nc)
		if e.JetStream, err = jetstream.New(nc); err != nil {
			return fmt.Errorf("nats: jetstream: %w", err)
		}
		if err := natsx.PrepareStreams(ctx, e.JetStream, *spec.NATS, spec.Streams); err != nil {
			return fmt.Errorf("nats: %w", err)
		}
		e.Log.Debug("opened", zap.String("dependency", "nats"), zap.String("url", spec.NATS.URL))
	}
	return nil
}

// serveHTTP listens on addr and serves srv until the shutdown, which gives
// requests in flight shutdownWait to finish. A server that fails while
// running stops the service.
func (e *Env) serveHTTP(ctx context.Context, name, addr string, srv *http.Server) error {
	ln, err := (&net.ListenConfig{}).Listen(ctx, "tcp", addr)
	if err != nil {
		return fmt.Errorf("%s: listen on %s: %w", name, addr, err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			e.fail(fmt.Errorf("%s on %s: %w", name, ln.Addr(), err))
		}
	}()
	e.Log.Info("listening", zap.String("server", name), zap.String("addr", ln.Addr().String()))
	e.onStop(name, func() error {
		sctx, cancel := context.WithTimeout(context.Background(), shutdownWait)
		defer cancel()
		err := srv.Shutdown(sctx)
		<-done
		return err
	})
	return nil
}

// fail reports a failure while running; the first one stops the service.
func (e *Env) fail(err error) {
	select {
	case e.failed <- err:
	default:
	}
}

// closer is one step of the shutdown.
type closer struct {
	name string
	stop func() error
}

func (e *Env) onStop(name string, stop func() error) {
	e.closers = append(e.closers, closer{name: name, stop: stop})
}

// shutdown runs the closers in the reverse order of their registration,
// every one of them whatever the others return.
func (e *Env) shutdown() error {
	var problems []error
	for i := len(e.closers) - 1; i >= 0; i-- {
		c := e.closers[i]
		if err := c.stop(); err != nil {
			problems = append(problems, fmt.Errorf("%s: %w", c.name, err))
			e.Log.Warn("stopped with an error", zap.String("step", c.name), zap.Error(err))
			continue
		}
		e.Log.Debug("stopped", zap.String("step", c.name))
	}
	e.closers = nil
	return errors.Join(problems...)
}
