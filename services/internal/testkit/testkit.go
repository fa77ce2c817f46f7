// Package testkit starts real servers for tests: embedded NATS, versitygw,
// the Temporal dev server, SQLite files and fresh PostgreSQL databases. Each
// helper stops what it started when the test ends, and shows the server's
// output only when the test failed.
package testkit

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/docflow/docflow/services/internal/servers"
	"github.com/docflow/docflow/services/internal/sqlstore"
)

// tool installs (once, under a file lock) and locates an external server.
func tool(t testing.TB, tl servers.Tool) string {
	t.Helper()
	binDir, err := servers.BinDir()
	if err != nil {
		t.Fatalf("testkit: locating the bin dir for %s: %v", tl.Name, err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Minute)
	defer cancel()
	bin, err := servers.Install(ctx, binDir, tl, logWriter{t})
	if err != nil {
		t.Fatalf("testkit: %v", err)
	}
	return bin
}

// serverLog opens a file in the test's temp dir for a server's output and
// arranges for it to be shown when the test failed. The returned cleanup
// registration order matters: call it before registering the server's stop,
// so the stop runs first and the log is complete when it is shown.
func serverLog(t testing.TB, name string) *os.File {
	t.Helper()
	path := filepath.Join(t.TempDir(), name+".log")
	f, err := os.Create(path)
	if err != nil {
		t.Fatalf("testkit: creating %s: %v", path, err)
	}
	t.Cleanup(func() {
		_ = f.Close()
		if !t.Failed() {
			return
		}
		out, err := os.ReadFile(path)
		if err != nil {
			t.Logf("testkit: reading %s output: %v", name, err)
			return
		}
		if len(out) == 0 {
			return
		}
		t.Logf("--- %s output ---\n%s--- end of %s output ---", name, out, name)
	})
	return f
}

// stopOnCleanup stops p when the test ends, failing the test when the server
// had died on its own before that.
func stopOnCleanup(t testing.TB, name string, p *servers.Process) {
	t.Helper()
	t.Cleanup(func() {
		select {
		case <-p.Done():
			t.Errorf("testkit: %s died during the test: %v", name, p.Err())
			return
		default:
		}
		// t.Context() is already cancelled when cleanups run.
		ctx, cancel := context.WithTimeout(context.WithoutCancel(t.Context()), 15*time.Second)
		defer cancel()
		if err := p.Stop(ctx); err != nil {
			t.Errorf("testkit: %v", err)
		}
	})
}

// onFreePort runs start with a free port, and again with another one when
// the start fails, since another process may take the port between FreePort
// and the server binding it. It returns the port the server started on, or
// the last start's error.
func onFreePort(start func(attempt, port int) error) (int, error) {
	const attempts = 3
	var err error
	for attempt := range attempts {
		port, perr := servers.FreePort()
		if perr != nil {
			return 0, perr
		}
		if err = start(attempt, port); err == nil {
			return port, nil
		}
	}
	return 0, err
}

func randomHex(t testing.TB, n int) string {
	t.Helper()
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatalf("testkit: random: %v", err)
	}
	return hex.EncodeToString(b)
}

// logWriter turns a writer into t.Log lines.
type logWriter struct{ t testing.TB }

func (w logWriter) Write(b []byte) (int, error) {
	w.t.Helper()
	w.t.Log(strings.TrimRight(string(b), "\n"))
	return len(b), nil
}

var _ io.Writer = logWriter{}

// SQLite returns the DSN of a new SQLite database file in a temp dir.
func SQLite(t testing.TB) string {
	t.Helper()
	return "sqlite:" + filepath.Join(t.TempDir(), "test.db")
}

// DB opens the database at dsn (a DSN from SQLite or Postgres) and closes it
// when the test ends.
func DB(t testing.TB, dsn string) *sqlstore.DB {
	t.Helper()
	db, err := sqlstore.Open(t.Context(), dsn)
	if err != nil {
		fatalf(t, "opening %s: %v", redact(dsn), err)
	}
	t.Cleanup(func() { _ = db.Close() })
	return db
}

func fatalf(t testing.TB, format string, args ...any) {
	t.Helper()
	t.Fatalf("testkit: "+format, args...)
}

// fileLogger logs to a server's log file rather than to t: an embedded
// server may still log from its goroutines after the test has finished,
// when t.Log would panic.
func fileLogger(f *os.File) *zap.Logger {
	enc := zapcore.NewConsoleEncoder(zap.NewDevelopmentEncoderConfig())
	return zap.New(zapcore.NewCore(enc, zapcore.AddSync(f), zap.DebugLevel))
}
