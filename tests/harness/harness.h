// Test harness shared by every integration test: real PostgreSQL and ClickHouse servers on
// loopback, started once per test binary (a GoogleTest Environment in harness/main.cpp), stopped
// always (also when a test fails or the binary is interrupted).
//
// PostgreSQL: major version TestPgMajor() (PG2CH_TEST_PG, default 15: Debian's; 12, 13, 14, 16,
// 17, 18 from scripts/fetch-postgres.sh's cache). initdb into a throwaway dir owned by the
// unprivileged `postgres` user, wal_level=logical, a free port, TCP on 127.0.0.1 with scram-sha-256
// password auth (user `postgres`, password kPgPassword), replication allowed. ClickHouse, one
// server per engine of the run (TestEngines()), each with user `default` without password:
//   ch18  Debian's clickhouse-server 18.16 with a minimal config in a throwaway dir.
//   ch26  ClickHouse 26.7 as a library (libchdb, fetched by scripts/fetch-chdb.sh into
//         .cache/chdb/, or $PG2CH_CHDB_LIB) behind tests/chdb_server's HTTP front.
// Each test calls NewTestDatabases(hint, engine) for its own databases; tests that talk to
// ClickHouse run once per engine (harness/engine_test.h).
#pragma once

#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "pipe/pipe_config.h"

namespace pg2ch::test {

inline constexpr const char* kPgPassword = "pg2ch-test-password";

// The ClickHouse engines the integration tests run against.
enum class ChEngine {
  kCh18,  // clickhouse-server 18.16 (Debian): String fallbacks for dates, timestamps, wide Decimal
  kCh26,  // ClickHouse 26.7 (libchdb): DateTime64, Date32, Bool, Decimal up to 76 digits
};
const char* EngineName(ChEngine engine);  // "ch18", "ch26": test names, PG2CH_TEST_ENGINES
// True for the engines whose version gets pg2ch's modern types (ClickHouse >= 23).
inline bool IsModern(ChEngine engine) { return engine != ChEngine::kCh18; }
// The engines of this run: PG2CH_TEST_ENGINES, a comma list of engine names, or all of them.
// An unknown name ends the process with a message (exit code 2).
const std::vector<ChEngine>& TestEngines();

// The PostgreSQL major version of this run: PG2CH_TEST_PG, default 15. An unsupported value ends
// the process with a message (exit code 2).
int TestPgMajor();

// The run's TLS files (PEM), made at start: PostgreSQL and ClickHouse 18.16's HTTPS port serve
// `server_cert`, issued by `ca_cert` for 127.0.0.1 only (not for "localhost"). PostgreSQL runs
// with ssl = on and asks the user `certuser` (no such role until a test makes it) for a client
// certificate, `client_cert` (CN certuser). `other_ca_cert` signed none of them.
struct TestTls {
  std::string ca_cert, other_ca_cert, server_cert, server_key, client_cert, client_key;
};

struct Servers {
  int pg_port = 0;
  int pg_version_num = 0;  // server_version_num of the running server, e.g. 170010
  std::string pg_host = "127.0.0.1";
  std::string work_dir;  // throwaway dir for this run (logs, catalogs)
  // http://127.0.0.1:PORT of each engine of the run; throws std::logic_error for another one.
  const std::string& ChUrl(ChEngine engine) const;
  std::vector<std::pair<ChEngine, std::string>> ch_urls;
  std::string ch18_https_url;  // https://127.0.0.1:PORT of ch18, when it is in the run
  TestTls tls;
};
const Servers& GetServers();

// Faults on the run's servers, for the fault tests. Crash and kill return once the server is
// gone; the starts once it answers again, with its data (PostgreSQL recovers from its WAL).
void CrashPostgres();                  // SIGQUIT to the postmaster, as `pg_ctl stop -m immediate`
void StartPostgresAgain();             // same port and data directory
void KillClickHouse(ChEngine engine);  // SIGKILL
void StartClickHouseAgain(ChEngine engine);
void FreezeClickHouse(ChEngine engine, bool frozen);  // SIGSTOP / SIGCONT

struct TestDatabases {
  PostgresEndpoint pg;    // database created empty, credentials filled in
  ClickHouseEndpoint ch;  // database created empty on `engine`
  ChEngine engine = ChEngine::kCh18;
};
// Creates fresh, uniquely named databases on PostgreSQL and on the ClickHouse `engine` (name
// derived from `hint`).
TestDatabases NewTestDatabases(const std::string& hint, ChEngine engine);

// Runs SQL on PostgreSQL (simple query protocol, several statements allowed); throws
// std::runtime_error with the server's message on failure.
void PgExec(const PostgresEndpoint& pg, const std::string& sql);
// Rows of text values; NULL is returned as the string "\\N".
std::vector<std::vector<std::string>> PgQuery(const PostgresEndpoint& pg, const std::string& sql);
// Runs SQL on ClickHouse, returns the body (add FORMAT TabSeparated etc. yourself).
std::string ChQuery(const ClickHouseEndpoint& ch, const std::string& sql);

// A child process (the pg2ch binary): stdout+stderr captured to a file (truncated at start).
// It gets SIGKILL when the test binary dies; Linux ties that to the creating thread, so create
// it on a thread that outlives it (the test's own thread does).
class Process {
 public:
  Process(std::vector<std::string> argv, const std::string& log_path);
  ~Process();  // kills (SIGKILL) if still running
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;
  void Signal(int sig);
  // Waits up to timeout; returns the exit code (128+signal if killed), or -1 on timeout.
  int Wait(double timeout_seconds);
  bool Running();
  std::string Output() const;  // contents of the log so far
  int pid() const { return pid_; }

 private:
  int pid_ = -1;
  std::string log_path_;
  int status_ = -1;
  bool exited_ = false;
};

// Polls `predicate` every 100 ms until true or timeout; returns its last value.
bool WaitUntil(double timeout_seconds, const std::function<bool()>& predicate);

}  // namespace pg2ch::test
