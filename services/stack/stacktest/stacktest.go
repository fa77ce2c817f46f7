// Package stacktest runs the whole stack for a test: on free ports, in the
// test's temporary directory, stopped when the test ends. The services'
// logs and those of Temporal and versitygw are kept in files and printed
// (their tails) only when the test fails.
//
// It also lends the test fixtures of the services' own tests to those
// outside the services (the end-to-end tests, the docflow command), which
// Go's internal rule keeps from importing them directly.
package stacktest

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/docflow/docflow/services/internal/testkit"
	"github.com/docflow/docflow/services/stack"
)

// TextPDF is a small, well-formed PDF with one page showing each of pages.
func TextPDF(pages ...string) []byte { return testkit.TextPDF(pages...) }

// Run is text at a place on a line of a VietnamesePDF (testkit.TextRun).
type Run = testkit.TextRun

// Line is one baseline of a page of a VietnamesePDF (testkit.Line).
type Line = testkit.Line

// VietnamesePDF writes a PDF with one page of lines per entry of pages.
func VietnamesePDF(t testing.TB, pages ...[]Line) []byte {
	t.Helper()
	return testkit.VietnamesePDF(t, pages...)
}

// Buffer collects output written from many goroutines for a test to read.
type Buffer = testkit.Buffer

// Start starts the stack with the extra environment env (nil for none) and
// returns it with what it printed while starting.
func Start(t testing.TB, env map[string]string) (st *stack.Stack, progress string) {
	t.Helper()
	dir := t.TempDir()
	logPath := filepath.Join(dir, "services.log")
	logs, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Minute)
	defer cancel()
	var out bytes.Buffer
	st, err = stack.Start(ctx, stack.Options{
		Dir: filepath.Join(dir, "var"), Headless: true, LogFormat: "json",
		Logs: logs, Progress: &out, Env: env,
	})
	t.Cleanup(func() {
		stopCtx, cancel := context.WithTimeout(context.WithoutCancel(t.Context()), time.Minute)
		defer cancel()
		if st != nil {
			if err := st.Stop(stopCtx); err != nil {
				t.Errorf("stack stop: %v", err)
			}
		}
		_ = logs.Close()
		if t.Failed() {
			dump(t, "services", logPath)
			for _, f := range []string{"temporal.log", "versitygw.log"} {
				dump(t, f, filepath.Join(dir, "var", "logs", f))
			}
		}
	})
	if err != nil {
		t.Fatalf("start stack: %v\n%s", err, out.String())
	}
	return st, out.String()
}

// dump logs the tail of a log file.
func dump(t testing.TB, name, path string) {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		return
	}
	const tail = 64 << 10
	if len(raw) > tail {
		raw = raw[len(raw)-tail:]
	}
	t.Logf("--- %s (tail) ---\n%s", name, raw)
}
