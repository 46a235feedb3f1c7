// End to end: the real pg2ch binary replicating a table of every supported type, snapshot then
// CDC, compared row by row with PostgreSQL, on each ClickHouse engine.
#include <gtest/gtest.h>
#include <signal.h>

#include "all_types_fixture.h"
#include "harness/engine_test.h"
#include "pipe_test_support.h"

namespace pg2ch::test {
namespace {

constexpr double kCatchUpSeconds = 180;

class PipeEndToEnd : public EngineTest {};

TEST_P(PipeEndToEnd, SnapshotThenCdcOfEveryType) {
  TestDatabases dbs = NewDatabases("e2e");
  const std::string pipe = PipeName("e2e");
  CreateAllTypesTable(dbs.pg, "all_types");
  PgExec(dbs.pg, InsertAllTypesSql("all_types", 1, 100000));
  PipeFiles files = WritePipe(dbs, pipe, {"public.all_types"});
  auto pg2ch = StartPg2ch(files);

  ASSERT_TRUE(WaitForState(files, pipe, PipeState::kRunning, kCatchUpSeconds)) << pg2ch->Output();
  auto columns = AllTypesColumns();
  std::string diff =
      WaitForEqual(dbs, "public.all_types", "all_types", columns, "id", kCatchUpSeconds);
  ASSERT_EQ(diff, "") << pg2ch->Output();

  // 10,000 inserts in 100 transactions.
  for (int64_t from = 100001; from <= 110000; from += 100)
    PgExec(dbs.pg, InsertAllTypesSql("all_types", from, from + 99));
  // 5,000 updates in 50 transactions; rows with id % 100 == 0 carry a TOASTed c_wide that these
  // updates leave unchanged (pgoutput sends it as 'unchanged'), others get wide text written.
  for (int64_t from = 1; from <= 50000; from += 1000) {
    PgExec(dbs.pg,
           "UPDATE public.all_types SET c_text = 'updated ' || id, c_int4 = c_int4 + 1 "
           "WHERE id BETWEEN " +
               std::to_string(from) + " AND " + std::to_string(from + 999) + " AND id % 10 = 0");
  }
  PgExec(dbs.pg,
         "UPDATE public.all_types SET c_wide = repeat(md5((id + 7)::text), 90) "
         "WHERE id % 1000 = 300");
  // Key changes: the old key must disappear from ClickHouse.
  PgExec(dbs.pg, "UPDATE public.all_types SET id = id + 1000000 WHERE id % 1000 = 500");
  // 2,000 deletes in 20 transactions.
  for (int64_t from = 1; from <= 100000; from += 5000)
    PgExec(dbs.pg, "DELETE FROM public.all_types WHERE id % 50 = 1 AND id BETWEEN " +
                       std::to_string(from) + " AND " + std::to_string(from + 4999));
  // One 20,000-row transaction, with the same keys touched several times inside it.
  PgExec(dbs.pg, "BEGIN; " + InsertAllTypesSql("all_types", 200001, 220000) +
                     "; UPDATE public.all_types SET c_text = 'in txn' WHERE id BETWEEN 200001 AND "
                     "200100; DELETE FROM public.all_types WHERE id BETWEEN 200101 AND 200150; "
                     "COMMIT");

  diff = WaitForEqual(dbs, "public.all_types", "all_types", columns, "id", kCatchUpSeconds);
  ASSERT_EQ(diff, "") << pg2ch->Output();
  EXPECT_EQ(ChCount(dbs, "all_types"), PgCount(dbs, "public.all_types"));

  pg2ch->Signal(SIGTERM);
  EXPECT_EQ(pg2ch->Wait(30), 0) << pg2ch->Output();
  auto states = StateSequence(files, pipe);
  std::vector<PipeState> expected = {PipeState::kProvisioning, PipeState::kSetup,
                                     PipeState::kSnapshot, PipeState::kRunning};
  EXPECT_EQ(states, expected);
}

TEST_P(PipeEndToEnd, SnapshotOnlyPipeEndsCompleted) {
  TestDatabases dbs = NewDatabases("snaponly");
  const std::string pipe = PipeName("snaponly");
  CreateAllTypesTable(dbs.pg, "t");
  PgExec(dbs.pg, InsertAllTypesSql("t", 1, 3000));
  PipeFiles files = WritePipe(dbs, pipe, {"public.t:t_copy"}, "\"mode\": \"snapshot_only\"");
  auto pg2ch = StartPg2ch(files);
  ASSERT_EQ(pg2ch->Wait(120), 0) << pg2ch->Output();
  EXPECT_EQ(CatalogState(files, pipe), PipeState::kCompleted);
  EXPECT_EQ(DiffTables(dbs, "public.t", "t_copy", AllTypesColumns(), "id"), "");
  std::vector<PipeState> expected = {PipeState::kProvisioning, PipeState::kSetup,
                                     PipeState::kSnapshot, PipeState::kCompleted};
  EXPECT_EQ(StateSequence(files, pipe), expected);
  // No slot is left behind by a snapshot-only pipe.
  EXPECT_TRUE(PgQuery(dbs.pg,
                      "SELECT 1 FROM pg_replication_slots WHERE slot_name = "
                      "'peerflow_slot_" +
                          pipe + "'")
                  .empty());
}

// pull_batch_bytes pushes a batch long before its sync interval when its values are large.
TEST_P(PipeEndToEnd, BatchIsPushedOnceItsBytesReachTheLimit) {
  TestDatabases dbs = NewDatabases("batchbytes");
  const std::string pipe = PipeName("batchbytes");
  PgExec(dbs.pg, "CREATE TABLE w (id int PRIMARY KEY, v text NOT NULL)");
  PipeFiles files = WritePipe(dbs, pipe, {"public.w"},
                              "\"mode\": \"cdc_only\", \"sync_interval_seconds\": 120, "
                              "\"pull_batch_bytes\": 4096");
  auto pg2ch = StartPg2ch(files);
  ASSERT_TRUE(WaitForState(files, pipe, PipeState::kRunning, 60)) << pg2ch->Output();
  for (int i = 1; i <= 5; ++i)  // five transactions of 1 kB each
    PgExec(dbs.pg, "INSERT INTO w VALUES (" + std::to_string(i) + ", repeat('x', 1000))");
  // Far sooner than the 120 s interval: the fifth transaction takes the batch past 4 kB.
  EXPECT_TRUE(WaitUntil(30, [&] { return ChCount(dbs, "w") == 5; })) << pg2ch->Output();
  pg2ch->Signal(SIGINT);
  EXPECT_EQ(pg2ch->Wait(30), 0) << pg2ch->Output();
}

// `pg2ch run` with an edited pipe file: a table added to a Running pipe goes through Modifying
// and Snapshot; changing where the data goes is refused with a clear reason.
TEST_P(PipeEndToEnd, EditedPipeFileAddsATableOrIsRefused) {
  TestDatabases dbs = NewDatabases("editfile");
  const std::string pipe = PipeName("editfile");
  PgExec(dbs.pg,
         "CREATE TABLE e1 (id int PRIMARY KEY, v text); CREATE TABLE e2 (id int PRIMARY KEY, v "
         "text); INSERT INTO e1 SELECT g, 'a' || g FROM generate_series(1, 100) g; INSERT INTO e2 "
         "SELECT g, 'b' || g FROM generate_series(1, 200) g");
  PipeFiles files = WritePipe(dbs, pipe, {"public.e1"});
  auto first = StartPg2ch(files);
  ASSERT_TRUE(WaitForState(files, pipe, PipeState::kRunning, 60)) << first->Output();
  first->Signal(SIGINT);
  ASSERT_EQ(first->Wait(30), 0) << first->Output();

  WritePipe(dbs, pipe, {"public.e1", "public.e2:e2_ch"});
  auto second = StartPg2ch(files);
  ASSERT_TRUE(WaitUntil(60, [&] {
    return StateSequence(files, pipe).size() >= 7 &&
           CatalogState(files, pipe) == PipeState::kRunning;
  })) << second->Output();
  PgExec(dbs.pg, "INSERT INTO e2 VALUES (1000, 'after')");
  std::vector<CompareColumn> cols = {{"id::text", "toString(id)"}, {"v", "ifNull(v, '')"}};
  EXPECT_EQ(WaitForEqual(dbs, "e2", "e2_ch", cols, "id", 60), "") << second->Output();
  std::vector<PipeState> expected = {
      PipeState::kProvisioning, PipeState::kSetup,    PipeState::kSnapshot, PipeState::kRunning,
      PipeState::kModifying,    PipeState::kSnapshot, PipeState::kRunning};
  EXPECT_EQ(StateSequence(files, pipe), expected);
  second->Signal(SIGINT);
  ASSERT_EQ(second->Wait(30), 0) << second->Output();

  WritePipe(dbs, pipe, {"public.e1", "public.e2:e2_ch"}, "\"slot\": \"other_slot\"");
  auto third = StartPg2ch(files);
  EXPECT_NE(third->Wait(30), 0);
  EXPECT_NE(third->Output().find("publication or slot"), std::string::npos) << third->Output();
}

TEST_P(PipeEndToEnd, CdcOnlyPipeReplicatesOnlyNewRows) {
  TestDatabases dbs = NewDatabases("cdconly");
  const std::string pipe = PipeName("cdconly");
  CreateAllTypesTable(dbs.pg, "t");
  PgExec(dbs.pg, InsertAllTypesSql("t", 1, 500));
  PipeFiles files = WritePipe(dbs, pipe, {"public.t"}, "\"mode\": \"cdc_only\"");
  auto pg2ch = StartPg2ch(files);
  ASSERT_TRUE(WaitForState(files, pipe, PipeState::kRunning, 60)) << pg2ch->Output();
  PgExec(dbs.pg, InsertAllTypesSql("t", 1001, 1600));
  PgExec(dbs.pg, "UPDATE public.t SET c_text = 'u' WHERE id BETWEEN 1001 AND 1010");
  PgExec(dbs.pg, "DELETE FROM public.t WHERE id BETWEEN 1011 AND 1020");
  ASSERT_TRUE(WaitUntil(60, [&] { return ChCount(dbs, "t") == 590; })) << ChCount(dbs, "t") << "\n"
                                                                       << pg2ch->Output();
  EXPECT_EQ(
      DiffTables(dbs, "(SELECT * FROM public.t WHERE id > 1000)", "t", AllTypesColumns(), "id"),
      "");
  // TRUNCATE empties the ClickHouse table at its place in the stream: rows inserted in the
  // same transaction after it survive, rows before it do not.
  PgExec(dbs.pg,
         "BEGIN; INSERT INTO public.t SELECT * FROM gen_t(2001, 2010); TRUNCATE public.t; " +
             InsertAllTypesSql("t", 3001, 3005) + "; COMMIT");
  ASSERT_TRUE(WaitUntil(60, [&] { return ChCount(dbs, "t") == 5; })) << ChCount(dbs, "t") << "\n"
                                                                     << pg2ch->Output();
  EXPECT_EQ(DiffTables(dbs, "public.t", "t", AllTypesColumns(), "id"), "");
  std::vector<PipeState> expected = {PipeState::kProvisioning, PipeState::kSetup,
                                     PipeState::kRunning};
  EXPECT_EQ(StateSequence(files, pipe), expected);
  pg2ch->Signal(SIGINT);
  EXPECT_EQ(pg2ch->Wait(30), 0) << pg2ch->Output();
}

PG2CH_INSTANTIATE_ENGINE_TESTS(PipeEndToEnd);

}  // namespace
}  // namespace pg2ch::test
