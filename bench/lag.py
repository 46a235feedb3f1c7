#!/usr/bin/env python3
"""End-to-end lag probe for bench/lag.sh: a steady writer into PostgreSQL and a sampler of
ClickHouse, both on this machine (one clock).

  lag.py PG2CH_CMD_JSON CATALOG PIPE PSQL_CMD_JSON CH_HTTP_URL CH_TABLE RATE SECONDS

Starts pg2ch (PG2CH_CMD_JSON, a JSON list) and waits until the pipe is Running in the catalog.
Writer: one psql session fed on stdin; every 100 ms (on a fixed schedule, not drifting) one
autocommitted INSERT of RATE/10 rows, each row carrying clock_timestamp() in microseconds
(written_us), taken while the row is inserted, a few ms before its commit.
Sampler: every 50 ms, SELECT id, written_us FROM CH_TABLE WHERE id > <highest seen>; each newly
visible row's lag = the time the query was sent - written_us. So a lag is over-estimated by up to
the 50 ms sampling period (and under-estimated by at most one query's duration).
After the writer stops, samples until every row is visible (at most 60 s more), stops pg2ch
(SIGTERM) and prints the figures; the last line is p99 against the target (< 1 s).
"""
import http.client
import json
import signal
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.parse

TICK = 0.1
SAMPLE = 0.05


def pipe_state(catalog, pipe):
    try:
        db = sqlite3.connect(f"file:{catalog}?mode=ro", uri=True, timeout=1)
        try:
            row = db.execute("SELECT state FROM pipes WHERE name = ?", (pipe,)).fetchone()
        finally:
            db.close()
        return row[0] if row else None
    except sqlite3.Error:
        return None


def pct(sorted_values, p):
    return sorted_values[min(len(sorted_values) - 1, int(p / 100 * len(sorted_values)))]


def main():
    pg2ch_cmd, catalog, pipe = json.loads(sys.argv[1]), sys.argv[2], sys.argv[3]
    psql_cmd, ch_url, ch_table = json.loads(sys.argv[4]), sys.argv[5], sys.argv[6]
    rate, seconds = float(sys.argv[7]), float(sys.argv[8])

    procs = []
    try:
        pg2ch = subprocess.Popen(pg2ch_cmd, stderr=open(catalog + ".log", "ab"))
        procs.append(pg2ch)
        deadline = time.monotonic() + 60
        while pipe_state(catalog, pipe) != "Running":
            if pg2ch.poll() is not None or time.monotonic() > deadline:
                sys.exit(f"lag.py: pipe not Running (pg2ch exit code {pg2ch.poll()}); see "
                         f"{catalog}.log")
            time.sleep(0.05)

        writer = subprocess.Popen(psql_cmd, stdin=subprocess.PIPE, text=True)
        procs.append(writer)
        ticks = int(round(seconds / TICK))
        written = [0, None]  # rows handed to psql, monotonic end of writing

        def write():
            try:
                write_rows()
            except (BrokenPipeError, ValueError):
                pass  # psql is gone (its error is above, or we are being stopped): written[1] unset

        def write_rows():
            start = time.monotonic()
            done = 0
            for k in range(ticks):
                time.sleep(max(0.0, start + k * TICK - time.monotonic()))
                upto = int(round(rate * TICK * (k + 1)))
                if upto > done:
                    writer.stdin.write(
                        f"INSERT INTO lag_t SELECT g, (extract(epoch FROM clock_timestamp()) "
                        f"* 1000000)::bigint, 'row ' || g FROM generate_series({done + 1}, "
                        f"{upto}) g;\n")
                    writer.stdin.flush()
                    done = upto
            # The last INSERT stands for the rows of the last 100 ms: the run lasts ticks * TICK.
            time.sleep(max(0.0, start + ticks * TICK - time.monotonic()))
            writer.stdin.close()
            if writer.wait() == 0:
                written[0], written[1] = done, time.monotonic()

        t = threading.Thread(target=write, daemon=True)
        write_start = time.monotonic()
        t.start()

        u = urllib.parse.urlsplit(ch_url)
        conn = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
        lags = []  # seconds, one per row
        first_written = None
        last_written = 0
        last_id = 0
        give_up = None
        while True:
            sent = time.time()
            query = (f"SELECT id, written_us FROM {ch_table} WHERE id > {last_id} "
                     "ORDER BY id FORMAT TabSeparated")
            conn.request("POST", "/", body=query.encode())
            resp = conn.getresponse()
            body = resp.read().decode()
            if resp.status != 200:
                sys.exit(f"lag.py: ClickHouse answered {resp.status}: {body[:300]}")
            for line in body.splitlines():
                row_id, written_us = map(int, line.split("\t"))
                lags.append(sent - written_us / 1e6)
                last_id = max(last_id, row_id)
                first_written = written_us if first_written is None else first_written
                last_written = max(last_written, written_us)
            if not t.is_alive():
                give_up = give_up or time.monotonic() + 60
                if last_id >= written[0] or time.monotonic() > give_up:
                    break
            time.sleep(max(0.0, sent + SAMPLE - time.time()))
        t.join()
        pg2ch.send_signal(signal.SIGTERM)
        if pg2ch.wait(timeout=60) != 0:
            sys.exit(f"lag.py: pg2ch exited with {pg2ch.returncode}; see {catalog}.log")
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait()

    if written[1] is None:
        sys.exit("lag.py: the writer failed (psql's error is above)")
    total = written[0]
    write_secs = written[1] - write_start
    lags.sort()
    span = (last_written - first_written) / 1e6 if first_written is not None else 0
    print(f"writer: {total:,} rows in {write_secs:.1f} s = {total / write_secs:,.0f} rows/s "
          f"(first to last row stamp: {span:.2f} s); "
          f"{len(lags):,} rows seen in ClickHouse")
    if len(lags) != total:
        sys.exit(f"lag.py: only {len(lags)} of {total} rows reached ClickHouse")
    p50, p99, worst = pct(lags, 50), pct(lags, 99), lags[-1]
    print(f"lag (s): p50 {p50:.3f}  p90 {pct(lags, 90):.3f}  p99 {p99:.3f}  max {worst:.3f}  "
          f"min {lags[0]:.3f}")
    print(f"p99 lag {p99:.3f} s at {total / write_secs:,.0f} rows/s, p50 {p50:.3f} s, max "
          f"{worst:.3f} s: target p99 < 1 s {'met' if p99 < 1 else 'NOT met'}", flush=True)


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:  # Ctrl-C: main's finally already stopped pg2ch and the writer
        sys.exit(130)
