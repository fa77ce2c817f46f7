#!/usr/bin/env bash
# Makes sure the PostgreSQL the tests use (DOCFLOW_TEST_POSTGRES_DSN) is reachable on a CI
# machine: installs and starts the Debian server when nothing listens on 127.0.0.1:5432,
# lets the loopback connect as postgres without a password (throw-away CI machine only),
# and creates the database named in the DSN.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

dsn=${DOCFLOW_TEST_POSTGRES_DSN:-postgres://postgres@127.0.0.1:5432/test?sslmode=disable}
db=$(sed -E 's|^[a-z]+://[^/]*/([^?]*).*|\1|' <<<"$dsn")
[[ -n $db ]] || die "no database name in DOCFLOW_TEST_POSTGRES_DSN=$dsn"

if command -v psql >/dev/null && psql "$dsn" -qtAc 'select 1' >/dev/null 2>&1; then
	printf 'postgresql reachable at %s\n' "$dsn"
	exit 0
fi

[[ $(id -u) -eq 0 ]] || die "PostgreSQL is not reachable at $dsn; start it (or set DOCFLOW_TEST_POSTGRES_DSN) and retry"

tools/scripts/debian-packages.sh postgresql postgresql-client

# Debian creates one cluster per installed major version; use the newest.
version=$(pg_lsclusters -h | awk '{ print $1 }' | sort -V | tail -n 1)
[[ -n $version ]] || die "postgresql is installed but has no cluster (pg_lsclusters is empty)"
hba=/etc/postgresql/$version/main/pg_hba.conf
if ! grep -qE '^host[[:space:]]+all[[:space:]]+all[[:space:]]+127\.0\.0\.1/32[[:space:]]+trust' "$hba"; then
	printf 'allowing passwordless loopback connections in %s (CI machine)\n' "$hba"
	sed -i -E '/^(local|host)[[:space:]]/d' "$hba"
	printf 'local all all trust\nhost all all 127.0.0.1/32 trust\nhost all all ::1/128 trust\n' >>"$hba"
fi
pg_ctlcluster "$version" main start 2>/dev/null || pg_ctlcluster "$version" main reload

# Wait for the server to accept connections (it starts asynchronously).
deadline=$((SECONDS + 60))
until pg_isready -q -h 127.0.0.1 -p 5432; do
	((SECONDS < deadline)) || die "PostgreSQL $version did not accept connections on 127.0.0.1:5432 within 60s"
	sleep 1
done

if [[ -z $(psql -h 127.0.0.1 -U postgres -qtAc "select 1 from pg_database where datname = '$db'") ]]; then
	psql -h 127.0.0.1 -U postgres -qc "create database \"$db\""
fi
psql "$dsn" -qtAc 'select 1' >/dev/null || die "PostgreSQL still refuses $dsn"
printf 'postgresql %s ready at %s\n' "$version" "$dsn"
