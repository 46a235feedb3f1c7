#!/usr/bin/env bash
# Initial-load benchmark: a 1,000,000-row table (bigint, int, text, numeric, timestamptz) copied
# to ClickHouse two ways in one run on the same servers:
#   baseline  psql "\copy ... to stdout" | clickhouse-client "INSERT ... FORMAT TabSeparated"
#   pg2ch     a snapshot-only pipe
# Prints rows/s and MB/s of each and, on its last line, the ratio pg2ch / baseline.
# Usage: bench/initial_load.sh [ROWS]   (needs a build: cmake --build build --target pg2ch)
set -euo pipefail
cd "$(dirname "$0")/.."
rows=${1:-1000000}
bin=${PG2CH_BIN:-build/pg2ch}
[ -x "$bin" ] || { echo "build pg2ch first: cmake --build build --target pg2ch" >&2; exit 2; }
work=$(mktemp -d /tmp/pg2ch-bench-XXXXXX)
bash scripts/local-servers.sh start "$work" >/dev/null
trap 'bash scripts/local-servers.sh stop "$work"; rm -rf "$work"' EXIT
# shellcheck disable=SC1091
source "$work/env"
psql() { command psql -h 127.0.0.1 -p "$PGPORT" -U postgres -d postgres -v ON_ERROR_STOP=1 -qAt "$@"; }
ch() { clickhouse-client --port "$CH_TCP_PORT" --query "$1"; }
now() { date +%s.%N; }

psql -c "CREATE TABLE bench (id bigint PRIMARY KEY, n integer NOT NULL, label text NOT NULL,
           amount numeric(12,2) NOT NULL, at timestamptz NOT NULL);
         INSERT INTO bench SELECT g, g % 1000, md5(g::text) || '-label', g * 0.01,
           timestamptz '2020-01-01 00:00:00+00' + g * interval '1 second'
         FROM generate_series(1, $rows) g;"
psql -c "VACUUM ANALYZE bench"
bytes=$(psql -c "SELECT pg_table_size('bench')")

ch "CREATE DATABASE IF NOT EXISTS baseline"
ch "CREATE TABLE baseline.bench (id Int64, n Int32, label String, amount Decimal(12,2), at String)
    ENGINE = MergeTree ORDER BY id"
t0=$(now)
psql -c "\\copy bench to stdout" | clickhouse-client --port "$CH_TCP_PORT" \
  --query "INSERT INTO baseline.bench FORMAT TabSeparated"
t1=$(now)
[ "$(ch 'SELECT count() FROM baseline.bench')" = "$rows" ] || { echo "baseline lost rows" >&2; exit 1; }

cat >"$work/pipe.json" <<JSON
{"name": "bench", "mode": "snapshot_only",
 "source": {"host": "127.0.0.1", "port": $PGPORT, "user": "postgres", "database": "postgres", "sslmode": "disable"},
 "destination": {"url": "http://127.0.0.1:$CH_HTTP_PORT", "database": "pg2ch"},
 "tables": [{"source": "public.bench"}]}
JSON
t2=$(now)
"$bin" run --catalog "$work/catalog.db" --pipe "$work/pipe.json" 2>"$work/pg2ch.log" ||
  { tail "$work/pg2ch.log" >&2; exit 1; }
t3=$(now)
[ "$(ch 'SELECT count() FROM pg2ch.bench')" = "$rows" ] || { echo "pg2ch lost rows" >&2; exit 1; }

python3 - "$rows" "$bytes" "$t0" "$t1" "$t2" "$t3" <<'PY'
import sys
rows, size = int(sys.argv[1]), int(sys.argv[2])
t0, t1, t2, t3 = map(float, sys.argv[3:7])
base, ours = t1 - t0, t3 - t2
mb = size / 1e6
print(f"table: {rows} rows, {mb:.1f} MB in PostgreSQL")
print(f"baseline psql | clickhouse-client: {base:.2f} s  {rows/base:,.0f} rows/s  {mb/base:.1f} MB/s")
print(f"pg2ch snapshot-only pipe:          {ours:.2f} s  {rows/ours:,.0f} rows/s  {mb/ours:.1f} MB/s")
print(f"ratio pg2ch/baseline (rows/s): {base/ours:.2f}x")
PY
