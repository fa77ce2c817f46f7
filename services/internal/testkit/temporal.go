package testkit

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/docflow/docflow/services/internal/servers"
	"github.com/docflow/docflow/workflows"
)

// TemporalNamespace is the namespace the test servers create.
const TemporalNamespace = "docflow-test"

// TemporalEnv is a running Temporal dev server.
type TemporalEnv struct {
	HostPort  string
	Namespace string
}

// Temporal starts a headless dev server of the test's own on free ports
// with a temp SQLite file. It takes seconds; tests that only need some
// Temporal server should use SharedTemporal.
func Temporal(t testing.TB) *TemporalEnv {
	t.Helper()
	bin := tool(t, servers.Temporal)
	dir := t.TempDir()
	out := serverLog(t, "temporal")
	env, proc, err := startTemporal(bin, dir, out)
	if err != nil {
		fatalf(t, "%v", err)
	}
	stopOnCleanup(t, "temporal", proc)
	return env
}

func startTemporal(bin, dir string, out io.Writer) (*TemporalEnv, *servers.Process, error) {
	var proc *servers.Process
	port, err := onFreePort(func(attempt, port int) error {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		var err error
		proc, err = servers.StartTemporal(ctx, servers.TemporalOptions{
			Bin:       bin,
			DBFile:    filepath.Join(dir, fmt.Sprintf("temporal-%d.db", attempt)),
			Port:      port,
			Namespace: TemporalNamespace,
			Output:    out,
			// Workflows set these; unregistered, their upserts would fail.
			SearchAttributes: workflows.SearchAttributeTypes(),
		})
		return err
	})
	if err != nil {
		return nil, nil, err
	}
	hostPort := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	return &TemporalEnv{HostPort: hostPort, Namespace: TemporalNamespace}, proc, nil
}

// shared is the one Temporal server of a test binary, started on first use
// and stopped by Main. Package state is unavoidable here: the server must
// outlive individual tests.
var shared struct {
	mu      sync.Mutex
	inMain  bool
	once    sync.Once
	env     *TemporalEnv
	proc    *servers.Process
	dir     string
	logFile *os.File
	err     error
}

// SharedTemporal returns the test binary's shared dev server, starting it
// on first use. Tests sharing it keep apart by using their own task queues
// and workflow ids. The package must call Main from TestMain.
func SharedTemporal(t testing.TB) *TemporalEnv {
	t.Helper()
	shared.mu.Lock()
	inMain := shared.inMain
	shared.mu.Unlock()
	if !inMain {
		fatalf(t, "SharedTemporal needs the package's TestMain to call testkit.Main(m), which stops the shared server")
	}
	bin := tool(t, servers.Temporal)
	shared.once.Do(func() {
		dir, err := os.MkdirTemp("", "docflow-temporal-*") //nolint:usetesting // outlives the test that starts it; Main removes it
		if err != nil {
			shared.err = err
			return
		}
		shared.dir = dir
		f, err := os.Create(filepath.Join(dir, "temporal.log"))
		if err != nil {
			shared.err = err
			return
		}
		shared.logFile = f
		shared.env, shared.proc, shared.err = startTemporal(bin, dir, f)
	})
	if shared.err != nil {
		fatalf(t, "shared Temporal server: %v", shared.err)
	}
	select {
	case <-shared.proc.Done():
		fatalf(t, "shared Temporal server died: %v; its output is in %s", shared.proc.Err(), shared.logFile.Name())
	default:
	}
	return shared.env
}

// Main runs the tests and then stops what the package's tests shared. Call
// it from TestMain:
//
//	func TestMain(m *testing.M) { testkit.Main(m) }
func Main(m *testing.M) {
	shared.mu.Lock()
	shared.inMain = true
	shared.mu.Unlock()

	code := m.Run()

	// Returning hands m.Run's result to the test binary's exit; a server
	// that died is reported by the tests that used it.
	if err := stopShared(code != 0); err != nil {
		fmt.Fprintln(os.Stderr, "testkit:", err)
	}
}

func stopShared(failed bool) error {
	if shared.proc == nil {
		if shared.dir != "" {
			return os.RemoveAll(shared.dir)
		}
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	var problems []error
	select {
	case <-shared.proc.Done():
		problems = append(problems, fmt.Errorf("shared Temporal server died during the tests: %w", shared.proc.Err()))
	default:
		if err := shared.proc.Stop(ctx); err != nil {
			problems = append(problems, err)
		}
	}
	_ = shared.logFile.Close()
	if failed || len(problems) > 0 {
		if out, err := os.ReadFile(shared.logFile.Name()); err == nil && len(out) > 0 {
			fmt.Fprintf(os.Stderr, "--- shared temporal output ---\n%s--- end of shared temporal output ---\n", out)
		}
	}
	if err := os.RemoveAll(shared.dir); err != nil {
		problems = append(problems, err)
	}
	return errors.Join(problems...)
}
