#include "source/postgres/pg_connection.h"

#include <poll.h>

#include <cerrno>
#include <chrono>

#include "common/error.h"
#include "source/postgres/connect_error.h"

namespace pg2ch {
namespace {

constexpr const char* kSessionOptions =
    "-c DateStyle=ISO -c TimeZone=UTC -c IntervalStyle=iso_8601 -c extra_float_digits=3 "
    "-c bytea_output=hex -c standard_conforming_strings=on";

std::string Trimmed(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

}  // namespace

[[noreturn]] void ThrowForSqlState(const std::string& sqlstate, const std::string& message) {
  // 08: connection exception, 57: operator intervention (shutdown, cancel), 53: insufficient
  // resources, 40001/40P01: serialization failure / deadlock, 55P03: lock not available (a lock
  // timeout: the holder lets go). Everything else will fail again.
  throw PipeError(SqlStateKind(sqlstate), message);
}

namespace {

constexpr int kConnectTimeoutMs = 10000;

// Drives an asynchronous connect to its end (PQconnectPoll's protocol); false on timeout. The
// asynchronous form lets the attempt run with VERBOSE errors, which carry the SQLSTATE.
bool FinishConnect(PGconn* conn) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(kConnectTimeoutMs);
  PostgresPollingStatusType status = PGRES_POLLING_WRITING;
  while (status != PGRES_POLLING_OK && status != PGRES_POLLING_FAILED) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                    deadline - std::chrono::steady_clock::now())
                    .count();
    if (left <= 0) return false;
    // poll, not select: FD_SET is undefined for descriptors >= 1024.
    pollfd fd{PQsocket(conn),
              static_cast<short>(status == PGRES_POLLING_READING ? POLLIN : POLLOUT), 0};
    int ready = poll(&fd, 1, static_cast<int>(left));
    if (ready < 0 && errno != EINTR) return false;
    if (ready <= 0) continue;
    status = PQconnectPoll(conn);
  }
  return true;
}

}  // namespace

std::unique_ptr<PgConnection> PgConnection::Connect(const PostgresEndpoint& e, bool replication) {
  std::string port = std::to_string(e.port);
  // A server that vanished without a reset (a network cut, a frozen host) is noticed within
  // about 30 s instead of TCP's ~15 minutes of retransmissions: keepalive probes after 10 s of
  // silence, every 5 s, and tcp_user_timeout for data sent but never acknowledged (the CDC
  // loop's status updates, every 10 s, are such data). README "Network faults".
  std::vector<const char*> keys = {"host",
                                   "port",
                                   "user",
                                   "password",
                                   "dbname",
                                   "sslmode",
                                   "options",
                                   "application_name",
                                   "connect_timeout",
                                   "keepalives",
                                   "keepalives_idle",
                                   "keepalives_interval",
                                   "keepalives_count",
                                   "tcp_user_timeout"};
  std::vector<const char*> values = {e.host.c_str(),
                                     port.c_str(),
                                     e.user.c_str(),
                                     e.password.c_str(),
                                     e.database.c_str(),
                                     e.sslmode.c_str(),
                                     kSessionOptions,
                                     e.application_name.c_str(),
                                     "10",
                                     "1",
                                     "10",
                                     "5",
                                     "3",
                                     "30000"};
  // Only when set: libpq then looks in ~/.postgresql/ as it would for any client.
  const std::pair<const char*, const std::string*> tls_files[] = {
      {"sslrootcert", &e.sslrootcert}, {"sslcert", &e.sslcert}, {"sslkey", &e.sslkey}};
  for (const auto& [key, value] : tls_files) {
    if (value->empty()) continue;
    keys.push_back(key);
    values.push_back(value->c_str());
  }
  if (replication) {
    keys.push_back("replication");
    values.push_back("database");
  }
  keys.push_back(nullptr);
  values.push_back(nullptr);
  PGconn* conn = PQconnectStartParams(keys.data(), values.data(), 0);
  if (!conn) ThrowRetryable("PostgreSQL: out of memory while connecting");
  PQsetErrorVerbosity(conn, PQERRORS_VERBOSE);
  bool finished = PQstatus(conn) != CONNECTION_BAD && FinishConnect(conn);
  if (!finished || PQstatus(conn) != CONNECTION_OK) {
    std::string message =
        finished || PQstatus(conn) == CONNECTION_BAD
            ? WithoutLocation(PQerrorMessage(conn))
            : "no answer within " + std::to_string(kConnectTimeoutMs / 1000) + " s";
    ErrorKind kind = ClassifyConnectFailure(PQerrorMessage(conn), PQconnectionNeedsPassword(conn));
    if (!finished) kind = ErrorKind::kRetryable;
    PQfinish(conn);
    std::string where = "PostgreSQL at " + e.host + ":" + port + " (database \"" + e.database +
                        "\", user \"" + e.user + "\"): ";
    throw PipeError(kind, where + message);
  }
  PQsetErrorVerbosity(conn, PQERRORS_DEFAULT);  // statements' errors read as users know them
  return std::unique_ptr<PgConnection>(new PgConnection(conn));
}

PgConnection::~PgConnection() { PQfinish(conn_); }

std::string PgConnection::ErrorMessage() const { return Trimmed(PQerrorMessage(conn_)); }

void PgConnection::Check(const PGresult* result, const std::string& context) {
  ExecStatusType status = result ? PQresultStatus(result) : PGRES_FATAL_ERROR;
  if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK || status == PGRES_COPY_OUT ||
      status == PGRES_COPY_IN || status == PGRES_COPY_BOTH)
    return;
  const char* state = result ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
  std::string message = result ? Trimmed(PQresultErrorMessage(result)) : ErrorMessage();
  if (message.empty()) message = ErrorMessage();
  if (PQstatus(conn_) == CONNECTION_BAD)  // the server went away mid-statement
    ThrowRetryable("PostgreSQL: " + context + ": connection lost: " + message);
  ThrowForSqlState(state ? state : "", "PostgreSQL: " + context + ": " + message);
}

PgResult PgConnection::Exec(const std::string& sql) {
  PgResult result(PQexec(conn_, sql.c_str()));
  Check(result.get(), sql.size() > 120 ? sql.substr(0, 120) + "..." : sql);
  return result;
}

std::vector<std::vector<std::string>> PgConnection::Query(const std::string& sql) {
  PgResult r = Exec(sql);
  std::vector<std::vector<std::string>> rows;
  int n = PQntuples(r.get()), m = PQnfields(r.get());
  rows.reserve(n);
  for (int i = 0; i < n; ++i) {
    std::vector<std::string> row;
    row.reserve(m);
    for (int j = 0; j < m; ++j)
      row.emplace_back(PQgetvalue(r.get(), i, j), PQgetlength(r.get(), i, j));
    rows.push_back(std::move(row));
  }
  return rows;
}

}  // namespace pg2ch
