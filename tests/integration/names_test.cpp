// Identifiers as users write them: dots, quotes, spaces, upper case, reserved words of either
// side, and 63-byte names, in schemas, tables and columns, through snapshot and CDC.
#include <gtest/gtest.h>
#include <signal.h>

#include "harness/engine_test.h"
#include "pipe_test_support.h"

namespace pg2ch::test {
namespace {

constexpr double kWait = 120;

class Names : public EngineTest {};

TEST_P(Names, OddIdentifiersReplicate) {
  TestDatabases dbs = NewDatabases("names");
  const std::string pipe = PipeName("names");
  const std::string long_table(63, 't');  // PostgreSQL's limit: 63 bytes
  const std::string long_column = "c" + std::string(62, 'x');
  PgExec(dbs.pg, R"sql(
    CREATE SCHEMA "My Schema";
    CREATE TABLE "My Schema"."order.items" (
      "select" int PRIMARY KEY, "Weird ""quote"" col" text, "with.dot" text, "UPPER" int,
      "from" text, "FINAL" text, "back`tick" text, "sp ace" text);
    CREATE TABLE public.)sql" +
                     long_table + " (\"" + long_column + "\" bigint PRIMARY KEY, \"Group\" text);" +
                     R"sql(
    INSERT INTO "My Schema"."order.items"
      SELECT i, 'q"' || i, 'd.' || i, i * 2, 'f' || i, 'x', '`' || i, ' ' || i
      FROM generate_series(1, 500) i;
  )sql" + "INSERT INTO public." +
                     long_table + " SELECT i, 'g' || i FROM generate_series(1, 50) i");
  PipeFiles files = WritePipe(dbs, pipe, {"My Schema.order.items", "public." + long_table});
  auto pg2ch = StartPg2ch(files);
  ASSERT_TRUE(WaitForState(files, pipe, PipeState::kRunning, kWait)) << pg2ch->Output();

  std::vector<CompareColumn> items = {{"\"select\"::text", "toString(`select`)"},
                                      {"\"Weird \"\"quote\"\" col\"", "`Weird \"quote\" col`"},
                                      {"\"with.dot\"", "`with.dot`"},
                                      {"\"UPPER\"::text", "toString(`UPPER`)"},
                                      {"\"from\"", "`from`"},
                                      {"\"FINAL\"", "`FINAL`"},
                                      {"\"back`tick\"", "`back\\`tick`"},
                                      {"\"sp ace\"", "`sp ace`"}};
  std::vector<CompareColumn> longs = {
      {"\"" + long_column + "\"::text", "toString(`" + long_column + "`)"},
      {"\"Group\"", "`Group`"}};
  const std::string items_pg = "\"My Schema\".\"order.items\"";
  auto ExpectBothEqual = [&] {
    EXPECT_EQ(WaitForEqual(dbs, items_pg, "order.items", items, "\"select\"", kWait), "")
        << pg2ch->Output();
    EXPECT_EQ(WaitForEqual(dbs, "public." + long_table, long_table, longs,
                           "\"" + long_column + "\"", kWait),
              "")
        << pg2ch->Output();
  };
  ExpectBothEqual();

  PgExec(dbs.pg, "INSERT INTO " + items_pg +
                     " SELECT i, 'new', NULL, NULL, NULL, NULL, NULL, NULL FROM "
                     "generate_series(501, 600) i; UPDATE " +
                     items_pg +
                     " SET \"Weird \"\"quote\"\" col\" = 'upd' WHERE \"select\" % 3 = 0; "
                     "DELETE FROM " +
                     items_pg + " WHERE \"select\" % 7 = 0; UPDATE public." + long_table +
                     " SET \"Group\" = 'G' WHERE \"" + long_column + "\" < 10");
  ExpectBothEqual();
  pg2ch->Signal(SIGTERM);
  EXPECT_EQ(pg2ch->Wait(30), 0) << pg2ch->Output();
}

PG2CH_INSTANTIATE_ENGINE_TESTS(Names);

}  // namespace
}  // namespace pg2ch::test
