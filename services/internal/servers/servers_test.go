package servers_test

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	tlog "go.temporal.io/sdk/log"
	"go.uber.org/zap/zaptest"

	"github.com/docflow/docflow/services/internal/servers"
	"github.com/docflow/docflow/services/internal/testkit"
)

func TestStartNATSAuthentication(t *testing.T) {
	t.Parallel()
	srv, err := servers.StartNATS(servers.NATSOptions{
		StoreDir: t.TempDir(),
		Users: []servers.NATSUser{
			{User: "intake", Password: "s3cret"},
			{User: "reader", Password: "r3ad", Publish: []string{"docflow.svc.>"}, Subscribe: []string{"docflow.evt.>", "_INBOX.>"}},
		},
	}, zaptest.NewLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Shutdown)

	tests := []struct {
		name     string
		opts     []nats.Option
		wantAuth bool
	}{
		{"right password", []nats.Option{nats.UserInfo("intake", "s3cret")}, true},
		{"wrong password", []nats.Option{nats.UserInfo("intake", "guess")}, false},
		{"unknown user", []nats.Option{nats.UserInfo("mallory", "s3cret")}, false},
		{"no credentials", nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			nc, err := nats.Connect(srv.URL(), append(tt.opts, nats.NoReconnect())...)
			if tt.wantAuth {
				if err != nil {
					t.Fatalf("Connect: %v", err)
				}
				nc.Close()
				return
			}
			if err == nil {
				nc.Close()
				t.Fatal("server accepted a client without valid credentials")
			}
			if !errors.Is(err, nats.ErrAuthorization) {
				t.Fatalf("Connect: got %v, want an authorization error", err)
			}
		})
	}

	t.Run("permissions are enforced", func(t *testing.T) {
		t.Parallel()
		errs := make(chan error, 4)
		nc, err := nats.Connect(srv.URL(), nats.UserInfo("reader", "r3ad"), nats.NoReconnect(),
			nats.ErrorHandler(func(_ *nats.Conn, _ *nats.Subscription, err error) { errs <- err }))
		if err != nil {
			t.Fatal(err)
		}
		defer nc.Close()
		if err := nc.Publish("docflow.evt.forged", []byte("{}")); err != nil {
			t.Fatal(err)
		}
		if err := nc.Flush(); err != nil {
			t.Fatal(err)
		}
		select {
		case err := <-errs:
			if !errors.Is(err, nats.ErrPermissionViolation) {
				t.Fatalf("async error %v, want a permission violation", err)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("publishing outside the allow list raised no permission violation")
		}
	})
}

func TestStartNATSJetStream(t *testing.T) {
	t.Parallel()
	srv, err := servers.StartNATS(servers.NATSOptions{StoreDir: t.TempDir()}, zaptest.NewLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Shutdown)
	nc, err := nats.Connect(srv.URL())
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	if _, err := js.CreateStream(ctx, jetstream.StreamConfig{Name: "EVENTS", Subjects: []string{"docflow.evt.>"}}); err != nil {
		t.Fatalf("CreateStream: %v", err)
	}
	ack, err := js.Publish(ctx, "docflow.evt.g22.document.registered", []byte(`{"n":1}`), jetstream.WithMsgID("e-1"))
	if err != nil {
		t.Fatalf("Publish: %v", err)
	}
	dup, err := js.Publish(ctx, "docflow.evt.g22.document.registered", []byte(`{"n":1}`), jetstream.WithMsgID("e-1"))
	if err != nil {
		t.Fatalf("Publish again: %v", err)
	}
	if ack.Sequence != 1 || !dup.Duplicate {
		t.Fatalf("first ack seq %d, second duplicate=%v: want seq 1 and the repeat recognised by its message id", ack.Sequence, dup.Duplicate)
	}
}

func TestStartNATSRejectsBadOptions(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		opts servers.NATSOptions
		want string
	}{
		{"no store dir", servers.NATSOptions{}, "StoreDir"},
		{"user without password", servers.NATSOptions{StoreDir: t.TempDir(), Users: []servers.NATSUser{{User: "a"}}}, "password"},
		{"duplicate user", servers.NATSOptions{StoreDir: t.TempDir(), Users: []servers.NATSUser{{User: "a", Password: "1"}, {User: "a", Password: "2"}}}, "twice"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv, err := servers.StartNATS(tt.opts, zaptest.NewLogger(t))
			if err == nil {
				srv.Shutdown()
				t.Fatal("StartNATS accepted bad options")
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %q does not mention %q", err, tt.want)
			}
		})
	}
}

func TestStartTemporal(t *testing.T) {
	t.Parallel()
	bin := install(t, servers.Temporal)
	port := freePort(t)
	out := &testkit.Buffer{}
	ctx := t.Context()
	p, err := servers.StartTemporal(ctx, servers.TemporalOptions{
		Bin:       bin,
		DBFile:    filepath.Join(t.TempDir(), "temporal.db"),
		Port:      port,
		Namespace: "docflow-it",
		Output:    out,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { stop(t, p) })

	c, err := client.DialContext(ctx, client.Options{
		HostPort:  net.JoinHostPort("127.0.0.1", strconv.Itoa(port)),
		Namespace: "docflow-it",
		Logger:    tlog.NewStructuredLogger(slog.New(slog.DiscardHandler)),
	})
	if err != nil {
		t.Fatalf("dialing the started server: %v", err)
	}
	defer c.Close()
	if _, err := c.CheckHealth(ctx, &client.CheckHealthRequest{}); err != nil {
		t.Fatalf("CheckHealth: %v", err)
	}
	if _, err := c.WorkflowService().DescribeNamespace(ctx, &workflowservice.DescribeNamespaceRequest{Namespace: "docflow-it"}); err != nil {
		t.Fatalf("the namespace asked for was not created: %v", err)
	}

	stopCtx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	if err := p.Stop(stopCtx); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	d := net.Dialer{Timeout: time.Second}
	conn, err := d.DialContext(ctx, "tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
	if err == nil {
		_ = conn.Close()
		t.Fatal("the frontend port still answers after Stop")
	}
}

func TestStartTemporalFailureShowsOutput(t *testing.T) {
	t.Parallel()
	bin := install(t, servers.Temporal)
	// A port held by someone else: the server cannot bind it.
	var lc net.ListenConfig
	l, err := lc.Listen(t.Context(), "tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = l.Close() }()
	addr, ok := l.Addr().(*net.TCPAddr)
	if !ok {
		t.Fatalf("listener address %v is not TCP", l.Addr())
	}
	port := addr.Port
	p, err := servers.StartTemporal(t.Context(), servers.TemporalOptions{
		Bin:    bin,
		DBFile: filepath.Join(t.TempDir(), "temporal.db"),
		Port:   port,
	})
	if err == nil {
		stop(t, p)
		t.Fatal("StartTemporal succeeded on a port already in use")
	}
	if !strings.Contains(err.Error(), "last output") || !strings.Contains(err.Error(), strconv.Itoa(port)) {
		t.Fatalf("error does not carry the server's output and address: %v", err)
	}
	t.Logf("as a developer sees it: %v", err)
}

func TestStartVersityGW(t *testing.T) {
	t.Parallel()
	bin := install(t, servers.VersityGW)
	port := freePort(t)
	dir := t.TempDir()
	ctx := t.Context()
	p, err := servers.StartVersityGW(ctx, servers.VersityOptions{
		Bin:           bin,
		Root:          filepath.Join(dir, "data"),
		VersioningDir: filepath.Join(dir, "versions"),
		Port:          port,
		AccessKey:     "root-access",
		SecretKey:     "root-secret-key",
		Output:        &testkit.Buffer{},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { stop(t, p) })
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))

	tests := []struct {
		name           string
		access, secret string
		wantOK         bool
	}{
		{"root credentials", "root-access", "root-secret-key", true},
		{"wrong secret", "root-access", "guess", false},
		{"unknown access key", "someone", "root-secret-key", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, err := minio.New(addr, &minio.Options{Creds: credentials.NewStaticV4(tt.access, tt.secret, ""), Region: "us-east-1"})
			if err != nil {
				t.Fatal(err)
			}
			_, err = c.ListBuckets(t.Context())
			if tt.wantOK != (err == nil) {
				t.Fatalf("ListBuckets = %v, want ok=%v", err, tt.wantOK)
			}
		})
	}

	t.Run("object lock bucket", func(t *testing.T) {
		t.Parallel()
		c, err := minio.New(addr, &minio.Options{Creds: credentials.NewStaticV4("root-access", "root-secret-key", ""), Region: "us-east-1"})
		if err != nil {
			t.Fatal(err)
		}
		if err := c.MakeBucket(ctx, "locked", minio.MakeBucketOptions{ObjectLocking: true}); err != nil {
			t.Fatalf("MakeBucket with object lock: %v", err)
		}
		status, _, _, _, err := c.GetObjectLockConfig(ctx, "locked")
		if err != nil || status != "Enabled" {
			t.Fatalf("object lock status %q, %v: want Enabled", status, err)
		}
	})
}

func TestInstallReusesPinnedBinary(t *testing.T) {
	t.Parallel()
	built := install(t, servers.VersityGW)
	tests := []struct {
		name  string
		setup func(t *testing.T, dir string)
	}{
		{"stamp matches", func(t *testing.T, dir string) {
			writeFile(t, filepath.Join(dir, "versitygw"), "#!/bin/sh\n", 0o755)
			writeFile(t, filepath.Join(dir, ".versitygw.version"), servers.VersityGW.Version+"\n", 0o644)
		}},
		{"built by hand at the pinned version", func(t *testing.T, dir string) {
			if err := os.Symlink(built, filepath.Join(dir, "versitygw")); err != nil {
				t.Fatal(err)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			tt.setup(t, dir)
			var progress testkit.Buffer
			// Under a cancelled context a rebuild attempt shows up as an error.
			path, err := servers.Install(cancelled(t), dir, servers.VersityGW, &progress)
			if err != nil {
				t.Fatalf("Install rebuilt (or failed) instead of reusing: %v", err)
			}
			if path != filepath.Join(dir, "versitygw") || progress.String() != "" {
				t.Fatalf("Install = %q with progress %q", path, progress.String())
			}
			stamp, err := os.ReadFile(filepath.Join(dir, ".versitygw.version"))
			if err != nil || strings.TrimSpace(string(stamp)) != servers.VersityGW.Version {
				t.Fatalf("stamp %q, %v", stamp, err)
			}
		})
	}
}

func TestInstallRebuildsOtherVersion(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "versitygw"), "#!/bin/sh\n", 0o755)
	writeFile(t, filepath.Join(dir, ".versitygw.version"), "v1.7.0\n", 0o644)
	var progress testkit.Buffer
	_, err := servers.Install(cancelled(t), dir, servers.VersityGW, &progress)
	if err == nil {
		t.Fatal("Install kept a binary stamped with another version")
	}
	if !errors.Is(err, context.Canceled) && !strings.Contains(err.Error(), "go install") {
		t.Fatalf("error %q is not from an attempt to rebuild", err)
	}
}

func TestFreePort(t *testing.T) {
	t.Parallel()
	port, err := servers.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	var lc net.ListenConfig
	l, err := lc.Listen(t.Context(), "tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
	if err != nil {
		t.Fatalf("port %d from FreePort cannot be bound: %v", port, err)
	}
	_ = l.Close()
}

func TestRepoRootAndBinDir(t *testing.T) {
	// t.Setenv: not parallel.
	root, err := servers.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "go.work")); err != nil {
		t.Fatalf("RepoRoot %s holds no go.work: %v", root, err)
	}
	if os.Getenv("DOCFLOW_BIN_DIR") == "" {
		bin, err := servers.BinDir()
		if err != nil || bin != filepath.Join(root, "bin") {
			t.Fatalf("BinDir = %q, %v; want %s", bin, err, filepath.Join(root, "bin"))
		}
	}
	elsewhere := t.TempDir()
	t.Setenv("DOCFLOW_REPO_ROOT", elsewhere)
	t.Setenv("DOCFLOW_BIN_DIR", "")
	if got, err := servers.RepoRoot(); err != nil || got != elsewhere {
		t.Fatalf("RepoRoot with DOCFLOW_REPO_ROOT = %q, %v", got, err)
	}
	if got, err := servers.BinDir(); err != nil || got != filepath.Join(elsewhere, "bin") {
		t.Fatalf("BinDir = %q, %v", got, err)
	}
	t.Setenv("DOCFLOW_BIN_DIR", filepath.Join(elsewhere, "tools"))
	if got, err := servers.BinDir(); err != nil || got != filepath.Join(elsewhere, "tools") {
		t.Fatalf("BinDir with DOCFLOW_BIN_DIR = %q, %v", got, err)
	}
}

// install builds (once) or finds a pinned server.
func install(t *testing.T, tool servers.Tool) string {
	t.Helper()
	dir, err := servers.BinDir()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Minute)
	defer cancel()
	bin, err := servers.Install(ctx, dir, tool, testWriter{t})
	if err != nil {
		t.Fatal(err)
	}
	return bin
}

func freePort(t *testing.T) int {
	t.Helper()
	port, err := servers.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	return port
}

func stop(t *testing.T, p *servers.Process) {
	t.Helper()
	// Runs from t.Cleanup, when t.Context() is already cancelled.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(t.Context()), 15*time.Second)
	defer cancel()
	if err := p.Stop(ctx); err != nil {
		t.Error(err)
	}
}

// cancelled is a context under which Install can only succeed without
// building: the build command would fail at once.
func cancelled(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	return ctx
}

func writeFile(t *testing.T, path, content string, mode os.FileMode) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), mode); err != nil {
		t.Fatal(err)
	}
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(b []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(b), "\n"))
	return len(b), nil
}

// Ports come from below the kernel's ephemeral range, where outgoing
// connections cannot take them between the pick and the server's bind.
func TestFreePortAvoidsEphemeralRange(t *testing.T) {
	t.Parallel()
	raw, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range")
	if err != nil {
		t.Fatalf("this test needs Linux's ip_local_port_range: %v", err)
	}
	start, err := strconv.Atoi(strings.Fields(string(raw))[0])
	if err != nil {
		t.Fatal(err)
	}
	for range 50 {
		port, err := servers.FreePort()
		if err != nil {
			t.Fatal(err)
		}
		if port >= start || port < 20000 {
			t.Fatalf("port %d is not in [20000, %d)", port, start)
		}
	}
}

// A stack asks for its ten ports one after another, closing each probe
// before the next pick: the same port must never come back twice, or two of
// its servers race to bind it.
func TestFreePortNeverRepeatsInOneProcess(t *testing.T) {
	t.Parallel()
	seen := map[int]bool{}
	for range 2000 {
		port, err := servers.FreePort()
		if err != nil {
			t.Fatal(err)
		}
		if seen[port] {
			t.Fatalf("FreePort returned %d twice", port)
		}
		seen[port] = true
	}
}
