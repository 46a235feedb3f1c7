// Values at the edges of their types, and values or types pg2ch must refuse loudly.
#include <gtest/gtest.h>
#include <signal.h>

#include "harness/engine_test.h"
#include "pipe_test_support.h"

namespace pg2ch::test {
namespace {

class TypesEdge : public EngineTest {};

// Dates and timestamps beyond what ClickHouse can hold. On modern servers (Date32, DateTime64)
// they are clamped to 1900-01-01 .. 2299-12-31 23:59:59.999999, infinities to the ends, as
// ClickPipes does (README); the expected values are PostgreSQL's, clamped by the same rule. On
// 18.16 they travel as PostgreSQL's exact text, so BC dates and infinities round-trip.
TEST_P(TypesEdge, SpecialDateTimeAndNumberValues) {
  TestDatabases dbs = NewDatabases("edge");
  const std::string pipe = PipeName("edge");
  PgExec(dbs.pg, R"sql(
    CREATE TABLE e (id int PRIMARY KEY, d date, ts timestamp, tstz timestamptz, t time,
                    n numeric(38,10), f real, big numeric(60,0));
    INSERT INTO e VALUES
      (1, 'infinity', 'infinity', '-infinity', '24:00:00', 9999999999999999999.9999999999, 'NaN', 1e59),  -- 18.16 prints Decimal128 wrongly beyond 19 integer digits: stay below
      (2, '0044-03-15 BC', '0044-03-15 12:00:00.000001 BC', '1900-01-01 00:00:00+00', '00:00:00.000001', -0.0000000001, '-Infinity', -1e59),
      (3, '2299-12-31', '1970-01-01 00:00:00', '2262-04-11 23:47:16.854775+00', '23:59:59.999999', 0, 3.4028235e38, 0),
      (4, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
      (5, '1899-12-31', '1899-12-31 23:59:59.999999', '2300-01-01 00:00:00+00', '12:00', 1, 1, 1),
      (6, '1900-01-01', '2299-12-31 23:59:59.999999', '1900-01-01 00:00:00.000001+00', '12:00', 1, 1, 1);
  )sql");
  PipeFiles files = WritePipe(dbs, pipe, {"public.e"});
  auto pg2ch = StartPg2ch(files);
  ASSERT_TRUE(WaitForState(files, pipe, PipeState::kRunning, 60)) << pg2ch->Output();
  PgExec(dbs.pg, "INSERT INTO e SELECT id + 10, d, ts, tstz, t, n, f, big FROM e");
  using K = CompareColumn;
  std::vector<CompareColumn> cols = {{"id::text", "toString(id)"}};
  if (modern()) {
    // GREATEST and LEAST skip NULLs in PostgreSQL: keep them NULL.
    auto clamp = [](const std::string& column, const std::string& lo, const std::string& hi) {
      return "CASE WHEN " + column + " IS NOT NULL THEN LEAST(GREATEST(" + column + ", " + lo +
             "), " + hi + ") END";
    };
    cols.push_back({clamp("d", "'1900-01-01'", "'2299-12-31'") + "::text", "toString(d)"});
    cols.push_back(
        {"(" + clamp("ts", "'1900-01-01 00:00:00'", "'2299-12-31 23:59:59.999999'") + ")::text",
         "toString(ts)", K::kDateTime});
    cols.push_back(
        {"(" + clamp("tstz", "'1900-01-01 00:00:00+00'", "'2299-12-31 23:59:59.999999+00'") +
             " AT TIME ZONE 'UTC')::text",
         "toString(tstz)", K::kDateTime});
  } else {
    cols.push_back({"d::text", "toString(d)"});
    cols.push_back({"ts::text", "toString(ts)"});
    cols.push_back(
        {"CASE WHEN tstz IS NULL THEN NULL WHEN isfinite(tstz) THEN (tstz AT TIME "
         "ZONE 'UTC')::text || '+00' ELSE tstz::text END",
         "toString(tstz)"});
  }
  cols.push_back({"t::text", "toString(t)"});
  cols.push_back({"n::text", "toString(n)", K::kNumber});
  cols.push_back({"f::text", "toString(f)", K::kFloat});
  cols.push_back({"big::text", "toString(big)", K::kNumber});
  EXPECT_EQ(WaitForEqual(dbs, "e", "e", cols, "id", 60), "") << pg2ch->Output();
  if (modern()) {
    // The clamping really happened (and was not a String column compared as text).
    EXPECT_EQ(ChQuery(dbs.ch,
                      "SELECT toTypeName(d), toTypeName(ts), toTypeName(tstz), "
                      "toTypeName(big), toString(d), toString(ts), toString(tstz) FROM `" +
                          dbs.ch.database + "`.e WHERE id = 1 FORMAT TabSeparated"),
              "Nullable(Date32)\tNullable(DateTime64(6))\tNullable(DateTime64(6, \\'UTC\\'))\t"
              "Nullable(Decimal(60, 0))\t2299-12-31\t2299-12-31 23:59:59.999999\t"
              "1900-01-01 00:00:00.000000\n");
  }
  pg2ch->Signal(SIGTERM);
  EXPECT_EQ(pg2ch->Wait(30), 0);
}

// A value the destination type cannot hold stops the pipe with the value named; it is never
// skipped, and the slot does not confirm past it, so fixing the table and resyncing loses nothing.
TEST_P(TypesEdge, UnstorableValueFailsThePipeWithoutSkippingIt) {
  TestDatabases dbs = NewDatabases("nan");
  const std::string pipe = PipeName("nan");
  PgExec(dbs.pg,
         "CREATE TABLE n (id int PRIMARY KEY, amount numeric(10,2));"
         "INSERT INTO n VALUES (1, 1.5)");
  PipeFiles files = WritePipe(dbs, pipe, {"public.n"});
  auto pg2ch = StartPg2ch(files);
  ASSERT_TRUE(WaitForState(files, pipe, PipeState::kRunning, 60)) << pg2ch->Output();
  auto slot_lsn = [&] {
    return PgQuery(dbs.pg,
                   "SELECT confirmed_flush_lsn::text FROM pg_replication_slots WHERE "
                   "slot_name = 'peerflow_slot_" +
                       pipe + "'")[0][0];
  };
  std::string before = slot_lsn();
  PgExec(dbs.pg, "INSERT INTO n VALUES (2, 'NaN'), (3, 2.5)");
  EXPECT_EQ(pg2ch->Wait(60), 1) << pg2ch->Output();
  EXPECT_EQ(CatalogState(files, pipe), PipeState::kFailed);
  std::string reason = LastError(files, pipe);
  EXPECT_NE(reason.find("table public.n column amount"), std::string::npos) << reason;
  EXPECT_NE(reason.find("'NaN'"), std::string::npos) << reason;
  EXPECT_EQ(slot_lsn(), before);
  EXPECT_EQ(ChCount(dbs, "n"), 1);  // row 3 of the same transaction was not written either
}

PG2CH_INSTANTIATE_ENGINE_TESTS(TypesEdge);

}  // namespace
}  // namespace pg2ch::test
