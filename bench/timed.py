#!/usr/bin/env python3
"""Runs one command for the CDC benchmarks and times it, with the CPU seconds each party used.

  timed.py --until exit -- CMD...                 until CMD exits (it must exit 0)
  timed.py --until state:Running --catalog F --pipe P -- CMD...
  timed.py --until checkpoint:LSN --catalog F --pipe P -- CMD...
      until the pipe's row in pg2ch's SQLite catalog has that state / a checkpoint >= LSN
      (the checkpoint is saved after ClickHouse acknowledged a batch, before PostgreSQL is told);
      then CMD gets SIGTERM and must exit 0 within 60 s.

Prints one JSON object; times in seconds over [start, condition met]:
  wall; cmd_cpu (CMD's CPU); pg_cpu (the postmaster and all its children: live ones from /proc,
  exited ones from the postmaster's cutime/cstime); walsender_cpu and walsender_runq (CPU, and
  time runnable but waiting for a CPU, of the walsenders seen while polling every POLL s: the
  last POLL of an exiting one can be missed); ch_cpu (the ClickHouse server, all threads);
  walsender_states and, unless --until exit, main_states / main_runq: where CMD's main thread
  and the walsender were, sampled every STATE_POLL s (see StateSampler).
Needs env PG_POSTMASTER_PID, CH_PID. A cheap profile: no perf on these machines.
"""
import argparse
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time

POLL = 0.05
STATE_POLL = 0.01  # sampling of CMD's main thread (what it is doing), see StateSampler
PROC = None  # CMD, once started
HZ = os.sysconf("SC_CLK_TCK")


def stat_fields(pid):
    with open(f"/proc/{pid}/stat") as f:
        s = f.read()
    return s[s.rindex(")") + 2:].split()  # fields from "state" (stat field 3) on


def cpu(pid, with_children=False):
    f = stat_fields(pid)
    ticks = int(f[11]) + int(f[12])  # utime, stime
    if with_children:
        ticks += int(f[13]) + int(f[14])  # cutime, cstime: reaped children
    return ticks / HZ


def pg_children(postmaster):
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            f = stat_fields(d)
            if int(f[1]) != postmaster:
                continue
            with open(f"/proc/{d}/cmdline", "rb") as c:
                title = c.read().decode(errors="replace")
            yield int(d), (int(f[11]) + int(f[12])) / HZ, "walsender" in title
        except (OSError, ValueError):
            continue  # exited meanwhile


def schedstat(path):
    """(ns on a CPU, ns runnable but waiting for one) of a task, from /proc/.../schedstat."""
    with open(path) as f:
        on_cpu, waiting, _ = f.read().split()
    return int(on_cpu), int(waiting)


class StateSampler:
    """What one thread (CMD's main thread, or the walsender) is doing, sampled every STATE_POLL:
    on a CPU or runnable, or blocked in which system call (x86-64 numbers). pg2ch waits for
    PostgreSQL in select (pselect6), for ClickHouse in poll (libcurl), for its SQLite catalog in
    fsync/fdatasync; a walsender waits in epoll_wait. Also its run-queue wait (schedstat)."""
    NAMES = {"R": "running or runnable", 270: "select (pg2ch: waiting for PostgreSQL)",
             23: "select (pg2ch: waiting for PostgreSQL)",
             7: "poll (pg2ch: waiting for ClickHouse)", 271: "poll (pg2ch: waiting for ClickHouse)",
             74: "fsync", 75: "fdatasync",
             232: "epoll_wait (walsender: client not reading, or no WAL)"}

    def __init__(self, pid):
        self.pid, self.counts = pid, {}
        self.start = schedstat(f"/proc/{pid}/schedstat") if pid else (0, 0)

    def sample(self):
        if not self.pid:
            return
        try:
            state = stat_fields(self.pid)[0]
            if state == "R":
                key = "R"
            else:
                with open(f"/proc/{self.pid}/syscall") as f:
                    first = f.read().split()[0]
                key = int(first) if first.isdigit() else first
        except OSError:
            return
        name = self.NAMES.get(key, f"other ({key})")
        self.counts[name] = self.counts.get(name, 0) + 1

    def result(self):
        try:
            on_cpu, waiting = schedstat(f"/proc/{self.pid}/schedstat")
        except OSError:  # exited (a walsender whose client left)
            on_cpu, waiting = self.start
        n = sum(self.counts.values()) or 1
        shares = ", ".join(f"{k} {v / n:.0%}" for k, v in
                           sorted(self.counts.items(), key=lambda kv: -kv[1]))
        return (on_cpu - self.start[0]) / 1e9, (waiting - self.start[1]) / 1e9, shares


class CpuMeter:
    def __init__(self, postmaster, ch_pid):
        self.postmaster, self.ch_pid = postmaster, ch_pid
        self.walsenders = {}  # pid -> [first seen cpu, last seen cpu, first runq, last runq]
        self.start = self.totals()
        self.sample()

    def totals(self):
        pg = cpu(self.postmaster, True) + sum(c for _, c, _ in pg_children(self.postmaster))
        return pg, cpu(self.ch_pid)

    def sample(self):
        for pid, c, is_walsender in pg_children(self.postmaster):
            if is_walsender:
                try:
                    runq = schedstat(f"/proc/{pid}/schedstat")[1] / 1e9
                except OSError:
                    continue
                w = self.walsenders.setdefault(pid, [c, c, runq, runq])
                w[1], w[3] = c, runq

    def result(self):
        pg, ch = self.totals()
        wal = sum(w[1] - w[0] for w in self.walsenders.values())
        wal_runq = sum(w[3] - w[2] for w in self.walsenders.values())
        return pg - self.start[0], wal, wal_runq, ch - self.start[1]


def catalog_row(path, pipe):
    if not os.path.exists(path):
        return None
    try:
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=1)
        try:
            return db.execute("SELECT state, checkpoint_lsn FROM pipes WHERE name = ?",
                              (pipe,)).fetchone()
        finally:
            db.close()
    except sqlite3.Error:
        return None  # not created yet, or busy: ask again


def parse_lsn(text):
    hi, lo = text.split("/")
    return (int(hi, 16) << 32) | int(lo, 16)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--until", required=True)
    ap.add_argument("--catalog")
    ap.add_argument("--pipe")
    ap.add_argument("--timeout", type=float, default=float(os.environ.get("BENCH_TIMEOUT", 1800)))
    ap.add_argument("--log", help="file for CMD's stderr (its tail is printed on failure)")
    ap.add_argument("cmd", nargs=argparse.REMAINDER)
    a = ap.parse_args()
    cmd = a.cmd[1:] if a.cmd[:1] == ["--"] else a.cmd
    kind, _, arg = a.until.partition(":")

    if kind == "state":
        done = lambda row: row is not None and row[0] == arg
    elif kind == "checkpoint":
        target = parse_lsn(arg)
        done = lambda row: row is not None and row[1] >= target
    elif kind != "exit":
        sys.exit(f"timed.py: bad --until {a.until}")

    def fail(msg):
        if a.log and os.path.exists(a.log):
            with open(a.log, errors="replace") as f:
                sys.stderr.write("".join(f.readlines()[-20:]))
        sys.exit(f"timed.py: {msg}")

    meter = CpuMeter(int(os.environ["PG_POSTMASTER_PID"]), int(os.environ["CH_PID"]))
    log = open(a.log, "ab") if a.log else None
    t0 = time.monotonic()
    global PROC
    proc = PROC = subprocess.Popen(cmd, stderr=log)
    states = StateSampler(proc.pid)
    wal_states = StateSampler(None)  # the walsender, once it shows up
    cmd_cpu = None
    next_poll = t0
    while True:
        time.sleep(STATE_POLL)
        states.sample()
        wal_states.sample()
        if time.monotonic() < next_poll:
            continue
        next_poll = time.monotonic() + POLL
        meter.sample()
        if meter.walsenders and not wal_states.pid:
            wal_states = StateSampler(max(meter.walsenders))
        if kind == "exit":
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                wall = time.monotonic() - t0
                proc.returncode = os.waitstatus_to_exitcode(status)
                if proc.returncode != 0:
                    fail(f"{cmd[0]} exited with {proc.returncode}")
                cmd_cpu = usage.ru_utime + usage.ru_stime
                break
        else:
            if done(catalog_row(a.catalog, a.pipe)):
                wall = time.monotonic() - t0
                cmd_cpu = cpu(proc.pid)
                _, cmd_runq, cmd_states = states.result()
                break
            if proc.poll() is not None:
                fail(f"{cmd[0]} exited with {proc.returncode} before {a.until}")
        if time.monotonic() - t0 > a.timeout:
            proc.kill()
            proc.wait()
            fail(f"{a.until} not reached in {a.timeout:.0f} s")
    if kind == "exit":  # let the postmaster reap CMD's walsender, so its CPU is in cutime
        for _ in range(100):
            if not any(os.path.exists(f"/proc/{pid}") for pid in meter.walsenders):
                break
            time.sleep(0.02)
    pg, wal, wal_runq, ch = meter.result()
    if kind != "exit":
        proc.send_signal(signal.SIGTERM)
        try:
            if proc.wait(timeout=60) != 0:
                fail(f"{cmd[0]} exited with {proc.returncode} after SIGTERM")
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
            fail(f"{cmd[0]} did not stop within 60 s of SIGTERM")
    out = {"wall": wall, "cmd_cpu": cmd_cpu, "pg_cpu": pg, "walsender_cpu": wal,
           "walsender_runq": wal_runq, "walsender_states": wal_states.result()[2], "ch_cpu": ch}
    if kind != "exit":  # sampled while CMD ran: its main thread's states and run-queue wait
        out.update(main_runq=cmd_runq, main_states=cmd_states)
    print(json.dumps(out))


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        sys.exit(130)
    finally:  # never leave CMD running behind us, whatever failed
        if PROC is not None and PROC.returncode is None and PROC.poll() is None:
            PROC.kill()
            PROC.wait()
