// The initial load survives kill -9 and SIGTERM: a restart copies only the partitions left, under
// a fresh snapshot whose LSN is their version, while CDC (from the first snapshot's LSN) replays
// every change in between; ClickHouse ends equal to PostgreSQL with no stale or duplicate row.
#include <gtest/gtest.h>
#include <signal.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <functional>
#include <map>
#include <random>
#include <sstream>
#include <thread>

#include "catalog/sqlite_catalog.h"
#include "common/sql_quote.h"
#include "core/lsn.h"
#include "harness/engine_test.h"
#include "pipe_test_support.h"
#include "source/postgres/pg_connection.h"

namespace pg2ch::test {
namespace {

std::vector<CompareColumn> Columns() {
  return {{"id::text", "toString(id)"}, {"v", "v"}, {"n::text", "toString(n)"}};
}

void CreateTable(const TestDatabases& dbs, const std::string& table, int rows) {
  // No ANALYZE: the planner samples pages of a table never analyzed.
  PgExec(dbs.pg, "CREATE TABLE " + table +
                     " (id bigint PRIMARY KEY, v text NOT NULL, n int NOT NULL);"
                     "INSERT INTO " +
                     table + " SELECT g, md5(g::text), 0 FROM generate_series(1, " +
                     std::to_string(rows) + ") g");
}

// Updates, deletes and inserts rows all over the table (so in copied and uncopied partitions,
// and moving tuples between them) until stopped.
// Random updates, a delete and an insert per transaction on `table` (rows 1..rows, plus new
// ones from id 10,000,000): concurrent writes while a load runs.
BackgroundWrites WriteLoad(const PostgresEndpoint& pg, const std::string& table, int rows) {
  auto rng = std::make_shared<std::mt19937>(42);
  std::uniform_int_distribution<int> pick(1, rows);
  return BackgroundWrites(pg, [=](int i) mutable {
    std::string sql = "BEGIN;";
    for (int u = 0; u < 5; ++u)
      sql += "UPDATE " + table +
             " SET v = v || '+', n = n + 1 WHERE id = " + std::to_string(pick(*rng)) + ";";
    sql += "DELETE FROM " + table + " WHERE id = " + std::to_string(pick(*rng)) + ";";
    sql += "INSERT INTO " + table + " VALUES (" + std::to_string(10000000 + i) + ", 'new', 0);";
    return sql + "COMMIT";
  });
}

struct Progress {
  Lsn snapshot_lsn = 0;
  std::map<std::string, SnapshotPlanRecord> plans;  // by table name
  size_t Done() const {
    size_t n = 0;
    for (const auto& [name, plan] : plans)
      for (const auto& p : plan.partitions) n += p.done;
    return n;
  }
  size_t Total() const {
    size_t n = 0;
    for (const auto& [name, plan] : plans) n += plan.partitions.size();
    return n;
  }
};

Progress ReadProgress(const PipeFiles& files, const std::string& pipe,
                      const std::vector<std::string>& tables) {
  Progress out;
  if (!CatalogState(files, pipe)) return out;
  SqliteCatalog catalog(files.catalog);
  auto record = catalog.FindPipe(pipe);
  out.snapshot_lsn = record->snapshot_lsn;
  for (const auto& t : tables)
    if (auto plan = catalog.SnapshotPlan(record->id, "public", t)) out.plans[t] = *plan;
  return out;
}

// Polls the catalog often (partitions take milliseconds) until `ready` holds.
Progress WaitForProgress(const PipeFiles& files, const std::string& pipe,
                         const std::vector<std::string>& tables,
                         const std::function<bool(const Progress&)>& ready) {
  auto until = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  Progress p;
  while (std::chrono::steady_clock::now() < until) {
    p = ReadProgress(files, pipe, tables);
    if (ready(p)) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return p;
}

Progress WaitForPartitions(const PipeFiles& files, const std::string& pipe,
                           const std::vector<std::string>& tables, size_t done) {
  return WaitForProgress(files, pipe, tables, [&](const Progress& p) { return p.Done() >= done; });
}

std::string Ch(const TestDatabases& dbs, const std::string& sql) {
  std::string out = ChQuery(dbs.ch, sql);
  while (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

// Keeps ClickHouse from merging away rows that newer versions replaced, so that counting the
// rows of one version (below) counts every row written with it.
void StopMerges(const TestDatabases& dbs, const std::string& table) {
  ChQuery(dbs.ch, "SYSTEM STOP MERGES `" + dbs.ch.database + "`.`" + table + "`");
}

// After the resumed load (merges stopped since the interruption): partitions done before it
// kept their rows and version, every other one was copied once, under one fresh snapshot above
// the first.
void ExpectOnlyUnfinishedPartitionsRedone(const TestDatabases& dbs, const Progress& before,
                                          const Progress& after) {
  EXPECT_EQ(after.snapshot_lsn, before.snapshot_lsn) << "the pipe's snapshot LSN moved";
  Lsn fresh = 0;
  for (const auto& [table, plan] : after.plans) {
    const auto& old = before.plans.at(table);
    ASSERT_EQ(plan.partitions.size(), old.partitions.size()) << table << " was planned again";
    int64_t fresh_rows = 0;
    size_t redone = 0;
    for (size_t i = 0; i < plan.partitions.size(); ++i) {
      const auto& p = plan.partitions[i];
      ASSERT_TRUE(p.done) << table << " partition " << i;
      if (old.partitions[i].done) {
        EXPECT_EQ(p.version, before.snapshot_lsn) << table << " partition " << i << " was redone";
        EXPECT_EQ(p.rows, old.partitions[i].rows) << table << " partition " << i;
      } else {
        if (fresh == 0) fresh = p.version;
        EXPECT_EQ(p.version, fresh) << table << " partition " << i;
        fresh_rows += p.rows;
        ++redone;
      }
    }
    if (redone == 0) continue;  // this table was finished before the interruption
    EXPECT_GT(fresh, before.snapshot_lsn) << "resumed partitions must carry the fresh LSN";
    // ClickHouse holds exactly the resumed partitions' rows at the fresh version: the finished
    // partitions were not copied again (CDC versions are commit LSNs, never equal to it).
    EXPECT_EQ(Ch(dbs, "SELECT count() FROM `" + dbs.ch.database + "`.`" + table +
                          "` WHERE _peerdb_version = " + std::to_string(fresh)),
              std::to_string(fresh_rows))
        << table;
  }
}

// Names `column` as the partition_column of `source` in the pipe file WritePipe wrote.
void SetPartitionColumn(const PipeFiles& files, const std::string& source,
                        const std::string& column) {
  std::stringstream text;
  text << std::ifstream(files.pipe).rdbuf();
  std::string s = text.str();
  const std::string entry = "\"source\": \"" + source + "\"";
  auto at = s.find(entry);
  ASSERT_NE(at, std::string::npos) << s;
  s.insert(at + entry.size(), ", \"partition_column\": \"" + column + "\"");
  std::ofstream(files.pipe) << s;
}

class SnapshotResume : public EngineTest {
 protected:
  void KillNineMidValueRangeLoadThenRewrite(const std::string& hint, const std::string& column,
                                            const std::string& add_column);
};

TEST_P(SnapshotResume, KillNineMidSnapshotRedoesOnlyUnfinishedPartitionsUnderConcurrentWrites) {
  TestDatabases dbs = NewDatabases("resume");
  const std::string pipe = PipeName("resume");
  const int rows = 300000;
  CreateTable(dbs, "big", rows);
  PipeFiles files =
      WritePipe(dbs, pipe, {"public.big"},
                "\"snapshot_num_rows_per_partition\": 3000, "
                "\"snapshot_max_parallel_workers\": 2, \"sync_interval_seconds\": 0.2");
  BackgroundWrites load = WriteLoad(dbs.pg, "big", rows);
  auto first = StartPg2ch(files);
  Progress before = WaitForPartitions(files, pipe, {"big"}, 6);
  first->Signal(SIGKILL);
  ASSERT_EQ(first->Wait(10), 128 + SIGKILL);
  before = ReadProgress(files, pipe, {"big"});
  StopMerges(dbs, "big");
  ASSERT_GE(before.Done(), 6u) << first->Output();
  ASSERT_LT(before.Done(), before.Total()) << "the load finished before the kill";
  ASSERT_NE(before.snapshot_lsn, 0u);

  // A half-written partition: rows an unfinished partition had inserted (at the first version)
  // before the crash. Its rows that PostgreSQL deletes before the fresh snapshot must not
  // survive (CDC's delete outranks them); the others are superseded by the fresh copy.
  // A middle partition (both bounds set) holding rows: page ranges from PostgreSQL 14 on; id
  // ranges before, where the load's new ids (10,000,000 up) leave most ranges empty, so there
  // may be none left once the kill comes.
  const auto& plan = before.plans.at("big");
  const bool by_ctid = plan.partition_column.empty();
  std::vector<std::vector<std::string>> half;
  for (size_t i = 1; i + 1 < plan.partitions.size() && half.size() < 40; ++i) {
    const SnapshotPartitionRecord& open = plan.partitions[i];
    if (open.done) continue;
    const std::string lower = std::to_string(open.first_page);
    const std::string upper = std::to_string(open.end_page);
    const std::string range =
        by_ctid ? "ctid >= '(" + lower + ",0)'::tid AND ctid < '(" + upper + ",0)'::tid"
                : PgIdent(plan.partition_column) + " >= " + lower + " AND " +
                      PgIdent(plan.partition_column) + " < " + upper;
    half = PgQuery(dbs.pg, "SELECT id FROM big WHERE " + range + " ORDER BY id LIMIT 40");
  }
  if (by_ctid) {
    ASSERT_EQ(half.size(), 40u) << first->Output();
  }
  std::string values, deleted = "0";
  for (size_t i = 0; i < half.size(); ++i) {
    values += (i ? ", (" : "(") + half[i][0] + ", 'stale half-written', -1, 0, " +
              std::to_string(before.snapshot_lsn) + ")";
    if (i % 2 == 0) deleted += ", " + half[i][0];
  }
  if (!half.empty()) {
    ChQuery(dbs.ch, "INSERT INTO `" + dbs.ch.database +
                        "`.`big` (id, v, n, _peerdb_is_deleted, _peerdb_version) VALUES " + values);
    PgExec(dbs.pg, "DELETE FROM big WHERE id IN (" + deleted + ")");
  }

  auto second = StartPg2ch(files);
  ASSERT_TRUE(WaitForState(files, pipe, PipeState::kRunning, 120)) << second->Output();
  std::this_thread::sleep_for(std::chrono::seconds(1));
  load.Stop();
  EXPECT_GT(load.statements(), 10);
  EXPECT_EQ(WaitForEqual(dbs, "big", "big", Columns(), "id", 120), "") << second->Output();
  EXPECT_EQ(Ch(dbs, "SELECT count() FROM `" + dbs.ch.database + "`.`big` FINAL WHERE id IN (" +
                        deleted + ") AND _peerdb_is_deleted = 0"),
            "0");
  EXPECT_NE(second->Output().find("resuming the snapshot"), std::string::npos) << second->Output();
  EXPECT_NE(second->Output().find("copying " + std::to_string(before.Total() - before.Done()) +
                                  " partition(s)"),
            std::string::npos)
      << second->Output();
  second->Signal(SIGTERM);
  EXPECT_EQ(second->Wait(30), 0) << second->Output();
  ExpectOnlyUnfinishedPartitionsRedone(dbs, before, ReadProgress(files, pipe, {"big"}));
}

TEST_P(SnapshotResume, StopDuringSnapshotOfTwoTablesResumesWhereItStopped) {
  TestDatabases dbs = NewDatabases("stopsnap");
  const std::string pipe = PipeName("stopsnap");
  CreateTable(dbs, "t1", 120000);
  CreateTable(dbs, "t2", 120000);
  PipeFiles files = WritePipe(dbs, pipe, {"public.t1", "public.t2"},
                              "\"snapshot_num_rows_per_partition\": 2000, "
                              "\"snapshot_max_parallel_workers\": 1, "
                              "\"snapshot_num_tables_in_parallel\": 2");
  BackgroundWrites load = WriteLoad(dbs.pg, "t2", 120000);
  auto first = StartPg2ch(files);
  // Both tables load at once: stop once each has copied two partitions.
  WaitForProgress(files, pipe, {"t1", "t2"}, [](const Progress& p) {
    if (p.plans.size() < 2) return false;
    for (const auto& [name, plan] : p.plans) {
      size_t done = 0;
      for (const auto& part : plan.partitions) done += part.done;
      if (done < 2) return false;
    }
    return true;
  });
  first->Signal(SIGTERM);
  EXPECT_EQ(first->Wait(30), 0) << first->Output();
  Progress before = ReadProgress(files, pipe, {"t1", "t2"});
  StopMerges(dbs, "t1");
  StopMerges(dbs, "t2");
  EXPECT_EQ(CatalogState(files, pipe), PipeState::kSnapshot);
  ASSERT_GE(before.Done(), 4u) << first->Output();
  ASSERT_LT(before.Done(), before.Total()) << "the load finished before the stop";
  for (const auto& [table, plan] : before.plans)  // both tables were loading at once
    EXPECT_TRUE(plan.partitions.at(0).done && plan.partitions.at(1).done) << table << "\n"
                                                                          << first->Output();

  auto second = StartPg2ch(files);
  ASSERT_TRUE(WaitForState(files, pipe, PipeState::kRunning, 120)) << second->Output();
  load.Stop();
  EXPECT_EQ(WaitForEqual(dbs, "t1", "t1", Columns(), "id", 120), "") << second->Output();
  EXPECT_EQ(WaitForEqual(dbs, "t2", "t2", Columns(), "id", 120), "") << second->Output();
  second->Signal(SIGTERM);
  EXPECT_EQ(second->Wait(30), 0) << second->Output();
  ExpectOnlyUnfinishedPartitionsRedone(dbs, before, ReadProgress(files, pipe, {"t1", "t2"}));
}

TEST_P(SnapshotResume, TableRewrittenWhileStoppedIsCopiedAgainInFull) {
  TestDatabases dbs = NewDatabases("rewrite");
  const std::string pipe = PipeName("rewrite");
  CreateTable(dbs, "r", 100000);
  PipeFiles files = WritePipe(dbs, pipe, {"public.r"},
                              "\"snapshot_num_rows_per_partition\": 2000, "
                              "\"snapshot_max_parallel_workers\": 1");
  auto first = StartPg2ch(files);
  WaitForPartitions(files, pipe, {"r"}, 3);
  first->Signal(SIGKILL);
  first->Wait(10);
  Progress before = ReadProgress(files, pipe, {"r"});
  ASSERT_LT(before.Done(), before.Total()) << "the load finished before the kill";
  // Delete a third of the rows and compact: surviving rows move to other pages, so the copied
  // page ranges no longer say which rows they held.
  PgExec(dbs.pg, "DELETE FROM r WHERE id % 3 = 0");
  PgExec(dbs.pg, "VACUUM FULL r");

  auto second = StartPg2ch(files);
  ASSERT_TRUE(WaitForState(files, pipe, PipeState::kRunning, 120)) << second->Output();
  EXPECT_EQ(WaitForEqual(dbs, "r", "r", Columns(), "id", 120), "") << second->Output();
  EXPECT_NE(second->Output().find("was rewritten"), std::string::npos) << second->Output();
  second->Signal(SIGTERM);
  EXPECT_EQ(second->Wait(30), 0);
  Progress after = ReadProgress(files, pipe, {"r"});
  for (const auto& p : after.plans.at("r").partitions)
    EXPECT_GT(p.version, before.snapshot_lsn) << "partition " << p.index << " kept old rows";
}

// partition_column: value ranges of a nullable column with negative values and NULLs, copied by
// two workers; every row lands in exactly one partition.
TEST_P(SnapshotResume, PartitionColumnSplitsByValueRangesCoveringNulls) {
  TestDatabases dbs = NewDatabases("valrange");
  const std::string pipe = PipeName("valrange");
  const int rows = 60000;
  PgExec(dbs.pg,
         "CREATE TABLE vr (id bigint PRIMARY KEY, v text NOT NULL, n int NOT NULL, k int);"
         "INSERT INTO vr SELECT g, md5(g::text), 0, CASE WHEN g % 10 = 0 THEN NULL "
         "ELSE g - 30000 END FROM generate_series(1, " +
             std::to_string(rows) + ") g");
  PipeFiles files = WritePipe(dbs, pipe, {"public.vr"},
                              "\"snapshot_num_rows_per_partition\": 6000, "
                              "\"snapshot_max_parallel_workers\": 2");
  SetPartitionColumn(files, "public.vr", "k");
  auto run = StartPg2ch(files);
  ASSERT_TRUE(WaitForState(files, pipe, PipeState::kRunning, 120)) << run->Output();
  EXPECT_EQ(WaitForEqual(dbs, "vr", "vr", Columns(), "id", 120), "") << run->Output();
  EXPECT_NE(run->Output().find("by value ranges of k"), std::string::npos) << run->Output();
  EXPECT_NE(run->Output().find("with 2 worker(s)"), std::string::npos) << run->Output();
  run->Signal(SIGTERM);
  EXPECT_EQ(run->Wait(30), 0) << run->Output();
  const auto plan = ReadProgress(files, pipe, {"vr"}).plans.at("vr");
  EXPECT_EQ(plan.partition_column, "k");
  EXPECT_GE(plan.partitions.size(), 5u);
  int64_t copied = 0;
  for (const auto& p : plan.partitions) copied += p.rows;
  EXPECT_EQ(copied, rows) << "a row was copied twice or not at all";
  EXPECT_EQ(Ch(dbs, "SELECT count() FROM `" + dbs.ch.database + "`.`vr` FINAL"),
            std::to_string(rows));
}

// After a load split by value ranges of `column`: the plan has at least `min_partitions` ranges
// with text bounds, and every row was copied exactly once. The partitions' row counts add up to
// PostgreSQL's (a row in two ranges would count twice) and ClickHouse holds the same ids (a row
// in none would be missing).
void ExpectSplitByTextBoundsCopyingEachRowOnce(const TestDatabases& dbs, const PipeFiles& files,
                                               const std::string& pipe, const std::string& table,
                                               const std::string& column, size_t min_partitions) {
  const auto plan = ReadProgress(files, pipe, {table}).plans.at(table);
  EXPECT_EQ(plan.partition_column, column) << table;
  ASSERT_GE(plan.partitions.size(), min_partitions) << table;
  EXPECT_TRUE(plan.partitions.at(0).upper_bound.has_value()) << table;
  int64_t copied = 0;
  for (const auto& p : plan.partitions) copied += p.rows;
  std::string pg = PgQuery(dbs.pg, "SELECT count(*) || ' ' || sum(id) FROM " + table)[0][0];
  EXPECT_EQ(std::to_string(copied) + pg.substr(pg.find(' ')), pg)
      << table << ": a row was copied twice or not at all";
  EXPECT_EQ(Ch(dbs, "SELECT toString(count()) || ' ' || toString(sum(id)) FROM `" +
                        dbs.ch.database + "`.`" + table + "` FINAL"),
            pg)
      << table;
}

// partition_column of types other than integers: fractional numeric(12,3) and unconstrained
// numeric values, timestamptz, and a timestamptz primary key chosen unasked. NULLs go with the
// first range, -infinity too, infinity and NaN (above every number) with the last: min and max
// are planned without them, and no range leaves them out.
TEST_P(SnapshotResume, NumericAndTimestampColumnsSplitByValueRangesCoveringSpecialValues) {
  TestDatabases dbs = NewDatabases("valtypes");
  const std::string pipe = PipeName("valtypes");
  const int rows = 40000;
  const std::string series = " FROM generate_series(1, " + std::to_string(rows) + ") g;";
  // Decimal columns of ClickHouse hold no NaN or infinity: only `b` (String) has them.
  PgExec(dbs.pg,
         "CREATE TABLE na (id bigint PRIMARY KEY, v text NOT NULL, n int NOT NULL, a "
         "numeric(12,3));"
         "INSERT INTO na SELECT g, md5(g::text), 0, CASE WHEN g % 10 = 0 THEN NULL "
         "ELSE -5.5 + (g % 15751) * 0.001 END" +
             series +
             "CREATE TABLE nb (id bigint PRIMARY KEY, v text NOT NULL, n int NOT NULL, b numeric);"
             "INSERT INTO nb SELECT g, md5(g::text), 0, CASE WHEN g % 10 = 0 THEN NULL "
             "WHEN g % 997 = 1 THEN 'NaN' WHEN g % 997 = 2 THEN 'Infinity' "
             "WHEN g % 997 = 3 THEN '-Infinity' ELSE (g - 20000) / 7.0 END" +
             series +
             "CREATE TABLE tsr (id bigint PRIMARY KEY, v text NOT NULL, n int NOT NULL, ts "
             "timestamptz);"
             "INSERT INTO tsr SELECT g, md5(g::text), 0, CASE WHEN g % 10 = 0 THEN NULL "
             "WHEN g % 997 = 1 THEN 'infinity' WHEN g % 997 = 2 THEN '-infinity' "
             "ELSE '2024-01-01 00:00:00+00'::timestamptz + g * interval '60.123457 seconds' END" +
             series +
             "CREATE TABLE pts (ts timestamptz NOT NULL, id bigint NOT NULL, v text NOT NULL, n "
             "int NOT NULL, PRIMARY KEY (ts, id)) PARTITION BY RANGE (ts);"
             "CREATE TABLE pts_all PARTITION OF pts DEFAULT;"
             "INSERT INTO pts SELECT CASE WHEN g = 1 THEN '-infinity' WHEN g = 2 THEN 'infinity' "
             "ELSE '1999-12-31 23:00:00+00'::timestamptz + g * interval '1.5 seconds' END, g, "
             "md5(g::text), 0" +
             series + "ANALYZE na, nb, tsr, pts");
  PipeFiles files = WritePipe(dbs, pipe, {"public.na", "public.nb", "public.tsr", "public.pts"},
                              "\"snapshot_num_rows_per_partition\": 4000, "
                              "\"snapshot_max_parallel_workers\": 2");
  SetPartitionColumn(files, "public.na", "a");
  SetPartitionColumn(files, "public.nb", "b");
  SetPartitionColumn(files, "public.tsr", "ts");
  auto run = StartPg2ch(files);
  ASSERT_TRUE(WaitForState(files, pipe, PipeState::kRunning, 120)) << run->Output();
  for (const char* table : {"na", "nb", "tsr", "pts"})
    EXPECT_EQ(WaitForEqual(dbs, table, table, Columns(), "id", 120), "") << run->Output();
  EXPECT_NE(run->Output().find("by value ranges of ts"), std::string::npos) << run->Output();
  run->Signal(SIGTERM);
  EXPECT_EQ(run->Wait(30), 0) << run->Output();
  ExpectSplitByTextBoundsCopyingEachRowOnce(dbs, files, pipe, "na", "a", 5);
  ExpectSplitByTextBoundsCopyingEachRowOnce(dbs, files, pipe, "nb", "b", 5);
  ExpectSplitByTextBoundsCopyingEachRowOnce(dbs, files, pipe, "tsr", "ts", 5);
  ExpectSplitByTextBoundsCopyingEachRowOnce(dbs, files, pipe, "pts", "ts", 5);
  // Equal-width ranges between the finite min and max: -5.5 and 10.25 over 10 ranges.
  const auto na = ReadProgress(files, pipe, {"na"}).plans.at("na");
  ASSERT_EQ(na.partitions.size(), 10u);
  EXPECT_EQ(na.partitions[1].lower_bound, "-3.925");
  EXPECT_EQ(na.partitions[9].lower_bound, "8.675");
  EXPECT_EQ(na.partitions[0].lower_bound, "-5.500");  // the min read, kept for people
}

// No ctid ranges for a partitioned table: it is split by its integer primary key, unasked.
TEST_P(SnapshotResume, PartitionedTableSplitsByValueRangesOfItsPrimaryKey) {
  if (TestPgMajor() < 13) GTEST_SKIP() << "PostgreSQL 12 cannot publish a partitioned table";
  TestDatabases dbs = NewDatabases("valauto");
  const std::string pipe = PipeName("valauto");
  const int rows = 40000;
  PgExec(dbs.pg,
         "CREATE TABLE pt (id bigint PRIMARY KEY, v text NOT NULL, n int NOT NULL) "
         "PARTITION BY RANGE (id);"
         "CREATE TABLE pt_low PARTITION OF pt FOR VALUES FROM (MINVALUE) TO (20000);"
         "CREATE TABLE pt_high PARTITION OF pt FOR VALUES FROM (20000) TO (MAXVALUE);"
         "INSERT INTO pt SELECT g, md5(g::text), 0 FROM generate_series(1, " +
             std::to_string(rows) + ") g; ANALYZE pt");
  PipeFiles files = WritePipe(dbs, pipe, {"public.pt"},
                              "\"snapshot_num_rows_per_partition\": 5000, "
                              "\"snapshot_max_parallel_workers\": 2");
  auto run = StartPg2ch(files);
  ASSERT_TRUE(WaitForState(files, pipe, PipeState::kRunning, 120)) << run->Output();
  EXPECT_EQ(WaitForEqual(dbs, "pt", "pt", Columns(), "id", 120), "") << run->Output();
  run->Signal(SIGTERM);
  EXPECT_EQ(run->Wait(30), 0) << run->Output();
  const auto plan = ReadProgress(files, pipe, {"pt"}).plans.at("pt");
  EXPECT_EQ(plan.partition_column, "id") << run->Output();
  EXPECT_EQ(plan.partitions.size(), 8u) << run->Output();
  int64_t copied = 0;
  for (const auto& p : plan.partitions) copied += p.rows;
  EXPECT_EQ(copied, rows);
}

// A value-range load killed midway resumes with only its unfinished ranges, even after the table
// was rewritten (value ranges do not depend on where tuples lie), under concurrent writes. The
// table is split by `column`, which `add_column` (SQL, "" for none) adds to it.
void SnapshotResume::KillNineMidValueRangeLoadThenRewrite(const std::string& hint,
                                                          const std::string& column,
                                                          const std::string& add_column) {
  TestDatabases dbs = NewDatabases(hint);
  const std::string pipe = PipeName(hint);
  const int rows = 200000;
  CreateTable(dbs, "vbig", rows);
  if (!add_column.empty()) PgExec(dbs.pg, add_column);
  PipeFiles files =
      WritePipe(dbs, pipe, {"public.vbig"},
                "\"snapshot_num_rows_per_partition\": 3000, "
                "\"snapshot_max_parallel_workers\": 2, \"sync_interval_seconds\": 0.2");
  SetPartitionColumn(files, "public.vbig", column);
  BackgroundWrites load = WriteLoad(dbs.pg, "vbig", rows);
  auto first = StartPg2ch(files);
  WaitForPartitions(files, pipe, {"vbig"}, 6);
  first->Signal(SIGKILL);
  ASSERT_EQ(first->Wait(10), 128 + SIGKILL);
  Progress before = ReadProgress(files, pipe, {"vbig"});
  StopMerges(dbs, "vbig");
  ASSERT_EQ(before.plans.at("vbig").partition_column, column);
  ASSERT_GE(before.Done(), 6u) << first->Output();
  ASSERT_LT(before.Done(), before.Total()) << "the load finished before the kill";
  PgExec(dbs.pg, "VACUUM FULL vbig");

  auto second = StartPg2ch(files);
  ASSERT_TRUE(WaitForState(files, pipe, PipeState::kRunning, 120)) << second->Output();
  std::this_thread::sleep_for(std::chrono::seconds(1));
  load.Stop();
  EXPECT_GT(load.statements(), 10);
  EXPECT_EQ(WaitForEqual(dbs, "vbig", "vbig", Columns(), "id", 120), "") << second->Output();
  EXPECT_EQ(second->Output().find("was rewritten"), std::string::npos) << second->Output();
  EXPECT_NE(second->Output().find("copying " + std::to_string(before.Total() - before.Done()) +
                                  " partition(s)"),
            std::string::npos)
      << second->Output();
  second->Signal(SIGTERM);
  EXPECT_EQ(second->Wait(30), 0) << second->Output();
  ExpectOnlyUnfinishedPartitionsRedone(dbs, before, ReadProgress(files, pipe, {"vbig"}));
}

TEST_P(SnapshotResume, KillNineMidValueRangeLoadRedoesOnlyUnfinishedPartitionsAfterRewrite) {
  KillNineMidValueRangeLoadThenRewrite("valresume", "id", "");
}

// The same split by a numeric column of fractional values (NULL in the rows the writes insert):
// the resumed load reads its text bounds back from the catalog and copies the ranges left.
TEST_P(SnapshotResume, KillNineMidNumericRangeLoadRedoesOnlyUnfinishedPartitions) {
  KillNineMidValueRangeLoadThenRewrite(
      "numresume", "x",
      "ALTER TABLE vbig ADD COLUMN x numeric; UPDATE vbig SET x = id / 3.0; "
      "CREATE INDEX ON vbig (x); ANALYZE vbig");
}

PG2CH_INSTANTIATE_ENGINE_TESTS(SnapshotResume);

}  // namespace
}  // namespace pg2ch::test
