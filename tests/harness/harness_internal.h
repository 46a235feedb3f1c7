// Harness internals shared by its .cpp files; tests use harness.h only.
//
// Child processes: Spawn() forks and execs with stdout+stderr going to a log file and stdin from
// /dev/null. Every live child pid is kept in a fixed-size table so that the async-signal-safe
// emergency stop (servers.cpp) can kill them from a signal handler.
//
// Server lifetime: StartServers() once per process (main thread, before any test), StopServers()
// any number of times (idempotent, also run by atexit and the signal handlers). Only the process
// that started the servers stops them: forked children (death tests, Spawn before exec) never do.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <string>
#include <vector>

#include "harness/harness.h"

namespace pg2ch::test::internal {

struct SpawnOptions {
  // setuid to `postgres` when we are root (PostgreSQL refuses to run as root).
  bool drop_to_postgres_user = false;
  // Sent to the child when we die, even by SIGKILL (0: none).
  int parent_death_signal = 0;
  std::string cwd;  // empty: inherit
  // In the emergency kill table; the servers are stopped their own way instead.
  bool track = true;
};

// The log is truncated first: one log per process. Throws std::runtime_error if the log cannot be
// opened or fork fails; an exec failure shows as exit code 127 with the reason in the log.
pid_t Spawn(const std::vector<std::string>& argv, const std::string& log_path,
            const SpawnOptions& options = {});

// Registry of live children for emergency kills; Untrack once reaped.
void TrackChild(pid_t pid);
void UntrackChild(pid_t pid);
void KillTrackedChildren() noexcept;  // async-signal-safe: SIGKILL to every tracked pid

// Waits for `pid` up to timeout (async-signal-safe); returns the raw wait status, -1 if still
// running; a pid that is not our child (already reaped) reads as exit code 255.
int WaitPid(pid_t pid, double timeout_seconds);
// Exit code, or 128+signal when killed by a signal.
int ExitCode(int wait_status);

std::string ReadFile(const std::string& path);  // empty if missing
std::string Tail(const std::string& text, size_t max_lines);

// POST `body` to `url` with basic auth; returns the HTTP status (0 if no answer, reason in
// *response).
long HttpPost(const std::string& url, const std::string& body, const std::string& user,
              const std::string& password, std::string* response);

// Each server's pid is stored into `pid` as soon as it is spawned, so that a failed start is
// still stopped; they return once the server answers queries, or throw with its log tail.
// StartPostgres returns the server's version number (server_version_num).
// `settings` ("name=value") are added to the server's command line. A `dir` whose data directory
// exists (a restart, or a copy made for a standby) is started as it is.
int StartPostgres(const std::string& dir, int port, const TestTls& tls, std::atomic<pid_t>& pid,
                  const std::vector<std::string>& settings = {});
// Distinct free TCP ports on 127.0.0.1.
std::vector<int> FreeTcpPorts(int count);
// The directory of the run's PostgreSQL binaries (initdb, postgres, pg_ctl).
std::string PgBinDir();
struct ClickHousePorts {
  int http = 0, tcp = 0, https = 0;
};
void StartClickHouse(const std::string& dir, const ClickHousePorts& ports, const TestTls& tls,
                     std::atomic<pid_t>& pid);
// Makes the run's certificates and keys in `dir` (a new directory) with openssl.
TestTls MakeTestCertificates(const std::string& dir);
// ClickHouse 26: tests/chdb_server's front over libchdb (ChdbLibraryPath()).
void StartChdbFront(const std::string& dir, int http_port, std::atomic<pid_t>& pid);
// $PG2CH_CHDB_LIB, else .cache/chdb/libchdb.so in the source tree (scripts/fetch-chdb.sh).
std::string ChdbLibraryPath();

void StartServers();          // throws std::runtime_error with the server's log tail
void StopServers() noexcept;  // idempotent
// Throws, naming the server and its log tail, if one died during the run: otherwise every later
// test only reports "connection refused".
void CheckServersAlive();
void InstallCleanupHandlers();  // atexit + fatal/termination signals + sanitizer death callback

}  // namespace pg2ch::test::internal
