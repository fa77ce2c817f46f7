package service_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	tlog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	events "github.com/docflow/docflow/api/events/v1"
	svc "github.com/docflow/docflow/api/svc/v1"
	"github.com/docflow/docflow/services/internal/errs"
	"github.com/docflow/docflow/services/internal/natsx"
	"github.com/docflow/docflow/services/internal/objstore"
	"github.com/docflow/docflow/services/internal/service"
	"github.com/docflow/docflow/services/internal/temporalx"
	"github.com/docflow/docflow/services/internal/testkit"
)

// The test service's stream, consumer and endpoint.
var (
	testStream   = events.Stream{Name: "RUNTIME_TEST", Subjects: []string{"runtime.test.>"}, Duplicates: time.Minute}
	testConsumer = events.Consumer{
		Stream: testStream.Name, Durable: "runtime-test", FilterSubject: []string{"runtime.test.>"},
		AckWait: 10 * time.Second, MaxDeliver: -1,
	}
	echo = svc.Endpoint[string, string]{Subject: "runtime.svc.echo"}
)

// servers are the real servers a test service depends on.
type deps struct {
	nats     *testkit.NATSEnv
	s3       *testkit.S3Env
	temporal *testkit.TemporalEnv
	db       string
}

func startDeps(t *testing.T) deps {
	t.Helper()
	return deps{nats: testkit.NATS(t), s3: testkit.S3(t), temporal: testkit.SharedTemporal(t), db: testkit.Postgres(t)}
}

// spec declares every dependency the runtime opens.
func (d deps) spec(name string) service.Spec {
	return service.Spec{
		Name: name, DB: d.db,
		S3: &d.s3.Config, Bucket: "runtime-" + strings.ToLower(name), BucketOptions: objstore.BucketOptions{Versioning: true},
		Temporal: &temporalx.Config{Address: d.temporal.HostPort, Namespace: d.temporal.Namespace},
		NATS:     &natsx.Config{URL: d.nats.URL, User: d.nats.User, Password: d.nats.Password},
		Streams:  []events.Stream{testStream},
	}
}

// wireEverything declares one piece of every kind of work.
func wireEverything(queue, apiAddr string) func(context.Context, *service.Env) error {
	return func(_ context.Context, env *service.Env) error {
		env.Worker(queue, func(w worker.Registry) {
			w.RegisterActivityWithOptions(func(context.Context) error { return nil }, activity.RegisterOptions{Name: "RuntimeTestNoop"})
		})
		env.Serve("runtime test", natsx.Handle(echo, func(_ context.Context, s string) (string, error) { return s, nil }))
		env.Consume(testConsumer, func(context.Context, events.Event) error { return nil })
		env.Go("loop", func(ctx context.Context) { <-ctx.Done() })
		env.HTTP("test API", apiAddr, &http.Server{Handler: http.NotFoundHandler(), ReadHeaderTimeout: time.Second})
		env.OnStop("work in hand", func() error { return nil })
		return nil
	}
}

// TestShutdownOrder runs a service with every dependency and every kind of
// work against the real servers and checks the order of its shutdown:
// the work stops (newest first), then NATS drains, then Temporal, the
// object store and the database close, and the log is synced last; and
// that the service is then gone from NATS and PostgreSQL.
func TestShutdownOrder(t *testing.T) {
	t.Parallel()
	d := startDeps(t)
	spec := d.spec("order")
	spec.HealthAddr = freeAddr(t)
	apiAddr := freeAddr(t)
	r := run(t, spec, wireEverything("runtime-order", apiAddr), nil)
	r.waitReadiness(t, spec.HealthAddr, http.StatusOK)

	reply, err := natsx.Call(t.Context(), d.nats.Conn, echo, "ping")
	if err != nil || reply != "ping" {
		t.Fatalf("echo endpoint = %q, %v; want ping", reply, err)
	}

	r.cancel()
	if err := r.wait(t, 30*time.Second); err != nil {
		t.Fatalf("Run after cancellation = %v, want nil", err)
	}
	want := []string{
		"health endpoints", "test API", "loop", "consumer runtime-test", "endpoints", "worker runtime-order",
		"work in hand", "nats", "temporal", "object store", "database", "sync logs",
	}
	if got := r.log.Steps(); !slices.Equal(got, want) {
		t.Errorf("shutdown steps:\n got  %q\n want %q", got, want)
	}

	for _, addr := range []string{spec.HealthAddr, apiAddr} {
		if conn, err := (&net.Dialer{Timeout: time.Second}).DialContext(t.Context(), "tcp", addr); err == nil {
			_ = conn.Close()
			t.Errorf("%s still accepts connections after Run returned", addr)
		}
	}
	_, err = natsx.Call(t.Context(), d.nats.Conn, echo, "ping")
	if errs.KindOf(err) != errs.Unavailable {
		t.Errorf("echo after Run returned = %v, want Unavailable: nobody answers", err)
	}
	noNATSClients(t, d.nats, spec.Name)
	noPostgresSessions(t, d.db)
}

// TestFailedStartClosesWhatWasOpened breaks one dependency or step at a
// time: Run returns an error naming it and closes, newest first, what it
// had opened before.
func TestFailedStartClosesWhatWasOpened(t *testing.T) {
	t.Parallel()
	d := startDeps(t)
	taken, err := (&net.ListenConfig{}).Listen(t.Context(), "tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = taken.Close() })
	tests := []struct {
		name      string
		breakIt   func(*service.Spec)
		wire      func(context.Context, *service.Env) error
		wantErr   []string
		wantSteps []string
	}{
		{
			name:      "bad database address",
			breakIt:   func(s *service.Spec) { s.DB = "mysql://db.example/docflow" },
			wantErr:   []string{"database:", "unsupported database address"},
			wantSteps: []string{"sync logs"},
		},
		{
			name: "object store refuses the credentials",
			breakIt: func(s *service.Spec) {
				cfg := *s.S3
				cfg.SecretKey = "not-the-secret"
				s.S3 = &cfg
			},
			wantErr:   []string{"object store at " + d.s3.Config.Endpoint, "bucket runtime-"},
			wantSteps: []string{"object store", "database", "sync logs"},
		},
		{
			name: "NATS refuses the credentials",
			breakIt: func(s *service.Spec) {
				cfg := *s.NATS
				cfg.Password = "not-the-password"
				s.NATS = &cfg
			},
			wantErr:   []string{"nats:", "credentials refused"},
			wantSteps: []string{"temporal", "object store", "database", "sync logs"},
		},
		{
			name: "the wiring fails",
			wire: func(_ context.Context, env *service.Env) error {
				env.OnStop("wiring so far", func() error { return nil })
				return errors.New("rules file unreadable")
			},
			wantErr:   []string{"rules file unreadable"},
			wantSteps: []string{"wiring so far", "nats", "temporal", "object store", "database", "sync logs"},
		},
		{
			name: "a server cannot listen",
			wire: func(ctx context.Context, env *service.Env) error {
				if err := wireEverything("runtime-listen", freeAddr(t))(ctx, env); err != nil {
					return err
				}
				env.HTTP("second API", taken.Addr().String(), &http.Server{ReadHeaderTimeout: time.Second})
				return nil
			},
			wantErr: []string{"second API: listen on " + taken.Addr().String()},
			wantSteps: []string{
				"test API", "loop", "consumer runtime-test", "endpoints", "worker runtime-listen",
				"work in hand", "nats", "temporal", "object store", "database", "sync logs",
			},
		},
		{
			name: "work on an undeclared dependency",
			breakIt: func(s *service.Spec) {
				s.Temporal = nil
			},
			wire: func(_ context.Context, env *service.Env) error {
				env.Worker("runtime-undeclared", func(worker.Registry) {})
				return nil
			},
			wantErr:   []string{"a worker on runtime-undeclared needs Temporal, which the service did not declare"},
			wantSteps: []string{"nats", "object store", "database", "sync logs"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			spec := d.spec("failing" + strings.ReplaceAll(tt.name, " ", ""))
			spec.DB = testkit.Postgres(t)
			if tt.breakIt != nil {
				tt.breakIt(&spec)
			}
			wire := tt.wire
			if wire == nil {
				wire = func(context.Context, *service.Env) error { return nil }
			}
			r := run(t, spec, wire, nil)
			err := r.wait(t, time.Minute)
			if err == nil {
				t.Fatal("Run succeeded")
			}
			for _, want := range append([]string{spec.Name + ": "}, tt.wantErr...) {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not say %q", err, want)
				}
			}
			if got := r.log.Steps(); !slices.Equal(got, tt.wantSteps) {
				t.Errorf("closing steps:\n got  %q\n want %q", got, tt.wantSteps)
			}
			noNATSClients(t, d.nats, spec.Name)
			noPostgresSessions(t, spec.DB)
		})
	}
}

// TestSignalDuringStart cancels Run while it waits for a Temporal server
// that does not answer, as a signal would: Run returns promptly, says the
// start was interrupted, and closes what it had opened.
func TestSignalDuringStart(t *testing.T) {
	t.Parallel()
	d := startDeps(t)
	spec := d.spec("interrupted")
	spec.Temporal = &temporalx.Config{Address: freeAddr(t), Namespace: "default"}
	wired := false
	log := newLogSink()
	opened := log.whenOpened("object store")
	r := run(t, spec, func(context.Context, *service.Env) error { wired = true; return nil }, log)
	select {
	case <-opened:
	case <-r.done:
		t.Fatalf("Run returned before dialing Temporal: %v", r.err)
	case <-time.After(time.Minute):
		t.Fatal("the object store was not opened within a minute")
	}

	r.cancel()
	err := r.wait(t, 5*time.Second)
	if !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "temporal") {
		t.Errorf("Run = %v, want an interrupted start naming Temporal", err)
	}
	if wired {
		t.Error("the service was wired although its start was interrupted")
	}
	if got, want := r.log.Steps(), []string{"object store", "database", "sync logs"}; !slices.Equal(got, want) {
		t.Errorf("closing steps:\n got  %q\n want %q", got, want)
	}
	noPostgresSessions(t, spec.DB)
}

// TestShutdownReportsEveryError has several steps of the shutdown fail:
// each failure is in the error Run returns, and the steps after a failed
// one still run.
func TestShutdownReportsEveryError(t *testing.T) {
	t.Parallel()
	nts := testkit.NATS(t)
	db := testkit.Postgres(t)
	spec := service.Spec{
		Name: "errors", DB: db, HealthAddr: freeAddr(t),
		NATS: &natsx.Config{URL: nts.URL, User: nts.User, Password: nts.Password}, Streams: []events.Stream{testStream},
	}
	errFlush, errRelease := errors.New("flush failed"), errors.New("release failed")
	r := run(t, spec, func(_ context.Context, env *service.Env) error {
		env.OnStop("flush", func() error { return errFlush })
		env.OnStop("release", func() error { return errRelease })
		return nil
	}, nil)
	r.waitReadiness(t, spec.HealthAddr, http.StatusOK)

	// NATS goes away, and the service notices: the drain cannot happen.
	nts.Server.Shutdown()
	r.waitReadiness(t, spec.HealthAddr, http.StatusServiceUnavailable)
	r.cancel()
	err := r.wait(t, 30*time.Second)
	for _, want := range []error{errFlush, errRelease, nats.ErrConnectionReconnecting} {
		if !errors.Is(err, want) {
			t.Errorf("Run = %v; want it to report %v", err, want)
		}
	}
	if got, want := r.log.Steps(), []string{"health endpoints", "release", "flush", "nats", "database", "sync logs"}; !slices.Equal(got, want) {
		t.Errorf("shutdown steps:\n got  %q\n want %q", got, want)
	}
	noPostgresSessions(t, db)
}

// TestActivityInHandFinishesAtShutdown stops a service while one of its
// activities runs: the activity completes with its context intact before
// NATS and the database it may use close, and Temporal has its result: the
// next worker finishes the workflow without running the activity again.
func TestActivityInHandFinishesAtShutdown(t *testing.T) {
	t.Parallel()
	d := startDeps(t)
	spec := d.spec("grace")
	const queue = "runtime-grace"
	started := make(chan struct{})
	log := newLogSink()
	slow := func(ctx context.Context) error {
		close(started)
		select {
		case <-time.After(2 * time.Second):
		case <-ctx.Done():
			return fmt.Errorf("activity cut short: %w", context.Cause(ctx))
		}
		log.record("activity finished")
		return nil
	}
	flow := func(ctx workflow.Context) error {
		ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{StartToCloseTimeout: time.Minute})
		return workflow.ExecuteActivity(ctx, "RuntimeTestSlow").Get(ctx, nil)
	}
	r := run(t, spec, func(_ context.Context, env *service.Env) error {
		env.Worker(queue, func(w worker.Registry) {
			w.RegisterWorkflowWithOptions(flow, workflow.RegisterOptions{Name: "RuntimeTestGrace"})
			w.RegisterActivityWithOptions(slow, activity.RegisterOptions{Name: "RuntimeTestSlow"})
		})
		return nil
	}, log)

	c, err := client.Dial(client.Options{HostPort: d.temporal.HostPort, Namespace: d.temporal.Namespace, Logger: tlog.NewStructuredLogger(slog.New(slog.DiscardHandler))})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	wf, err := c.ExecuteWorkflow(t.Context(), client.StartWorkflowOptions{TaskQueue: queue, WorkflowExecutionTimeout: time.Minute}, "RuntimeTestGrace")
	if err != nil {
		t.Fatal(err)
	}
	select {
	case <-started:
	case <-time.After(30 * time.Second):
		t.Fatal("the activity did not start within 30 s")
	}

	r.cancel()
	if err := r.wait(t, 60*time.Second); err != nil {
		t.Fatalf("Run after cancellation = %v, want nil", err)
	}
	steps := log.Steps()
	finished, nats := slices.Index(steps, "activity finished"), slices.Index(steps, "nats")
	if finished < 0 || nats < 0 || finished > nats {
		t.Fatalf("shutdown steps %q: want the activity finished before NATS closed", steps)
	}

	next := worker.New(c, queue, worker.Options{})
	next.RegisterWorkflowWithOptions(flow, workflow.RegisterOptions{Name: "RuntimeTestGrace"})
	next.RegisterActivityWithOptions(func(context.Context) error {
		t.Error("the activity ran again after it had finished at shutdown")
		return nil
	}, activity.RegisterOptions{Name: "RuntimeTestSlow"})
	if err := next.Start(); err != nil {
		t.Fatal(err)
	}
	defer next.Stop()
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	if err := wf.Get(ctx, nil); err != nil {
		t.Errorf("workflow after the service stopped mid-activity = %v, want completed", err)
	}
}
