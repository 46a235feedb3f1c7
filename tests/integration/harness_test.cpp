// Proves the test harness against the real servers: what every other integration test relies on
// (SQL both sides, logical WAL, password auth, isolated databases, child processes).
#include "harness/harness.h"

#include <gtest/gtest.h>
#include <libpq-fe.h>

#include <csignal>
#include <memory>
#include <string>

#include "harness/engine_test.h"

namespace pg2ch::test {
namespace {

using PgConnPtr = std::unique_ptr<PGconn, decltype(&PQfinish)>;

PgConnPtr Connect(const PostgresEndpoint& pg, const std::string& password,
                  const char* replication = nullptr) {
  std::string port = std::to_string(pg.port);
  const char* keys[] = {"host",   "port",    "user",        "password",
                        "dbname", "sslmode", "replication", nullptr};
  const char* values[] = {pg.host.c_str(),     port.c_str(), pg.user.c_str(), password.c_str(),
                          pg.database.c_str(), "disable",    replication,     nullptr};
  if (replication == nullptr) keys[6] = nullptr;
  return PgConnPtr(PQconnectdbParams(keys, values, 0), &PQfinish);
}

TEST(Harness, PostgresTableRoundTripWithNull) {
  TestDatabases dbs = NewTestDatabases("harness_pg", TestEngines().front());
  PgExec(dbs.pg,
         "CREATE TABLE t (id int PRIMARY KEY, name text);"
         "INSERT INTO t VALUES (1, 'one'), (2, NULL);");
  auto rows = PgQuery(dbs.pg, "SELECT id, name FROM t ORDER BY id");
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0], (std::vector<std::string>{"1", "one"}));
  EXPECT_EQ(rows[1], (std::vector<std::string>{"2", "\\N"}));
  EXPECT_TRUE(PgQuery(dbs.pg, "DELETE FROM t WHERE id = 3").empty());
  EXPECT_THROW(PgExec(dbs.pg, "SELECT * FROM no_such_table"), std::runtime_error);
}

TEST(Harness, PostgresWalLevelIsLogical) {
  TestDatabases dbs = NewTestDatabases("harness_wal", TestEngines().front());
  EXPECT_EQ(PgQuery(dbs.pg, "SHOW wal_level")[0][0], "logical");
  EXPECT_EQ(PgQuery(dbs.pg, "SHOW server_version_num")[0][0].substr(0, 2),
            std::to_string(TestPgMajor()));
  EXPECT_EQ(GetServers().pg_version_num / 10000, TestPgMajor());
}

TEST(Harness, PostgresPasswordAuth) {
  TestDatabases dbs = NewTestDatabases("harness_auth", TestEngines().front());
  PgConnPtr wrong = Connect(dbs.pg, "not-the-password");
  EXPECT_EQ(PQstatus(wrong.get()), CONNECTION_BAD);
  EXPECT_NE(std::string(PQerrorMessage(wrong.get())).find("password authentication failed"),
            std::string::npos)
      << PQerrorMessage(wrong.get());

  PgConnPtr right = Connect(dbs.pg, dbs.pg.password);
  EXPECT_EQ(PQstatus(right.get()), CONNECTION_OK) << PQerrorMessage(right.get());
}

TEST(Harness, PostgresLogicalReplicationConnection) {
  TestDatabases dbs = NewTestDatabases("harness_repl", TestEngines().front());
  PgConnPtr conn = Connect(dbs.pg, dbs.pg.password, "database");
  ASSERT_EQ(PQstatus(conn.get()), CONNECTION_OK) << PQerrorMessage(conn.get());
  std::unique_ptr<PGresult, decltype(&PQclear)> res(PQexec(conn.get(), "IDENTIFY_SYSTEM"),
                                                    &PQclear);
  ASSERT_EQ(PQresultStatus(res.get()), PGRES_TUPLES_OK) << PQerrorMessage(conn.get());
  EXPECT_EQ(std::string(PQgetvalue(res.get(), 0, 3)), dbs.pg.database);
}

class HarnessClickHouse : public EngineTest {};

TEST_P(HarnessClickHouse, VersionAndErrors) {
  TestDatabases dbs = NewDatabases("harness_ch");
  EXPECT_EQ(ChQuery(dbs.ch, "SELECT version()").substr(0, 3), modern() ? "26." : "18.");
  ChQuery(dbs.ch, "CREATE TABLE t (id UInt64, s Nullable(String)) ENGINE = MergeTree ORDER BY id");
  ChQuery(dbs.ch, "INSERT INTO t VALUES (1, 'a'), (2, NULL)");
  EXPECT_EQ(ChQuery(dbs.ch, "SELECT id, s FROM t ORDER BY id FORMAT TabSeparated"),
            "1\ta\n2\t\\N\n");
  try {
    ChQuery(dbs.ch, "SELECT * FROM no_such_table");
    FAIL() << "expected an exception";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("no_such_table"), std::string::npos) << e.what();
  }
}

TEST_P(HarnessClickHouse, DatabasesAreDistinct) {
  TestDatabases a = NewDatabases("Same Hint!");
  TestDatabases b = NewDatabases("Same Hint!");
  EXPECT_NE(a.pg.database, b.pg.database);
  EXPECT_NE(a.ch.database, b.ch.database);
  EXPECT_EQ(a.pg.database.rfind("t_same_hint__", 0), 0u) << a.pg.database;
  PgExec(a.pg, "CREATE TABLE only_in_a (x int)");
  EXPECT_EQ(PgQuery(b.pg, "SELECT count(*) FROM pg_class WHERE relname = 'only_in_a'")[0][0], "0");
  ChQuery(a.ch, "CREATE TABLE only_in_a (x UInt8) ENGINE = Memory");
  EXPECT_EQ(ChQuery(b.ch, "EXISTS TABLE only_in_a"), "0\n");
  EXPECT_EQ(ChQuery(a.ch, "EXISTS TABLE only_in_a"), "1\n");
}

PG2CH_INSTANTIATE_ENGINE_TESTS(HarnessClickHouse);

TEST(Harness, ProcessExitCodeAndOutput) {
  std::string log = GetServers().work_dir + "/process_test.log";
  Process p({"/bin/sh", "-c", "echo hi; exit 3"}, log);
  EXPECT_EQ(p.Wait(10), 3);
  EXPECT_EQ(p.Output(), "hi\n");
  EXPECT_FALSE(p.Running());
}

TEST(Harness, ProcessSignalAndTimeout) {
  std::string log = GetServers().work_dir + "/process_signal.log";
  Process p({"/bin/sh", "-c", "echo started >&2; exec sleep 30"}, log);
  EXPECT_TRUE(WaitUntil(5, [&] { return p.Output() == "started\n"; })) << p.Output();
  EXPECT_TRUE(p.Running());
  EXPECT_EQ(p.Wait(0.2), -1);
  p.Signal(SIGTERM);
  EXPECT_EQ(p.Wait(10), 128 + SIGTERM);
}

TEST(Harness, ProcessMissingBinary) {
  std::string log = GetServers().work_dir + "/process_missing.log";
  Process p({"/nonexistent/pg2ch"}, log);
  EXPECT_EQ(p.Wait(10), 127);
  EXPECT_NE(p.Output().find("/nonexistent/pg2ch"), std::string::npos) << p.Output();
}

}  // namespace
}  // namespace pg2ch::test
