package testkit_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"go.temporal.io/api/operatorservice/v1"
	"go.temporal.io/sdk/client"
	tlog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/docflow/docflow/services/internal/objstore"
	"github.com/docflow/docflow/services/internal/servers"
	"github.com/docflow/docflow/services/internal/testkit"
	"github.com/docflow/docflow/workflows"
)

func TestMain(m *testing.M) { testkit.Main(m) }

func TestNATS(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name          string
		opts          []testkit.NATSOption
		wantAnonymous bool
	}{
		{"password by default", nil, false},
		{"without auth", []testkit.NATSOption{testkit.WithoutAuth()}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			env := testkit.NATS(t, tt.opts...)
			if (env.User == "") != tt.wantAnonymous {
				t.Fatalf("User = %q, anonymous wanted: %v", env.User, tt.wantAnonymous)
			}
			anon, err := nats.Connect(env.URL, nats.NoReconnect())
			if err == nil {
				anon.Close()
			}
			if tt.wantAnonymous != (err == nil) {
				t.Fatalf("anonymous connect = %v, want ok=%v", err, tt.wantAnonymous)
			}
			if env.Password != "" {
				nc, err := nats.Connect(env.URL, nats.UserInfo(env.User, env.Password), nats.NoReconnect())
				if err != nil {
					t.Fatalf("connecting with the env's credentials: %v", err)
				}
				nc.Close()
			}

			// The client the kit hands out can use JetStream.
			ctx := t.Context()
			if _, err := env.JS.CreateStream(ctx, jetstream.StreamConfig{Name: "T", Subjects: []string{"t.>"}}); err != nil {
				t.Fatalf("CreateStream: %v", err)
			}
			if _, err := env.JS.Publish(ctx, "t.one", []byte("1")); err != nil {
				t.Fatalf("Publish: %v", err)
			}
		})
	}
}

func TestNATSExtraUsers(t *testing.T) {
	t.Parallel()
	env := testkit.NATS(t, testkit.WithNATSUsers(servers.NATSUser{User: "svc", Password: "pw", Publish: []string{"docflow.svc.>"}}))
	if _, err := nats.Connect(env.URL, nats.UserInfo("svc", "wrong"), nats.NoReconnect()); err == nil {
		t.Fatal("extra user accepted with a wrong password")
	}
	nc, err := nats.Connect(env.URL, nats.UserInfo("svc", "pw"), nats.NoReconnect())
	if err != nil {
		t.Fatalf("extra user: %v", err)
	}
	nc.Close()
}

func TestS3(t *testing.T) {
	t.Parallel()
	a, b := testkit.S3(t), testkit.S3(t)
	if a.Config.Endpoint == b.Config.Endpoint {
		t.Fatalf("two S3 envs share endpoint %s", a.Config.Endpoint)
	}
	ctx := t.Context()
	if err := a.Store.EnsureBucket(ctx, "records", objstore.BucketOptions{ObjectLock: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Store.Put(ctx, "records", "r.pdf", bytes.NewReader([]byte("%PDF")), 4, objstore.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	// Each env is its own server: what one stores, the other does not see.
	if _, err := b.Store.Stat(ctx, "records", "r.pdf", ""); !errors.Is(err, objstore.ErrNotFound) {
		t.Fatalf("second env sees the first env's object: %v", err)
	}
	// Config is what a service would be given: it reaches the same server.
	store, err := objstore.NewS3(a.Config)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := store.Stat(ctx, "records", "r.pdf", ""); err != nil {
		t.Fatalf("a store built from the env's Config: %v", err)
	}
}

func TestTemporal(t *testing.T) {
	t.Parallel()
	env := testkit.Temporal(t)
	runWorkflow(t, env, "own-server")
}

func TestSharedTemporal(t *testing.T) {
	t.Parallel()
	var (
		mu    sync.Mutex
		hosts []string
	)
	for i := range 2 {
		t.Run(fmt.Sprint("user ", i), func(t *testing.T) {
			t.Parallel()
			env := testkit.SharedTemporal(t)
			mu.Lock()
			hosts = append(hosts, env.HostPort)
			mu.Unlock()
			runWorkflow(t, env, fmt.Sprint("shared-", i))
		})
	}
	t.Cleanup(func() {
		if len(hosts) == 2 && hosts[0] != hosts[1] {
			t.Errorf("SharedTemporal started two servers: %v", hosts)
		}
	})
}

func greet(ctx workflow.Context, name string) (string, error) {
	return "xin chào " + name, nil
}

// runWorkflow proves the server does real work: a worker polls, a workflow
// runs to completion, the result comes back.
func runWorkflow(t *testing.T, env *testkit.TemporalEnv, queue string) {
	t.Helper()
	ctx := t.Context()
	c, err := client.DialContext(ctx, client.Options{
		HostPort:  env.HostPort,
		Namespace: env.Namespace,
		Logger:    tlog.NewStructuredLogger(slog.New(slog.DiscardHandler)),
	})
	if err != nil {
		t.Fatalf("dial %s: %v", env.HostPort, err)
	}
	defer c.Close()
	// The workflows' search attributes are registered, or their upserts fail.
	attrs, err := c.OperatorService().ListSearchAttributes(ctx, &operatorservice.ListSearchAttributesRequest{Namespace: env.Namespace})
	if err != nil {
		t.Fatalf("list search attributes: %v", err)
	}
	for _, a := range workflows.SearchAttributes {
		if _, ok := attrs.GetCustomAttributes()[a.Name]; !ok {
			t.Errorf("search attribute %s is not registered (have %v)", a.Name, attrs.GetCustomAttributes())
		}
	}
	w := worker.New(c, queue, worker.Options{})
	w.RegisterWorkflow(greet)
	if err := w.Start(); err != nil {
		t.Fatalf("worker: %v", err)
	}
	defer w.Stop()

	runCtx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	run, err := c.ExecuteWorkflow(runCtx, client.StartWorkflowOptions{ID: queue + "-greet", TaskQueue: queue}, greet, "Hà Nội")
	if err != nil {
		t.Fatalf("ExecuteWorkflow: %v", err)
	}
	var got string
	if err := run.Get(runCtx, &got); err != nil {
		t.Fatalf("workflow result: %v", err)
	}
	if got != "xin chào Hà Nội" {
		t.Fatalf("workflow returned %q", got)
	}
}

func TestSQLite(t *testing.T) {
	t.Parallel()
	a, b := testkit.SQLite(t), testkit.SQLite(t)
	if a == b || !strings.HasPrefix(a, "sqlite:") {
		t.Fatalf("DSNs %q and %q: want two distinct sqlite: DSNs", a, b)
	}
	db := testkit.DB(t, a)
	if _, err := db.ExecContext(t.Context(), "CREATE TABLE t (x TEXT)"); err != nil {
		t.Fatalf("the database is not writable: %v", err)
	}
}

func TestPostgres(t *testing.T) {
	t.Parallel()
	var dsn string
	t.Run("create", func(t *testing.T) {
		dsn = testkit.Postgres(t)
		conn, err := pgx.Connect(t.Context(), dsn)
		if err != nil {
			t.Fatalf("connecting to the new database: %v", err)
		}
		defer func() { _ = conn.Close(context.WithoutCancel(t.Context())) }()
		var tables int
		if err := conn.QueryRow(t.Context(), "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'").Scan(&tables); err != nil {
			t.Fatal(err)
		}
		if tables != 0 {
			t.Fatalf("new database has %d tables, want an empty one", tables)
		}
		if _, err := conn.Exec(t.Context(), "CREATE TABLE register (n BIGINT)"); err != nil {
			t.Fatal(err)
		}
		// A connection left open must not stop the drop at cleanup.
	})

	name := dsn[strings.LastIndex(dsn, "/")+1:]
	if i := strings.IndexByte(name, '?'); i >= 0 {
		name = name[:i]
	}
	admin, err := pgx.Connect(t.Context(), os.Getenv(testkit.PostgresDSNEnv))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = admin.Close(context.WithoutCancel(t.Context())) }()
	var n int
	if err := admin.QueryRow(t.Context(), "SELECT count(*) FROM pg_database WHERE datname = $1", name).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Fatalf("database %s still exists after its test ended", name)
	}
}

func TestPostgresWithoutDSNFails(t *testing.T) {
	t.Setenv(testkit.PostgresDSNEnv, "")
	rec := newRecorder(t)
	rec.run(func() { testkit.Postgres(rec) })
	if !rec.fatal {
		t.Fatal("Postgres did not fail the test without " + testkit.PostgresDSNEnv)
	}
	if !strings.Contains(rec.output(), testkit.PostgresDSNEnv) {
		t.Fatalf("failure message %q does not name %s", rec.output(), testkit.PostgresDSNEnv)
	}
}

func TestServerOutputOnlyOnFailure(t *testing.T) {
	t.Parallel()
	for _, failed := range []bool{false, true} {
		t.Run(fmt.Sprint("failed=", failed), func(t *testing.T) {
			t.Parallel()
			rec := newRecorder(t)
			rec.run(func() {
				testkit.NATS(rec)
				if failed {
					rec.Errorf("something the user would notice")
				}
			})
			shown := strings.Contains(rec.output(), "--- nats output ---")
			if shown != failed {
				t.Fatalf("server output shown=%v for a test with failed=%v; log:\n%s", shown, failed, rec.output())
			}
		})
	}
}

// recorder is a testing.TB whose failures and cleanups stay its own, so a
// test can check what testkit does to a failing test.
type recorder struct {
	testing.TB
	mu       sync.Mutex
	failed   bool
	fatal    bool
	logs     []string
	cleanups []func()
}

func newRecorder(t *testing.T) *recorder { return &recorder{TB: t} }

// run calls fn like a test body, then runs the cleanups it registered.
func (r *recorder) run(fn func()) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		fn()
	}()
	<-done
	r.mu.Lock()
	cleanups := slices.Clone(r.cleanups)
	r.mu.Unlock()
	for _, c := range slices.Backward(cleanups) {
		c()
	}
}

func (r *recorder) Cleanup(f func()) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.cleanups = append(r.cleanups, f)
}

func (r *recorder) Failed() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.failed
}

func (r *recorder) record(failed bool, msg string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.logs = append(r.logs, msg)
	r.failed = r.failed || failed
}

func (r *recorder) Log(args ...any)                 { r.record(false, fmt.Sprint(args...)) }
func (r *recorder) Logf(format string, args ...any) { r.record(false, fmt.Sprintf(format, args...)) }
func (r *recorder) Error(args ...any)               { r.record(true, fmt.Sprint(args...)) }
func (r *recorder) Errorf(format string, args ...any) {
	r.record(true, fmt.Sprintf(format, args...))
}
func (r *recorder) Fatal(args ...any) { r.Fatalf("%s", fmt.Sprint(args...)) }
func (r *recorder) Fatalf(format string, args ...any) {
	r.record(true, fmt.Sprintf(format, args...))
	r.mu.Lock()
	r.fatal = true
	r.mu.Unlock()
	runtime.Goexit()
}

func (r *recorder) output() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return strings.Join(r.logs, "\n")
}
