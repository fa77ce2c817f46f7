package testkit

import (
	"context"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// PostgresDSNEnv names the server tests create their databases on.
const PostgresDSNEnv = "DOCFLOW_TEST_POSTGRES_DSN"

// Postgres creates an empty database with a random name on the server named
// by DOCFLOW_TEST_POSTGRES_DSN, returns its DSN and drops it when the test
// ends. Without the variable the test fails: PostgreSQL support is not
// optional, so it is never skipped.
func Postgres(t testing.TB) string {
	t.Helper()
	base := os.Getenv(PostgresDSNEnv)
	if base == "" {
		fatalf(t, "%s is not set: point it at a PostgreSQL server the tests may create databases on, e.g. %s=postgres://postgres@127.0.0.1:5432/test?sslmode=disable",
			PostgresDSNEnv, PostgresDSNEnv)
	}
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		fatalf(t, "%s=%q is not a postgres:// URL", PostgresDSNEnv, redact(base))
	}

	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	admin, err := pgx.Connect(ctx, base)
	if err != nil {
		fatalf(t, "connecting to %s (%s): %v", PostgresDSNEnv, redact(base), err)
	}
	defer func() { _ = admin.Close(ctx) }()

	name := "docflow_test_" + randomHex(t, 8)
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
		fatalf(t, "creating database %s: %v", name, err)
	}
	t.Cleanup(func() {
		// t.Context() is already cancelled when cleanups run.
		ctx, cancel := context.WithTimeout(context.WithoutCancel(t.Context()), 30*time.Second)
		defer cancel()
		conn, err := pgx.Connect(ctx, base)
		if err != nil {
			t.Errorf("testkit: dropping database %s: %v", name, err)
			return
		}
		defer func() { _ = conn.Close(ctx) }()
		// FORCE ends connections a test leaked, which would block the drop.
		if _, err := conn.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)"); err != nil {
			t.Errorf("testkit: dropping database %s: %v", name, err)
		}
	})

	u.Path = "/" + name
	return u.String()
}

func redact(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil {
		return "<unparseable>"
	}
	if _, has := u.User.Password(); has {
		u.User = url.UserPassword(u.User.Username(), "xxxxx")
	}
	return strings.TrimSpace(u.String())
}
