#!/usr/bin/env bash
# Soak: SOAK_MINUTES (default 30) of a write load through one snapshot_and_cdc pipe while faults
# hit it at random moments, then every table compared. On fresh local servers (PostgreSQL 15,
# ClickHouse 18.16, scripts/local-servers.sh):
#   tables  soak_k (keyed: inserts, updates and deletes of recent rows), soak_full (no key, REPLICA IDENTITY FULL,
#           duplicate rows: inserts, updates and deletes of one copy) and soak_log (no key, no
#           identity: append-only); every 25th transaction inserts 15,000 rows, past the pipe's
#           spill threshold (10,000).
#   load    one transaction at a time through PostgreSQL's unix socket, so it goes on while the
#           pipe's TCP connections are cut, as an application's would.
#   faults  every SOAK_GAP_MIN..SOAK_GAP_MAX s (default 10..40) one of, at random:
#             kill9     pg2ch killed -9 and started again
#             cut_pg    the network to PostgreSQL's port dropped (iptables, no reset) 5..60 s
#             cut_ch    the same for ClickHouse's HTTP port
#             ch_kill   ClickHouse killed -9 and started again
# At the end the network heals, the load stops, and each table is compared (sorted TSV of every
# column, PostgreSQL against ClickHouse FINAL without deleted rows; the keyless ones as
# multisets) once pg2ch caught up. Prints the faults injected of each kind, the transactions
# written, how long the catch-up took, whether the pipe ever went Failed, and per table
# equal / DIFFERENT; exit 1 on any difference or Failed. Needs root (iptables).
# Usage: bash bench/soak.sh   env: SOAK_MINUTES, SOAK_GAP_MIN, SOAK_GAP_MAX, SOAK_SEED,
#        PG2CH_BIN (default build/pg2ch), KEEP=1 (keep the work dir and pg2ch's log).
set -euo pipefail
cd "$(dirname "$0")/.."
minutes=${SOAK_MINUTES:-30}
gap_min=${SOAK_GAP_MIN:-10}
gap_max=${SOAK_GAP_MAX:-40}
RANDOM=${SOAK_SEED:-$$}
[[ $minutes =~ ^[0-9]+$ && $gap_min =~ ^[0-9]+$ && $gap_max =~ ^[0-9]+$ && $gap_max -ge $gap_min ]] ||
  { echo "SOAK_MINUTES, SOAK_GAP_MIN <= SOAK_GAP_MAX must be integers" >&2; exit 2; }
[ "$(id -u)" = 0 ] || { echo "soak.sh needs root (iptables)" >&2; exit 2; }
command -v iptables >/dev/null || { echo "install iptables (scripts/install-deps.sh)" >&2; exit 2; }
bin=$(realpath "${PG2CH_BIN:-build/pg2ch}")
[ -x "$bin" ] || { echo "build pg2ch first: cmake --build build --target pg2ch" >&2; exit 2; }

work=$(mktemp -d /tmp/pg2ch-soak-XXXXXX)
chmod 755 "$work"
cut_rules=()
heal() {
  for rule in "${cut_rules[@]}"; do
    # shellcheck disable=SC2086
    iptables -w -D INPUT -i lo -p tcp $rule -j DROP 2>/dev/null || true
  done
  cut_rules=()
}
cleanup() {
  heal
  [ -n "${writer_pid:-}" ] && kill "$writer_pid" 2>/dev/null || true
  [ -n "${pg2ch_pid:-}" ] && kill -9 "$pg2ch_pid" 2>/dev/null || true
  bash scripts/local-servers.sh stop "$work" >/dev/null 2>&1 || true
  if [ "${KEEP:-0}" = 1 ]; then echo "kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM
bash scripts/local-servers.sh start "$work" >/dev/null
# shellcheck disable=SC1091
source "$work/env"
psql_tcp=(psql -h 127.0.0.1 -p "$PGPORT" -U postgres -d postgres -v ON_ERROR_STOP=1 -qAt)
psql_sock=(psql -h "$work/pg" -p "$PGPORT" -U postgres -d postgres -v ON_ERROR_STOP=1 -qAt)
ch() { clickhouse-client --port "$CH_TCP_PORT" --query "$1"; }

"${psql_sock[@]}" <<'SQL'
CREATE TABLE soak_k (id bigserial PRIMARY KEY, v text NOT NULL, n int NOT NULL);
CREATE TABLE soak_full (v text, n int);
ALTER TABLE soak_full REPLICA IDENTITY FULL;
CREATE TABLE soak_log (at bigint NOT NULL, note text);
INSERT INTO soak_k (v, n) SELECT 'seed ' || g, g FROM generate_series(1, 20000) g;
INSERT INTO soak_full SELECT 'dup ' || (g % 500), g % 7 FROM generate_series(1, 5000) g;
INSERT INTO soak_log SELECT g, 'seed' FROM generate_series(1, 5000) g;
SQL
cat >"$work/pipe.json" <<JSON
{"name": "soak", "sync_interval_seconds": 0.5, "spill_threshold_changes": 10000,
 "source": {"host": "127.0.0.1", "port": $PGPORT, "user": "postgres", "database": "postgres", "sslmode": "disable"},
 "destination": {"url": "http://127.0.0.1:$CH_HTTP_PORT", "database": "soak", "timeout_seconds": 60},
 "tables": [{"source": "public.soak_k"}, {"source": "public.soak_full"}, {"source": "public.soak_log"}]}
JSON
start_pg2ch() {
  "$bin" run --catalog "$work/pg2ch.db" --pipe "$work/pipe.json" >>"$work/pg2ch.log" 2>&1 &
  pg2ch_pid=$!
}
start_pg2ch

# The writer: one psql per transaction over the socket; a failed one is counted and skipped.
cat >"$work/writer.sh" <<WRITER
i=0
while true; do
  i=\$((i + 1))
  if [ \$((i % 25)) = 0 ]; then big=15000; else big=5; fi
  "\${@}" -c "BEGIN;
    INSERT INTO soak_k (v, n) SELECT 'w\$i-' || g, g FROM generate_series(1, \$big) g;
    UPDATE soak_k SET n = n + 1, v = v || '+' WHERE id % 211 = \$((i % 211))
      AND id > (SELECT max(id) - 20000 FROM soak_k);
    DELETE FROM soak_k WHERE id IN (SELECT id FROM soak_k WHERE id % 97 = \$((i % 97))
      AND id > (SELECT max(id) - 20000 FROM soak_k) LIMIT 3);
    INSERT INTO soak_full SELECT 'dup ' || (g % 500), \$((i % 7)) FROM generate_series(1, 4) g;
    DELETE FROM soak_full WHERE ctid IN (SELECT ctid FROM soak_full WHERE v = 'dup \$((i % 500))' LIMIT 1);
    UPDATE soak_full SET n = n + 10 WHERE ctid IN (SELECT ctid FROM soak_full WHERE v = 'dup \$(((i + 7) % 500))' LIMIT 1);
    INSERT INTO soak_log VALUES (\$i, 'txn');
    COMMIT" >/dev/null 2>>"$work/writer.err" && echo ok >>"$work/writes" || echo failed >>"$work/writes"
done
WRITER
bash "$work/writer.sh" "${psql_sock[@]}" &
writer_pid=$!

restart_ch() {
  kill -9 "$(cat "$work/ch/pid")" 2>/dev/null || true
  sleep 1
  (cd "$work/ch" && nohup clickhouse-server --config-file="$work/ch/config.xml" \
     >>"$work/ch/stdout.log" 2>&1 & echo $! >"$work/ch/pid")
  for _ in $(seq 1 100); do
    curl -sf "http://127.0.0.1:$CH_HTTP_PORT/?query=SELECT%201" >/dev/null 2>&1 && return 0
    sleep 0.2
  done
  echo "ClickHouse did not come back" >&2; return 1
}
cut() {  # port seconds
  for side in --dport --sport; do
    iptables -w -A INPUT -i lo -p tcp "$side" "$1" -j DROP
    cut_rules+=("$side $1")
  done
  sleep "$2"
  heal
}

declare -A faults=([kill9]=0 [cut_pg]=0 [cut_ch]=0 [ch_kill]=0)
echo "soak: $minutes min, a fault every ${gap_min}-${gap_max} s; PostgreSQL $("${psql_sock[@]}" -c 'SHOW server_version'), ClickHouse $(ch 'SELECT version()'), $(nproc) cores"
end=$((SECONDS + minutes * 60))
while [ $SECONDS -lt $end ]; do
  sleep $((gap_min + RANDOM % (gap_max - gap_min + 1)))
  [ $SECONDS -lt $end ] || break
  case $((RANDOM % 4)) in
    0) kill -9 "$pg2ch_pid" 2>/dev/null || true; wait "$pg2ch_pid" 2>/dev/null || true
       start_pg2ch; kind=kill9 ;;
    1) cut "$PGPORT" $((5 + RANDOM % 56)); kind=cut_pg ;;
    2) cut "$CH_HTTP_PORT" $((5 + RANDOM % 56)); kind=cut_ch ;;
    3) restart_ch; kind=ch_kill ;;
  esac
  faults[$kind]=$((faults[$kind] + 1))
  echo "soak: $(date -u +%H:%M:%S) $kind (pg2ch $(kill -0 "$pg2ch_pid" 2>/dev/null && echo running || echo EXITED))"
  kill -0 "$pg2ch_pid" 2>/dev/null || start_pg2ch  # a pg2ch that exited is a finding; restarted
done
kill "$writer_pid"; wait "$writer_pid" 2>/dev/null || true; writer_pid=
kill -0 "$pg2ch_pid" 2>/dev/null || { echo "soak: pg2ch had exited before the end" >&2; start_pg2ch; }

dump_pg() { "${psql_sock[@]}" -F $'\t' -c "$1"; }
dump_ch() { ch "$1 FORMAT TSV"; }
compare() {  # prints the tables that differ
  local bad=""
  dump_pg "SELECT id, v, n FROM soak_k ORDER BY id" >"$work/pg_k"
  dump_ch "SELECT id, v, n FROM soak.soak_k FINAL WHERE _peerdb_is_deleted = 0 ORDER BY id" >"$work/ch_k" 2>/dev/null || true
  cmp -s "$work/pg_k" "$work/ch_k" || bad+=" soak_k"
  dump_pg "SELECT v, n FROM soak_full ORDER BY v, n" >"$work/pg_f"
  dump_ch "SELECT v, n FROM soak.soak_full FINAL WHERE _peerdb_is_deleted = 0 ORDER BY v, n" >"$work/ch_f" 2>/dev/null || true
  cmp -s "$work/pg_f" "$work/ch_f" || bad+=" soak_full"
  dump_pg "SELECT at, note FROM soak_log ORDER BY at, note" >"$work/pg_l"
  dump_ch "SELECT at, note FROM soak.soak_log FINAL WHERE _peerdb_is_deleted = 0 ORDER BY at, note" >"$work/ch_l" 2>/dev/null || true
  cmp -s "$work/pg_l" "$work/ch_l" || bad+=" soak_log"
  echo "$bad"
}
caught_up_start=$SECONDS
different=$(compare)
while [ -n "$different" ] && [ $((SECONDS - caught_up_start)) -lt 900 ]; do
  sleep 5
  different=$(compare)
done
history=$("$bin" status --catalog "$work/pg2ch.db" --pipe soak 2>/dev/null || true)
ok=$(grep -c '^ok$' "$work/writes" || true)
failed=$(grep -c '^failed$' "$work/writes" || true)
echo "soak: faults injected: kill9 ${faults[kill9]}, cut_pg ${faults[cut_pg]}, cut_ch ${faults[cut_ch]}, ch_kill ${faults[ch_kill]}"
echo "soak: transactions committed $ok (failed $failed); rows: soak_k $(wc -l <"$work/pg_k"), soak_full $(wc -l <"$work/pg_f"), soak_log $(wc -l <"$work/pg_l")"
echo "soak: caught up $((SECONDS - caught_up_start)) s after the load stopped"
status=0
if grep -q 'Failed' <<<"$history"; then echo "soak: the pipe went Failed:"; echo "$history"; status=1; fi
for t in soak_k soak_full soak_log; do
  if [[ " $different " == *" $t "* ]]; then echo "soak: $t DIFFERENT"; status=1; else echo "soak: $t equal"; fi
done
echo "soak: pg2ch log: $(grep -c 'warning' "$work/pg2ch.log" || true) warnings, $(grep -c ' error ' "$work/pg2ch.log" || true) errors"
exit $status
