// `pg2ch server` driven through its REST API: lifecycle commands with their exact history,
// pause under load, restart after kill -9, auth, validation, delete, and the OpenAPI document.
#include <gtest/gtest.h>

#include <atomic>
#include <fstream>
#include <set>
#include <thread>

#include "catalog/sqlite_catalog.h"
#include "harness/engine_test.h"
#include "pipe_test_support.h"
#include "server_test_support.h"
#include "source/postgres/pg_connection.h"

namespace pg2ch::test {
namespace {

using nlohmann::json;

std::vector<CompareColumn> Columns() { return {{"id::text", "toString(id)"}, {"v", "v"}}; }

void CreateTable(const TestDatabases& dbs, const std::string& t, int rows) {
  PgExec(dbs.pg, "CREATE TABLE " + t +
                     " (id bigserial PRIMARY KEY, v text NOT NULL);"
                     "INSERT INTO " +
                     t + " (v) SELECT 'row ' || g FROM generate_series(1, " + std::to_string(rows) +
                     ") g");
}

class ServerApi : public EngineTest {
 protected:
  std::string Dir(const std::string& name) { return GetServers().work_dir + "/server_" + name; }
};

TEST_P(ServerApi, StopStartWithExactHistoryAndIllegalTransitionsRefused) {
  TestDatabases dbs = NewDatabases("api_life");
  CreateTable(dbs, "t", 500);
  ServerProcess server(Dir(PipeName("life")));
  server.Start();
  auto created =
      server.Call("POST", "/v1/clickpipes", CreateBody(dbs, PipeName("life"), {"t"}).dump());
  ASSERT_EQ(created.status, 201) << created.raw;
  std::string id = created.body["id"];
  std::string path = "/v1/clickpipes/" + id;
  ASSERT_TRUE(server.WaitForState(id, "Running", 60)) << server.Log();

  // Illegal: start while Running; settings while Running.
  auto bad = server.Call("PATCH", path + "/state", R"({"command": "start"})");
  EXPECT_EQ(bad.status, 409);
  EXPECT_NE(bad.raw.find("Running"), std::string::npos) << bad.raw;
  EXPECT_EQ(server.Call("PUT", path + "/settings", R"({"pullBatchSize": 10})").status, 409);
  EXPECT_EQ(server.Call("PUT", path + "/source", R"({"host": "localhost"})").status, 409);

  auto stopped = server.Call("PATCH", path + "/state", R"({"command": "stop"})");
  ASSERT_EQ(stopped.status, 200) << stopped.raw;
  ASSERT_TRUE(server.WaitForState(id, "Paused", 30)) << server.Log();
  EXPECT_EQ(server.Call("PATCH", path + "/state", R"({"command": "stop"})").status, 409);
  // No replication connection stays open while Paused.
  EXPECT_TRUE(WaitUntil(10, [&] {
    return PgQuery(dbs.pg, "SELECT 1 FROM pg_replication_slots WHERE slot_name = 'peerflow_slot_" +
                               PipeName("life") + "' AND active")
        .empty();
  }));

  auto settings = server.Call("PUT", path + "/settings",
                              R"({"pullBatchSize": 1000, "syncIntervalSeconds": 0.2})");
  ASSERT_EQ(settings.status, 200) << settings.raw;
  EXPECT_EQ(server.Call("GET", path + "/settings").body["pullBatchSize"], 1000);
  EXPECT_EQ(server.Call("PUT", path + "/settings", R"({"pullBatchSize": -1})").status, 400);
  EXPECT_EQ(server.Call("PUT", path + "/settings", R"({"replicationSlotName": "x"})").status, 400);
  // The source reached another way (as after a failover): the same cluster, so CDC goes on.
  auto moved = server.Call("PUT", path + "/source", R"({"host": "localhost"})");
  ASSERT_EQ(moved.status, 200) << moved.raw;
  EXPECT_EQ(moved.body["source"]["postgres"]["host"], "localhost");
  EXPECT_EQ(moved.raw.find(kPgPassword), std::string::npos) << moved.raw;
  EXPECT_EQ(server.Call("PUT", path + "/source", R"({"database": "other"})").status, 400);
  EXPECT_EQ(server.Call("PUT", path + "/source", R"({"slot": "x"})").status, 400);

  ASSERT_EQ(server.Call("PATCH", path + "/state", R"({"command": "start"})").status, 200);
  ASSERT_TRUE(server.WaitForState(id, "Running", 30));
  PgExec(dbs.pg, "INSERT INTO t (v) VALUES ('after resume')");
  EXPECT_EQ(WaitForEqual(dbs, "t", "t", Columns(), "id", 60), "") << server.Log();

  std::vector<std::string> expected = {"Provisioning", "Setup",  "Snapshot", "Running",
                                       "Pausing",      "Paused", "Running"};
  EXPECT_EQ(StatesOf(server.Call("GET", path + "/history")), expected);
  EXPECT_EQ(server.Call("GET", "/v1/clickpipes/999999").status, 404);
  EXPECT_EQ(server.Call("GET", "/v1/clickpipes/abc").status, 404);
  auto unknown = server.Call("PATCH", path + "/state", R"({"command": "explode"})");
  EXPECT_EQ(unknown.status, 400);
  EXPECT_NE(unknown.raw.find("command"), std::string::npos);
  EXPECT_EQ(server.Terminate(), 0) << server.Log();
}

// Stop in Snapshot pauses the load after the partitions in flight; start resumes it there.
TEST_P(ServerApi, StopDuringSnapshotPausesTheLoadAndStartResumesIt) {
  TestDatabases dbs = NewDatabases("api_snapstop");
  CreateTable(dbs, "t", 150000);
  ServerProcess server(Dir(PipeName("snapstop")));
  server.Start();
  json body = CreateBody(dbs, PipeName("snapstop"), {"t"},
                         {{"snapshotNumRowsPerPartition", 2000}, {"initialLoadParallelism", 1}});
  auto created = server.Call("POST", "/v1/clickpipes", body.dump());
  ASSERT_EQ(created.status, 201) << created.raw;
  std::string id = created.body["id"];
  std::string path = "/v1/clickpipes/" + id;
  auto copied = [&] { return server.Call("GET", path).body["rowsCopied"].get<int64_t>(); };
  ASSERT_TRUE(WaitUntil(60, [&] { return copied() >= 4000; })) << server.Log();
  auto stopped = server.Call("PATCH", path + "/state", R"({"command": "stop"})");
  ASSERT_EQ(stopped.status, 200) << stopped.raw;
  ASSERT_TRUE(server.WaitForState(id, "Paused", 30)) << server.Log();
  int64_t at_pause = copied();
  ASSERT_LT(at_pause, 150000) << "the load finished before the stop";
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  EXPECT_EQ(copied(), at_pause);  // nothing is copied while Paused

  auto started = server.Call("PATCH", path + "/state", R"({"command": "start"})");
  ASSERT_EQ(started.status, 200) << started.raw;
  EXPECT_EQ(started.body["state"], "Snapshot");
  ASSERT_TRUE(server.WaitForState(id, "Running", 120)) << server.Log();
  EXPECT_EQ(WaitForEqual(dbs, "t", "t", Columns(), "id", 60), "") << server.Log();
  EXPECT_EQ(copied(), 150000);  // every partition counted once
  std::vector<std::string> expected = {"Provisioning", "Setup",    "Snapshot", "Pausing",
                                       "Paused",       "Snapshot", "Running"};
  EXPECT_EQ(StatesOf(server.Call("GET", path + "/history")), expected);
  EXPECT_EQ(server.Terminate(), 0) << server.Log();
}

// The two other modes through the API: snapshot-only ends Completed, CDC-only skips Snapshot.
TEST_P(ServerApi, SnapshotOnlyEndsCompletedAndCdcOnlySkipsSnapshot) {
  TestDatabases dbs = NewDatabases("api_modes");
  CreateTable(dbs, "t", 300);
  ServerProcess server(Dir(PipeName("modes")));
  server.Start();
  auto once = server.Call(
      "POST", "/v1/clickpipes",
      CreateBody(dbs, PipeName("once"), {"t"}, {{"replicationMode", "snapshot"}}).dump());
  ASSERT_EQ(once.status, 201) << once.raw;
  std::string once_id = once.body["id"];
  ASSERT_TRUE(server.WaitForState(once_id, "Completed", 60)) << server.Log();
  EXPECT_EQ(DiffTables(dbs, "t", "t", Columns(), "id"), "");
  EXPECT_EQ(StatesOf(server.Call("GET", "/v1/clickpipes/" + once_id + "/history")),
            (std::vector<std::string>{"Provisioning", "Setup", "Snapshot", "Completed"}));
  // Nothing is left to stop or change on a Completed pipe.
  EXPECT_EQ(
      server.Call("PATCH", "/v1/clickpipes/" + once_id + "/state", R"({"command": "stop"})").status,
      409);

  PgExec(dbs.pg, "CREATE TABLE c (id bigserial PRIMARY KEY, v text NOT NULL)");
  auto cdc = server.Call(
      "POST", "/v1/clickpipes",
      CreateBody(dbs, PipeName("cdc"), {"c"}, {{"replicationMode", "cdc_only"}}).dump());
  ASSERT_EQ(cdc.status, 201) << cdc.raw;
  std::string cdc_id = cdc.body["id"];
  ASSERT_TRUE(server.WaitForState(cdc_id, "Running", 60)) << server.Log();
  PgExec(dbs.pg, "INSERT INTO c (v) SELECT 'n' || g FROM generate_series(1, 50) g");
  EXPECT_EQ(WaitForEqual(dbs, "c", "c", Columns(), "id", 60), "") << server.Log();
  EXPECT_EQ(StatesOf(server.Call("GET", "/v1/clickpipes/" + cdc_id + "/history")),
            (std::vector<std::string>{"Provisioning", "Setup", "Running"}));
  EXPECT_EQ(server.Terminate(), 0) << server.Log();
}

TEST_P(ServerApi, PauseUnderWriteLoadThenResumeCatchesUp) {
  TestDatabases dbs = NewDatabases("api_pause");
  CreateTable(dbs, "t", 1000);
  ServerProcess server(Dir(PipeName("pause")));
  server.Start();
  std::string id = CreateRunningPipe(server, dbs, PipeName("pause"), {"t"});
  ASSERT_FALSE(id.empty());
  BackgroundWrites load(dbs.pg, [](int i) {
    return "BEGIN; INSERT INTO t (v) SELECT 'load' FROM generate_series(1, 10); UPDATE t SET "
           "v = v || '.' WHERE id = " +
           std::to_string(1 + i % 1000) + "; COMMIT";
  });
  std::this_thread::sleep_for(std::chrono::seconds(1));
  ASSERT_EQ(
      server.Call("PATCH", "/v1/clickpipes/" + id + "/state", R"({"command": "stop"})").status,
      200);
  ASSERT_TRUE(server.WaitForState(id, "Paused", 30)) << server.Log();
  int64_t paused_count = ChCount(dbs, "t");
  std::this_thread::sleep_for(std::chrono::seconds(2));
  EXPECT_EQ(ChCount(dbs, "t"), paused_count);  // nothing flows while Paused
  EXPECT_GT(PgCount(dbs, "t"), paused_count);
  ASSERT_EQ(
      server.Call("PATCH", "/v1/clickpipes/" + id + "/state", R"({"command": "start"})").status,
      200);
  std::this_thread::sleep_for(std::chrono::seconds(1));
  load.Stop();
  EXPECT_EQ(WaitForEqual(dbs, "t", "t", Columns(), "id", 90), "") << server.Log();

  // Prometheus sees the pipe Running, its load done and the changes it applied.
  auto metrics = server.Call("GET", "/metrics");
  ASSERT_EQ(metrics.status, 200) << metrics.raw;
  const std::string label = "{pipe=\"" + PipeName("pause") + "\"";
  EXPECT_NE(metrics.raw.find("pg2ch_pipe_state" + label + ",state=\"Running\"} 1\n"),
            std::string::npos)
      << metrics.raw;
  EXPECT_NE(metrics.raw.find("pg2ch_tables_loaded" + label + "} 1\n"), std::string::npos)
      << metrics.raw;
  size_t at = metrics.raw.find("pg2ch_cdc_changes_applied_total" + label + "} ");
  ASSERT_NE(at, std::string::npos) << metrics.raw;
  EXPECT_GT(std::stoll(metrics.raw.substr(metrics.raw.find("} ", at) + 2)), 0) << metrics.raw;
  EXPECT_EQ(server.Call("GET", "/metrics", "", "wrong-token").status, 401);
  EXPECT_EQ(server.Terminate(), 0);
}

TEST_P(ServerApi, KillNineThenRestartBringsEveryPipeBackInItsState) {
  TestDatabases dbs = NewDatabases("api_restart");
  CreateTable(dbs, "a", 100);
  CreateTable(dbs, "b", 100);
  ServerProcess server(Dir(PipeName("restart")));
  server.Start();
  std::string a =
      server.Call("POST", "/v1/clickpipes", CreateBody(dbs, PipeName("ra"), {"a"}).dump())
          .body["id"];
  std::string b =
      server.Call("POST", "/v1/clickpipes", CreateBody(dbs, PipeName("rb"), {"b"}).dump())
          .body["id"];
  ASSERT_TRUE(server.WaitForState(a, "Running", 60)) << server.Log();
  ASSERT_TRUE(server.WaitForState(b, "Running", 60)) << server.Log();
  ASSERT_EQ(server.Call("PATCH", "/v1/clickpipes/" + b + "/state", R"({"command": "stop"})").status,
            200);
  ASSERT_TRUE(server.WaitForState(b, "Paused", 30));
  PgExec(dbs.pg, "INSERT INTO a (v) SELECT 'before kill' FROM generate_series(1, 50)");
  server.Kill9();

  PgExec(dbs.pg,
         "INSERT INTO a (v) SELECT 'while down' FROM generate_series(1, 50);"
         "INSERT INTO b (v) VALUES ('while down')");
  server.Start();
  EXPECT_TRUE(server.WaitForState(a, "Running", 30));
  EXPECT_EQ(server.Call("GET", "/v1/clickpipes/" + b).body["state"], "Paused");
  EXPECT_EQ(WaitForEqual(dbs, "a", "a", Columns(), "id", 60), "") << server.Log();
  EXPECT_EQ(ChCount(dbs, "b"), 100);  // the paused pipe stayed paused
  EXPECT_EQ(server.Terminate(), 0) << server.Log();
}

TEST_P(ServerApi, DeleteDropsSlotAndPublicationKeepsClickHouseData) {
  TestDatabases dbs = NewDatabases("api_delete");
  CreateTable(dbs, "t", 100);
  ServerProcess server(Dir(PipeName("delete")));
  server.Start();
  std::string name = PipeName("del");
  std::string id =
      server.Call("POST", "/v1/clickpipes", CreateBody(dbs, name, {"t"}).dump()).body["id"];
  ASSERT_TRUE(server.WaitForState(id, "Running", 60)) << server.Log();
  auto deleted = server.Call("DELETE", "/v1/clickpipes/" + id);
  ASSERT_EQ(deleted.status, 200) << deleted.raw;
  EXPECT_EQ(server.Call("GET", "/v1/clickpipes/" + id).status, 404);
  EXPECT_TRUE(
      PgQuery(dbs.pg,
              "SELECT 1 FROM pg_replication_slots WHERE slot_name = 'peerflow_slot_" + name + "'")
          .empty());
  EXPECT_TRUE(
      PgQuery(dbs.pg, "SELECT 1 FROM pg_publication WHERE pubname = 'peerflow_pub_" + name + "'")
          .empty());
  EXPECT_TRUE(PgQuery(dbs.pg,
                      "SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND "
                      "application_name = 'pg2ch'")
                  .empty());
  EXPECT_EQ(ChCount(dbs, "t"), 100);
  EXPECT_EQ(server.Terminate(), 0);
}

TEST_P(ServerApi, ResyncUnderWriteLoadSwapsTablesWithNoRowLostOrDoubled) {
  TestDatabases dbs = NewDatabases("api_resync");
  CreateTable(dbs, "t", 2000);
  ServerProcess server(Dir(PipeName("resync")));
  server.Start();
  std::string id = CreateRunningPipe(server, dbs, PipeName("resync"), {"t"});
  ASSERT_FALSE(id.empty());
  BackgroundWrites load(dbs.pg, [](int i) {
    return "BEGIN; INSERT INTO t (v) SELECT 'load' FROM generate_series(1, 5); DELETE FROM t "
           "WHERE id = " +
           std::to_string(1 + i % 2000) + "; COMMIT";
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  auto resync = server.Call("PATCH", "/v1/clickpipes/" + id + "/state", R"({"command": "resync"})");
  ASSERT_EQ(resync.status, 200) << resync.raw;
  EXPECT_EQ(resync.body["state"], "Snapshot");
  ASSERT_TRUE(server.WaitForState(id, "Running", 120)) << server.Log();
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  load.Stop();
  EXPECT_EQ(WaitForEqual(dbs, "t", "t", Columns(), "id", 90), "") << server.Log();
  EXPECT_EQ(ChQuery(dbs.ch, "SELECT count() FROM system.tables WHERE database = '" +
                                dbs.ch.database + "' AND name LIKE '%resync%'"),
            "0\n");
  auto states = StatesOf(server.Call("GET", "/v1/clickpipes/" + id + "/history"));
  std::vector<std::string> tail(states.end() - 4, states.end());
  std::vector<std::string> expected = {"Running", "Snapshot", "Resync", "Running"};
  EXPECT_EQ(tail, expected);
  EXPECT_EQ(server.Terminate(), 0);
}

// A slot dropped behind pg2ch's back fails the pipe with the reason; a resync recovers it.
TEST_P(ServerApi, DroppedSlotFailsThePipeAndResyncRecoversIt) {
  TestDatabases dbs = NewDatabases("api_slot");
  CreateTable(dbs, "t", 300);
  ServerProcess server(Dir(PipeName("slot")));
  server.Start();
  std::string name = PipeName("slot");
  std::string id =
      server.Call("POST", "/v1/clickpipes", CreateBody(dbs, name, {"t"}).dump()).body["id"];
  ASSERT_TRUE(server.WaitForState(id, "Running", 60)) << server.Log();
  std::string slot = "peerflow_slot_" + name;
  ASSERT_TRUE(WaitUntil(30, [&] {
    try {
      PgExec(dbs.pg,
             "SELECT pg_terminate_backend(active_pid) FROM pg_replication_slots WHERE "
             "slot_name = '" +
                 slot + "' AND active; SELECT pg_drop_replication_slot('" + slot + "')");
      return true;
    } catch (const std::exception&) {
      return false;  // the walsender had not let go yet
    }
  }));
  ASSERT_TRUE(server.WaitForState(id, "Failed", 60)) << server.Log();
  auto failed = server.Call("GET", "/v1/clickpipes/" + id);
  EXPECT_NE(failed.body["lastError"].get<std::string>().find("does not exist"), std::string::npos)
      << failed.raw;
  PgExec(dbs.pg, "INSERT INTO t (v) VALUES ('while failed')");
  ASSERT_EQ(
      server.Call("PATCH", "/v1/clickpipes/" + id + "/state", R"({"command": "resync"})").status,
      200);
  ASSERT_TRUE(server.WaitForState(id, "Running", 120)) << server.Log();
  PgExec(dbs.pg, "INSERT INTO t (v) VALUES ('after resync')");
  EXPECT_EQ(WaitForEqual(dbs, "t", "t", Columns(), "id", 60), "") << server.Log();
  EXPECT_EQ(server.Terminate(), 0);
}

PG2CH_INSTANTIATE_ENGINE_TESTS(ServerApi);

// API behaviour that does not depend on the ClickHouse engine runs once.
class ServerApiOnce : public ::testing::Test {
 protected:
  TestDatabases Dbs(const std::string& hint) { return NewTestDatabases(hint, TestEngines()[0]); }
  std::string Dir(const std::string& name) { return GetServers().work_dir + "/server_" + name; }
};

TEST_F(ServerApiOnce, TokenRequiredAndNoPasswordInAnyResponseOrLog) {
  TestDatabases dbs = Dbs("api_auth");
  CreateTable(dbs, "t", 10);
  ServerProcess server(Dir("auth"));
  server.Start();
  EXPECT_EQ(server.Call("GET", "/health", "", "").status, 200);
  for (const char* path : {"/v1/clickpipes", "/openapi.json", "/v1/clickpipes/1"}) {
    EXPECT_EQ(server.Call("GET", path, "", "").status, 401) << path;
    EXPECT_EQ(server.Call("GET", path, "", "wrong").status, 401) << path;
  }
  EXPECT_EQ(server.Call("POST", "/v1/clickpipes", "{}", "").status, 401);
  auto created = server.Call("POST", "/v1/clickpipes", CreateBody(dbs, "auth", {"t"}).dump());
  ASSERT_EQ(created.status, 201) << created.raw;
  std::string id = created.body["id"];
  ASSERT_TRUE(server.WaitForState(id, "Running", 60));
  std::string everything = created.raw + server.Call("GET", "/v1/clickpipes").raw +
                           server.Call("GET", "/v1/clickpipes/" + id).raw +
                           server.Call("GET", "/v1/clickpipes/" + id + "/settings").raw +
                           server.Call("GET", "/v1/clickpipes/" + id + "/history").raw;
  EXPECT_EQ(everything.find(kPgPassword), std::string::npos);
  EXPECT_EQ(everything.find("\"password\""), std::string::npos) << everything;
  EXPECT_EQ(server.Terminate(), 0);
  EXPECT_EQ(server.Log().find(kPgPassword), std::string::npos) << server.Log();
}

TEST_F(ServerApiOnce, CreateValidatesAgainstTheServersAndListsEveryProblem) {
  TestDatabases dbs = Dbs("api_validate");
  // A keyless table and any column type are fine; missing tables are not.
  PgExec(dbs.pg,
         "CREATE TABLE nopk (id int, v text); CREATE TABLE odd (id int PRIMARY KEY, s interval)");
  ServerProcess server(Dir("validate"));
  server.Start();
  auto reply = server.Call("POST", "/v1/clickpipes",
                           CreateBody(dbs, "bad", {"nopk", "missing", "odd", "gone"}).dump());
  ASSERT_EQ(reply.status, 400) << reply.raw;
  ASSERT_EQ(reply.body["problems"].size(), 2u) << reply.raw;
  EXPECT_NE(reply.raw.find("public.missing does not exist"), std::string::npos) << reply.raw;
  EXPECT_NE(reply.raw.find("public.gone does not exist"), std::string::npos) << reply.raw;
  // Nothing was created.
  EXPECT_EQ(server.Call("GET", "/v1/clickpipes").body["result"].size(), 0u);
  EXPECT_TRUE(PgQuery(dbs.pg, "SELECT 1 FROM pg_publication").empty());

  json wrong_pw = CreateBody(dbs, "badpw", {"nopk"});
  wrong_pw["source"]["postgres"]["credentials"]["password"] = "nope";
  auto pw = server.Call("POST", "/v1/clickpipes", wrong_pw.dump());
  EXPECT_EQ(pw.status, 400);
  EXPECT_NE(pw.raw.find("password authentication failed"), std::string::npos) << pw.raw;

  auto syntax = server.Call("POST", "/v1/clickpipes", "{\"name\": ");
  EXPECT_EQ(syntax.status, 400);
  EXPECT_NE(syntax.raw.find("not valid JSON"), std::string::npos);
  json bad_field = CreateBody(dbs, "badfield", {"odd"});
  bad_field["source"]["postgres"]["port"] = "5432";
  auto field = server.Call("POST", "/v1/clickpipes", bad_field.dump());
  EXPECT_EQ(field.status, 400);
  EXPECT_NE(field.raw.find("source.postgres.port"), std::string::npos) << field.raw;
  json typo = CreateBody(dbs, "typo", {"odd"});
  typo["source"]["postgres"]["settings"]["pullBatchSise"] = 5;
  auto t = server.Call("POST", "/v1/clickpipes", typo.dump());
  EXPECT_EQ(t.status, 400);
  EXPECT_NE(t.raw.find("source.postgres.settings.pullBatchSise"), std::string::npos) << t.raw;
  EXPECT_EQ(server.Terminate(), 0);
}

// A worker that ends by an error the runner did not record leaves the pipe Failed with the
// reason, not showing a state nothing runs.
TEST_F(ServerApiOnce, AWorkerThatDiesMarksItsPipeFailed) {
  TestDatabases dbs = Dbs("api_worker");
  PgExec(dbs.pg, "CREATE TABLE t (id int PRIMARY KEY)");
  ServerProcess server(Dir("worker"));
  server.Start();
  std::string id = CreateRunningPipe(server, dbs, "worker", {"t"});
  ASSERT_FALSE(id.empty());
  ASSERT_EQ(server.Terminate(), 0);
  {
    SqliteCatalog catalog(server.catalog());
    catalog.UpdateConfig(std::stoll(id), "{\"a definition\": \"that cannot be read\"");
  }
  server.Start();
  ASSERT_TRUE(server.WaitForState(id, "Failed", 60))
      << server.Call("GET", "/v1/clickpipes/" + id).raw;
  auto pipe = server.Call("GET", "/v1/clickpipes/" + id);
  EXPECT_NE(pipe.raw.find("the pipe's worker ended"), std::string::npos) << pipe.raw;
  EXPECT_EQ(server.Terminate(), 0);
}

// A paused pipe's slot keeps WAL; past max_slot_wal_keep_size PostgreSQL invalidates it. The
// pipe then fails naming the cause (not a generic replication error), and a resync recovers
// every row, the ones written while it was paused included.
TEST_F(ServerApiOnce, SlotInvalidatedByMaxSlotWalKeepSizeFailsAndResyncRecovers) {
  TestDatabases dbs = Dbs("api_lost");
  CreateTable(dbs, "t", 200);
  PgExec(dbs.pg, "CREATE TABLE filler (id int, pad text)");
  ServerProcess server(Dir("lost"));
  server.Start();
  std::string id = CreateRunningPipe(server, dbs, "lost", {"t"});
  ASSERT_FALSE(id.empty());
  std::string path = "/v1/clickpipes/" + id;
  ASSERT_EQ(server.Call("PATCH", path + "/state", R"({"command": "stop"})").status, 200);
  ASSERT_TRUE(server.WaitForState(id, "Paused", 60)) << server.Log();

  PgExec(dbs.pg, "INSERT INTO t (v) VALUES ('while paused')");
  PgExec(dbs.pg, "ALTER SYSTEM SET max_slot_wal_keep_size = '1MB'");
  PgExec(dbs.pg, "SELECT pg_reload_conf()");
  const std::string status =
      "SELECT wal_status FROM pg_replication_slots WHERE slot_name = 'peerflow_slot_lost'";
  // Three WAL segments and more beyond the slot's restart point, then a checkpoint removes them.
  for (int round = 0; round < 4 && PgQuery(dbs.pg, status)[0][0] != "lost"; ++round) {
    PgExec(dbs.pg,
           "INSERT INTO filler SELECT g, repeat('x', 1000) FROM generate_series(1, 20000) g");
    PgExec(dbs.pg, "SELECT pg_switch_wal()");
    PgExec(dbs.pg, "CHECKPOINT");
  }
  PgExec(dbs.pg, "ALTER SYSTEM RESET max_slot_wal_keep_size");
  PgExec(dbs.pg, "SELECT pg_reload_conf()");
  ASSERT_EQ(PgQuery(dbs.pg, status)[0][0], "lost");

  ASSERT_EQ(server.Call("PATCH", path + "/state", R"({"command": "start"})").status, 200);
  ASSERT_TRUE(server.WaitForState(id, "Failed", 60)) << server.Log();
  std::string reason = server.Call("GET", path).body["lastError"];
  EXPECT_NE(reason.find("was invalidated (max_slot_wal_keep_size exceeded): resync the pipe"),
            std::string::npos)
      << reason;

  ASSERT_EQ(server.Call("PATCH", path + "/state", R"({"command": "resync"})").status, 200);
  ASSERT_TRUE(server.WaitForState(id, "Running", 120)) << server.Log();
  PgExec(dbs.pg, "INSERT INTO t (v) VALUES ('after resync')");
  EXPECT_EQ(WaitForEqual(dbs, "t", "t", Columns(), "id", 60), "") << server.Log();
  EXPECT_EQ(server.Terminate(), 0);
}

TEST_F(ServerApiOnce, OpenApiDocumentListsExactlyTheServedRoutes) {
  ServerProcess server(Dir("openapi"));
  server.Start();
  auto doc = server.Call("GET", "/openapi.json");
  ASSERT_EQ(doc.status, 200);
  EXPECT_EQ(doc.body["openapi"], "3.0.3");
  std::set<std::string> documented;
  for (const auto& [path, ops] : doc.body["paths"].items())
    for (const auto& [method, op] : ops.items()) documented.insert(method + " " + path);
  std::set<std::string> expected = {"get /health",
                                    "get /openapi.json",
                                    "get /metrics",
                                    "get /v1/clickpipes",
                                    "post /v1/clickpipes",
                                    "get /v1/clickpipes/{id}",
                                    "delete /v1/clickpipes/{id}",
                                    "get /v1/clickpipes/{id}/settings",
                                    "put /v1/clickpipes/{id}/settings",
                                    "put /v1/clickpipes/{id}/source",
                                    "patch /v1/clickpipes/{id}",
                                    "patch /v1/clickpipes/{id}/state",
                                    "get /v1/clickpipes/{id}/history"};
  EXPECT_EQ(documented, expected);
  // Every documented route is served (anything but the router's own 404), and nothing else is.
  for (const auto& entry : documented) {
    std::string method = entry.substr(0, entry.find(' '));
    std::string path = entry.substr(entry.find(' ') + 1);
    auto brace = path.find("{id}");
    if (brace != std::string::npos) path.replace(brace, 4, "424242");
    for (auto& c : method) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    auto r = server.Call(method, path, "{}");
    EXPECT_EQ(r.raw.find("no such route"), std::string::npos) << entry << ": " << r.raw;
  }
  for (const char* path : {"/v1/clickpipes/1/nothing", "/v2/clickpipes", "/"}) {
    auto r = server.Call("GET", path);
    EXPECT_EQ(r.status, 404) << path;
    EXPECT_NE(r.raw.find("no such route"), std::string::npos) << path << ": " << r.raw;
  }
  EXPECT_EQ(server.Call("PUT", "/v1/clickpipes").status, 404);
  EXPECT_EQ(server.Terminate(), 0);
}

}  // namespace
}  // namespace pg2ch::test

namespace pg2ch::test {
namespace {

// The CLI drives the same API: human output by default, the API's JSON with --json, exit 1
// when the server refuses.
TEST(ServerCli, PipeCommandsDriveTheServer) {
  TestDatabases dbs = NewTestDatabases("api_cli", TestEngines()[0]);
  CreateTable(dbs, "t", 20);
  std::string dir = GetServers().work_dir + "/server_cli";
  ServerProcess server(dir);
  server.Start();
  std::string body_file = dir + "/create.json";
  std::ofstream(body_file) << CreateBody(dbs, "cli", {"t"}).dump();
  auto cli = [&](std::vector<std::string> args, int* code = nullptr) {
    std::vector<std::string> argv = {PG2CH_BINARY, "pipe",         "--server",
                                     server.url(), "--token-file", dir + "/token"};
    argv.insert(argv.end(), args.begin(), args.end());
    Process p(argv, dir + "/cli.log");
    int rc = p.Wait(60);
    if (code) *code = rc;
    return p.Output();
  };
  int code = -1;
  std::string out = cli({"create", "--file", body_file}, &code);
  EXPECT_EQ(code, 0) << out;
  EXPECT_NE(out.find("name:        cli"), std::string::npos) << out;
  ASSERT_TRUE(server.WaitForState("1", "Running", 60));
  out = cli({"list"}, &code);
  EXPECT_EQ(code, 0);
  EXPECT_NE(out.find("Running"), std::string::npos) << out;
  out = cli({"stop", "1"}, &code);
  EXPECT_EQ(code, 0);
  EXPECT_NE(out.find("cli: Pausing"), std::string::npos) << out;
  ASSERT_TRUE(server.WaitForState("1", "Paused", 30));
  out = cli({"settings", "1", "--set", "pullBatchSize=500"}, &code);
  EXPECT_EQ(code, 0) << out;
  EXPECT_NE(out.find("pullBatchSize: 500"), std::string::npos) << out;
  out = cli({"stop", "1"}, &code);
  EXPECT_EQ(code, 1);
  EXPECT_NE(out.find("error (409)"), std::string::npos) << out;
  out = cli({"--json", "get", "1"}, &code);
  EXPECT_EQ(code, 0);
  EXPECT_EQ(nlohmann::json::parse(out)["state"], "Paused") << out;
  out = cli({"history", "1"}, &code);
  EXPECT_NE(out.find("Pausing -> Paused"), std::string::npos) << out;

  // Tables changed while Paused take effect on start: Modifying, then Snapshot for the load.
  CreateTable(dbs, "u", 30);
  out = cli({"add-tables", "1", "public.u=u_copy"}, &code);
  EXPECT_EQ(code, 0) << out;
  EXPECT_NE(out.find("state:       Paused"), std::string::npos) << out;
  out = cli({"add-tables", "1", "public.u"}, &code);
  EXPECT_EQ(code, 1);
  EXPECT_NE(out.find("public.u is in the pipe already"), std::string::npos) << out;
  ASSERT_EQ(cli({"start", "1"}), "cli: Modifying\n");
  ASSERT_TRUE(server.WaitForState("1", "Running", 60)) << server.Log();
  EXPECT_EQ(WaitForEqual(dbs, "u", "u_copy", Columns(), "id", 60), "") << server.Log();
  out = cli({"remove-tables", "1", "public.t"}, &code);
  EXPECT_EQ(code, 0) << out;
  ASSERT_TRUE(server.WaitForState("1", "Running", 60)) << server.Log();
  out = cli({"get", "1"}, &code);
  EXPECT_NE(out.find("table:       public.u -> u_copy"), std::string::npos) << out;
  EXPECT_EQ(out.find("public.t ->"), std::string::npos) << out;
  out = cli({"history", "1"}, &code);
  EXPECT_NE(out.find("Paused -> Modifying"), std::string::npos) << out;
  EXPECT_NE(out.find("Modifying -> Snapshot"), std::string::npos) << out;
  EXPECT_NE(out.find("Running -> Modifying  tables changed: -public.t"), std::string::npos) << out;
  out = cli({"delete", "1"}, &code);
  EXPECT_EQ(code, 0) << out;
  EXPECT_EQ(server.Call("GET", "/v1/clickpipes").body["result"].size(), 0u);
  EXPECT_EQ(server.Terminate(), 0);
}

}  // namespace
}  // namespace pg2ch::test
