#!/usr/bin/env bash
# Quickstart: installs what pg2ch needs, builds it, starts a local PostgreSQL and ClickHouse,
# and runs a real pipe: an initial load of 10,000 rows, then live inserts, updates and deletes
# that you watch arrive in ClickHouse. Everything lives in .quickstart/ and is stopped at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
bash scripts/install-deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build --target pg2ch -j"$(nproc)"

work=$root/.quickstart
mkdir -p "$work"
bash scripts/local-servers.sh start "$work"
trap 'kill $PG2CH_PID 2>/dev/null || true; bash scripts/local-servers.sh stop "$work"' EXIT
# shellcheck disable=SC1091
source "$work/env"
psql() { command psql -h 127.0.0.1 -p "$PGPORT" -U postgres -d postgres -v ON_ERROR_STOP=1 -q "$@"; }
ch() { curl -sS --data-binary "$1" "http://127.0.0.1:$CH_HTTP_PORT/"; }

psql -c "CREATE TABLE orders (id bigint PRIMARY KEY, customer text NOT NULL, amount numeric(12,2),
           placed_at timestamptz NOT NULL DEFAULT now(), tags text[]);
         INSERT INTO orders SELECT g, 'customer ' || (g % 100), g * 1.25, now(), ARRAY['demo']
           FROM generate_series(1, 10000) g;"
cat >"$work/pipe.json" <<JSON
{
  "name": "quickstart",
  "source": {"host": "127.0.0.1", "port": $PGPORT, "user": "postgres", "password": "",
             "database": "postgres", "sslmode": "disable"},
  "destination": {"url": "http://127.0.0.1:$CH_HTTP_PORT", "database": "analytics"},
  "tables": [{"source": "public.orders", "target": "orders"}],
  "sync_interval_seconds": 1
}
JSON
rm -f "$work/catalog.db"
./build/pg2ch run --catalog "$work/catalog.db" --pipe "$work/pipe.json" 2>"$work/pg2ch.log" &
PG2CH_PID=$!

count() { ch "SELECT count() FROM analytics.orders FINAL WHERE _peerdb_is_deleted = 0" 2>/dev/null || echo 0; }
wait_for() {
  for _ in $(seq 1 300); do [ "$(count)" = "$1" ] && return 0; sleep 0.1; done
  echo "timed out waiting for $1 rows; log:"; tail -20 "$work/pg2ch.log"; exit 1
}
echo "== initial load"; wait_for 10000; echo "ClickHouse has $(count) rows"
echo "== live changes: 500 inserts, 100 updates, 50 deletes"
psql -c "INSERT INTO orders SELECT g, 'late ' || g, g, now(), NULL FROM generate_series(10001, 10500) g;
         UPDATE orders SET amount = amount * 2 WHERE id <= 100;
         DELETE FROM orders WHERE id BETWEEN 9951 AND 10000;"
start=$(date +%s.%N); wait_for 10450; end=$(date +%s.%N)
echo "ClickHouse has $(count) rows, $(python3 -c "print(f'{$end-$start:.2f}')") s after the commit"
ch "SELECT id, customer, amount, tags, _peerdb_version FROM analytics.orders FINAL
    WHERE _peerdb_is_deleted = 0 ORDER BY id LIMIT 3 FORMAT PrettyCompact"
kill -TERM $PG2CH_PID; wait $PG2CH_PID || true
./build/pg2ch status --catalog "$work/catalog.db"
echo "quickstart OK"
