// What differs between PostgreSQL majors, checked on the run's server (PG2CH_TEST_PG; ctest runs
// these on 12 to 18): a partitioned table replicates through its root from 13 on and is refused
// with its reason on 12; the initial load splits a plain table by ctid ranges from 14 on and by
// its key's value ranges before.
#include <gtest/gtest.h>
#include <signal.h>

#include <fstream>
#include <sstream>

#include "catalog/sqlite_catalog.h"
#include "harness/engine_test.h"
#include "pipe_test_support.h"
#include "server_test_support.h"

namespace pg2ch::test {
namespace {

class PgVersion : public EngineTest {};

std::vector<CompareColumn> Columns() {
  return {{"id::text", "toString(id)"}, {"v", "v"}, {"n::text", "toString(n)"}};
}

std::string PartitionColumnOfPlan(const PipeFiles& files, const std::string& pipe,
                                  const std::string& table) {
  SqliteCatalog catalog(files.catalog);
  auto record = catalog.FindPipe(pipe);
  if (!record) return "(no pipe)";
  auto plan = catalog.SnapshotPlan(record->id, "public", table);
  return plan ? plan->partition_column : "(no plan)";
}

TEST_P(PgVersion, PartitionedTableReplicatesThroughItsRootOrIsRefusedOn12) {
  TestDatabases dbs = NewDatabases("parted");
  const std::string pipe = PipeName("parted");
  PgExec(dbs.pg,
         "CREATE TABLE pt (id bigint PRIMARY KEY, v text NOT NULL, n int NOT NULL) "
         "PARTITION BY RANGE (id);"
         "CREATE TABLE pt_low PARTITION OF pt FOR VALUES FROM (MINVALUE) TO (10000);"
         "CREATE TABLE pt_high PARTITION OF pt FOR VALUES FROM (10000) TO (MAXVALUE);"
         "INSERT INTO pt SELECT g, md5(g::text), 0 FROM generate_series(1, 20000) g");
  PipeFiles files =
      WritePipe(dbs, pipe, {"public.pt"}, "\"snapshot_num_rows_per_partition\": 5000");
  if (TestPgMajor() == 12) {
    ExpectPipeFails(files, pipe, "PostgreSQL 12 cannot publish a partitioned table");
    EXPECT_TRUE(PgQuery(dbs.pg,
                        "SELECT 1 FROM pg_replication_slots WHERE database = "
                        "current_database()")
                    .empty());
    return;
  }
  auto run = StartPg2ch(files);
  ASSERT_TRUE(WaitForState(files, pipe, PipeState::kRunning, 120)) << run->Output();
  EXPECT_EQ(WaitForEqual(dbs, "pt", "pt", Columns(), "id", 120), "") << run->Output();
  // Changes in each partition, and rows moved from one partition to the other (an update of the
  // partition key is a delete in one leaf and an insert in the other).
  PgExec(dbs.pg,
         "INSERT INTO pt SELECT g, 'new', 1 FROM generate_series(20001, 20100) g;"
         "UPDATE pt SET n = n + 1, v = v || '+' WHERE id % 97 = 0;"
         "DELETE FROM pt WHERE id % 101 = 0;"
         "UPDATE pt SET id = id + 50000 WHERE id BETWEEN 9950 AND 10049;"
         "UPDATE pt SET id = -id WHERE id BETWEEN 15000 AND 15009");
  EXPECT_EQ(WaitForEqual(dbs, "pt", "pt", Columns(), "id", 120), "") << run->Output();
  EXPECT_EQ(ChCount(dbs, "pt"), PgCount(dbs, "pt"));
  run->Signal(SIGTERM);
  EXPECT_EQ(run->Wait(30), 0) << run->Output();
  EXPECT_FALSE(EverFailed(files, pipe));
}

TEST_P(PgVersion, LoadSplitsByCtidFrom14AndByKeyValuesBefore) {
  TestDatabases dbs = NewDatabases("split");
  const std::string pipe = PipeName("split");
  PgExec(dbs.pg,
         "CREATE TABLE plain (id bigint PRIMARY KEY, v text NOT NULL, n int NOT NULL);"
         "INSERT INTO plain SELECT g, md5(g::text), 0 FROM generate_series(1, 30000) g;"
         "ANALYZE plain");
  PipeFiles files =
      WritePipe(dbs, pipe, {"public.plain"},
                "\"snapshot_num_rows_per_partition\": 5000, \"snapshot_max_parallel_workers\": 2");
  auto run = StartPg2ch(files);
  ASSERT_TRUE(WaitForState(files, pipe, PipeState::kRunning, 120)) << run->Output();
  EXPECT_EQ(WaitForEqual(dbs, "plain", "plain", Columns(), "id", 120), "") << run->Output();
  // TID range scans (WHERE ctid >= ... AND ctid < ...) need 14: before, a ctid range reads the
  // whole table for every partition.
  EXPECT_EQ(PartitionColumnOfPlan(files, pipe, "plain"), TestPgMajor() >= 14 ? "" : "id");
  PgExec(dbs.pg, "UPDATE plain SET n = 1 WHERE id % 10 = 0; DELETE FROM plain WHERE id % 7 = 0");
  EXPECT_EQ(WaitForEqual(dbs, "plain", "plain", Columns(), "id", 120), "") << run->Output();
  run->Signal(SIGTERM);
  EXPECT_EQ(run->Wait(30), 0) << run->Output();
}

// From 18 on a stored generated column is published (publish_generated_columns = stored) and
// replicates like any other, recomputed values included; before, it is left out and said so.
TEST_P(PgVersion, StoredGeneratedColumnReplicatesFrom18) {
  TestDatabases dbs = NewDatabases("gencol");
  const std::string pipe = PipeName("gencol");
  PgExec(dbs.pg,
         "CREATE TABLE g (id int PRIMARY KEY, price numeric(10,2) NOT NULL, qty int NOT NULL, "
         "total numeric(12,2) GENERATED ALWAYS AS (price * qty) STORED);"
         "INSERT INTO g (id, price, qty) SELECT i, i / 4.0, i % 5 FROM generate_series(1, 500) i");
  PipeFiles files = WritePipe(dbs, pipe, {"public.g"});
  auto run = StartPg2ch(files);
  ASSERT_TRUE(WaitForState(files, pipe, PipeState::kRunning, 120)) << run->Output();
  const bool published = TestPgMajor() >= 18;
  std::vector<CompareColumn> cols = {{"id::text", "toString(id)"},
                                     {"price::text", "toString(price)", CompareColumn::kNumber},
                                     {"qty::text", "toString(qty)"}};
  if (published) cols.push_back({"total::text", "toString(total)", CompareColumn::kNumber});
  PgExec(dbs.pg,
         "UPDATE g SET qty = qty + 3 WHERE id % 3 = 0; DELETE FROM g WHERE id % 11 = 0;"
         "INSERT INTO g (id, price, qty) VALUES (1000, 9.99, 7)");
  EXPECT_EQ(WaitForEqual(dbs, "g", "g", cols, "id", 120), "") << run->Output();
  EXPECT_EQ(ChQuery(dbs.ch, "SELECT count() FROM system.columns WHERE database = '" +
                                dbs.ch.database + "' AND table = 'g' AND name = 'total'"),
            published ? "1\n" : "0\n");
  if (!published) {
    EXPECT_NE(run->Output().find("generated column total is not replicated"), std::string::npos)
        << run->Output();
  }
  run->Signal(SIGTERM);
  EXPECT_EQ(run->Wait(30), 0) << run->Output();
}

// From 15 on a mapping's row filter and excluded columns go into pg2ch's publication: rows and
// columns the pipe leaves out never leave PostgreSQL, and rows moving in and out of the filter
// (an update of the filtered key column) arrive as inserts and deletes. A filter on a column
// outside the key is refused before PostgreSQL would refuse the application's updates. Before
// 15 nothing could apply the filter to CDC: refused, naming the version.
TEST_P(PgVersion, RowFilterAndColumnListLeaveRowsAndColumnsAtTheSourceFrom15) {
  TestDatabases dbs = NewDatabases("rowfilter");
  const std::string pipe = PipeName("rowfilter");
  PgExec(dbs.pg,
         "CREATE TABLE orders (tenant int NOT NULL, id int NOT NULL, v text, secret text, "
         "PRIMARY KEY (tenant, id));"
         "INSERT INTO orders SELECT 1 + g % 3, g, 'v' || g, 'secret' || g "
         "FROM generate_series(1, 3000) g;"
         "CREATE VIEW tenant1 AS SELECT * FROM orders WHERE tenant = 1");
  auto with_filter = [&](const std::string& name, const std::string& where,
                         const std::string& table = "public.orders",
                         const std::string& extra = "") {
    PipeFiles files = WritePipe(dbs, name, {table}, extra);
    std::stringstream text;
    text << std::ifstream(files.pipe).rdbuf();
    std::string doc = text.str();
    const std::string entry = "{\"source\": \"public.orders\"";
    doc.replace(doc.find(entry), entry.size(),
                entry + ", \"where\": \"" + where +
                    "\", \"exclude\": [\"secret\"], \"exclude_at_source\": true");
    std::ofstream(files.pipe, std::ios::trunc) << doc;
    return files;
  };
  if (TestPgMajor() < 15) {
    ExpectPipeFails(with_filter(pipe, "tenant = 1"), pipe,
                    "a row filter (where) needs PostgreSQL 15 or later");
    return;
  }
  {
    // Create through the API checks the filter against the server before anything exists.
    ServerProcess server(GetServers().work_dir + "/server_" + pipe);
    server.Start();
    nlohmann::json body = CreateBody(dbs, PipeName("apifilter"), {"orders"});
    body["source"]["postgres"]["tableMappings"][0]["rowFilter"] = "v <> 'x'";
    auto refused = server.Call("POST", "/v1/clickpipes", body.dump());
    EXPECT_EQ(refused.status, 400) << refused.raw;
    EXPECT_NE(refused.raw.find("the row filter uses v, outside"), std::string::npos) << refused.raw;
    body["source"]["postgres"]["tableMappings"][0]["rowFilter"] = "tenant = (";
    auto syntax = server.Call("POST", "/v1/clickpipes", body.dump());
    EXPECT_EQ(syntax.status, 400) << syntax.raw;
    EXPECT_NE(syntax.raw.find("syntax error"), std::string::npos) << syntax.raw;
    EXPECT_TRUE(PgQuery(dbs.pg, "SELECT 1 FROM pg_publication").empty());
    EXPECT_EQ(server.Terminate(), 0);
  }
  const std::string bad = PipeName("badfilter");
  ExpectPipeFails(with_filter(bad, "v <> 'x'"), bad,
                  "the row filter uses v, outside the table's primary key / replica identity");
  // Nothing of it stayed: the application's updates go on.
  PgExec(dbs.pg, "UPDATE orders SET v = v WHERE id = 1");
  EXPECT_TRUE(PgQuery(dbs.pg, "SELECT 1 FROM pg_publication").empty());

  PipeFiles files = with_filter(pipe, "tenant = 1");
  auto run = StartPg2ch(files);
  ASSERT_TRUE(WaitForState(files, pipe, PipeState::kRunning, 120)) << run->Output();
  const std::vector<CompareColumn> cols = {
      {"tenant::text", "toString(tenant)"}, {"id::text", "toString(id)"}, {"v", "ifNull(v, '')"}};
  EXPECT_EQ(WaitForEqual(dbs, "tenant1", "orders", cols, "id", 120), "") << run->Output();
  EXPECT_EQ(PgQuery(dbs.pg,
                    "SELECT rowfilter, attnames::text FROM pg_publication_tables WHERE "
                    "tablename = 'orders'"),
            (std::vector<std::vector<std::string>>{{"(tenant = 1)", "{tenant,id,v}"}}));
  PgExec(dbs.pg,
         "INSERT INTO orders SELECT 1 + g % 3, g, 'new', 'new secret' "
         "FROM generate_series(3001, 3300) g;"
         "UPDATE orders SET v = v || '+' WHERE id % 5 = 0;"
         "DELETE FROM orders WHERE id % 11 = 0;"
         "UPDATE orders SET tenant = 1 WHERE tenant = 2 AND id < 100;"  // into the filter
         "UPDATE orders SET tenant = 3 WHERE tenant = 1 AND id BETWEEN 200 AND 400");  // out
  EXPECT_EQ(WaitForEqual(dbs, "tenant1", "orders", cols, "id", 120), "") << run->Output();
  EXPECT_EQ(ChQuery(dbs.ch, "SELECT count() FROM system.columns WHERE database = '" +
                                dbs.ch.database + "' AND table = 'orders' AND name = 'secret'"),
            "0\n");
  run->Signal(SIGTERM);
  EXPECT_EQ(run->Wait(30), 0) << run->Output();
  EXPECT_FALSE(EverFailed(files, pipe));

  // A publication of the user's that filters rows the pipe does not: the load would copy rows
  // CDC never sends. Refused, quoting the publication's condition.
  PgExec(dbs.pg, "CREATE PUBLICATION mine FOR TABLE orders WHERE (tenant = 2)");
  const std::string theirs = PipeName("theirs");
  ExpectPipeFails(
      WritePipe(dbs, theirs, {"public.orders:orders_theirs"}, "\"publication\": \"mine\""), theirs,
      "publication \"mine\" filters the rows of public.orders (WHERE (tenant = 2))");
  // The same condition written another way is the same filter (compared as PostgreSQL writes
  // them back); another condition is refused, quoting both.
  const std::string same = PipeName("same");
  PipeFiles same_files =
      with_filter(same, "tenant=2", "public.orders:orders_same", "\"publication\": \"mine\"");
  auto same_run = StartPg2ch(same_files);
  EXPECT_TRUE(WaitForState(same_files, same, PipeState::kRunning, 120)) << same_run->Output();
  same_run->Signal(SIGTERM);
  EXPECT_EQ(same_run->Wait(30), 0) << same_run->Output();
  const std::string other = PipeName("other");
  ExpectPipeFails(
      with_filter(other, "tenant = 3", "public.orders:orders_other", "\"publication\": \"mine\""),
      other,
      "publication \"mine\" filters the rows of public.orders with WHERE (tenant = 2), "
      "but the pipe's \"where\" is (tenant = 3)");
}

PG2CH_INSTANTIATE_ENGINE_TESTS(PgVersion);

}  // namespace
}  // namespace pg2ch::test
