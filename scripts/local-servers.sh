#!/usr/bin/env bash
# Starts (or stops) a throwaway PostgreSQL 15 (wal_level=logical) and ClickHouse on loopback,
# for the quickstart and the benchmarks. Tests use their own harness (tests/harness).
#   scripts/local-servers.sh start DIR   -> writes DIR/env with PGPORT, CH_HTTP_PORT, ...
#   scripts/local-servers.sh stop DIR
set -euo pipefail
cmd=${1:?start|stop}
dir=$(realpath -m "${2:?directory}")
pgbin=/usr/lib/postgresql/15/bin

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

as_postgres() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

stop() {
  if [ -f "$dir/pg/data/postmaster.pid" ]; then as_postgres "$pgbin/pg_ctl" -D "$dir/pg/data" -m fast stop >/dev/null || true; fi
  if [ -f "$dir/ch/pid" ]; then
    local pid
    pid=$(cat "$dir/ch/pid")
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    if kill -0 "$pid" 2>/dev/null; then kill -9 "$pid" 2>/dev/null || true; fi
    rm -f "$dir/ch/pid"
  fi
}

start() {
  stop
  rm -rf "$dir/pg" "$dir/ch"
  mkdir -p "$dir/pg" "$dir/ch"
  chmod 755 "$dir"  # the postgres user must reach its data dir inside
  local pgport chport chtcp
  pgport=$(free_port); chport=$(free_port); chtcp=$(free_port)
  [ "$(id -u)" = 0 ] && chown postgres "$dir/pg"
  as_postgres "$pgbin/initdb" -D "$dir/pg/data" -A trust -U postgres >"$dir/pg/initdb.log"
  as_postgres "$pgbin/pg_ctl" -D "$dir/pg/data" -l "$dir/pg/log" -w -o \
    "-p $pgport -c wal_level=logical -c listen_addresses=127.0.0.1 -k $dir/pg -c max_wal_size=4GB" start >/dev/null
  mkdir -p "$dir/ch/data" "$dir/ch/tmp" "$dir/ch/user_files" "$dir/ch/format_schemas"
  cat >"$dir/ch/users.xml" <<XML
<yandex>
  <profiles><default/></profiles>
  <users><default><password></password><networks><ip>127.0.0.1</ip><ip>::1</ip></networks>
    <profile>default</profile><quota>default</quota></default></users>
  <quotas><default/></quotas>
</yandex>
XML
  cat >"$dir/ch/config.xml" <<XML
<yandex>
  <logger><level>warning</level><log>$dir/ch/server.log</log><errorlog>$dir/ch/error.log</errorlog></logger>
  <http_port>$chport</http_port><tcp_port>$chtcp</tcp_port><listen_host>127.0.0.1</listen_host>
  <path>$dir/ch/data/</path><tmp_path>$dir/ch/tmp/</tmp_path>
  <user_files_path>$dir/ch/user_files/</user_files_path>
  <format_schema_path>$dir/ch/format_schemas/</format_schema_path>
  <users_config>$dir/ch/users.xml</users_config>
  <mark_cache_size>268435456</mark_cache_size>
</yandex>
XML
  # The server itself must be the background job (not a subshell around it): its pid is what
  # stop kills.
  (cd "$dir/ch" || exit 1
   nohup clickhouse-server --config-file="$dir/ch/config.xml" >"$dir/ch/stdout.log" 2>&1 &
   echo $! >"$dir/ch/pid")
  for _ in $(seq 1 100); do
    curl -sf "http://127.0.0.1:$chport/?query=SELECT%201" >/dev/null 2>&1 && break
    sleep 0.2
  done
  curl -sf "http://127.0.0.1:$chport/?query=SELECT%201" >/dev/null || { tail -20 "$dir/ch/error.log" >&2; exit 1; }
  cat >"$dir/env" <<ENV
PGHOST=127.0.0.1
PGPORT=$pgport
PGUSER=postgres
CH_HTTP_PORT=$chport
CH_TCP_PORT=$chtcp
ENV
  echo "PostgreSQL on 127.0.0.1:$pgport, ClickHouse HTTP on 127.0.0.1:$chport (TCP $chtcp)"
}

case "$cmd" in
  start) start ;;
  stop) stop ;;
  *) echo "usage: $0 start|stop DIR" >&2; exit 2 ;;
esac
