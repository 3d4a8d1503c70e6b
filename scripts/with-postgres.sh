#!/usr/bin/env bash
# Runs a command against a throw-away PostgreSQL 15 cluster on a free loopback port, with
# TEST_DATABASE_URL pointing at it; the cluster is stopped and removed afterwards, even on failure.
set -euo pipefail
PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
[ -x "$PGBIN/initdb" ] || { echo "PostgreSQL 15 binaries not found in $PGBIN" >&2; exit 1; }

dir=$(mktemp -d /tmp/arena-pg-XXXXXX)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
# postgres refuses to run as root: run the server as the postgres system user then.
as_pg=()
if [ "$(id -u)" = 0 ]; then
  chown postgres: "$dir"
  as_pg=(runuser -u postgres --)
fi
cleanup() {
  "${as_pg[@]}" "$PGBIN/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$dir"
}
trap cleanup EXIT

"${as_pg[@]}" "$PGBIN/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
# Tests trade durability for speed; benchmarks (PG_DURABLE=1) commit as production does.
durability="-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
[ "${PG_DURABLE:-}" = 1 ] && durability=""
"${as_pg[@]}" "$PGBIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w \
  -o "-p $port -k $dir -c listen_addresses=127.0.0.1 $durability" \
  start >/dev/null
"$PGBIN/createdb" -h 127.0.0.1 -p "$port" -U postgres arena_test

export TEST_DATABASE_URL="postgresql+psycopg://postgres@127.0.0.1:$port/arena_test"
echo "PostgreSQL 15 test cluster on 127.0.0.1:$port"
"$@"
