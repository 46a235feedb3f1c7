// Tables without a primary key: REPLICA IDENTITY FULL tables with duplicate rows and NULLs
// replicate inserts, updates and deletes exactly, also across kill -9; tables without any
// replica identity replicate inserts and truncates, and pg2ch never makes their updates fail.
// ClickHouse is compared with PostgreSQL as a multiset of rows.
#include <gtest/gtest.h>
#include <signal.h>

#include <algorithm>

#include "harness/engine_test.h"
#include "pipe_test_support.h"

namespace pg2ch::test {
namespace {

constexpr double kWait = 120;

// Every row of both sides as canonical text ('N' for NULL, the wide column by its md5), sorted;
// "" when the multisets are equal.
std::string MultisetDiff(const TestDatabases& dbs, const std::string& table) {
  std::vector<std::string> pg;
  for (auto& row : PgQuery(dbs.pg,
                           "SELECT concat_ws('|', COALESCE(a::text, 'N'), COALESCE(b, "
                           "'N'), COALESCE(c::text, 'N'), COALESCE(md5(w), 'N')) FROM " +
                               table))
    pg.push_back(row[0]);
  std::vector<std::string> ch;
  std::string answer = ChQuery(dbs.ch,
                               "SELECT concat(ifNull(toString(a), 'N'), '|', ifNull(b, 'N'), '|', "
                               "ifNull(c, 'N'), '|', ifNull(lower(hex(MD5(w))), 'N')) FROM `" +
                                   dbs.ch.database + "`.`" + table +
                                   "` FINAL WHERE _peerdb_is_deleted = 0 FORMAT TabSeparated");
  for (size_t pos = 0; pos < answer.size();) {
    size_t end = answer.find('\n', pos);
    ch.push_back(answer.substr(pos, end - pos));
    pos = end + 1;
  }
  std::sort(pg.begin(), pg.end());
  std::sort(ch.begin(), ch.end());
  if (pg == ch) return "";
  std::vector<std::string> only_pg, only_ch;
  std::set_difference(pg.begin(), pg.end(), ch.begin(), ch.end(), std::back_inserter(only_pg));
  std::set_difference(ch.begin(), ch.end(), pg.begin(), pg.end(), std::back_inserter(only_ch));
  std::string out = "postgres " + std::to_string(pg.size()) + " rows, clickhouse " +
                    std::to_string(ch.size()) + "; only in postgres:";
  for (size_t i = 0; i < only_pg.size() && i < 5; ++i) out += " [" + only_pg[i] + "]";
  out += " only in clickhouse:";
  for (size_t i = 0; i < only_ch.size() && i < 5; ++i) out += " [" + only_ch[i] + "]";
  return out;
}

std::string WaitForSameMultiset(const TestDatabases& dbs, const std::string& table) {
  std::string diff;
  WaitUntil(kWait, [&] {
    diff = MultisetDiff(dbs, table);
    return diff.empty();
  });
  return diff;
}

// Few distinct values, so that most rows have equal twins; NULLs in every column.
std::string InsertSql(const std::string& table, int from, int to) {
  return "INSERT INTO " + table + " SELECT CASE WHEN i % 11 = 0 THEN NULL ELSE i % 7 END, " +
         "CASE WHEN i % 5 = 0 THEN NULL ELSE 'v' || (i % 3) END, " +
         "CASE WHEN i % 4 = 0 THEN NULL ELSE (i % 2) / 4.0 END, " +
         "CASE WHEN i % 50 = 0 THEN repeat(md5((i % 2)::text), 100) END " +
         "FROM generate_series(" + std::to_string(from) + ", " + std::to_string(to) + ") i";
}

class Keyless : public EngineTest {};

TEST_P(Keyless, FullIdentityTableWithDuplicatesReplicatesExactlyAcrossKillNine) {
  TestDatabases dbs = NewDatabases("keyless");
  const std::string pipe = PipeName("keyless");
  PgExec(dbs.pg,
         "CREATE TABLE k (a int, b text, c numeric, w text);"
         "ALTER TABLE k REPLICA IDENTITY FULL; ALTER TABLE k ALTER w SET STORAGE EXTERNAL;" +
             InsertSql("k", 1, 3000));
  PipeFiles files = WritePipe(dbs, pipe, {"public.k"});
  auto pg2ch = StartPg2ch(files);
  ASSERT_TRUE(WaitForState(files, pipe, PipeState::kRunning, kWait)) << pg2ch->Output();
  ASSERT_EQ(WaitForSameMultiset(dbs, "k"), "") << pg2ch->Output();

  // One of several equal rows deleted, and one updated: exactly one copy changes.
  auto one_of = [](const std::string& where) {
    return "ctid = (SELECT ctid FROM k WHERE " + where + " LIMIT 1)";
  };
  PgExec(dbs.pg, "DELETE FROM k WHERE " + one_of("a = 1 AND b = 'v1'"));
  PgExec(dbs.pg, "UPDATE k SET c = 42 WHERE " + one_of("a = 2 AND b = 'v2'"));
  PgExec(dbs.pg, "DELETE FROM k WHERE " + one_of("a IS NULL AND b IS NULL"));
  // Several equal rows in one statement, inserted and deleted in one transaction, and updates
  // leaving the TOASTed column unchanged.
  PgExec(dbs.pg, "BEGIN; " + InsertSql("k", 1, 70) +
                     "; DELETE FROM k WHERE ctid IN (SELECT ctid FROM k WHERE a = 3 LIMIT 5); "
                     "UPDATE k SET b = 'toast kept' WHERE w IS NOT NULL AND a = 1; COMMIT");
  ASSERT_EQ(WaitForSameMultiset(dbs, "k"), "") << pg2ch->Output();
  EXPECT_EQ(PgQuery(dbs.pg, "SELECT count(*) FROM k WHERE c = 42")[0][0], "1");

  // A write load of inserts, deletes and updates of duplicates while pg2ch is killed and
  // restarted: replays must change nothing.
  BackgroundWrites writes(dbs.pg, [](int i) {
    switch (i % 3) {
      case 0:
        return InsertSql("k", i, i + 20);
      case 1:
        return std::string("DELETE FROM k WHERE ctid IN (SELECT ctid FROM k WHERE a = ") +
               std::to_string(i % 7) + " LIMIT 3)";
      default:
        return std::string(
                   "UPDATE k SET c = c + 1 WHERE ctid IN (SELECT ctid FROM k WHERE b = "
                   "'v") +
               std::to_string(i % 3) + "' LIMIT 4)";
    }
  });
  for (int round = 0; round < 3; ++round) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));
    pg2ch->Signal(SIGKILL);
    pg2ch->Wait(30);
    pg2ch = StartPg2ch(files);
  }
  writes.Stop();
  EXPECT_GT(writes.statements(), 10);
  ASSERT_EQ(WaitForSameMultiset(dbs, "k"), "") << pg2ch->Output();

  PgExec(dbs.pg, "TRUNCATE k; " + InsertSql("k", 1, 30));
  ASSERT_EQ(WaitForSameMultiset(dbs, "k"), "") << pg2ch->Output();
  EXPECT_NE(CatalogState(files, pipe), PipeState::kFailed) << LastError(files, pipe);
  pg2ch->Signal(SIGTERM);
  EXPECT_EQ(pg2ch->Wait(30), 0) << pg2ch->Output();
}

TEST_P(Keyless, TableWithoutIdentityReplicatesInsertsAndItsUpdatesStillWork) {
  TestDatabases dbs = NewDatabases("insonly");
  const std::string pipe = PipeName("insonly");
  PgExec(dbs.pg,
         "CREATE TABLE h (a int, b text, c numeric, w text);"
         "CREATE TABLE keyed (id int PRIMARY KEY, v text);" +
             InsertSql("h", 1, 2000));
  PipeFiles files = WritePipe(dbs, pipe, {"public.h", "public.keyed"});
  auto pg2ch = StartPg2ch(files);
  ASSERT_TRUE(WaitForState(files, pipe, PipeState::kRunning, kWait)) << pg2ch->Output();
  ASSERT_EQ(WaitForSameMultiset(dbs, "h"), "") << pg2ch->Output();

  // The table is in a publication of inserts and truncates only, the keyed one in the other.
  EXPECT_EQ(PgQuery(dbs.pg,
                    "SELECT p.pubname, p.pubinsert, p.pubupdate, p.pubdelete, "
                    "p.pubtruncate FROM pg_publication p JOIN pg_publication_tables t "
                    "USING (pubname) WHERE t.tablename = 'h'"),
            (std::vector<std::vector<std::string>>{
                {"peerflow_pub_" + pipe + "_insert_only", "t", "f", "f", "t"}}));

  // Inserts (duplicates included), replayed after a kill -9, and a truncate replicate.
  PgExec(dbs.pg, InsertSql("h", 1, 500));
  PgExec(dbs.pg, "INSERT INTO keyed VALUES (1, 'one')");
  pg2ch->Signal(SIGKILL);
  pg2ch->Wait(30);
  pg2ch = StartPg2ch(files);
  PgExec(dbs.pg, InsertSql("h", 1, 100));
  ASSERT_EQ(WaitForSameMultiset(dbs, "h"), "") << pg2ch->Output();
  PgExec(dbs.pg, "TRUNCATE h; " + InsertSql("h", 7, 77));
  ASSERT_EQ(WaitForSameMultiset(dbs, "h"), "") << pg2ch->Output();

  // The application's updates and deletes of it still succeed (PgExec throws on an error); pg2ch
  // does not see them, and goes on.
  PgExec(dbs.pg, "UPDATE h SET b = 'changed' WHERE a = 1; DELETE FROM h WHERE a = 2");
  PgExec(dbs.pg, "UPDATE keyed SET v = 'uno'");
  EXPECT_EQ(
      WaitForEqual(dbs, "keyed", "keyed", {{"id::text", "toString(id)"}, {"v", "v"}}, "id", kWait),
      "");
  EXPECT_EQ(CatalogState(files, pipe), PipeState::kRunning) << LastError(files, pipe);
  pg2ch->Signal(SIGTERM);
  EXPECT_EQ(pg2ch->Wait(30), 0) << pg2ch->Output();
}

// A table without key or identity added to a running pipe goes into the insert-only companion
// publication, made then (the pipe started with keyed tables only), as at Setup: in the main
// publication PostgreSQL would refuse the application's UPDATE and DELETE on it.
TEST_P(Keyless, TableWithoutIdentityAddedToARunningPipeKeepsItsUpdatesWorking) {
  TestDatabases dbs = NewDatabases("addnokey");
  const std::string pipe = PipeName("addnokey");
  PgExec(dbs.pg,
         "CREATE TABLE keyed (id int PRIMARY KEY, v text); INSERT INTO keyed VALUES (1, 'one');"
         "CREATE TABLE h (a int, b text, c numeric, w text);" +
             InsertSql("h", 1, 300));
  PipeFiles files = WritePipe(dbs, pipe, {"public.keyed"});
  auto first = StartPg2ch(files);
  ASSERT_TRUE(WaitForState(files, pipe, PipeState::kRunning, kWait)) << first->Output();
  first->Signal(SIGTERM);
  ASSERT_EQ(first->Wait(30), 0) << first->Output();
  EXPECT_EQ(PgQuery(dbs.pg, "SELECT count(*) FROM pg_publication"),
            (std::vector<std::vector<std::string>>{{"1"}}));

  WritePipe(dbs, pipe, {"public.keyed", "public.h"});
  auto second = StartPg2ch(files);
  ASSERT_TRUE(WaitUntil(kWait, [&] {
    return StateSequence(files, pipe).size() >= 7 &&
           CatalogState(files, pipe) == PipeState::kRunning;
  })) << second->Output();
  EXPECT_EQ(
      PgQuery(dbs.pg,
              "SELECT p.pubname, p.pubupdate, p.pubdelete FROM pg_publication p JOIN "
              "pg_publication_tables t USING (pubname) WHERE t.tablename = 'h'"),
      (std::vector<std::vector<std::string>>{{"peerflow_pub_" + pipe + "_insert_only", "f", "f"}}));
  // PgExec throws if PostgreSQL refuses them.
  PgExec(dbs.pg, "UPDATE h SET b = 'changed' WHERE a = 1; DELETE FROM h WHERE a = 2");
  PgExec(dbs.pg, "TRUNCATE h;" + InsertSql("h", 5, 50) + "; UPDATE keyed SET v = 'uno'");
  ASSERT_EQ(WaitForSameMultiset(dbs, "h"), "") << second->Output();
  EXPECT_EQ(
      WaitForEqual(dbs, "keyed", "keyed", {{"id::text", "toString(id)"}, {"v", "v"}}, "id", kWait),
      "");
  EXPECT_FALSE(EverFailed(files, pipe)) << LastError(files, pipe);
  second->Signal(SIGTERM);
  EXPECT_EQ(second->Wait(30), 0) << second->Output();
}

// An OLTP load on keyed tables, each transaction also appending to a history table without a key,
// running through the snapshot and into CDC: everything ends equal, the history as a multiset.
TEST_P(Keyless, OltpLoadWithAnAppendOnlyHistoryThroughSnapshotAndCdc) {
  TestDatabases dbs = NewDatabases("oltp");
  const std::string pipe = PipeName("oltp");
  PgExec(dbs.pg,
         "CREATE TABLE acct (id int PRIMARY KEY, balance numeric(14,2) NOT NULL, note text);"
         "INSERT INTO acct SELECT i, 0, 'n' || i FROM generate_series(1, 200) i;"
         "CREATE TABLE hist (a int, b text, c numeric, w text);" +
             InsertSql("hist", 1, 20000));
  BackgroundWrites writes(dbs.pg, [](int i) {
    std::string id = std::to_string(1 + i % 200);
    return "BEGIN; UPDATE acct SET balance = balance + 1.25, note = 'tx " + std::to_string(i) +
           "' WHERE id = " + id + "; INSERT INTO hist VALUES (" + id + ", 'deposit', 1.25, " +
           (i % 40 == 0 ? "repeat('w', 5000)" : "NULL") + "); " +
           (i % 25 == 0 ? "DELETE FROM acct WHERE id = " + id + "; INSERT INTO acct VALUES (" + id +
                              ", 0, 'reopened');"
                        : "") +
           "COMMIT";
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  PipeFiles files = WritePipe(dbs, pipe, {"public.acct", "public.hist"});
  auto pg2ch = StartPg2ch(files);
  ASSERT_TRUE(WaitForState(files, pipe, PipeState::kRunning, kWait)) << pg2ch->Output();
  std::this_thread::sleep_for(std::chrono::seconds(2));
  writes.Stop();
  EXPECT_GT(writes.statements(), 20);
  EXPECT_EQ(WaitForEqual(dbs, "acct", "acct",
                         {{"id::text", "toString(id)"},
                          {"balance::text", "toString(balance)", CompareColumn::kNumber},
                          {"note", "note"}},
                         "id", kWait),
            "")
      << pg2ch->Output();
  EXPECT_EQ(WaitForSameMultiset(dbs, "hist"), "") << pg2ch->Output();
  pg2ch->Signal(SIGTERM);
  EXPECT_EQ(pg2ch->Wait(30), 0) << pg2ch->Output();
}

PG2CH_INSTANTIATE_ENGINE_TESTS(Keyless);

}  // namespace
}  // namespace pg2ch::test
