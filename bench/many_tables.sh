#!/usr/bin/env bash
# Many-tables benchmark: one snapshot_and_cdc pipe over N tables (default 1000) of ROWS rows each
# (default 200), on fresh local servers:
#   tables   t_0001 .. t_N, by i % 10: 0-6 keyed (bigint primary key, text, numeric(12,2),
#            timestamptz, jsonb, an enum, inet, int[]), 7-8 keyless with REPLICA IDENTITY FULL
#            (a quarter of the rows duplicated), 9 keyless with the default identity (append-only).
#   setup    pg2ch run started -> the pipe enters Snapshot (from `pg2ch status` state history)
#   load     Snapshot -> Running; rows/s over every table's rows
#   cdc      one change to every table (an UPDATE of one row of each keyed and FULL table, an
#            INSERT into each append-only one), timed until ClickHouse shows all N: first all in
#            one transaction (cdc_apply_s), then one transaction per table (cdc_apply_per_txn_s).
#            Timed until pg2ch's checkpoint (saved once ClickHouse acknowledged) passes the last
#            commit, polled cheaply in the catalog; then ClickHouse must show it: every table has
#            a row with the round's marker (merge(), _table; without FINAL).
#   check    per table: count(), marker rows of each round, FINAL and not deleted in ClickHouse,
#            against PostgreSQL (tables_equal).
# Prints setup_s, load_s (rows/s), cdc_apply_s, cdc_apply_per_txn_s, tables_equal N/N, the load
# average before and after, and where pg2ch's log is kept (KEEP=1 keeps the work dir).
# Usage: bench/many_tables.sh [N]
#   env: PG2CH_BIN (default build/pg2ch; copied into the work dir first and run from there),
#        ROWS (default 200), LOG_LEVEL (pg2ch's, default info), PHASE_TIMEOUT (s, default 1800),
#        TABLES_IN_PARALLEL (snapshot_num_tables_in_parallel, default: pg2ch's),
#        KEEP=1 (keep the work dir, with pg2ch.log, for a look afterwards).
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-1000}
rows=${ROWS:-200}
timeout=${PHASE_TIMEOUT:-1800}
[[ $n =~ ^[0-9]+$ && $rows =~ ^[0-9]+$ && $n -ge 1 && $n -le 9999 && $rows -ge 4 ]] ||
  { echo "need integers 1 <= N <= 9999, ROWS >= 4" >&2; exit 2; }
src_bin=$(realpath "${PG2CH_BIN:-build/pg2ch}")
[ -x "$src_bin" ] || { echo "build pg2ch first: cmake --build build --target pg2ch" >&2; exit 2; }
work=$(mktemp -d /tmp/pg2ch-manytables-XXXXXX)
cp "$src_bin" "$work/pg2ch"  # the tree may be rebuilt meanwhile: run a copy
bin=$work/pg2ch
pg2ch_pid=
cleanup() {
  if [ -n "$pg2ch_pid" ] && kill -0 "$pg2ch_pid" 2>/dev/null; then
    kill -TERM "$pg2ch_pid" 2>/dev/null || true
    for _ in $(seq 1 300); do kill -0 "$pg2ch_pid" 2>/dev/null || break; sleep 0.2; done
    kill -0 "$pg2ch_pid" 2>/dev/null && { echo "pg2ch ignored SIGTERM for 60 s, killing" >&2; kill -9 "$pg2ch_pid"; }
  fi
  bash scripts/local-servers.sh stop "$work"
  if [ "${KEEP:-0}" = 1 ]; then echo "work dir kept: $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM
bash scripts/local-servers.sh start "$work" >/dev/null
# shellcheck disable=SC1091
source "$work/env"
psql() { command psql -h 127.0.0.1 -p "$PGPORT" -U postgres -d postgres -v ON_ERROR_STOP=1 -qAt "$@"; }
ch() { clickhouse-client --port "$CH_TCP_PORT" --query "$1"; }
now() { date +%s.%N; }
elapsed() { python3 -c "print(f'{float(\"$2\") - float(\"$1\"):.2f}')"; }
loadavg() { cut -d' ' -f1-3 /proc/loadavg; }

# local-servers.sh leaves PostgreSQL's defaults. The lock table holds max_locks_per_transaction
# (64) x (max_connections + max_prepared_transactions) = 6400 locks, shared by all sessions; the
# snapshot holds ACCESS SHARE on every table at once (as pg_dump does), and CREATE PUBLICATION
# locks every table too: raise it only when 2 locks per table (+ 1000 spare) would not fit.
# One slot and a few WAL senders are all the pipe needs (defaults: 10 each).
if [ $((2 * n + 1000)) -gt 6400 ]; then
  psql -c "ALTER SYSTEM SET max_locks_per_transaction = $(((2 * n + 1000) / 100 + 1))" >/dev/null
  as_postgres() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
  as_postgres /usr/lib/postgresql/15/bin/pg_ctl -D "$work/pg/data" -l "$work/pg/log" -w -m fast restart >/dev/null
fi

echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo);" \
  "PostgreSQL $(psql -c 'SHOW server_version') (max_locks_per_transaction $(psql -c 'SHOW max_locks_per_transaction'));" \
  "ClickHouse $(ch 'SELECT version()'); $(date -u +%Y-%m-%d); load average $(loadavg)"

# --- tables: one psql session; the DO block commits after each table (lock table stays small)
t0=$(now)
psql <<SQL
CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');
DO \$\$
DECLARE t text;
BEGIN
  FOR i IN 1..$n LOOP
    t := format('t_%s', lpad(i::text, 4, '0'));
    IF i % 10 < 7 THEN
      EXECUTE format('CREATE TABLE %I (id bigint PRIMARY KEY, label text NOT NULL,
          amount numeric(12,2), at timestamptz, doc jsonb, m mood, addr inet, tags int[])', t);
      EXECUTE format('INSERT INTO %I SELECT g, ''row '' || g, g * 1.25,
          timestamptz ''2024-01-01 00:00:00+00'' + g * interval ''1 minute'',
          jsonb_build_object(''g'', g, ''t'', jsonb_build_array(g %% 3, ''x'')),
          (enum_range(NULL::mood))[1 + g %% 3], (''10.0.'' || (g / 256) %% 256 || ''.'' || g %% 256)::inet,
          ARRAY[g, g %% 7]::int[]
        FROM generate_series(1, $rows) g', t);
    ELSE
      IF i % 10 < 9 THEN
        EXECUTE format('CREATE TABLE %I (k bigint, label text NOT NULL, amount numeric(12,2))', t);
        EXECUTE format('ALTER TABLE %I REPLICA IDENTITY FULL', t);
      ELSE
        EXECUTE format('CREATE TABLE %I (at timestamptz DEFAULT now(), label text NOT NULL,
            k bigint, amount numeric(12,2))', t);
      END IF;
      -- every 4th row repeats the one before it (k = 3, 3, 7, 7, ...)
      EXECUTE format('INSERT INTO %I (k, label, amount) SELECT k, ''row '' || k, k * 0.5
        FROM (SELECT g - (g %% 4 = 0)::int AS k FROM generate_series(1, $rows) g) s', t);
    END IF;
    COMMIT;
  END LOOP;
END
\$\$;
SQL
psql -c "VACUUM ANALYZE" >/dev/null
total_rows=$(( n * rows ))
echo "created $n tables x $rows rows in $(elapsed "$t0" "$(now)") s"

names=$(seq -f 't_%04g' 1 "$n")

# --- the pipe
catalog=$work/pg2ch.db log=$work/pg2ch.log
extra=""
[ -n "${TABLES_IN_PARALLEL:-}" ] && extra=", \"snapshot_num_tables_in_parallel\": $TABLES_IN_PARALLEL"
{
  echo "{\"name\": \"many\", \"mode\": \"snapshot_and_cdc\" $extra,"
  echo " \"source\": {\"host\": \"127.0.0.1\", \"port\": $PGPORT, \"user\": \"postgres\", \"database\": \"postgres\", \"sslmode\": \"disable\"},"
  echo " \"destination\": {\"url\": \"http://127.0.0.1:$CH_HTTP_PORT\", \"database\": \"many\"},"
  echo " \"tables\": [$(sed 's/.*/{"source": "public.&"}/' <<<"$names" | paste -sd,)]}"
} >"$work/pipe.json"

state() { "$bin" status --catalog "$catalog" --pipe many 2>/dev/null | awk 'NR == 1 {print $2}'; }
wait_state() {  # state: polls until the pipe is in it; fails on Failed, exit or PHASE_TIMEOUT
  local deadline=$((SECONDS + timeout)) s
  while :; do
    s=$(state)
    [ "$s" = "$1" ] && return 0
    if [ "$s" = Failed ] || ! kill -0 "$pg2ch_pid" 2>/dev/null; then
      echo "pg2ch: pipe $s (waiting for $1); log tail:" >&2; tail -20 "$log" >&2; exit 1
    fi
    [ $SECONDS -lt "$deadline" ] || { echo "pipe still $s after $timeout s (waiting for $1)" >&2; exit 1; }
    sleep 0.2
  done
}

t_start=$(now)
"$bin" --log-level "${LOG_LEVEL:-info}" run --catalog "$catalog" --pipe "$work/pipe.json" >"$log" 2>&1 &
pg2ch_pid=$!
while [ ! -s "$catalog" ] || [ -z "$(state)" ]; do
  kill -0 "$pg2ch_pid" 2>/dev/null || { echo "pg2ch exited; log tail:" >&2; tail -20 "$log" >&2; exit 1; }
  sleep 0.1
done
wait_state Running
# Phase times from the recorded history (ms resolution); setup counts from the process start.
"$bin" status --catalog "$catalog" --pipe many | grep -E '^  [0-9]{4}-' >"$work/history"
read -r setup_s load_s < <(python3 - "$t_start" "$work/history" <<'PY'
import sys, datetime
t_start = float(sys.argv[1])
at = {}
for line in open(sys.argv[2]):
    f = line.split()
    ts = datetime.datetime.strptime(f[0], "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=datetime.timezone.utc)
    at.setdefault(f[3], ts.timestamp())  # first entry into each state
print(f"{at['Snapshot'] - t_start:.2f} {at['Running'] - at['Snapshot']:.2f}")
PY
)
rate=$(python3 -c "print(f'{$total_rows / max($load_s, 0.001):,.0f}')")
echo "history:"; sed 's/^ */  /' "$work/history"
echo "setup_s $setup_s"
echo "load_s $load_s ($total_rows rows, $rate rows/s)"

# --- CDC: one change per table. round MARKER ID K PER_TXN: keyed tables update id = ID, FULL
# ones one copy of k = K (k = 3 has a duplicate), append-only ones get a row; PER_TXN=1 commits
# after each table, else all in one transaction.
cdc_round() {
  local commit=""
  [ "$4" = 1 ] && commit="COMMIT;"
  psql <<SQL
DO \$\$
DECLARE t text;
BEGIN
  FOR i IN 1..$n LOOP
    t := format('t_%s', lpad(i::text, 4, '0'));
    IF i % 10 < 7 THEN
      EXECUTE format('UPDATE %I SET label = %L WHERE id = $2', t, '$1');
    ELSIF i % 10 < 9 THEN
      EXECUTE format('UPDATE %I SET label = %L WHERE ctid = (SELECT ctid FROM %I WHERE k = $3 LIMIT 1)', t, '$1', t);
    ELSE
      EXECUTE format('INSERT INTO %I (label, k) VALUES (%L, 0)', t, '$1');
    END IF;
    $commit
  END LOOP;
END
\$\$;
SELECT pg_current_wal_insert_lsn();
SQL
}
seen() { ch "SELECT uniqExact(_table) FROM merge('many', '^t_[0-9]+\$') WHERE label = '$1'"; }
# Until pg2ch's checkpoint (saved once ClickHouse acknowledged the batch) passes LSN: cheap, polled
# every 20 ms. A ClickHouse poll every 5 s stands in should the checkpoint stay short of LSN (WAL
# written after the commit). Prints the seconds since T0 and what decided.
wait_applied() {  # t0 lsn marker
  python3 - "$1" "$2" "$catalog" "$pg2ch_pid" "$timeout" "$n" "$CH_TCP_PORT" "$3" <<'PY'
import os, sqlite3, subprocess, sys, time
t0, lsn, catalog, pid, timeout, n, port, marker = sys.argv[1:]
hi, lo = lsn.split("/"); target = (int(hi, 16) << 32) | int(lo, 16)
query = (f"SELECT uniqExact(_table) FROM merge('many', '^t_[0-9]+$') WHERE label = '{marker}'")
last_ch = time.time()
while True:
    try:
        db = sqlite3.connect(f"file:{catalog}?mode=ro", uri=True, timeout=1)
        ck = db.execute("SELECT checkpoint_lsn FROM pipes WHERE name = 'many'").fetchone()[0]
        db.close()
    except sqlite3.Error:
        ck = 0
    if ck >= target:
        print(f"{time.time() - float(t0):.2f} checkpoint"); break
    if time.time() - last_ch > 5:
        t_q = time.time()
        got = subprocess.run(["clickhouse-client", "--port", port, "--query", query],
                             capture_output=True, text=True).stdout.strip()
        last_ch = time.time()
        if got == n:
            print(f"{t_q - float(t0):.2f} clickhouse-poll"); break
    try:
        os.kill(int(pid), 0)
    except OSError:
        sys.exit("pg2ch exited")
    if time.time() - float(t0) > float(timeout):
        sys.exit(f"checkpoint short of {lsn} after {timeout} s")
    time.sleep(0.02)
PY
}
for r in "m1 1 1 0 cdc_apply_s" "m2 2 3 1 cdc_apply_per_txn_s"; do
  read -r marker id k per_txn label <<<"$r"
  t_a=$(now)
  lsn=$(cdc_round "$marker" "$id" "$k" "$per_txn")  # the end of the last commit record
  t_b=$(now)
  read -r applied_s via < <(wait_applied "$t_b" "$lsn" "$marker") ||
    { echo "waiting for $marker failed; log tail:" >&2; tail -20 "$log" >&2; exit 1; }
  # ClickHouse itself, right after: every table shows the marker (not FINAL: the new row is there)
  t_q=$(now); got=$(seen "$marker"); poll_s=$(elapsed "$t_q" "$(now)")
  [ "$got" = "$n" ] || { echo "$label: pg2ch's checkpoint passed $lsn but only $got of $n tables show $marker" >&2; exit 1; }
  echo "$label $applied_s (after the commit, by the $via; the $n changes took" \
    "$(elapsed "$t_a" "$t_b") s to commit; ClickHouse then showed all $n, in a $poll_s s query)"
done

# --- check every table: rows, and rows of each marker, FINAL and not deleted
sed "s/.*/SELECT '&', count(*), count(*) FILTER (WHERE label = 'm1'), count(*) FILTER (WHERE label = 'm2') FROM &/" \
  <<<"$names" | sed '2,$s/^/UNION ALL /' | psql -F $'\t' | sort >"$work/pg.tsv"
sed "s/.*/SELECT '&', count(), countIf(label = 'm1'), countIf(label = 'm2') FROM many.& FINAL WHERE _peerdb_is_deleted = 0;/" \
  <<<"$names" | clickhouse-client --port "$CH_TCP_PORT" --multiquery | sort >"$work/ch.tsv"
equal=$(comm -12 "$work/pg.tsv" "$work/ch.tsv" | wc -l)
echo "tables_equal $equal/$n"
if [ "$equal" != "$n" ]; then
  echo "differing tables (table, rows, m1 rows, m2 rows; PostgreSQL < > ClickHouse):" >&2
  diff "$work/pg.tsv" "$work/ch.tsv" | grep '^[<>]' | head -20 >&2 || true
fi
echo "load average $(loadavg); pg2ch log: $(wc -l <"$log") lines, $(grep -ciE '\b(warn|warning|error)\b' "$log" || true) warn/error"

kill -TERM "$pg2ch_pid"
rc=0; wait "$pg2ch_pid" || rc=$?
pg2ch_pid=
[ "$rc" = 0 ] || echo "pg2ch exited $rc after SIGTERM" >&2
[ "$equal" = "$n" ]
