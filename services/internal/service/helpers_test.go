package service_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/docflow/docflow/services/internal/servers"
	"github.com/docflow/docflow/services/internal/service"
	"github.com/docflow/docflow/services/internal/testkit"
)

func TestMain(m *testing.M) { testkit.Main(m) }

// logSink is the service's stdout: it keeps the log lines and records, in
// one sequence, the shutdown steps the runtime logs and the moment the log
// is synced.
type logSink struct {
	mu     sync.Mutex
	lines  []string
	steps  []string
	opened map[string]chan struct{}
}

func newLogSink() *logSink {
	return &logSink{opened: map[string]chan struct{}{}}
}

func (s *logSink) Write(p []byte) (int, error) {
	var line struct {
		Msg, Step, Dependency string
	}
	_ = json.Unmarshal(p, &line) // the SDK's lines are JSON too; anything else is only kept
	s.mu.Lock()
	defer s.mu.Unlock()
	s.lines = append(s.lines, strings.TrimSpace(string(p)))
	switch line.Msg {
	case "stopped", "stopped with an error":
		s.steps = append(s.steps, line.Step)
	case "opened":
		if ch, ok := s.opened[line.Dependency]; ok {
			close(ch)
			delete(s.opened, line.Dependency)
		}
	}
	return len(p), nil
}

// Sync is called by the logger's Sync: the last step of every run.
func (s *logSink) Sync() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.steps = append(s.steps, "sync logs")
	return nil
}

// whenOpened is closed once the runtime logs that it opened dependency.
func (s *logSink) whenOpened(dependency string) <-chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	ch := make(chan struct{})
	s.opened[dependency] = ch
	return ch
}

// record adds a step the test itself observed to the same sequence.
func (s *logSink) record(step string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.steps = append(s.steps, step)
}

func (s *logSink) Steps() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.steps...)
}

func (s *logSink) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return strings.Join(s.lines, "\n")
}

// running is one Run of the runtime in the background.
type running struct {
	log    *logSink
	cancel context.CancelFunc
	done   chan struct{}
	err    error
}

// run starts service.Run logging to log (a new sink when nil); the test's
// end cancels it and waits for it.
func run(t *testing.T, spec service.Spec, wire func(context.Context, *service.Env) error, log *logSink) *running {
	t.Helper()
	if log == nil {
		log = newLogSink()
	}
	ctx, cancel := context.WithCancel(t.Context())
	r := &running{log: log, cancel: cancel, done: make(chan struct{})}
	spec.Log.Format, spec.Log.Level = "json", "debug"
	go func() {
		defer close(r.done)
		r.err = service.Run(ctx, r.log, spec, wire)
	}()
	t.Cleanup(func() {
		cancel()
		<-r.done
		if t.Failed() {
			t.Logf("service log:\n%s", r.log.String())
		}
	})
	return r
}

// wait waits for Run to return, at most limit.
func (r *running) wait(t *testing.T, limit time.Duration) error {
	t.Helper()
	select {
	case <-r.done:
		return r.err
	case <-time.After(limit):
		t.Fatalf("Run did not return within %s", limit)
		return nil
	}
}

// waitReadiness polls the readiness endpoint on addr until it answers
// status.
func (r *running) waitReadiness(t *testing.T, addr string, status int) {
	t.Helper()
	eventually(t, time.Minute, "readiness of "+addr, func() (bool, string) {
		select {
		case <-r.done:
			t.Fatalf("Run ended while waiting for its readiness: %v", r.err)
		default:
		}
		req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, "http://"+addr+"/readyz", nil)
		if err != nil {
			t.Fatal(err)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return false, err.Error()
		}
		_ = resp.Body.Close()
		return resp.StatusCode == status, resp.Status
	})
}

// eventually polls cond until it holds, at most limit: servers notice a
// closed connection, and services their dependencies, on their own
// schedule.
func eventually(t *testing.T, limit time.Duration, what string, cond func() (bool, string)) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for {
		ok, state := cond()
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: still %s after %s", what, state, limit)
		}
		select {
		case <-t.Context().Done():
			t.Fatal(t.Context().Err())
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// freeAddr is a loopback address nothing listens on.
func freeAddr(t *testing.T) string {
	t.Helper()
	port, err := servers.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("127.0.0.1:%d", port)
}

// noNATSClients waits until the server has no connection named after the
// service left.
func noNATSClients(t *testing.T, nts *testkit.NATSEnv, service string) {
	t.Helper()
	eventually(t, 10*time.Second, "NATS connection of "+service, func() (bool, string) {
		n, err := nts.Server.Clients("docflow-" + service)
		if err != nil {
			t.Fatal(err)
		}
		return n == 0, fmt.Sprintf("%d open", n)
	})
}

// noPostgresSessions waits until the database of dsn has no session left.
func noPostgresSessions(t *testing.T, dsn string) {
	t.Helper()
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	name := strings.TrimPrefix(u.Path, "/")
	conn, err := pgx.Connect(t.Context(), os.Getenv(testkit.PostgresDSNEnv))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = conn.Close(context.WithoutCancel(t.Context())) }()
	eventually(t, 10*time.Second, "sessions on database "+name, func() (bool, string) {
		var n int
		if err := conn.QueryRow(t.Context(), "SELECT count(*) FROM pg_stat_activity WHERE datname = $1", name).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n == 0, fmt.Sprintf("%d open", n)
	})
}
