// The replication slot held by another connection when pg2ch starts, as after pg2ch's host died
// (its walsender keeps the slot until wal_sender_timeout): the pipe retries in Running with the
// reason visible, never Failed; a holder that is this pipe's own (its application_name) is ended
// after stale_slot_holder_seconds, anyone else's is waited for.
#include <gtest/gtest.h>
#include <signal.h>

#include "catalog/catalog.h"
#include "harness/engine_test.h"
#include "pipe/pipe_config.h"
#include "pipe/pipe_context.h"
#include "pipe_test_support.h"
#include "source/postgres/replication_stream.h"

namespace pg2ch::test {
namespace {

constexpr double kWait = 90;

class SlotHolder : public EngineTest {
 protected:
  // Streams from the pipe's slot (as a lingering walsender would) until destroyed.
  std::unique_ptr<ReplicationStream> HoldSlot(const TestDatabases& dbs, const std::string& pipe,
                                              const std::string& application_name) {
    PostgresEndpoint endpoint = dbs.pg;
    endpoint.application_name = application_name;
    auto conn = PgConnection::Connect(endpoint, true);
    return std::make_unique<ReplicationStream>(std::move(conn), "peerflow_slot_" + pipe,
                                               std::vector<std::string>{"peerflow_pub_" + pipe}, 0,
                                               false);
  }

  // A pipe of table t that ran until Running and stopped: its slot is free, its files kept.
  PipeFiles RanOnce(const TestDatabases& dbs, const std::string& pipe, int stale_seconds) {
    PgExec(dbs.pg, "CREATE TABLE t (id int PRIMARY KEY, v text); INSERT INTO t VALUES (1, 'a')");
    PipeFiles files = WritePipe(dbs, pipe, {"public.t"},
                                "\"stale_slot_holder_seconds\": " + std::to_string(stale_seconds));
    auto pg2ch = StartPg2ch(files);
    EXPECT_TRUE(WaitForState(files, pipe, PipeState::kRunning, kWait)) << pg2ch->Output();
    pg2ch->Signal(SIGTERM);
    EXPECT_EQ(pg2ch->Wait(30), 0);
    return files;
  }

  bool SlotHeldBy(const TestDatabases& dbs, const std::string& pipe, const std::string& app) {
    return !PgQuery(dbs.pg,
                    "SELECT 1 FROM pg_replication_slots s JOIN pg_stat_activity a ON a.pid = "
                    "s.active_pid WHERE s.slot_name = 'peerflow_slot_" +
                        pipe + "' AND a.application_name = '" + app + "'")
                .empty();
  }
};

TEST_P(SlotHolder, SomeoneElsesHolderIsWaitedForWithTheReasonShown) {
  TestDatabases dbs = NewDatabases("slotbusy");
  const std::string pipe = PipeName("slotbusy");
  PipeFiles files = RanOnce(dbs, pipe, 1);

  auto holder = HoldSlot(dbs, pipe, "someone else");
  auto pg2ch = StartPg2ch(files);
  PgExec(dbs.pg, "INSERT INTO t VALUES (2, 'b')");
  ASSERT_TRUE(WaitUntil(kWait, [&] { return !Retrying(files, pipe).empty(); })) << pg2ch->Output();
  EXPECT_NE(Retrying(files, pipe).find("is active for PID"), std::string::npos)
      << Retrying(files, pipe);
  // Well past stale_slot_holder_seconds: a holder of another name is left alone.
  std::this_thread::sleep_for(std::chrono::seconds(4));
  EXPECT_TRUE(SlotHeldBy(dbs, pipe, "someone else"));
  EXPECT_EQ(CatalogState(files, pipe), PipeState::kRunning);
  EXPECT_TRUE(pg2ch->Running());

  holder.reset();  // it lets go: CDC goes on from the checkpoint
  EXPECT_EQ(WaitForEqual(dbs, "t", "t", {{"id::text", "toString(id)"}, {"v", "v"}}, "id", kWait),
            "")
      << pg2ch->Output();
  ASSERT_TRUE(WaitUntil(kWait, [&] { return Retrying(files, pipe).empty(); }));
  EXPECT_EQ(StateSequence(files, pipe),
            (std::vector<PipeState>{PipeState::kProvisioning, PipeState::kSetup,
                                    PipeState::kSnapshot, PipeState::kRunning}));
  pg2ch->Signal(SIGTERM);
  EXPECT_EQ(pg2ch->Wait(30), 0) << pg2ch->Output();
}

TEST_P(SlotHolder, AStaleHolderOfThisPipeIsEnded) {
  TestDatabases dbs = NewDatabases("slotstale");
  const std::string pipe = PipeName("slotstale");
  PipeFiles files = RanOnce(dbs, pipe, 2);

  // What a pg2ch of this pipe on a host that died leaves behind.
  const std::string own = "pg2ch/peerflow_slot_" + pipe;
  auto holder = HoldSlot(dbs, pipe, own);
  ASSERT_TRUE(SlotHeldBy(dbs, pipe, own));
  auto pg2ch = StartPg2ch(files);
  PgExec(dbs.pg, "INSERT INTO t VALUES (2, 'b')");
  EXPECT_EQ(WaitForEqual(dbs, "t", "t", {{"id::text", "toString(id)"}, {"v", "v"}}, "id", kWait),
            "")
      << pg2ch->Output();
  EXPECT_NE(pg2ch->Output().find("ending it"), std::string::npos) << pg2ch->Output();
  EXPECT_EQ(CatalogState(files, pipe), PipeState::kRunning);
  pg2ch->Signal(SIGTERM);
  EXPECT_EQ(pg2ch->Wait(30), 0) << pg2ch->Output();
}

PG2CH_INSTANTIATE_ENGINE_TESTS(SlotHolder);

}  // namespace
}  // namespace pg2ch::test
