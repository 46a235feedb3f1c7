#!/usr/bin/env bash
# CDC throughput benchmark (issue #5): how fast pg2ch drains a replication backlog, against
# pg_recvlogical draining the same backlog with the same plugin (pgoutput), on the same servers.
#   1. table bench_cdc (id bigint PK, n integer, qty integer, label text, amount numeric(12,2));
#      a cdc_only pipe is created and run until Running (its publication and slot exist), then
#      stopped; a twin slot "twin" (pgoutput) is created on the same publication.
#   2. backlog: BENCH_CHANGES changes (default 1,000,000) in transactions of BENCH_TXN_SIZE
#      changes (default 1000): 60% inserts, 30% updates and 10% deletes of rows the previous
#      transaction inserted (the first one updates and deletes its own). Both slots hold the
#      same backlog; MB = its WAL bytes.
#   3. pg_recvlogical --slot twin --endpos <LSN after the backlog> -f /dev/null, timed.
#   4. pg2ch run, timed until its checkpoint (saved after ClickHouse acknowledged) reaches that
#      LSN; then ClickHouse is checked against PostgreSQL (count, sums; FINAL, not deleted).
# Prints changes/s and MB/s of both, CPU seconds of each party during each drain (PostgreSQL =
# postmaster and all backends, mostly the walsender; ClickHouse server; the client), and on the
# last line the ratio pg2ch / pg_recvlogical (issue target: >= 0.8x).
# Usage: bash bench/cdc.sh   env: PG2CH_BIN (default build/pg2ch, else build-bench/pg2ch),
#        BENCH_CHANGES, BENCH_TXN_SIZE, BENCH_TIMEOUT (s, per drain; default 1800),
#        BENCH_PG2CH_FIRST=1 (drain with pg2ch first, pg_recvlogical second; default the reverse).
set -euo pipefail
cd "$(dirname "$0")/.."
changes=${BENCH_CHANGES:-1000000}
txn=${BENCH_TXN_SIZE:-1000}
[[ $changes =~ ^[0-9]+$ && $txn =~ ^[0-9]+$ && $txn -ge 10 && $changes -ge $txn ]] ||
  { echo "need integers BENCH_CHANGES >= BENCH_TXN_SIZE >= 10" >&2; exit 2; }
ins=$((txn * 6 / 10)) upd=$((txn * 3 / 10))
del=$((txn - ins - upd)) ntx=$((changes / txn))
default_bin=build/pg2ch; [ -x "$default_bin" ] || default_bin=build-bench/pg2ch
bin=$(realpath "${PG2CH_BIN:-$default_bin}")
[ -x "$bin" ] || { echo "build pg2ch first: cmake --build build --target pg2ch" >&2; exit 2; }

work=$(mktemp -d /tmp/pg2ch-cdc-XXXXXX)
trap 'bash scripts/local-servers.sh stop "$work"; rm -rf "$work"' EXIT
trap 'exit 130' INT TERM
bash scripts/local-servers.sh start "$work" >/dev/null
# shellcheck disable=SC1091
source "$work/env"
PG_POSTMASTER_PID=$(head -1 "$work/pg/data/postmaster.pid")
CH_PID=$(cat "$work/ch/pid")
export PG_POSTMASTER_PID CH_PID
psql() { command psql -h 127.0.0.1 -p "$PGPORT" -U postgres -d postgres -v ON_ERROR_STOP=1 -qAt "$@"; }
ch() { clickhouse-client --port "$CH_TCP_PORT" --query "$1"; }
timed() { python3 bench/timed.py "$@"; }

pipe=bench_cdc pub=peerflow_pub_bench_cdc slot=peerflow_slot_bench_cdc
catalog=$work/pg2ch.db
psql -c "CREATE TABLE bench_cdc (id bigint PRIMARY KEY, n integer NOT NULL, qty integer NOT NULL,
           label text NOT NULL, amount numeric(12,2) NOT NULL)"
cat >"$work/pipe.json" <<JSON
{"name": "$pipe", "mode": "cdc_only",
 "source": {"host": "127.0.0.1", "port": $PGPORT, "user": "postgres", "database": "postgres", "sslmode": "disable"},
 "destination": {"url": "http://127.0.0.1:$CH_HTTP_PORT", "database": "bench"},
 "tables": [{"source": "public.bench_cdc"}]}
JSON
run_pg2ch=("$bin" --log-level debug run --catalog "$catalog" --pipe "$work/pipe.json")
timed --until state:Running --catalog "$catalog" --pipe "$pipe" --log "$work/pg2ch.log" \
  -- "${run_pg2ch[@]}" >/dev/null
psql -c "SELECT pg_create_logical_replication_slot('twin', 'pgoutput')" >/dev/null

# The backlog, in one session: a DO block may COMMIT between its statements.
start_lsn=$(psql -c "SELECT pg_current_wal_insert_lsn()")
t0=$(date +%s.%N)
psql <<SQL
DO \$backlog\$
DECLARE base bigint; prev bigint; gone bigint;
BEGIN
  FOR i IN 0..$ntx - 1 LOOP
    base := i::bigint * $ins;
    prev := greatest(i - 1, 0)::bigint * $ins;  -- the rows to update and delete, from here on
    gone := prev + $upd + CASE WHEN i = 1 THEN $del ELSE 0 END;  -- transaction 0 deleted some
    INSERT INTO bench_cdc SELECT base + g, g % 1000, (base + g) % 97, md5((base + g)::text),
                                 (base + g) * 0.01
      FROM generate_series(1, $ins) g;
    UPDATE bench_cdc SET qty = qty + 1, amount = amount + 1, label = left(label, 20) || '-u'
      WHERE id > prev AND id <= prev + $upd;
    DELETE FROM bench_cdc WHERE id > gone AND id <= gone + $del;
    COMMIT;
  END LOOP;
END
\$backlog\$;
SQL
# The end of the last commit record: what both readers must reach.
end_lsn=$(psql -c "SELECT pg_current_wal_insert_lsn()")
t1=$(date +%s.%N)
wal_bytes=$(psql -c "SELECT pg_wal_lsn_diff('$end_lsn', '$start_lsn')")
total=$((ntx * txn))

drain_baseline() {
  base=$(timed --until exit --log "$work/recvlogical.log" -- \
    pg_recvlogical -h 127.0.0.1 -p "$PGPORT" -U postgres -d postgres --slot twin --start \
    --endpos "$end_lsn" --no-loop -o proto_version=1 -o "publication_names=$pub" -f /dev/null)
}
drain_pg2ch() {
  ours=$(timed --until "checkpoint:$end_lsn" --catalog "$catalog" --pipe "$pipe" \
    --log "$work/pg2ch.log" -- "${run_pg2ch[@]}")
}
if [ "${BENCH_PG2CH_FIRST:-0}" = 1 ]; then drain_pg2ch; drain_baseline
else drain_baseline; drain_pg2ch; fi

pg_state=$(psql -F ' ' -c "SELECT count(*), sum(qty), sum(amount) FROM bench_cdc")
ch_state=$(ch "SELECT count(), sum(qty), sum(amount) FROM bench.bench_cdc FINAL
               WHERE _peerdb_is_deleted = 0" | tr '\t' ' ')
slot_lsn=$(psql -c "SELECT confirmed_flush_lsn FROM pg_replication_slots WHERE slot_name = '$slot'")

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs);" \
  "PostgreSQL $(psql -c 'SHOW server_version'); ClickHouse $(ch 'SELECT version()');" \
  "$(date -u '+%Y-%m-%d %H:%M UTC'); load average $(cut -d' ' -f1-3 /proc/loadavg)"
python3 - "$total" "$ntx" "$txn" "$wal_bytes" "$t0" "$t1" "$start_lsn" "$end_lsn" "$slot_lsn" \
  "$pg_state" "$ch_state" "$base" "$ours" "$work/pg2ch.log" <<'PY'
import json
import os
import sys
from decimal import Decimal
total, ntx, txn, wal = map(int, sys.argv[1:5])
gen = float(sys.argv[6]) - float(sys.argv[5])
start_lsn, end_lsn, slot_lsn, pg_state, ch_state = sys.argv[7:12]
order = ("pg2ch first" if os.environ.get("BENCH_PG2CH_FIRST") == "1"
         else "pg_recvlogical first")
runs = {}
for name, line in (("pg_recvlogical", sys.argv[12]), ("pg2ch", sys.argv[13])):
    runs[name] = json.loads(line)
mb = wal / 1e6
print(f"order: {order}; backlog: {total:,} changes (60/30/10 insert/update/delete) in "
      f"{ntx:,} transactions of {txn}; WAL {start_lsn} -> {end_lsn} = {mb:.1f} MB; written in "
      f"{gen:.1f} s")
for name, r in runs.items():
    s = r["wall"]
    print(f"  {name:<15} {s:7.2f} s {total / s:>10,.0f} changes/s {mb / s:7.1f} MB/s   CPU s: "
          f"client {r['cmd_cpu']:.2f}, PostgreSQL {r['pg_cpu']:.2f} (walsender "
          f"{r['walsender_cpu']:.2f}), ClickHouse {r['ch_cpu']:.2f}")
    print(f"    walsender: waited {r['walsender_runq']:.2f} s for a CPU; state samples: "
          f"{r['walsender_states']}")
    if "main_states" in r:
        print(f"    pg2ch main thread: waited {r['main_runq']:.2f} s for a CPU; state samples: "
              f"{r['main_states']}")
same = [Decimal(x) for x in pg_state.split()] == [Decimal(x) for x in ch_state.split()]
print(f"  check: PostgreSQL (count, sum qty, sum amount) = {pg_state}; ClickHouse FINAL, not "
      f"deleted = {ch_state}: {'equal' if same else 'DIFFERENT'}; pg2ch slot confirmed {slot_lsn}")
# pg2ch's batches, from its debug log: "<time> debug pipe P: pushed T transactions, C changes, ..."
pushes = []
with open(sys.argv[14]) as log:
    for line in log:
        if " debug " in line and ": pushed " in line:
            words = line.split()
            hms = words[0].split("T")[1].split(":")
            at = int(hms[0]) * 3600 + int(hms[1]) * 60 + float(hms[2])
            pushes.append((at, int(words[words.index("changes,") - 1])))
if pushes:
    gaps = [b[0] - a[0] for a, b in zip(pushes, pushes[1:])]
    print(f"  pg2ch batches: {len(pushes)} (changes per batch: {min(c for _, c in pushes):,} to "
          f"{max(c for _, c in pushes):,}); between pushes: "
          + (f"{min(gaps):.2f} to {max(gaps):.2f} s" if gaps else "-"))
ratio = runs["pg_recvlogical"]["wall"] / runs["pg2ch"]["wall"]
print(f"pg2ch {total / runs['pg2ch']['wall']:,.0f} changes/s, pg_recvlogical "
      f"{total / runs['pg_recvlogical']['wall']:,.0f} changes/s: pg2ch / pg_recvlogical "
      f"{ratio:.2f}x (target >= 0.8x)", flush=True)
sys.exit(0 if same else 1)
PY
