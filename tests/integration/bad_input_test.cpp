// Bad input: each mistake gets a clear message, the pipe (when one exists) is Failed with that
// reason, and nothing is written that should not be.
#include <gtest/gtest.h>

#include <fstream>

#include "pipe_test_support.h"

namespace pg2ch::test {
namespace {

void ExpectFailed(const PipeFiles& files, const std::string& pipe, const std::string& needle) {
  auto pg2ch = StartPg2ch(files);
  int code = pg2ch->Wait(120);
  std::string output = pg2ch->Output();
  EXPECT_EQ(code, 1) << output;
  EXPECT_EQ(CatalogState(files, pipe), PipeState::kFailed) << output;
  std::string reason = LastError(files, pipe);
  EXPECT_NE(reason.find(needle), std::string::npos) << "reason: " << reason;
  EXPECT_NE(output.find(needle), std::string::npos) << output;
  EXPECT_EQ(output.find(kPgPassword), std::string::npos) << "password leaked: " << output;
}

bool ChTableExists(const TestDatabases& dbs, const std::string& table) {
  return ChQuery(dbs.ch, "SELECT count() FROM system.tables WHERE database = '" + dbs.ch.database +
                             "' AND name = '" + table + "'") != "0\n";
}

TEST(BadInput, WrongPassword) {
  TestDatabases dbs = NewTestDatabases("badpw");
  PgExec(dbs.pg, "CREATE TABLE t (id int PRIMARY KEY)");
  TestDatabases wrong = dbs;
  wrong.pg.password = "not-the-password";
  PipeFiles files = WritePipe(wrong, "badpw", {"public.t"});
  ExpectFailed(files, "badpw", "password authentication failed");
  EXPECT_FALSE(ChTableExists(dbs, "t"));
}

TEST(BadInput, UnknownTable) {
  TestDatabases dbs = NewTestDatabases("unknown");
  PgExec(dbs.pg, "CREATE TABLE t (id int PRIMARY KEY)");
  PipeFiles files = WritePipe(dbs, "unknown", {"public.t", "public.nope"});
  ExpectFailed(files, "unknown", "source table public.nope does not exist");
  EXPECT_FALSE(ChTableExists(dbs, "t"));
  EXPECT_TRUE(PgQuery(dbs.pg, "SELECT 1 FROM pg_publication").empty());
}

TEST(BadInput, TableWithoutPrimaryKey) {
  TestDatabases dbs = NewTestDatabases("nopk");
  PgExec(dbs.pg, "CREATE TABLE t (id int, v text); INSERT INTO t VALUES (1, 'a')");
  PipeFiles files = WritePipe(dbs, "nopk", {"public.t"});
  ExpectFailed(files, "nopk", "source table public.t has no primary key");
  EXPECT_FALSE(ChTableExists(dbs, "t"));
  EXPECT_TRUE(PgQuery(dbs.pg, "SELECT 1 FROM pg_replication_slots WHERE database = current_database()").empty());
}

TEST(BadInput, UnreachableClickHouse) {
  TestDatabases dbs = NewTestDatabases("noch");
  PgExec(dbs.pg, "CREATE TABLE t (id int PRIMARY KEY)");
  TestDatabases wrong = dbs;
  wrong.ch.url = "http://127.0.0.1:1";
  PipeFiles files = WritePipe(wrong, "noch", {"public.t"});
  ExpectFailed(files, "noch", "http://127.0.0.1:1");
  // Nothing was set up on the source either.
  EXPECT_TRUE(PgQuery(dbs.pg, "SELECT 1 FROM pg_publication").empty());
}

TEST(BadInput, MalformedPipeFile) {
  TestDatabases dbs = NewTestDatabases("badjson");
  PipeFiles files = WritePipe(dbs, "badjson", {"public.t"});
  {
    std::ofstream out(files.pipe);
    out << "{\"name\": \"badjson\", \"source\": {";
  }
  auto pg2ch = StartPg2ch(files);
  EXPECT_EQ(pg2ch->Wait(30), 2);
  EXPECT_NE(pg2ch->Output().find("not valid JSON"), std::string::npos) << pg2ch->Output();
  EXPECT_EQ(CatalogState(files, "badjson"), std::nullopt);

  {
    std::ofstream out(files.pipe);
    out << "{\"name\": \"badjson\", \"tables\": []}";
  }
  auto again = StartPg2ch(files);
  EXPECT_EQ(again->Wait(30), 2);
  EXPECT_NE(again->Output().find("source: is required"), std::string::npos) << again->Output();
}

}  // namespace
}  // namespace pg2ch::test
