// pgoutput v2 streaming (PostgreSQL 14+): with logical_decoding_work_mem at its 64 kB minimum,
// every sizeable transaction reaches pg2ch while still in progress and waits in a stream file
// until it commits. Transactions committing meanwhile are not held up; a rolled-back savepoint's
// rows, a rolled-back transaction and a column added inside the transaction come out right; a
// kill -9 with a streamed transaction open loses nothing (PostgreSQL streams it again).
#include <gtest/gtest.h>
#include <signal.h>

#include <filesystem>

#include "harness/engine_test.h"
#include "pipe_test_support.h"
#include "source/postgres/pg_connection.h"

namespace pg2ch::test {
namespace {

constexpr double kCatchUpSeconds = 180;

class StreamedTransaction : public EngineTest {};

size_t StreamFiles(const std::filesystem::path& dir) {
  size_t n = 0;
  if (!std::filesystem::exists(dir)) return 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir))
    if (entry.path().filename().string().rfind("stream-", 0) == 0) ++n;
  return n;
}

std::vector<CompareColumn> Columns(bool extra) {
  std::vector<CompareColumn> c = {{"id::text", "toString(id)"},
                                  {"coalesce(v, '<null>')", "ifNull(v, '<null>')"},
                                  {"n::text", "toString(n)"},
                                  {"coalesce(big, '<null>')", "ifNull(big, '<null>')"}};
  if (extra) c.push_back({"coalesce(extra::text, '<null>')", "ifNull(toString(extra), '<null>')"});
  return c;
}

TEST_P(StreamedTransaction, LargeTransactionsArriveWhileInProgress) {
  if (TestPgMajor() < 14) GTEST_SKIP() << "pgoutput streaming needs PostgreSQL 14";
  TestDatabases dbs = NewDatabases("streamtx");
  const std::string pipe = PipeName("streamtx");
  PgExec(dbs.pg,
         "CREATE TABLE st (id int PRIMARY KEY, v text, n int NOT NULL, big text);"
         "ALTER TABLE st ALTER COLUMN big SET STORAGE EXTERNAL;"
         "INSERT INTO st SELECT g, 'seed ' || g, g, repeat(md5(g::text), 100) "
         "FROM generate_series(1, 1000) g;"
         "CREATE TABLE side (id int PRIMARY KEY, v text)");
  // The walsender reads the database's settings when pg2ch connects.
  PgExec(dbs.pg,
         "ALTER DATABASE \"" + dbs.pg.database + "\" SET logical_decoding_work_mem = '64kB'");
  PipeFiles files = WritePipe(dbs, pipe, {"public.st", "public.side"},
                              "\"spill_threshold_changes\": 1000, \"pull_batch_size\": 500");
  const std::filesystem::path spill_dir = std::filesystem::path(files.catalog + ".spill") / pipe;
  auto pg2ch = StartPg2ch(files);
  ASSERT_TRUE(WaitForState(files, pipe, PipeState::kRunning, kCatchUpSeconds)) << pg2ch->Output();
  ASSERT_EQ(WaitForEqual(dbs, "public.st", "st", Columns(false), "id", kCatchUpSeconds), "")
      << pg2ch->Output();
  auto streaming = [&] { return WaitUntil(60, [&] { return StreamFiles(spill_dir) == 1; }); };

  // A: 6,000 inserts, a savepoint whose column, 3,000 inserts and 500 updates roll back, 2,000
  // updates leaving a TOASTed value unchanged.
  auto a = PgConnection::Connect(dbs.pg, false);
  a->Exec(
      "BEGIN; INSERT INTO st SELECT g, 'a ' || g, g, CASE WHEN g % 10 = 0 THEN "
      "repeat(md5(g::text), 100) END FROM generate_series(10001, 16000) g");
  a->Exec(
      "SAVEPOINT s1; ALTER TABLE st ADD COLUMN ghost int;"
      "INSERT INTO st SELECT g, 'gone', g, NULL, g FROM generate_series(20001, 23000) g;"
      "UPDATE st SET v = 'gone' WHERE id BETWEEN 1 AND 500");
  // Let the walsender send all of it before the rollback: decoded after it, PostgreSQL would
  // drop the savepoint's changes itself (a concurrent abort) and pg2ch would have nothing to
  // leave out.
  const std::string written = a->Query("SELECT pg_current_wal_insert_lsn()::text")[0][0];
  ASSERT_TRUE(WaitUntil(60, [&] {
    auto r = PgQuery(dbs.pg, "SELECT s.sent_lsn >= '" + written +
                                 "' FROM pg_stat_replication s JOIN pg_replication_slots r "
                                 "ON r.active_pid = s.pid WHERE r.slot_name = 'peerflow_slot_" +
                                 pipe + "'");
    return !r.empty() && r[0][0] == "t";
  })) << pg2ch->Output();
  a->Exec("ROLLBACK TO SAVEPOINT s1");
  a->Exec("UPDATE st SET n = -n WHERE id BETWEEN 10001 AND 12000");
  ASSERT_TRUE(streaming()) << "A never reached pg2ch before its commit\n" << pg2ch->Output();
  // B commits while A is open: it is not held up behind A, and nothing of A shows yet.
  PgExec(dbs.pg, "INSERT INTO side SELECT g, 'b' FROM generate_series(1, 100) g");
  ASSERT_TRUE(WaitUntil(60, [&] { return ChCount(dbs, "side") == 100; })) << pg2ch->Output();
  EXPECT_EQ(ChCount(dbs, "st"), 1000);
  // A column added inside A, after B: B's rows never had it; A's rows get it.
  a->Exec(
      "ALTER TABLE st ADD COLUMN extra int;"
      "UPDATE st SET extra = id WHERE id BETWEEN 14001 AND 15000");
  a->Exec("COMMIT");
  ASSERT_EQ(WaitForEqual(dbs, "public.st", "st", Columns(true), "id", kCatchUpSeconds), "")
      << pg2ch->Output();
  EXPECT_EQ(ChCount(dbs, "st"), PgCount(dbs, "public.st"));
  EXPECT_NE(pg2ch->Output().find("was streamed while in progress"), std::string::npos)
      << pg2ch->Output();
  EXPECT_EQ(ChQuery(dbs.ch, "SELECT count() FROM system.columns WHERE database = '" +
                                dbs.ch.database + "' AND table = 'st' AND name = 'ghost'"),
            "0\n");
  EXPECT_TRUE(WaitUntil(30, [&] { return StreamFiles(spill_dir) == 0; }));

  // A streamed transaction rolled back as a whole leaves nothing, in ClickHouse or on disk.
  a->Exec("BEGIN; INSERT INTO st SELECT g, 'never', 0, NULL FROM generate_series(30001, 36000) g");
  ASSERT_TRUE(streaming()) << pg2ch->Output();
  a->Exec("ROLLBACK");
  PgExec(dbs.pg, "INSERT INTO side VALUES (101, 'after the rollback')");
  ASSERT_TRUE(WaitUntil(60, [&] { return ChCount(dbs, "side") == 101; })) << pg2ch->Output();
  EXPECT_EQ(WaitForEqual(dbs, "public.st", "st", Columns(true), "id", kCatchUpSeconds), "");
  EXPECT_TRUE(WaitUntil(30, [&] { return StreamFiles(spill_dir) == 0; }));

  // kill -9 with a streamed transaction open: after the restart PostgreSQL streams it again from
  // its start, and it commits exactly once.
  a->Exec(
      "BEGIN; INSERT INTO st SELECT g, 'k ' || g, g, NULL FROM generate_series(40001, 46000) g;"
      "UPDATE st SET v = 'killed' WHERE id BETWEEN 1 AND 1000");
  ASSERT_TRUE(streaming()) << pg2ch->Output();
  pg2ch->Signal(SIGKILL);
  pg2ch->Wait(30);
  a->Exec("COMMIT");
  PgExec(dbs.pg, "INSERT INTO side VALUES (102, 'after the kill')");
  pg2ch = StartPg2ch(files);
  ASSERT_EQ(WaitForEqual(dbs, "public.st", "st", Columns(true), "id", kCatchUpSeconds), "")
      << pg2ch->Output();
  ASSERT_TRUE(WaitUntil(60, [&] { return ChCount(dbs, "side") == 102; })) << pg2ch->Output();
  EXPECT_EQ(ChCount(dbs, "st"), PgCount(dbs, "public.st"));
  EXPECT_FALSE(EverFailed(files, pipe)) << LastError(files, pipe);
  pg2ch->Signal(SIGTERM);
  EXPECT_EQ(pg2ch->Wait(30), 0) << pg2ch->Output();
  EXPECT_EQ(StreamFiles(spill_dir), 0u);
}

PG2CH_INSTANTIATE_ENGINE_TESTS(StreamedTransaction);

}  // namespace
}  // namespace pg2ch::test
