// One libpq connection (normal or replication), owned with RAII, with errors classified once.
//
// Every session pg2ch opens gets the same output settings, so values arrive in one text form the
// ClickHouse encoder understands: DateStyle=ISO, TimeZone=UTC, IntervalStyle=iso_8601,
// extra_float_digits=3 (shortest exact floats), bytea_output=hex, standard_conforming_strings=on.
// These apply to pgoutput too: the walsender formats tuples with its session's settings.
//
// Errors: a failed connect is kRetryable (server down, network) unless the server refused us for
// good (bad password, no such database or role, pg_hba): kFatal. Query errors are classified by
// SQLSTATE (connection/operator-intervention/resource classes retry, everything else is fatal).
// The password is passed to libpq as a parameter and never put into a message.
// Not thread-safe; one thread uses one connection.
#pragma once

#include <libpq-fe.h>

#include <memory>
#include <string>
#include <vector>

#include "source/postgres/postgres_endpoint.h"

namespace pg2ch {

struct PgResultDeleter {
  void operator()(PGresult* r) const { PQclear(r); }
};
using PgResult = std::unique_ptr<PGresult, PgResultDeleter>;

class PgConnection {
 public:
  static std::unique_ptr<PgConnection> Connect(const PostgresEndpoint& endpoint, bool replication);
  ~PgConnection();
  PgConnection(const PgConnection&) = delete;
  PgConnection& operator=(const PgConnection&) = delete;

  // Runs one or more statements; returns the last result. Throws a classified PipeError.
  PgResult Exec(const std::string& sql);
  // Runs a query and returns its rows as text ("" for NULL; check IsNull on the result if needed).
  std::vector<std::vector<std::string>> Query(const std::string& sql);
  // Throws the classified error for `result`, prefixed with `context`, if it is not a success.
  void Check(const PGresult* result, const std::string& context);

  PGconn* raw() { return conn_; }
  int server_version() const { return PQserverVersion(conn_); }
  std::string ErrorMessage() const;

 private:
  explicit PgConnection(PGconn* conn) : conn_(conn) {}
  PGconn* conn_;
};

// Throws the PipeError matching a SQLSTATE (e.g. "08006") and message.
[[noreturn]] void ThrowForSqlState(const std::string& sqlstate, const std::string& message);

}  // namespace pg2ch
