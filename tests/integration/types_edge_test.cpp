// Values at the edges of their types, and values or types pg2ch must refuse loudly.
#include <gtest/gtest.h>
#include <signal.h>

#include "pipe_test_support.h"

namespace pg2ch::test {
namespace {

// On ClickHouse 18.16, dates and timestamps travel as their exact PostgreSQL text, so even BC
// dates and infinities round-trip.
TEST(TypesEdge, SpecialDateTimeAndNumberValuesRoundTrip) {
  TestDatabases dbs = NewTestDatabases("edge");
  PgExec(dbs.pg, R"sql(
    CREATE TABLE e (id int PRIMARY KEY, d date, ts timestamp, tstz timestamptz, t time,
                    n numeric(38,10), f real, big numeric(60,0));
    INSERT INTO e VALUES
      (1, 'infinity', 'infinity', '-infinity', '24:00:00', 9999999999999999999.9999999999, 'NaN', 1e59),  -- 18.16 prints Decimal128 wrongly beyond 19 integer digits: stay below
      (2, '0044-03-15 BC', '0044-03-15 12:00:00.000001 BC', '1900-01-01 00:00:00+00', '00:00:00.000001', -0.0000000001, '-Infinity', -1e59),
      (3, '2299-12-31', '1970-01-01 00:00:00', '2262-04-11 23:47:16.854775+00', '23:59:59.999999', 0, 3.4028235e38, 0),
      (4, NULL, NULL, NULL, NULL, NULL, NULL, NULL);
  )sql");
  PipeFiles files = WritePipe(dbs, "edge", {"public.e"});
  auto pg2ch = StartPg2ch(files);
  ASSERT_TRUE(WaitForState(files, "edge", PipeState::kRunning, 60)) << pg2ch->Output();
  PgExec(dbs.pg, "INSERT INTO e SELECT id + 10, d, ts, tstz, t, n, f, big FROM e");
  std::vector<CompareColumn> cols = {
      {"id::text", "toString(id)"},
      {"d::text", "toString(d)"},
      {"ts::text", "toString(ts)"},
      {"CASE WHEN tstz IS NULL THEN NULL WHEN isfinite(tstz) THEN (tstz AT TIME ZONE 'UTC')::text "
       "|| '+00' ELSE tstz::text END",
       "toString(tstz)"},
      {"t::text", "toString(t)"},
      {"n::text", "toString(n)", CompareColumn::kNumber},
      {"f::text", "toString(f)", CompareColumn::kFloat},
      {"big::text", "toString(big)", CompareColumn::kNumber},
  };
  EXPECT_EQ(WaitForEqual(dbs, "e", "e", cols, "id", 60), "") << pg2ch->Output();
  pg2ch->Signal(SIGTERM);
  EXPECT_EQ(pg2ch->Wait(30), 0);
}

TEST(TypesEdge, UnsupportedTypeFailsSetupNamingTableColumnAndType) {
  TestDatabases dbs = NewTestDatabases("unsupported");
  PgExec(dbs.pg, "CREATE TABLE u (id int PRIMARY KEY, span interval, addr inet)");
  PipeFiles files = WritePipe(dbs, "unsupported", {"public.u"});
  auto pg2ch = StartPg2ch(files);
  EXPECT_EQ(pg2ch->Wait(60), 1) << pg2ch->Output();
  EXPECT_EQ(CatalogState(files, "unsupported"), PipeState::kFailed);
  EXPECT_NE(LastError(files, "unsupported").find("column span has type interval"), std::string::npos)
      << LastError(files, "unsupported");
  EXPECT_EQ(ChQuery(dbs.ch, "SELECT count() FROM system.tables WHERE database = '" +
                                dbs.ch.database + "'"),
            "0\n");
}

// A value the destination type cannot hold stops the pipe with the value named; it is never
// skipped, and the slot does not confirm past it, so fixing the table and resyncing loses nothing.
TEST(TypesEdge, UnstorableValueFailsThePipeWithoutSkippingIt) {
  TestDatabases dbs = NewTestDatabases("nan");
  PgExec(dbs.pg, "CREATE TABLE n (id int PRIMARY KEY, amount numeric(10,2));"
                 "INSERT INTO n VALUES (1, 1.5)");
  PipeFiles files = WritePipe(dbs, "nan", {"public.n"});
  auto pg2ch = StartPg2ch(files);
  ASSERT_TRUE(WaitForState(files, "nan", PipeState::kRunning, 60)) << pg2ch->Output();
  auto slot_lsn = [&] {
    return PgQuery(dbs.pg, "SELECT confirmed_flush_lsn::text FROM pg_replication_slots WHERE "
                           "slot_name = 'peerflow_slot_nan'")[0][0];
  };
  std::string before = slot_lsn();
  PgExec(dbs.pg, "INSERT INTO n VALUES (2, 'NaN'), (3, 2.5)");
  EXPECT_EQ(pg2ch->Wait(60), 1) << pg2ch->Output();
  EXPECT_EQ(CatalogState(files, "nan"), PipeState::kFailed);
  std::string reason = LastError(files, "nan");
  EXPECT_NE(reason.find("table public.n column amount"), std::string::npos) << reason;
  EXPECT_NE(reason.find("'NaN'"), std::string::npos) << reason;
  EXPECT_EQ(slot_lsn(), before);
  EXPECT_EQ(ChCount(dbs, "n"), 1);  // row 3 of the same transaction was not written either
}

}  // namespace
}  // namespace pg2ch::test
