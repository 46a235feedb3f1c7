#!/usr/bin/env bash
# What pgoutput v2 streaming of in-progress transactions buys pg2ch (issue 12). One large
# transaction (BENCH_ROWS inserts, default 2,000,000, in one INSERT ... SELECT) is committed while
# a reader streams from a fresh slot, four times:
#   v1         pg_recvlogical, proto_version 1: PostgreSQL holds the transaction in its reorder
#              buffer (spilling to pg_replslot past logical_decoding_work_mem) and sends it all
#              after the commit.
#   v2-stream  pg_recvlogical, proto_version 2, streaming on: PostgreSQL sends the transaction
#              while it runs; after the commit only the Stream Commit is left.
#   pg2ch-v1   pg2ch (cdc_only pipe) with "stream_large_transactions": false (proto_version 1):
#              until its checkpoint (saved after ClickHouse acknowledged) passes the commit.
#   pg2ch      pg2ch as shipped: proto_version 2, streaming on (PostgreSQL 14+); the transaction
#              waits in pg2ch's stream file instead of PostgreSQL's pg_replslot.
# For each: seconds from COMMIT returning to the reader having it (sent_lsn of its walsender past
# the commit's end; pg2ch: its checkpoint), and the peak size of pg_replslot (PostgreSQL's spill).
# The v1 - v2-stream difference is what streaming can take off pg2ch's commit-to-visible time;
# pg2ch's own part (decode, spill, apply to ClickHouse) stays either way, since it applies a
# transaction only once committed. pg2ch-v1 is the baseline of the pg2ch row, same run.
# Usage: bash bench/streaming.sh   env: PG2CH_BIN (default build/pg2ch), BENCH_ROWS
set -euo pipefail
cd "$(dirname "$0")/.."
rows=${BENCH_ROWS:-2000000}
[[ $rows =~ ^[0-9]+$ && $rows -ge 1000 ]] || { echo "BENCH_ROWS: an integer >= 1000" >&2; exit 2; }
bin=$(realpath "${PG2CH_BIN:-build/pg2ch}")
[ -x "$bin" ] || { echo "build pg2ch first: cmake --build build --target pg2ch" >&2; exit 2; }

work=$(mktemp -d /tmp/pg2ch-streaming-XXXXXX)
cleanup() {
  [ -n "${reader:-}" ] && kill "$reader" 2>/dev/null || true
  [ -n "${sampler:-}" ] && kill "$sampler" 2>/dev/null || true
  bash scripts/local-servers.sh stop "$work"
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
bash scripts/local-servers.sh start "$work" >/dev/null
# shellcheck disable=SC1091
source "$work/env"
psql() { command psql -h 127.0.0.1 -p "$PGPORT" -U postgres -d postgres -v ON_ERROR_STOP=1 -qAt "$@"; }
ch() { clickhouse-client --port "$CH_TCP_PORT" --query "$1"; }

psql -c "CREATE TABLE big (id bigint PRIMARY KEY, n integer NOT NULL, label text NOT NULL,
           amount numeric(12,2) NOT NULL)"
psql -c "CREATE PUBLICATION bench_pub FOR TABLE big"
replslot="$work/pg/data/pg_replslot"

# Largest size of pg_replslot (bytes) while the sampler ran: written to $work/peak.
start_sampler() {
  echo 0 >"$work/peak"
  (peak=0; while true; do
     s=$(du -sb "$replslot" 2>/dev/null | cut -f1); s=${s:-0}
     if [ "$s" -gt "$peak" ]; then peak=$s; echo "$peak" >"$work/peak"; fi
     sleep 0.1
   done) &
  sampler=$!
}
stop_sampler() { kill "$sampler" 2>/dev/null || true; wait "$sampler" 2>/dev/null || true; sampler=; }

# The transaction; sets t_commit (epoch s, when COMMIT returned), end_lsn, wal_bytes. Ids go on
# from the last round's (each round runs in a subshell).
big_transaction() {
  local base start
  base=$(psql -c "SELECT COALESCE(max(id), 0) FROM big")
  start=$(psql -c "SELECT pg_current_wal_insert_lsn()")
  psql -c "INSERT INTO big SELECT $base + g, g % 1000, md5(g::text), g * 0.01
             FROM generate_series(1, $rows) g"
  t_commit=$(date +%s.%N)
  end_lsn=$(psql -c "SELECT pg_current_wal_insert_lsn()")
  wal_bytes=$(psql -c "SELECT pg_wal_lsn_diff('$end_lsn', '$start')")
}

# Seconds from t_commit until `$1` (a SQL condition) holds, polled every 20 ms.
seconds_until() {
  until [ "$(psql -c "SELECT $1")" = t ]; do sleep 0.02; done
  python3 -c "import sys, time; print(f'{time.time() - float(sys.argv[1]):.2f}')" "$t_commit"
}

# A pg_recvlogical round: $1 name, then its -o options.
recvlogical_round() {
  local name=$1 slot="bench_$1" elapsed
  shift
  slot=${slot//-/_}
  psql -c "SELECT pg_create_logical_replication_slot('$slot', 'pgoutput')" >/dev/null
  pg_recvlogical -h 127.0.0.1 -p "$PGPORT" -U postgres -d postgres --slot "$slot" --start \
    --no-loop -o "publication_names=bench_pub" "$@" -f /dev/null 2>"$work/$name.log" &
  reader=$!
  until [ "$(psql -c "SELECT count(*) FROM pg_replication_slots WHERE slot_name = '$slot' AND active")" = 1 ]; do
    sleep 0.05
  done
  start_sampler
  big_transaction
  elapsed=$(seconds_until "(SELECT sent_lsn >= '$end_lsn' FROM pg_stat_replication s JOIN
              pg_replication_slots r ON r.active_pid = s.pid WHERE r.slot_name = '$slot')")
  stop_sampler
  kill "$reader" 2>/dev/null || true
  wait "$reader" 2>/dev/null || true
  reader=
  psql -c "SELECT pg_drop_replication_slot('$slot')" >/dev/null
  echo "$name $elapsed $(cat "$work/peak") $wal_bytes"
}

# A pg2ch round: $1 name, $2 "true" to stream in-progress transactions. Each round has its own
# pipe, slot and ClickHouse database.
pg2ch_round() {
  local name=$1 pipe="bench_${1//-/_}" elapsed
  local catalog=$work/$pipe.db db=$pipe
  cat >"$work/pipe.json" <<JSON
{"name": "$pipe", "mode": "cdc_only", "publication": "bench_pub", "stream_large_transactions": $2,
 "source": {"host": "127.0.0.1", "port": $PGPORT, "user": "postgres", "database": "postgres", "sslmode": "disable"},
 "destination": {"url": "http://127.0.0.1:$CH_HTTP_PORT", "database": "$db"},
 "tables": [{"source": "public.big"}]}
JSON
  "$bin" run --catalog "$catalog" --pipe "$work/pipe.json" >"$work/$name.log" 2>&1 &
  reader=$!
  until [ "$(psql -c "SELECT count(*) FROM pg_replication_slots WHERE slot_name = 'peerflow_slot_$pipe' AND active")" = 1 ]; do
    kill -0 "$reader" 2>/dev/null || { tail -20 "$work/$name.log" >&2; exit 1; }
    sleep 0.05
  done
  start_sampler
  big_transaction
  until python3 - "$catalog" "$pipe" "$end_lsn" <<'PY'
import sqlite3, sys
def lsn(text):
    hi, lo = text.split("/")
    return (int(hi, 16) << 32) | int(lo, 16)
row = sqlite3.connect(sys.argv[1]).execute(
    "SELECT checkpoint_lsn FROM pipes WHERE name = ?", (sys.argv[2],)).fetchone()
value = row[0] if row else 0
value = lsn(value) if isinstance(value, str) else int(value or 0)
sys.exit(0 if value >= lsn(sys.argv[3]) else 1)
PY
  do sleep 0.02; done
  elapsed=$(python3 -c "import sys, time; print(f'{time.time() - float(sys.argv[1]):.2f}')" "$t_commit")
  stop_sampler
  kill -TERM "$reader"; wait "$reader" || true
  reader=
  local in_ch
  in_ch=$(ch "SELECT count() FROM $db.big FINAL WHERE _peerdb_is_deleted = 0")
  # A cdc_only pipe: ClickHouse holds exactly this round's transaction.
  [ "$in_ch" = "$rows" ] || { echo "$name: ClickHouse has $in_ch rows, not $rows" >&2; exit 1; }
  if [ "$2" = true ] && ! grep -q "streamed while in progress" "$work/$name.log"; then
    echo "$name: the transaction was not streamed" >&2; exit 1
  fi
  echo "$name $elapsed $(cat "$work/peak") $wal_bytes"
}

results=()
results+=("$(recvlogical_round v1 -o proto_version=1)")
results+=("$(recvlogical_round v2-stream -o proto_version=2 -o streaming=on)")
results+=("$(pg2ch_round pg2ch-v1 false)")
results+=("$(pg2ch_round pg2ch true)")

echo "machine: $(nproc) cores; PostgreSQL $(psql -c 'SHOW server_version') (logical_decoding_work_mem" \
  "$(psql -c 'SHOW logical_decoding_work_mem')); ClickHouse $(ch 'SELECT version()');" \
  "$(date -u '+%Y-%m-%d %H:%M UTC'); load average $(cut -d' ' -f1-3 /proc/loadavg)"
python3 - "$rows" "${results[@]}" <<'PY'
import sys
rows = int(sys.argv[1])
runs = {}
for line in sys.argv[2:]:
    name, secs, peak, wal = line.split()
    runs[name] = (float(secs), int(peak), int(wal))
print(f"one transaction of {rows:,} inserted rows")
for name, (secs, peak, wal) in runs.items():
    rate = f"{rows / secs:>12,.0f} rows/s {wal / 1e6 / secs:8.1f} MB/s" if secs > 0 else ""
    print(f"  {name:<10} COMMIT -> received {secs:6.2f} s {rate}   WAL {wal / 1e6:7.1f} MB, "
          f"peak pg_replslot {peak / 1e6:7.1f} MB")
v1, v2 = runs["v1"][0], runs["v2-stream"][0]
base, ours = runs["pg2ch-v1"][0], runs["pg2ch"][0]
gain = max(v1 - v2, 0.0)
print(f"streaming takes {gain:.2f} s off the source's part; pg2ch's COMMIT -> durable: "
      f"{base:.2f} s with proto 1, {ours:.2f} s streaming "
      f"({ours / base if base > 0 else 1:.2f}x; expected about {max(base - gain, 0):.2f} s)")
PY
