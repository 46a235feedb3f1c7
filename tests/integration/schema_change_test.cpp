// Source schema changes during CDC, end to end on each ClickHouse engine: ADD COLUMN reaches
// ClickHouse (as a Nullable column; rows from before keep NULL there while PostgreSQL shows the
// default), DROP COLUMN keeps the ClickHouse column and writes NULL from then on, a type change
// fails the pipe, and a kill -9 right after an ADD COLUMN was applied is harmless.
#include <gtest/gtest.h>
#include <signal.h>

#include "catalog/sqlite_catalog.h"
#include "common/error.h"
#include "destination/clickhouse/clickhouse_sink.h"
#include "harness/engine_test.h"
#include "pipe_test_support.h"

namespace pg2ch::test {
namespace {

constexpr double kCatchUpSeconds = 120;

class SchemaChange : public EngineTest {
 protected:
  std::string Ch(const TestDatabases& dbs, const std::string& sql) { return ChQuery(dbs.ch, sql); }
  std::string Table(const TestDatabases& dbs, const std::string& table) {
    return "`" + dbs.ch.database + "`.`" + table + "`";
  }
  std::string ColumnType(const TestDatabases& dbs, const std::string& table,
                         const std::string& column) {
    return Ch(dbs, "SELECT type FROM system.columns WHERE database = '" + dbs.ch.database +
                       "' AND table = '" + table + "' AND name = '" + column + "'");
  }
  std::string RecordedSchema(const PipeFiles& files, const std::string& pipe) {
    SqliteCatalog catalog(files.catalog);
    auto tables = catalog.Tables(catalog.FindPipe(pipe)->id);
    return tables.empty() ? "" : tables[0].schema_json;
  }
};

TEST_P(SchemaChange, AddAndDropColumnsPropagate) {
  TestDatabases dbs = NewDatabases("schema");
  const std::string pipe = PipeName("schema");
  PgExec(dbs.pg,
         "CREATE TABLE sc (id int PRIMARY KEY, v text, gone text);"
         "INSERT INTO sc SELECT g, 'v' || g, 'g' || g FROM generate_series(1, 100) g");
  PipeFiles files = WritePipe(dbs, pipe, {"public.sc"}, "\"sync_interval_seconds\": 0.2");
  auto pg2ch = StartPg2ch(files);
  ASSERT_TRUE(WaitForState(files, pipe, PipeState::kRunning, kCatchUpSeconds)) << pg2ch->Output();
  std::vector<CompareColumn> before = {{"id::text", "toString(id)"}, {"v", "v"}};
  ASSERT_EQ(WaitForEqual(dbs, "sc", "sc", before, "id", kCatchUpSeconds), "") << pg2ch->Output();

  PgExec(dbs.pg,
         "INSERT INTO sc SELECT g, 'v' || g, 'g' || g FROM generate_series(101, 110) g;"
         "UPDATE sc SET v = 'u3' WHERE id = 3");
  // Rows before and after the ALTER in one transaction.
  PgExec(dbs.pg,
         "BEGIN; INSERT INTO sc VALUES (111, 'v111', 'g111'); UPDATE sc SET v = 'u4' WHERE id = 4;"
         "ALTER TABLE sc ADD COLUMN note text;"
         "INSERT INTO sc (id, v, gone, note) VALUES (112, 'v112', 'g112', 'n112');"
         "UPDATE sc SET note = 'note5' WHERE id = 5; COMMIT");
  PgExec(dbs.pg,
         "BEGIN; ALTER TABLE sc ADD COLUMN n int DEFAULT 7; UPDATE sc SET v = 'u6' WHERE id = 6;"
         "INSERT INTO sc (id, v, note) VALUES (113, 'v113', 'n113');"
         "INSERT INTO sc (id, v, n) VALUES (114, 'v114', 42); COMMIT");
  PgExec(dbs.pg,
         "INSERT INTO sc (id, v) SELECT g, 'v' || g FROM generate_series(115, 120) g;"
         "UPDATE sc SET n = n + 1 WHERE id = 115");
  PgExec(dbs.pg, "ALTER TABLE sc DROP COLUMN gone");
  PgExec(dbs.pg,
         "INSERT INTO sc (id, v, note, n) SELECT g, 'v' || g, 'n' || g, g FROM "
         "generate_series(121, 125) g;"
         "UPDATE sc SET v = 'u7' WHERE id = 7; DELETE FROM sc WHERE id = 8");

  // Rows written since ADD COLUMN n carry it; older ones have NULL in ClickHouse.
  const std::string since_n = "(id >= 113 OR id IN (6, 7))";
  std::vector<CompareColumn> after = {
      {"id::text", "toString(id)"},
      {"v", "v"},
      {"note", "note"},
      {"CASE WHEN " + since_n + " THEN n::text END", "toString(n)"}};
  ASSERT_EQ(WaitForEqual(dbs, "sc", "sc", after, "id", kCatchUpSeconds), "") << pg2ch->Output();
  // ... while PostgreSQL shows the default for them.
  EXPECT_EQ(PgQuery(dbs.pg, "SELECT count(*) FROM sc WHERE NOT " + since_n +
                                " AND n IS DISTINCT FROM 7")[0][0],
            "0");
  EXPECT_EQ(PgQuery(dbs.pg, "SELECT count(*) FROM sc WHERE NOT " + since_n)[0][0], "109");

  EXPECT_EQ(ColumnType(dbs, "sc", "note"), "Nullable(String)\n");
  EXPECT_EQ(ColumnType(dbs, "sc", "n"), "Nullable(Int32)\n");
  // The dropped column stays in ClickHouse: old values kept, NULL for rows written since.
  EXPECT_EQ(ColumnType(dbs, "sc", "gone"), "Nullable(String)\n");
  EXPECT_EQ(
      Ch(dbs, "SELECT gone FROM " + Table(dbs, "sc") + " FINAL WHERE id IN (1, 112) ORDER BY id"),
      "g1\ng112\n");
  EXPECT_EQ(Ch(dbs, "SELECT count() FROM " + Table(dbs, "sc") +
                        " FINAL WHERE _peerdb_is_deleted = 0 AND (id >= 121 OR id = 7) AND "
                        "gone IS NULL"),
            "6\n");

  EXPECT_EQ(CatalogState(files, pipe), PipeState::kRunning);
  std::string schema = RecordedSchema(files, pipe);
  EXPECT_NE(schema.find("\"note\""), std::string::npos) << schema;
  EXPECT_NE(schema.find("\"name\":\"n\""), std::string::npos) << schema;
  EXPECT_NE(pg2ch->Output().find("added column n (integer) -> ClickHouse Nullable(Int32)"),
            std::string::npos)
      << pg2ch->Output();
  EXPECT_NE(pg2ch->Output().find("column gone is no longer replicated"), std::string::npos)
      << pg2ch->Output();
  pg2ch->Signal(SIGTERM);
  EXPECT_EQ(pg2ch->Wait(30), 0) << pg2ch->Output();
}

TEST_P(SchemaChange, TypeChangeFailsThePipe) {
  TestDatabases dbs = NewDatabases("retype");
  const std::string pipe = PipeName("retype");
  PgExec(dbs.pg, "CREATE TABLE tc (id int PRIMARY KEY, n int); INSERT INTO tc VALUES (1, 1)");
  PipeFiles files = WritePipe(dbs, pipe, {"public.tc"}, "\"sync_interval_seconds\": 0.2");
  auto pg2ch = StartPg2ch(files);
  ASSERT_TRUE(WaitForState(files, pipe, PipeState::kRunning, kCatchUpSeconds)) << pg2ch->Output();
  PgExec(dbs.pg, "ALTER TABLE tc ALTER COLUMN n TYPE bigint; INSERT INTO tc VALUES (2, 2)");
  ASSERT_TRUE(WaitForState(files, pipe, PipeState::kFailed, 60)) << pg2ch->Output();
  std::string reason = LastError(files, pipe);
  EXPECT_NE(reason.find("source table public.tc column \"n\" changed type from integer"),
            std::string::npos)
      << reason;
  EXPECT_NE(reason.find("resync the pipe"), std::string::npos) << reason;
  EXPECT_EQ(pg2ch->Wait(30), 1) << pg2ch->Output();
  EXPECT_EQ(ChCount(dbs, "tc"), 1);
}

// kill -9 once ClickHouse and the catalog have the new column but before the transaction that
// brought it is checkpointed: the restart replays it, first with the Relation from before the
// ALTER (the catalog already records the column: NULL there), then with the new one.
TEST_P(SchemaChange, KillNineAfterAddColumnIsHarmless) {
  TestDatabases dbs = NewDatabases("addkill");
  const std::string pipe = PipeName("addkill");
  PgExec(dbs.pg,
         "CREATE TABLE rs (id int PRIMARY KEY, v text);"
         "INSERT INTO rs SELECT g, 'v' || g FROM generate_series(1, 50) g");
  // Batches wait 10 s: time to kill after the ALTER, before its transaction is written.
  PipeFiles files = WritePipe(dbs, pipe, {"public.rs"}, "\"sync_interval_seconds\": 10");
  auto pg2ch = StartPg2ch(files);
  ASSERT_TRUE(WaitForState(files, pipe, PipeState::kRunning, kCatchUpSeconds)) << pg2ch->Output();
  PgExec(dbs.pg, "INSERT INTO rs VALUES (51, 'v51')");
  ASSERT_TRUE(WaitUntil(60, [&] { return ChCount(dbs, "rs") == 51; })) << pg2ch->Output();

  PgExec(dbs.pg,
         "BEGIN; INSERT INTO rs VALUES (52, 'v52'); ALTER TABLE rs ADD COLUMN note text;"
         "INSERT INTO rs VALUES (53, 'v53', 'n53'); COMMIT");
  ASSERT_TRUE(WaitUntil(30, [&] {
    return RecordedSchema(files, pipe).find("\"note\"") != std::string::npos;
  })) << pg2ch->Output();
  pg2ch->Signal(SIGKILL);
  ASSERT_EQ(pg2ch->Wait(10), 128 + SIGKILL);
  EXPECT_EQ(ColumnType(dbs, "rs", "note"), "Nullable(String)\n");
  EXPECT_EQ(ChCount(dbs, "rs"), 51) << "the transaction was written before the kill";

  PgExec(dbs.pg, "INSERT INTO rs VALUES (54, 'v54', 'n54')");
  auto again = StartPg2ch(files);
  PgExec(dbs.pg, "UPDATE rs SET note = 'later' WHERE id = 1");
  std::vector<CompareColumn> columns = {{"id::text", "toString(id)"}, {"v", "v"}, {"note", "note"}};
  EXPECT_EQ(WaitForEqual(dbs, "rs", "rs", columns, "id", kCatchUpSeconds), "") << again->Output();
  EXPECT_EQ(CatalogState(files, pipe), PipeState::kRunning);
  // The replay really began before the ALTER.
  EXPECT_NE(again->Output().find("column note is no longer replicated"), std::string::npos)
      << again->Output();
  again->Signal(SIGTERM);
  EXPECT_EQ(again->Wait(30), 0) << again->Output();
}

// The sink's part alone: ADD COLUMN is idempotent (a crash between the ALTER and the catalog
// update adds it again on restart, from a sink that does not know it), and an unsupported type
// fails before the table is touched.
TEST_P(SchemaChange, SinkAddsColumnsIdempotently) {
  TestDatabases dbs = NewDatabases("sinkadd");
  ClickHouseClient client(dbs.ch);
  auto column = [](std::string name, uint32_t oid, bool key = false) {
    SourceColumn c;
    c.name = std::move(name);
    c.type_oid = oid;
    c.type_name = "oid" + std::to_string(oid);
    c.nullable = !key;
    c.is_key = key;
    return c;
  };
  DestinationTable before{
      {"public", "t", 77, {column("id", 23, true), column("v", 25)}}, dbs.ch.database, "t"};
  DestinationTable after = before;
  after.source.columns.push_back(column("we`ird", 25));
  after.source.columns.push_back(column("n", 20));

  ClickHouseSink sink(client, {before});
  sink.EnsureTables();
  EXPECT_EQ(sink.UpdateTable(after),
            (std::vector<std::string>{"Nullable(String)", "Nullable(Int64)"}));
  Transaction txn;
  txn.end_lsn = 10;
  txn.changes.push_back({ChangeOp::kInsert,
                         77,
                         {Cell::Text("1"), Cell::Text("a"), Cell::Text("b"), Cell::Text("5")},
                         {}});
  std::vector<Transaction> first{txn};  // a copy: applying consumes the rows
  sink.ApplyTransactions(first);

  ClickHouseSink restarted(client, {before});
  EXPECT_NO_THROW(restarted.UpdateTable(after));
  EXPECT_NO_THROW(restarted.UpdateTable(after));
  txn.end_lsn = 11;
  txn.changes[0] = {ChangeOp::kUpdate,
                    77,
                    {Cell::Text("1"), Cell::Unchanged(), Cell::Null(), Cell::Text("6")},
                    {}};
  std::vector<Transaction> second{txn};
  restarted.ApplyTransactions(second);
  EXPECT_EQ(Ch(dbs, "SELECT id, v, `we\\`ird`, n FROM " + Table(dbs, "t") +
                        " FINAL WHERE _peerdb_is_deleted = 0"),
            "1\ta\t\\N\t6\n");

  // Every type has a mapping: a point arrives as its text.
  DestinationTable with_point = after;
  with_point.source.columns.push_back(column("pt", 600));
  with_point.source.columns.back().type_name = "point";
  EXPECT_EQ(restarted.UpdateTable(with_point), (std::vector<std::string>{"Nullable(String)"}));
  EXPECT_EQ(ColumnType(dbs, "t", "pt"), "Nullable(String)\n");
}

PG2CH_INSTANTIATE_ENGINE_TESTS(SchemaChange);

}  // namespace
}  // namespace pg2ch::test
