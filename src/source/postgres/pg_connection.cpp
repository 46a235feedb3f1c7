#include "source/postgres/pg_connection.h"

#include "common/error.h"

namespace pg2ch {
namespace {

constexpr const char* kSessionOptions =
    "-c DateStyle=ISO -c TimeZone=UTC -c IntervalStyle=iso_8601 -c extra_float_digits=3 "
    "-c bytea_output=hex -c standard_conforming_strings=on";

bool Contains(const std::string& haystack, const char* needle) {
  return haystack.find(needle) != std::string::npos;
}

// libpq reports connect failures only as text; these mean retrying cannot help.
bool IsPermanentConnectFailure(const std::string& message) {
  return Contains(message, "password authentication failed") ||
         Contains(message, "no password supplied") || Contains(message, "pg_hba.conf") ||
         (Contains(message, "database \"") && Contains(message, "does not exist")) ||
         (Contains(message, "role \"") && Contains(message, "does not exist")) ||
         Contains(message, "permission denied");
}

std::string Trimmed(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

}  // namespace

[[noreturn]] void ThrowForSqlState(const std::string& sqlstate, const std::string& message) {
  // 08: connection exception, 57: operator intervention (shutdown, cancel), 53: insufficient
  // resources, 40001/40P01: serialization failure / deadlock, 55P03: lock not available (a lock
  // timeout: the holder lets go). Everything else will fail again.
  std::string cls = sqlstate.substr(0, 2);
  bool retryable = cls == "08" || cls == "57" || cls == "53" || sqlstate == "40001" ||
                   sqlstate == "40P01" || sqlstate == "55P03" || sqlstate.empty();
  throw PipeError(retryable ? ErrorKind::kRetryable : ErrorKind::kFatal, message);
}

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
  if (replication) {
    keys.push_back("replication");
    values.push_back("database");
  }
  keys.push_back(nullptr);
  values.push_back(nullptr);
  PGconn* conn = PQconnectdbParams(keys.data(), values.data(), 0);
  if (!conn) ThrowRetryable("PostgreSQL: out of memory while connecting");
  if (PQstatus(conn) != CONNECTION_OK) {
    std::string message = Trimmed(PQerrorMessage(conn));
    PQfinish(conn);
    std::string where = "PostgreSQL at " + e.host + ":" + port + " (database \"" + e.database +
                        "\", user \"" + e.user + "\"): ";
    throw PipeError(IsPermanentConnectFailure(message) ? ErrorKind::kFatal : ErrorKind::kRetryable,
                    where + message);
  }
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
