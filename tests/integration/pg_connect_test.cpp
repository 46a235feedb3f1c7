// Connection failures on a real server are classified by SQLSTATE and libpq's status, not by
// English text (connect_error.h): a refusal is fatal at once, an outage retryable, and a server
// that never answers is given up on within the connect timeout.
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>

#include "common/error.h"
#include "harness/harness.h"
#include "harness/network_cut.h"
#include "source/postgres/pg_connection.h"

namespace pg2ch::test {
namespace {

PipeError ConnectError(const PostgresEndpoint& endpoint) {
  try {
    PgConnection::Connect(endpoint, false);
  } catch (const PipeError& e) {
    return e;
  }
  throw std::runtime_error("connected to " + endpoint.host + ":" + std::to_string(endpoint.port));
}

TEST(PgConnectOnce, RefusalsAreFatalOutagesRetryable) {
  TestDatabases dbs = NewTestDatabases("pgconnect", TestEngines().front());
  ASSERT_NO_THROW(PgConnection::Connect(dbs.pg, true));

  PostgresEndpoint wrong = dbs.pg;
  wrong.password = "not the password";
  PipeError e = ConnectError(wrong);
  EXPECT_FALSE(e.retryable()) << e.what();
  EXPECT_NE(std::string(e.what()).find("28P01: password authentication failed"), std::string::npos)
      << e.what();
  EXPECT_EQ(std::string(e.what()).find("LOCATION"), std::string::npos) << e.what();
  EXPECT_EQ(std::string(e.what()).find("not the password"), std::string::npos) << e.what();

  PostgresEndpoint nodb = dbs.pg;
  nodb.database = "no_such_database";
  e = ConnectError(nodb);
  EXPECT_FALSE(e.retryable()) << e.what();
  EXPECT_NE(std::string(e.what()).find("does not exist"), std::string::npos) << e.what();

  PostgresEndpoint nobody = dbs.pg;
  nobody.user = "no_such_role";
  EXPECT_FALSE(ConnectError(nobody).retryable());

  PostgresEndpoint closed = dbs.pg;
  closed.port = 9;  // nothing listens: refused at once
  e = ConnectError(closed);
  EXPECT_TRUE(e.retryable()) << e.what();

  if (geteuid() != 0) GTEST_SKIP() << "the silent server needs root (iptables)";
  NetworkCut cut(dbs.pg.port);  // SYNs dropped: a server that never answers
  auto started = std::chrono::steady_clock::now();
  e = ConnectError(dbs.pg);
  double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  EXPECT_TRUE(e.retryable()) << e.what();
  EXPECT_NE(std::string(e.what()).find("no answer within 10 s"), std::string::npos) << e.what();
  EXPECT_GE(seconds, 9.5);
  EXPECT_LT(seconds, 15);
}

}  // namespace
}  // namespace pg2ch::test
