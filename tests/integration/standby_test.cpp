// A source that is a physical standby (PostgreSQL 16+), and a pipe carried across a failover by
// a failover slot (17+), on a real primary and standby pair (harness/postgres_pair.h). ctest runs
// these on every major; before 16 and 17 they check the refusal and its reason instead.
#include <gtest/gtest.h>
#include <signal.h>

#include "harness/engine_test.h"
#include "harness/postgres_pair.h"
#include "pipe_test_support.h"
#include "server_test_support.h"

namespace pg2ch::test {
namespace {

class Standby : public EngineTest {};

std::vector<CompareColumn> Columns() {
  return {{"id::text", "toString(id)"}, {"v", "v"}, {"n::text", "toString(n)"}};
}

// Inserts and updates on the primary; now and then a running-transactions record, which a slot
// being created on the standby waits for (otherwise the primary's bgwriter writes one every 15 s).
std::string PrimaryWrite(int i) {
  if (i % 40 == 0) return "SELECT pg_log_standby_snapshot()";
  if (i % 3 == 0) return "UPDATE t SET n = n + 1, v = v || '.' WHERE id = " + std::to_string(i);
  return "INSERT INTO t VALUES (" + std::to_string(100000 + i) + ", 'w" + std::to_string(i) +
         "', 0)";
}

std::string SlotQuery(const std::string& slot, const std::string& what) {
  return "SELECT " + what + " FROM pg_replication_slots WHERE slot_name = '" + slot + "'";
}

TEST_P(Standby, LoadAndCdcFromAStandbyThatFallsBehindAndCatchesUp) {
  TestDatabases dbs = NewDatabases("standby");
  const std::string pipe = PipeName("standby");
  PostgresPair pair("standby_" + std::string(EngineName(engine())), false);
  pair.CreateDatabase(dbs.pg.database);
  const PostgresEndpoint primary = pair.Primary(dbs.pg.database);
  PgExec(primary,
         "CREATE TABLE t (id bigint PRIMARY KEY, v text NOT NULL, n int NOT NULL);"
         "INSERT INTO t SELECT g, md5(g::text), 0 FROM generate_series(1, 20000) g");
  pair.WaitForStandby();
  dbs.pg = pair.Standby(dbs.pg.database);
  PipeFiles files = WritePipe(dbs, pipe, {"public.t"}, "\"snapshot_num_rows_per_partition\": 5000");

  if (TestPgMajor() < 16) {
    ExpectPipeFails(files, pipe, "logical decoding on a standby needs PostgreSQL 16 or later");
    return;
  }
  // pg2ch cannot create a publication on a standby: it says what to run on the primary, at create
  // through the API (with what to know about standbys) and at Setup.
  {
    ServerProcess server(GetServers().work_dir + "/server_" + pipe);
    server.Start();
    auto refused = server.Call("POST", "/v1/clickpipes", CreateBody(dbs, pipe, {"t"}).dump());
    EXPECT_EQ(refused.status, 400) << refused.raw;
    EXPECT_NE(refused.raw.find("reaches the standby: CREATE PUBLICATION"), std::string::npos)
        << refused.raw;
    EXPECT_EQ(server.Terminate(), 0) << server.Log();
  }
  ExpectPipeFails(files, pipe, "create it on the primary");
  PgExec(primary, "CREATE PUBLICATION peerflow_pub_" + pipe + " FOR TABLE t");
  pair.WaitForStandby();

  BackgroundWrites writes(primary, PrimaryWrite);
  auto run = StartPg2ch(files);
  ASSERT_TRUE(WaitForState(files, pipe, PipeState::kRunning, 180)) << run->Output();
  WaitUntil(30, [&] { return writes.statements() > 300; });
  writes.Stop();
  pair.WaitForStandby();
  EXPECT_EQ(WaitForEqual(dbs, "t", "t", Columns(), "id", 120), "") << run->Output();
  // The slot is the standby's: the primary has none.
  EXPECT_EQ(PgQuery(pair.Standby("postgres"), SlotQuery("peerflow_slot_" + pipe, "count(*)"))[0][0],
            "1");
  EXPECT_EQ(PgQuery(primary, SlotQuery("peerflow_slot_" + pipe, "count(*)"))[0][0], "0");

  // The standby stops replaying: what the primary commits meanwhile cannot reach ClickHouse,
  // then arrives once the standby catches up.
  pair.PauseReplay(true);
  const int64_t before = ChCount(dbs, "t");
  PgExec(primary,
         "INSERT INTO t SELECT g, 'late', 1 FROM generate_series(200001, 201000) g;"
         "UPDATE t SET v = 'late update' WHERE id <= 500; DELETE FROM t WHERE id BETWEEN 501 AND "
         "700");
  std::this_thread::sleep_for(std::chrono::seconds(3));
  EXPECT_EQ(ChCount(dbs, "t"), before);
  pair.PauseReplay(false);
  pair.WaitForStandby();
  EXPECT_EQ(WaitForEqual(dbs, "t", "t", Columns(), "id", 120), "") << run->Output();
  dbs.pg = primary;
  EXPECT_EQ(DiffTables(dbs, "t", "t", Columns(), "id"), "");
  run->Signal(SIGTERM);
  EXPECT_EQ(run->Wait(30), 0) << run->Output();
  auto states = StateSequence(files, pipe);
  EXPECT_EQ(states.back(), PipeState::kRunning);
}

TEST_P(Standby, FailoverSlotCarriesThePipeToThePromotedStandby) {
  TestDatabases dbs = NewDatabases("failover");
  const std::string pipe = PipeName("failover");
  const std::string slot = "peerflow_slot_" + pipe;
  PostgresPair pair("failover_" + std::string(EngineName(engine())), TestPgMajor() >= 17);
  pair.CreateDatabase(dbs.pg.database);
  const PostgresEndpoint primary = pair.Primary(dbs.pg.database);
  PgExec(primary,
         "CREATE TABLE t (id bigint PRIMARY KEY, v text NOT NULL, n int NOT NULL);"
         "INSERT INTO t SELECT g, md5(g::text), 0 FROM generate_series(1, 20000) g");
  const std::string source_database = dbs.pg.database;
  dbs.pg = primary;
  PipeFiles files = WritePipe(dbs, pipe, {"public.t"}, "\"failover_slot\": true");
  if (TestPgMajor() < 17) {
    ExpectPipeFails(files, pipe, "failover_slot needs PostgreSQL 17 or later");
    return;
  }

  auto run = StartPg2ch(files);
  ASSERT_TRUE(WaitForState(files, pipe, PipeState::kRunning, 120)) << run->Output();
  EXPECT_EQ(PgQuery(primary, SlotQuery(slot, "failover"))[0][0], "t");
  BackgroundWrites writes(primary, PrimaryWrite);
  // The standby's copy of the slot (sync_replication_slots), past the load's end.
  const PostgresEndpoint standby = pair.Standby("postgres");
  ASSERT_TRUE(WaitUntil(180, [&] {
    auto rows = PgQuery(
        standby, SlotQuery(slot, "synced AND confirmed_flush_lsn > '" +
                                     PgQuery(primary, SlotQuery(slot, "restart_lsn"))[0][0] + "'"));
    return !rows.empty() && rows[0][0] == "t";
  })) << "the slot was not synced to the standby";

  // The primary dies under the write load; pg2ch retries it, is stopped, pointed at the promoted
  // standby, and goes on from the synced slot.
  pair.FailOver();
  writes.Stop();
  run->Signal(SIGTERM);
  EXPECT_EQ(run->Wait(60), 0) << run->Output();
  dbs.pg = pair.Standby(source_database);
  files = WritePipe(dbs, pipe, {"public.t"}, "\"failover_slot\": true");
  run = StartPg2ch(files);
  PgExec(dbs.pg,
         "INSERT INTO t SELECT g, 'after', 2 FROM generate_series(300001, 300500) g;"
         "UPDATE t SET v = 'after update' WHERE id <= 300; DELETE FROM t WHERE id BETWEEN 301 AND "
         "400");
  EXPECT_EQ(WaitForEqual(dbs, "t", "t", Columns(), "id", 120), "") << run->Output();
  EXPECT_EQ(ChCount(dbs, "t"), PgCount(dbs, "t"));
  EXPECT_EQ(PgQuery(dbs.pg, SlotQuery(slot, "active"))[0][0], "t");
  run->Signal(SIGTERM);
  EXPECT_EQ(run->Wait(30), 0) << run->Output();
  // No resync and no second load: Setup, Snapshot and Running once, never Failed.
  std::vector<PipeState> expected = {PipeState::kProvisioning, PipeState::kSetup,
                                     PipeState::kSnapshot, PipeState::kRunning};
  EXPECT_EQ(StateSequence(files, pipe), expected);

  // Another cluster (the run's own server, which has a database of that name) is refused.
  dbs.pg.port = GetServers().pg_port;
  files = WritePipe(dbs, pipe, {"public.t"}, "\"failover_slot\": true");
  ExpectPipeFails(files, pipe, "is another PostgreSQL cluster");
}

PG2CH_INSTANTIATE_ENGINE_TESTS(Standby);

}  // namespace
}  // namespace pg2ch::test
