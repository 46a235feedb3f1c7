// Durability: kill -9 in the middle of CDC under write load loses nothing and the slot never
// confirms past what ClickHouse holds; a transaction straddling the slot's consistent point is
// applied exactly once with the right version.
#include <gtest/gtest.h>
#include <signal.h>

#include <atomic>
#include <regex>
#include <set>
#include <thread>

#include "catalog/sqlite_catalog.h"
#include "core/lsn.h"
#include "harness/engine_test.h"
#include "pipe_test_support.h"
#include "source/postgres/pg_connection.h"

namespace pg2ch::test {
namespace {

std::vector<CompareColumn> CrashColumns() {
  return {{"id::text", "toString(id)"}, {"v", "v"}, {"n::text", "toString(n)"}};
}

// Writes small transactions (inserts and updates) until told to stop.
class Durability : public EngineTest {};

TEST_P(Durability, KillNineUnderLoadLosesNothingAndNeverOverConfirms) {
  TestDatabases dbs = NewDatabases("crash");
  const std::string pipe = PipeName("crash");
  PgExec(dbs.pg,
         "CREATE TABLE crash_t (id bigserial PRIMARY KEY, v text NOT NULL, n int NOT NULL);"
         "INSERT INTO crash_t (v, n) SELECT 'seed ' || g, g FROM generate_series(1, 1000) g");
  // A witness slot sees every transaction with its commit LSN, to check the pipe's slot against.
  PgExec(dbs.pg, "SELECT pg_create_logical_replication_slot('witness_" + dbs.pg.database +
                     "', 'test_decoding')");
  PipeFiles files = WritePipe(dbs, pipe, {"public.crash_t"}, "\"sync_interval_seconds\": 0.2");
  auto pg2ch = StartPg2ch(files);
  ASSERT_TRUE(WaitForState(files, pipe, PipeState::kRunning, 60)) << pg2ch->Output();

  const std::string slot = "peerflow_slot_" + pipe;
  const std::string before_load = PgQuery(dbs.pg, "SELECT pg_current_wal_lsn()::text")[0][0];
  BackgroundWrites load(dbs.pg, [](int round) {
    return "BEGIN; INSERT INTO crash_t (v, n) SELECT 'load ' || g, g FROM generate_series(1, 20) "
           "g; UPDATE crash_t SET n = n + 1, v = v || '+' WHERE id % 97 = " +
           std::to_string(round % 97) + "; COMMIT";
  });
  // Let several batches land and be confirmed to the slot (rows show in ClickHouse a moment
  // before the checkpoint and the confirmation follow), then kill without warning.
  ASSERT_TRUE(WaitUntil(60, [&] {
    return ChCount(dbs, "crash_t") > 3000 &&
           PgQuery(dbs.pg, "SELECT confirmed_flush_lsn > '" + before_load +
                               "'::pg_lsn FROM pg_replication_slots WHERE slot_name = '" + slot +
                               "'")[0][0] == "t";
  })) << pg2ch->Output();
  pg2ch->Signal(SIGKILL);
  ASSERT_EQ(pg2ch->Wait(10), 128 + SIGKILL);

  // Every transaction the slot confirmed must be in ClickHouse: collect the ids inserted by
  // transactions whose commit ends at or before the confirmed LSN.
  Lsn confirmed = *ParseLsn(PgQuery(dbs.pg,
                                    "SELECT confirmed_flush_lsn::text FROM "
                                    "pg_replication_slots WHERE slot_name = '" +
                                        slot + "'")[0][0]);
  auto changes =
      PgQuery(dbs.pg, "SELECT lsn::text, data FROM pg_logical_slot_peek_changes('witness_" +
                          dbs.pg.database + "', NULL, NULL)");
  std::regex id_re("^table public\\.crash_t: INSERT: id\\[bigint\\]:([0-9]+)");
  std::vector<std::string> pending;
  std::set<std::string> confirmed_ids;
  for (const auto& row : changes) {
    std::smatch m;
    if (std::regex_search(row[1], m, id_re)) pending.push_back(m[1]);
    if (row[1].rfind("COMMIT", 0) == 0) {
      if (*ParseLsn(row[0]) <= confirmed) confirmed_ids.insert(pending.begin(), pending.end());
      pending.clear();
    }
  }
  ASSERT_FALSE(confirmed_ids.empty());
  std::string in_ch = ChQuery(
      dbs.ch, "SELECT count() FROM `" + dbs.ch.database + "`.`crash_t` WHERE id IN (" + [&] {
        std::string list;
        for (const auto& id : confirmed_ids) list += (list.empty() ? "" : ",") + id;
        return list;
      }() + ") AND _peerdb_is_deleted = 0");
  // FINAL is not needed: any version of the row proves the insert landed.
  EXPECT_GE(std::stoull(in_ch), confirmed_ids.size()) << "slot confirmed " << FormatLsn(confirmed);

  // Restart under continuing load, then stop the load: ClickHouse catches up exactly.
  auto again = StartPg2ch(files);
  std::this_thread::sleep_for(std::chrono::seconds(2));
  load.Stop();
  EXPECT_EQ(WaitForEqual(dbs, "crash_t", "crash_t", CrashColumns(), "id", 120), "")
      << again->Output();
  again->Signal(SIGTERM);
  EXPECT_EQ(again->Wait(30), 0) << again->Output();
  PgExec(dbs.pg, "SELECT pg_drop_replication_slot('witness_" + dbs.pg.database + "')");
}

TEST_P(Durability, TransactionStraddlingTheConsistentPointIsAppliedOnce) {
  TestDatabases dbs = NewDatabases("straddle");
  const std::string pipe = PipeName("straddle");
  PgExec(dbs.pg,
         "CREATE TABLE s (id int PRIMARY KEY, v text NOT NULL);"
         "CREATE TABLE other (id int);"
         "INSERT INTO s SELECT g, 'initial' FROM generate_series(1, 100) g");
  // A holds slot creation (it was running when the slot started); A2 starts while the slot
  // builds its snapshot; B starts after that and writes before the consistent point, but
  // commits after it: B is not in the snapshot, its changes have LSNs below the consistent
  // point, and it must still win in ClickHouse.
  auto a = PgConnection::Connect(dbs.pg, false);
  a->Exec("BEGIN; INSERT INTO other VALUES (1)");
  PipeFiles files = WritePipe(dbs, pipe, {"public.s"});
  auto pg2ch = StartPg2ch(files);
  ASSERT_TRUE(WaitUntil(30, [&] {
    return !PgQuery(dbs.pg,
                    "SELECT 1 FROM pg_replication_slots WHERE slot_name = "
                    "'peerflow_slot_" +
                        pipe + "'")
                .empty();
  })) << pg2ch->Output();
  // The slot row appears just before its first running-transactions record: let that be written.
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  auto a2 = PgConnection::Connect(dbs.pg, false);
  a2->Exec("BEGIN; INSERT INTO other VALUES (2)");
  a->Exec("COMMIT");
  PgExec(dbs.pg, "CHECKPOINT");
  auto b = PgConnection::Connect(dbs.pg, false);
  b->Exec("BEGIN; UPDATE s SET v = 'from B' WHERE id = 1; INSERT INTO s VALUES (1000, 'B insert')");
  Lsn b_written = *ParseLsn(b->Query("SELECT pg_current_wal_insert_lsn()::text")[0][0]);
  a2->Exec("COMMIT");
  PgExec(dbs.pg, "CHECKPOINT");
  // Consistent once the slot reports a confirmed position; only then does B commit.
  ASSERT_TRUE(WaitUntil(60, [&] {
    auto r = PgQuery(dbs.pg,
                     "SELECT confirmed_flush_lsn IS NOT NULL FROM pg_replication_slots "
                     "WHERE slot_name = 'peerflow_slot_" +
                         pipe + "'");
    return !r.empty() && r[0][0] == "t";
  })) << pg2ch->Output();
  ASSERT_TRUE(WaitForState(files, pipe, PipeState::kRunning, 60)) << pg2ch->Output();
  b->Exec("COMMIT");

  std::vector<CompareColumn> cols = {{"id::text", "toString(id)"}, {"v", "v"}};
  EXPECT_EQ(WaitForEqual(dbs, "s", "s", cols, "id", 60), "") << pg2ch->Output();
  pg2ch->Signal(SIGTERM);
  EXPECT_EQ(pg2ch->Wait(30), 0);
  // The scenario really straddled: B wrote below the consistent point (the snapshot version).
  SqliteCatalog catalog(files.catalog);
  Lsn consistent = catalog.FindPipe(pipe)->snapshot_lsn;
  EXPECT_LT(b_written, consistent)
      << "B wrote at " << FormatLsn(b_written) << ", consistent point " << FormatLsn(consistent);
  EXPECT_EQ(ChQuery(dbs.ch, "SELECT v FROM `" + dbs.ch.database + "`.`s` FINAL WHERE id = 1"),
            "from B\n");
}

PG2CH_INSTANTIATE_ENGINE_TESTS(Durability);

}  // namespace
}  // namespace pg2ch::test
