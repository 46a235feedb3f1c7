// Clients the tests use against the harness servers: PgExec/PgQuery (libpq, one connection per
// call: simple, and a failed test cannot leave a session in a broken state), ChQuery (libcurl,
// ClickHouse HTTP), NewTestDatabases and WaitUntil. Thread-safe: no shared state but a counter.
#include "harness/harness.h"

#include <curl/curl.h>
#include <libpq-fe.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <stdexcept>
#include <thread>

#include "harness/harness_internal.h"

namespace pg2ch::test {
namespace {

using PgConnPtr = std::unique_ptr<PGconn, decltype(&PQfinish)>;
using PgResultPtr = std::unique_ptr<PGresult, decltype(&PQclear)>;

std::string Abbrev(const std::string& sql) {
  return sql.size() <= 300 ? sql : sql.substr(0, 300) + "...";
}

PgConnPtr PgConnect(const PostgresEndpoint& pg) {
  std::string port = std::to_string(pg.port);
  const char* keys[] = {"host", "port", "user", "password", "dbname", "sslmode", "connect_timeout",
                        nullptr};
  const char* values[] = {
      pg.host.c_str(),    port.c_str(), pg.user.c_str(), pg.password.c_str(), pg.database.c_str(),
      pg.sslmode.c_str(), "10",         nullptr};
  PgConnPtr conn(PQconnectdbParams(keys, values, 0), &PQfinish);
  if (PQstatus(conn.get()) != CONNECTION_OK) {
    throw std::runtime_error("PostgreSQL connect to " + pg.host + ":" + port + "/" + pg.database +
                             ": " + PQerrorMessage(conn.get()));
  }
  // Tests run many `DROP ... IF EXISTS`: their NOTICEs would only bury real failures.
  PQsetNoticeProcessor(
      conn.get(), [](void*, const char*) {}, nullptr);
  return conn;
}

PgResultPtr PgRun(const PostgresEndpoint& pg, const std::string& sql) {
  PgConnPtr conn = PgConnect(pg);
  PgResultPtr res(PQexec(conn.get(), sql.c_str()), &PQclear);
  ExecStatusType status = PQresultStatus(res.get());
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
    throw std::runtime_error("PostgreSQL: " + std::string(PQerrorMessage(conn.get())) +
                             "in: " + Abbrev(sql));
  }
  return res;
}

size_t AppendBody(char* data, size_t size, size_t count, void* out) {
  static_cast<std::string*>(out)->append(data, size * count);
  return size * count;
}

std::string SanitizeHint(const std::string& hint) {
  std::string out;
  for (char c : hint) {
    if (c >= 'A' && c <= 'Z') c = char(c - 'A' + 'a');
    bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
    out += ok ? c : '_';
  }
  if (out.empty()) out = "db";
  return out.substr(0, 40);  // PostgreSQL truncates identifiers at 63 bytes
}

}  // namespace

namespace internal {

long HttpPost(const std::string& url, const std::string& body, const std::string& user,
              const std::string& password, std::string* response) {
  response->clear();
  std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> curl(curl_easy_init(), &curl_easy_cleanup);
  if (!curl) throw std::runtime_error("curl_easy_init failed");
  CURL* h = curl.get();
  curl_easy_setopt(h, CURLOPT_URL, url.c_str());
  curl_easy_setopt(h, CURLOPT_POST, 1L);
  curl_easy_setopt(h, CURLOPT_POSTFIELDS, body.data());
  curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
  curl_easy_setopt(h, CURLOPT_USERNAME, user.c_str());
  curl_easy_setopt(h, CURLOPT_PASSWORD, password.c_str());
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, &AppendBody);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, response);
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, 5L);
  curl_easy_setopt(h, CURLOPT_TIMEOUT, 600L);  // OPTIMIZE ... FINAL on big tables takes a while
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  CURLcode rc = curl_easy_perform(h);
  if (rc != CURLE_OK) {
    *response = curl_easy_strerror(rc);
    return 0;
  }
  long code = 0;
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
  return code;
}

}  // namespace internal

void PgExec(const PostgresEndpoint& pg, const std::string& sql) { PgRun(pg, sql); }

std::vector<std::vector<std::string>> PgQuery(const PostgresEndpoint& pg, const std::string& sql) {
  PgResultPtr res = PgRun(pg, sql);
  std::vector<std::vector<std::string>> rows(PQntuples(res.get()));
  int columns = PQnfields(res.get());
  for (int r = 0; r < int(rows.size()); ++r) {
    for (int c = 0; c < columns; ++c) {
      rows[r].push_back(PQgetisnull(res.get(), r, c) ? "\\N" : PQgetvalue(res.get(), r, c));
    }
  }
  return rows;
}

std::string ChQuery(const ClickHouseEndpoint& ch, const std::string& sql) {
  std::string url = ch.url;
  if (url.empty() || url.back() != '/') url += '/';
  if (!ch.database.empty()) url += "?database=" + ch.database;  // names are [a-z0-9_]
  std::string body;
  long code = internal::HttpPost(url, sql, ch.user, ch.password, &body);
  if (code != 200) {
    throw std::runtime_error("ClickHouse " +
                             (code == 0 ? "unreachable" : "HTTP " + std::to_string(code)) + ": " +
                             body + "in: " + Abbrev(sql));
  }
  return body;
}

TestDatabases NewTestDatabases(const std::string& hint, ChEngine engine) {
  static std::atomic<int> counter{0};
  const Servers& servers = GetServers();
  internal::CheckServersAlive();
  // Unique across engines too: one PostgreSQL serves them all.
  std::string name = "t_" + SanitizeHint(hint) + "_" + std::to_string(++counter);

  TestDatabases dbs;
  dbs.pg.host = servers.pg_host;
  dbs.pg.port = servers.pg_port;
  dbs.pg.user = "postgres";
  dbs.pg.password = kPgPassword;
  dbs.pg.sslmode = "disable";  // the test server has no certificate
  dbs.pg.database = "postgres";
  PgExec(dbs.pg, "CREATE DATABASE " + name);
  dbs.pg.database = name;

  dbs.engine = engine;
  dbs.ch.url = servers.ChUrl(engine);
  dbs.ch.user = "default";
  dbs.ch.password = "";
  ChQuery(dbs.ch, "CREATE DATABASE " + name);
  dbs.ch.database = name;
  return dbs;
}

bool WaitUntil(double timeout_seconds, const std::function<bool()>& predicate) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(timeout_seconds);
  while (true) {
    if (predicate()) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

}  // namespace pg2ch::test
