// Tables added to and removed from a pipe through PATCH /v1/clickpipes/{id}: the added table is
// loaded in Snapshot while CDC goes on for the others, its own changes during the load are held
// and applied once it is loaded (or, past pull_batch_size of them, CDC waits for the load), a
// removed table leaves the publication and keeps its ClickHouse table; malformed changes are
// refused.
#include <gtest/gtest.h>

#include <thread>

#include "harness/engine_test.h"
#include "pipe_test_support.h"
#include "server_test_support.h"
#include "source/postgres/pg_connection.h"

namespace pg2ch::test {
namespace {

using nlohmann::json;

std::vector<CompareColumn> Columns() {
  return {{"id::text", "toString(id)"}, {"v", "v"}, {"coalesce(big, '')", "ifNull(big, '')"}};
}

// `big` is TOASTed for the first rows: updates that leave it alone need its stored value.
void CreateTable(const TestDatabases& dbs, const std::string& t, int rows) {
  PgExec(dbs.pg, "CREATE TABLE " + t +
                     " (id bigserial PRIMARY KEY, v text NOT NULL, big text);"
                     "INSERT INTO " +
                     t +
                     " (v, big) SELECT 'row ' || g, CASE WHEN g <= 50 THEN (SELECT "
                     "string_agg(md5(random()::text || i), '') FROM generate_series(1, 300) i "
                     "WHERE g > 0) END FROM generate_series(1, " +
                     std::to_string(rows) + ") g");
}

json Mappings(const char* key, std::vector<std::pair<std::string, std::string>> tables) {
  json list = json::array();
  for (const auto& [source, target] : tables) {
    json m = {{"sourceSchemaName", "public"}, {"sourceTable", source}};
    if (!target.empty()) m["targetTable"] = target;
    list.push_back(m);
  }
  return {{"source", {{"postgres", {{key, list}}}}}};
}

class ServerTables : public EngineTest {
 protected:
  std::string Dir(const std::string& name) { return GetServers().work_dir + "/server_" + name; }

  // Tables a and b (a_rows, b_rows) and `blocker`; a started server with a Running pipe `name`
  // of table a with `settings`. Returns the pipe's API path.
  std::string RunPipeOfA(const TestDatabases& dbs, ServerProcess& server, const std::string& name,
                         int a_rows, int b_rows, const nlohmann::json& settings) {
    CreateTable(dbs, "a", a_rows);
    CreateTable(dbs, "b", b_rows);
    PgExec(dbs.pg, "CREATE TABLE blocker (id int)");
    server.Start();
    auto created =
        server.Call("POST", "/v1/clickpipes", CreateBody(dbs, name, {"a"}, settings).dump());
    EXPECT_EQ(created.status, 201) << created.raw;
    std::string id = created.body.value("id", "");
    EXPECT_TRUE(server.WaitForState(id, "Running", 60)) << server.Log();
    return "/v1/clickpipes/" + id;
  }
};

TEST_P(ServerTables, AddedTableLoadsWhileCdcFlowsThenATableIsRemoved) {
  TestDatabases dbs = NewDatabases("api_tables");
  ServerProcess server(Dir(PipeName("tables")));
  std::string path = RunPipeOfA(dbs, server, PipeName("tables"), 1000, 60000,
                                {{"snapshotNumRowsPerPartition", 10000}});
  ASSERT_FALSE(HasFailure());
  std::string id = path.substr(path.rfind('/') + 1);

  // Refused: a table the pipe has, a table it lacks, a missing table, an empty pipe, other fields.
  EXPECT_EQ(server.Call("PATCH", path, Mappings("tableMappingsToAdd", {{"a", ""}}).dump()).status,
            400);
  EXPECT_EQ(
      server.Call("PATCH", path, Mappings("tableMappingsToRemove", {{"b", ""}}).dump()).status,
      400);
  auto missing = server.Call("PATCH", path, Mappings("tableMappingsToAdd", {{"nope", ""}}).dump());
  EXPECT_EQ(missing.status, 400);
  EXPECT_NE(missing.raw.find("public.nope does not exist"), std::string::npos) << missing.raw;
  EXPECT_EQ(
      server.Call("PATCH", path, Mappings("tableMappingsToRemove", {{"a", ""}}).dump()).status,
      400);
  EXPECT_EQ(server.Call("PATCH", path, R"({"name": "x"})").status, 400);

  // An open transaction holds back the temporary slot the load needs (a slot waits for running
  // transactions), so the pipe stays in Snapshot for as long as the test wants.
  auto blocker = PgConnection::Connect(dbs.pg, false);
  blocker->Exec("BEGIN; INSERT INTO blocker VALUES (1)");
  BackgroundWrites on_a(dbs.pg, [](int i) {
    return "BEGIN; INSERT INTO a (v) SELECT 'load' FROM generate_series(1, 5); UPDATE a SET v = "
           "v || '.' WHERE id = " +
           std::to_string(1 + i % 1000) + "; COMMIT";
  });
  auto patched =
      server.Call("PATCH", path, Mappings("tableMappingsToAdd", {{"b", "b_copy"}}).dump());
  ASSERT_EQ(patched.status, 200) << patched.raw;
  EXPECT_EQ(patched.body["state"], "Modifying");
  ASSERT_TRUE(server.WaitForState(id, "Snapshot", 30)) << server.Log();

  // CDC goes on for a while b waits for its load.
  std::this_thread::sleep_for(std::chrono::seconds(1));
  on_a.Stop();
  EXPECT_EQ(WaitForEqual(dbs, "a", "a", Columns(), "id", 60), "") << server.Log();
  json during = server.Call("GET", path).body;
  EXPECT_EQ(during["state"], "Snapshot");
  ASSERT_EQ(during["tables"].size(), 2u) << during.dump();
  EXPECT_EQ(during["tables"][0]["state"], "Running") << during.dump();   // a: CDC goes on
  EXPECT_EQ(during["tables"][1]["state"], "Snapshot") << during.dump();  // b: loading

  // Changes to b before and during its load: applied once b is loaded, unchanged TOAST too.
  PgExec(dbs.pg,
         "UPDATE b SET v = v || ' before' WHERE id <= 20; DELETE FROM b WHERE id BETWEEN 21 AND "
         "30; INSERT INTO b (v) VALUES ('new before')");
  // Long enough for CDC to want to write them (sync interval 0.5 s): they are held for the load,
  // while a's changes still flow.
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  const std::string after_b = PgQuery(dbs.pg, "SELECT pg_current_wal_lsn()")[0][0];
  PgExec(dbs.pg, "INSERT INTO a (v) VALUES ('while b is held')");
  EXPECT_EQ(WaitForEqual(dbs, "a", "a", Columns(), "id", 30), "") << server.Log();
  // a's change is durable, but the slot stays confirmed before b's held ones: a crash now must
  // replay them.
  std::this_thread::sleep_for(std::chrono::seconds(1));
  EXPECT_EQ(PgQuery(dbs.pg, "SELECT bool_and(confirmed_flush_lsn < '" + after_b +
                                "'::pg_lsn)::text FROM pg_replication_slots WHERE slot_name = "
                                "'peerflow_slot_" +
                                PipeName("tables") + "'")[0][0],
            "true");
  json held = server.Call("GET", path).body;
  EXPECT_EQ(held["state"], "Snapshot");
  EXPECT_GT(held["cdcChangesHeld"].get<int64_t>(), 0) << held.dump();
  EXPECT_EQ(ChCount(dbs, "b_copy"), 0);  // neither loaded (blocked) nor b's changes applied
  blocker->Exec("COMMIT");
  BackgroundWrites on_b(dbs.pg, [](int i) {
    return "BEGIN; UPDATE b SET v = v || '+' WHERE id = " + std::to_string(1 + i % 50) +
           "; INSERT INTO b (v) VALUES ('during'); DELETE FROM b WHERE id = " +
           std::to_string(100 + i) + "; COMMIT";
  });
  ASSERT_TRUE(server.WaitForState(id, "Running", 120)) << server.Log();
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  on_b.Stop();
  EXPECT_EQ(WaitForEqual(dbs, "b", "b_copy", Columns(), "id", 90), "") << server.Log();
  EXPECT_EQ(WaitForEqual(dbs, "a", "a", Columns(), "id", 30), "") << server.Log();
  EXPECT_NE(server.Log().find("to the added tables held during their load"), std::string::npos)
      << server.Log();
  auto states = StatesOf(server.Call("GET", path + "/history"));
  std::vector<std::string> tail(states.end() - 4, states.end());
  EXPECT_EQ(tail, (std::vector<std::string>{"Running", "Modifying", "Snapshot", "Running"}));

  // Remove a: it leaves the publication and the pipe; its ClickHouse table stays as it was.
  auto removed = server.Call("PATCH", path, Mappings("tableMappingsToRemove", {{"a", ""}}).dump());
  ASSERT_EQ(removed.status, 200) << removed.raw;
  ASSERT_TRUE(server.WaitForState(id, "Running", 60)) << server.Log();
  int64_t a_rows = ChCount(dbs, "a");
  PgExec(dbs.pg, "INSERT INTO a (v) VALUES ('after removal'); INSERT INTO b (v) VALUES ('b')");
  EXPECT_EQ(WaitForEqual(dbs, "b", "b_copy", Columns(), "id", 60), "") << server.Log();
  EXPECT_EQ(ChCount(dbs, "a"), a_rows);
  EXPECT_TRUE(PgQuery(dbs.pg, "SELECT 1 FROM pg_publication_tables WHERE tablename = 'a'").empty());
  auto pipe = server.Call("GET", path).body;
  ASSERT_EQ(pipe["tables"].size(), 1u) << pipe.dump();
  EXPECT_EQ(pipe["tables"][0]["target"], "b_copy");
  EXPECT_EQ(pipe["tables"][0]["state"], "Running");
  states = StatesOf(server.Call("GET", path + "/history"));
  tail.assign(states.end() - 3, states.end());
  EXPECT_EQ(tail, (std::vector<std::string>{"Running", "Modifying", "Running"}));
  EXPECT_EQ(server.Terminate(), 0) << server.Log();
}

// More changes to a loading table than pull_batch_size: CDC stops holding them (memory stays
// bounded) and waits for the load, the other tables' changes too; then everything arrives.
TEST_P(ServerTables, TooManyChangesToALoadingTableMakeCdcWaitForItsLoad) {
  TestDatabases dbs = NewDatabases("api_hold");
  ServerProcess server(Dir(PipeName("hold")));
  std::string path = RunPipeOfA(dbs, server, PipeName("hold"), 100, 1000, {{"pullBatchSize", 10}});
  ASSERT_FALSE(HasFailure());
  std::string id = path.substr(path.rfind('/') + 1);

  auto blocker = PgConnection::Connect(dbs.pg, false);  // keeps the load from starting
  blocker->Exec("BEGIN; INSERT INTO blocker VALUES (1)");
  ASSERT_EQ(server.Call("PATCH", path, Mappings("tableMappingsToAdd", {{"b", ""}}).dump()).status,
            200);
  ASSERT_TRUE(server.WaitForState(id, "Snapshot", 30)) << server.Log();
  PgExec(dbs.pg, "UPDATE b SET v = v || '!' WHERE id <= 20");  // 20 held changes > 10
  PgExec(dbs.pg, "INSERT INTO a (v) VALUES ('behind b')");
  std::this_thread::sleep_for(std::chrono::seconds(2));
  EXPECT_EQ(ChCount(dbs, "a"), 100);  // waits behind b's load
  EXPECT_EQ(server.Call("GET", path).body["state"], "Snapshot");
  blocker->Exec("COMMIT");
  ASSERT_TRUE(server.WaitForState(id, "Running", 60)) << server.Log();
  EXPECT_EQ(WaitForEqual(dbs, "a", "a", Columns(), "id", 30), "") << server.Log();
  EXPECT_EQ(WaitForEqual(dbs, "b", "b", Columns(), "id", 30), "") << server.Log();
  EXPECT_NE(server.Log().find("changes to tables still loading: CDC waits for the load"),
            std::string::npos)
      << server.Log();
  EXPECT_EQ(server.Terminate(), 0) << server.Log();
}

// A type change cannot be applied in place: the pipe fails naming the column, and a resync
// reloads the table with its new definition.
TEST_P(ServerTables, TypeChangeFailsThePipeAndResyncTakesTheNewType) {
  TestDatabases dbs = NewDatabases("api_retype");
  PgExec(dbs.pg,
         "CREATE TABLE r (id int PRIMARY KEY, n int NOT NULL); INSERT INTO r SELECT g, g FROM "
         "generate_series(1, 100) g");
  ServerProcess server(Dir(PipeName("retype_api")));
  server.Start();
  std::string id = CreateRunningPipe(server, dbs, PipeName("retype_api"), {"r"});
  ASSERT_FALSE(id.empty());
  std::string path = "/v1/clickpipes/" + id;
  PgExec(dbs.pg,
         "ALTER TABLE r ALTER COLUMN n TYPE bigint; INSERT INTO r VALUES (101, 5000000000)");
  ASSERT_TRUE(server.WaitForState(id, "Failed", 60)) << server.Log();
  std::string error = server.Call("GET", path).body["lastError"];
  EXPECT_NE(error.find("\"n\""), std::string::npos) << error;

  auto resync = server.Call("PATCH", path + "/state", R"({"command": "resync"})");
  ASSERT_EQ(resync.status, 200) << resync.raw;
  ASSERT_TRUE(server.WaitForState(id, "Running", 120)) << server.Log();
  PgExec(dbs.pg, "INSERT INTO r VALUES (102, 6000000000)");
  EXPECT_EQ(WaitForEqual(dbs, "r", "r", {{"id::text", "toString(id)"}, {"n::text", "toString(n)"}},
                         "id", 60),
            "")
      << server.Log();
  EXPECT_EQ(ChQuery(dbs.ch, "SELECT type FROM system.columns WHERE database = '" + dbs.ch.database +
                                "' AND table = 'r' AND name = 'n'"),
            "Int64\n");
  EXPECT_EQ(server.Terminate(), 0) << server.Log();
}

PG2CH_INSTANTIATE_ENGINE_TESTS(ServerTables);

}  // namespace
}  // namespace pg2ch::test
