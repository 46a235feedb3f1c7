// Bad input: each mistake gets a clear message, the pipe (when one exists) is Failed with that
// reason, and nothing is written that should not be.
#include <gtest/gtest.h>

#include <fstream>

#include "harness/engine_test.h"
#include "pipe_test_support.h"

namespace pg2ch::test {
namespace {

class BadInput : public EngineTest {};

bool ChTableExists(const TestDatabases& dbs, const std::string& table) {
  return ChQuery(dbs.ch, "SELECT count() FROM system.tables WHERE database = '" + dbs.ch.database +
                             "' AND name = '" + table + "'") != "0\n";
}

TEST_P(BadInput, WrongPassword) {
  TestDatabases dbs = NewDatabases("badpw");
  const std::string pipe = PipeName("badpw");
  PgExec(dbs.pg, "CREATE TABLE t (id int PRIMARY KEY)");
  TestDatabases wrong = dbs;
  wrong.pg.password = "not-the-password";
  PipeFiles files = WritePipe(wrong, pipe, {"public.t"});
  ExpectPipeFails(files, pipe, "password authentication failed");
  EXPECT_FALSE(ChTableExists(dbs, "t"));
}

TEST_P(BadInput, UnknownTable) {
  TestDatabases dbs = NewDatabases("unknown");
  const std::string pipe = PipeName("unknown");
  PgExec(dbs.pg, "CREATE TABLE t (id int PRIMARY KEY)");
  PipeFiles files = WritePipe(dbs, pipe, {"public.t", "public.nope"});
  ExpectPipeFails(files, pipe, "source table public.nope does not exist");
  EXPECT_FALSE(ChTableExists(dbs, "t"));
  EXPECT_TRUE(PgQuery(dbs.pg, "SELECT 1 FROM pg_publication").empty());
}

// A table without key or identity in the user's own publication of updates: PostgreSQL already
// refuses the table's UPDATEs, and pg2ch says so instead of going on.
TEST_P(BadInput, TableWithoutIdentityInAPublicationOfUpdates) {
  TestDatabases dbs = NewDatabases("nopk");
  const std::string pipe = PipeName("nopk");
  PgExec(dbs.pg,
         "CREATE TABLE t (id int, v text); INSERT INTO t VALUES (1, 'a'); "
         "CREATE PUBLICATION mine FOR TABLE t");
  PipeFiles files = WritePipe(dbs, pipe, {"public.t"}, "\"publication\": \"mine\"");
  ExpectPipeFails(files, pipe,
                  "publication \"mine\" publishes updates or deletes and holds public.t, which has "
                  "no primary key and no replica identity");
  EXPECT_TRUE(
      PgQuery(dbs.pg, "SELECT 1 FROM pg_replication_slots WHERE database = current_database()")
          .empty());
}

// Runs once: ClickHouse is never reached.
TEST(BadInputOnce, UnreachableClickHouse) {
  TestDatabases dbs = NewTestDatabases("noch", TestEngines().front());
  PgExec(dbs.pg, "CREATE TABLE t (id int PRIMARY KEY)");
  TestDatabases wrong = dbs;
  wrong.ch.url = "http://127.0.0.1:1";
  PipeFiles files = WritePipe(wrong, "noch", {"public.t"});
  ExpectPipeFails(files, "noch", "http://127.0.0.1:1");
  // Nothing was set up on the source either.
  EXPECT_TRUE(PgQuery(dbs.pg, "SELECT 1 FROM pg_publication").empty());
}

// Runs once: the pipe file is refused before anything is contacted.
TEST(BadInputOnce, MalformedPipeFile) {
  TestDatabases dbs = NewTestDatabases("badjson", TestEngines().front());
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

PG2CH_INSTANTIATE_ENGINE_TESTS(BadInput);

}  // namespace
}  // namespace pg2ch::test
