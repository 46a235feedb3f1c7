#!/usr/bin/env bash
# End-to-end CDC lag benchmark (issue #5): how long a committed PostgreSQL row takes to become
# visible in ClickHouse through a running pg2ch pipe, under a steady write load.
#   - table lag_t (id bigint PK, written_us bigint, payload text); a cdc_only pipe (default
#     settings unless BENCH_SYNC_INTERVAL / BENCH_PULL_BATCH_SIZE are set) running in the
#     background (`pg2ch run`);
#   - writer: BENCH_RATE rows/s (default 10,000) for BENCH_SECONDS (default 60), one
#     autocommitted INSERT of rate/10 rows every 100 ms, each row stamped with clock_timestamp();
#   - sampler: every 50 ms asks ClickHouse (HTTP) for the rows above the highest id seen; a row's
#     lag = the time of the query that first saw it - its stamp (same machine, same clock).
# See bench/lag.py for the details and the error bounds (up to +50 ms from sampling).
# Prints the achieved write rate, p50 / p90 / p99 / max lag, and on the last line p99 against
# the target (< 1 s).
# Usage: bash bench/lag.sh   env: PG2CH_BIN (default build/pg2ch, else build-bench/pg2ch),
#        BENCH_RATE, BENCH_SECONDS, BENCH_SYNC_INTERVAL (s), BENCH_PULL_BATCH_SIZE.
set -euo pipefail
cd "$(dirname "$0")/.."
rate=${BENCH_RATE:-10000}
seconds=${BENCH_SECONDS:-60}
[[ $rate =~ ^[0-9]+$ && $seconds =~ ^[0-9]+$ && $rate -ge 10 && $seconds -ge 1 ]] ||
  { echo "BENCH_RATE (>= 10) and BENCH_SECONDS (>= 1) must be integers" >&2; exit 2; }
settings=""
if [ -n "${BENCH_SYNC_INTERVAL:-}" ]; then
  [[ $BENCH_SYNC_INTERVAL =~ ^[0-9]*\.?[0-9]+$ ]] || { echo "bad BENCH_SYNC_INTERVAL" >&2; exit 2; }
  settings+=", \"sync_interval_seconds\": $BENCH_SYNC_INTERVAL"
fi
if [ -n "${BENCH_PULL_BATCH_SIZE:-}" ]; then
  [[ $BENCH_PULL_BATCH_SIZE =~ ^[0-9]+$ ]] || { echo "bad BENCH_PULL_BATCH_SIZE" >&2; exit 2; }
  settings+=", \"pull_batch_size\": $BENCH_PULL_BATCH_SIZE"
fi
default_bin=build/pg2ch; [ -x "$default_bin" ] || default_bin=build-bench/pg2ch
bin=$(realpath "${PG2CH_BIN:-$default_bin}")
[ -x "$bin" ] || { echo "build pg2ch first: cmake --build build --target pg2ch" >&2; exit 2; }

work=$(mktemp -d /tmp/pg2ch-lag-XXXXXX)
trap 'bash scripts/local-servers.sh stop "$work"; rm -rf "$work"' EXIT
trap 'exit 130' INT TERM
bash scripts/local-servers.sh start "$work" >/dev/null
# shellcheck disable=SC1091
source "$work/env"
psql_cmd=(psql -h 127.0.0.1 -p "$PGPORT" -U postgres -d postgres -v ON_ERROR_STOP=1 -qAt)
ch() { clickhouse-client --port "$CH_TCP_PORT" --query "$1"; }

"${psql_cmd[@]}" -c "CREATE TABLE lag_t (id bigint PRIMARY KEY, written_us bigint NOT NULL,
                       payload text NOT NULL)"
cat >"$work/pipe.json" <<JSON
{"name": "bench_lag", "mode": "cdc_only"$settings,
 "source": {"host": "127.0.0.1", "port": $PGPORT, "user": "postgres", "database": "postgres", "sslmode": "disable"},
 "destination": {"url": "http://127.0.0.1:$CH_HTTP_PORT", "database": "bench"},
 "tables": [{"source": "public.lag_t"}]}
JSON
json_list() { python3 -c 'import json, sys; print(json.dumps(sys.argv[1:]))' "$@"; }

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs);" \
  "PostgreSQL $("${psql_cmd[@]}" -c 'SHOW server_version'); ClickHouse $(ch 'SELECT version()');" \
  "$(date -u '+%Y-%m-%d %H:%M UTC'); load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "pipe settings: ${settings:-defaults}" | sed -e 's/^pipe settings: , /pipe settings: /' -e 's/"//g'

python3 bench/lag.py "$(json_list "$bin" run --catalog "$work/pg2ch.db" --pipe "$work/pipe.json")" \
  "$work/pg2ch.db" bench_lag "$(json_list "${psql_cmd[@]}")" "http://127.0.0.1:$CH_HTTP_PORT" \
  bench.lag_t "$rate" "$seconds"
