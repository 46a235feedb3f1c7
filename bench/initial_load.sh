#!/usr/bin/env bash
# Initial-load benchmark (issue #5). For each table shape (narrow: 4 columns; narrowf: the same
# with double precision instead of numeric, so pg2ch loads it with binary COPY; wide: 20 columns
# with text and numeric) and size (default 1M and 10M rows), in one run on the same servers:
#   copy     COPY t TO STDOUT into /dev/null       (the source's limit)
#   shell    psql "\copy t to stdout" | clickhouse-client "INSERT ... FORMAT TabSeparated"
#   pg2ch-N  a snapshot_only pipe, snapshot_max_parallel_workers = N, for each N in WORKERS
# Prints rows/s and MB/s (MB = the table's size in PostgreSQL, pg_table_size), pg2ch's peak RSS,
# and the ratios pg2ch-N / copy and copy / shell. Each timing is the best of REPEAT runs.
# Usage: bench/initial_load.sh [SIZES] [SHAPES]   e.g. bench/initial_load.sh "1000000" "narrow"
#   env: PG2CH_BIN (default build/pg2ch), REPEAT (default 2; 1 for tables over 5M rows),
#        WORKERS (default "1 2": the worker counts to run pg2ch with; pg2ch's own default is 4),
#        ROWS_PER_PARTITION (default: pg2ch's).
set -euo pipefail
cd "$(dirname "$0")/.."
sizes=${1:-"1000000 10000000"}
shapes=${2:-"narrow wide"}
bin=$(realpath "${PG2CH_BIN:-build/pg2ch}")
[ -x "$bin" ] || { echo "build pg2ch first: cmake --build build --target pg2ch" >&2; exit 2; }
work=$(mktemp -d /tmp/pg2ch-bench-XXXXXX)
bash scripts/local-servers.sh start "$work" >/dev/null
trap 'bash scripts/local-servers.sh stop "$work"; rm -rf "$work"' EXIT
# shellcheck disable=SC1091
source "$work/env"
psql() { command psql -h 127.0.0.1 -p "$PGPORT" -U postgres -d postgres -v ON_ERROR_STOP=1 -qAt "$@"; }
ch() { clickhouse-client --port "$CH_TCP_PORT" --query "$1"; }
now() { date +%s.%N; }

create_table() {  # shape rows
  local t="$1_$2"
  case $1 in
    narrow)
      psql -c "CREATE TABLE $t (id bigint PRIMARY KEY, n integer NOT NULL, label text NOT NULL,
                 amount numeric(12,2) NOT NULL);
               INSERT INTO $t SELECT g, g % 1000, md5(g::text) || '-label', g * 0.01
               FROM generate_series(1, $2) g"
      ch "CREATE TABLE shell.$t (id Int64, n Int32, label String, amount Decimal(12,2))
          ENGINE = MergeTree ORDER BY id" ;;
    narrowf)
      psql -c "CREATE TABLE $t (id bigint PRIMARY KEY, n integer NOT NULL, label text NOT NULL,
                 amount double precision NOT NULL);
               INSERT INTO $t SELECT g, g % 1000, md5(g::text) || '-label', g * 0.01
               FROM generate_series(1, $2) g"
      ch "CREATE TABLE shell.$t (id Int64, n Int32, label String, amount Float64)
          ENGINE = MergeTree ORDER BY id" ;;
    wide)
      psql -c "CREATE TABLE $t (id bigint PRIMARY KEY, a1 integer, a2 integer, a3 bigint,
                 a4 bigint, s1 smallint, t1 text, t2 text, t3 text, v1 varchar(64),
                 n1 numeric(12,2), n2 numeric(18,4), n3 numeric(10,0), f1 double precision,
                 f2 real, b1 boolean, d1 date, ts1 timestamptz, ts2 timestamp, u1 uuid);
               INSERT INTO $t SELECT g, g % 1000, g % 7, g * 3, g * 7, (g % 30000)::smallint,
                 md5(g::text), 'text value number ' || g, repeat('x', 20), 'v' || (g % 100),
                 g * 0.01, g * 0.0001, g % 100000, g * 1.5, (g % 1000) * 0.5, g % 2 = 0,
                 date '2020-01-01' + (g % 3650),
                 timestamptz '2020-01-01 00:00:00+00' + g * interval '1 second',
                 timestamp '2020-01-01' + g * interval '1 second', md5(g::text)::uuid
               FROM generate_series(1, $2) g"
      # The shell pipe gets the types TabSeparated can parse from PostgreSQL's text form.
      ch "CREATE TABLE shell.$t (id Int64, a1 Int32, a2 Int32, a3 Int64, a4 Int64, s1 Int16,
          t1 String, t2 String, t3 String, v1 String, n1 Decimal(12,2), n2 Decimal(18,4),
          n3 Decimal(10,0), f1 Float64, f2 Float32, b1 String, d1 String, ts1 String,
          ts2 String, u1 UUID) ENGINE = MergeTree ORDER BY id" ;;
  esac
  psql -c "VACUUM ANALYZE $t"
}

measure() {  # repeat command...; sets $secs to the best wall time
  local repeat=$1; shift
  secs=
  for _ in $(seq 1 "$repeat"); do
    local t0 t1
    t0=$(now); "$@"; t1=$(now)
    secs=$(python3 -c "a=float('$t1')-float('$t0'); b='$secs'; print(min(a, float(b)) if b else a)")
  done
}

raw_copy() { psql -c "COPY $1 TO STDOUT" >/dev/null; }
shell_pipe() {
  ch "TRUNCATE TABLE shell.$1"
  psql -c "\\copy $1 to stdout" | clickhouse-client --port "$CH_TCP_PORT" \
    --query "INSERT INTO shell.$1 FORMAT TabSeparated"
}
rss_kb=0
run_pg2ch() {  # table workers
  local name="b_$1_w$2_$RANDOM" extra=""
  [ -n "${ROWS_PER_PARTITION:-}" ] && extra=", \"snapshot_num_rows_per_partition\": $ROWS_PER_PARTITION"
  cat >"$work/$name.json" <<JSON
{"name": "$name", "mode": "snapshot_only", "snapshot_max_parallel_workers": $2 $extra,
 "source": {"host": "127.0.0.1", "port": $PGPORT, "user": "postgres", "database": "postgres", "sslmode": "disable"},
 "destination": {"url": "http://127.0.0.1:$CH_HTTP_PORT", "database": "$name"},
 "tables": [{"source": "public.$1"}]}
JSON
  /usr/bin/time -f "%M" -o "$work/$name.rss" "$bin" run --catalog "$work/$name.db" \
    --pipe "$work/$name.json" 2>"$work/$name.log" || { tail "$work/$name.log" >&2; exit 1; }
  local got
  got=$(ch "SELECT count() FROM $name.$1")
  [ "$got" = "$rows" ] || { echo "pg2ch copied $got of $rows rows" >&2; exit 1; }
  rss_kb=$(( $(cat "$work/$name.rss") > rss_kb ? $(cat "$work/$name.rss") : rss_kb ))
  ch "DROP DATABASE $name"
}

ch "CREATE DATABASE IF NOT EXISTS shell"
echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo)," \
  "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); PostgreSQL $(psql -c 'SHOW server_version');" \
  "ClickHouse $(ch 'SELECT version()'); $(date -u +%Y-%m-%d)"
for rows in $sizes; do
  for shape in $shapes; do
    t="${shape}_${rows}"
    create_table "$shape" "$rows" >/dev/null
    mb=$(python3 -c "print($(psql -c "SELECT pg_table_size('$t')") / 1e6)")
    repeat=${REPEAT:-$([ "$rows" -gt 5000000 ] && echo 1 || echo 2)}
    rss_kb=0
    measure "$repeat" raw_copy "$t"; copy=$secs
    measure "$repeat" shell_pipe "$t"; shell=$secs
    runs=()
    for w in ${WORKERS:-1 2}; do
      measure "$repeat" run_pg2ch "$t" "$w"; runs+=("$w=$secs")
    done
    python3 - "$shape" "$rows" "$mb" "$copy" "$shell" "$rss_kb" "${runs[@]}" <<'PY'
import sys
shape, rows, mb = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
copy, shell = float(sys.argv[4]), float(sys.argv[5])
rss = int(sys.argv[6]) / 1024
runs = [(f"pg2ch-{w}", float(s)) for w, s in (r.split("=") for r in sys.argv[7:])]
print(f"{shape} {rows:,} rows, {mb:.0f} MB:")
for name, s in [("copy", copy), ("shell", shell)] + runs:
    print(f"  {name:<8} {s:7.2f} s {rows / s:>12,.0f} rows/s {mb / s:7.1f} MB/s")
ratios = ", ".join(f"{name}/copy {copy / s:.2f}x" for name, s in runs)
print(f"  pg2ch peak RSS {rss:.0f} MB; {ratios}, copy/shell {shell / copy:.2f}x", flush=True)
PY
    psql -c "DROP TABLE $t"
    ch "DROP TABLE shell.$t"
  done
done
