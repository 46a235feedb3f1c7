// The server's supervisor (server/pipe_supervisor.h) running pipes on in-memory ports: readers do
// not wait for a drain (defect 9), a worker whose error escaped the runner leaves the pipe Failed
// instead of showing Running (defect 5), and one pipe failing does not stop another.
#include "server/pipe_supervisor.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <condition_variable>
#include <filesystem>
#include <future>
#include <thread>

#include "catalog/sqlite_catalog.h"
#include "fakes/fake_pipe.h"
#include "fakes/fake_ports.h"
#include "pipe/pipe_context.h"

namespace pg2ch {
namespace {

using namespace std::chrono_literals;
using fake::FakePorts;
using fake::FakeTables;
using fake::FakeWal;
using fake::Faults;
using fake::WaitFor;

// One pipe's fake servers.
struct FakeServers {
  Faults faults;
  FakeWal wal{faults};
  FakeTables tables{faults};
  FakePorts ports{wal, tables};
};

// Each pipe, by name, on its own fake servers.
class PortsByPipe final : public PipePorts {
 public:
  FakeServers& operator[](const std::string& pipe) { return servers_[pipe]; }
  std::unique_ptr<SourceAdmin> OpenSourceAdmin(const PipeContext& ctx) override {
    return Of(ctx).OpenSourceAdmin(ctx);
  }
  std::unique_ptr<SnapshotSource> OpenSnapshotSource(const PipeContext& ctx) override {
    return Of(ctx).OpenSnapshotSource(ctx);
  }
  std::unique_ptr<ChangeSource> OpenChangeSource(PipeContext& ctx, Lsn start,
                                                 SpillPolicy spill) override {
    return Of(ctx).OpenChangeSource(ctx, start, std::move(spill));
  }
  std::unique_ptr<ChangeDestination> OpenChangeDestination(const PipeContext& ctx) override {
    return Of(ctx).OpenChangeDestination(ctx);
  }
  std::unique_ptr<DestinationTables> OpenDestinationTables(const PipeContext& ctx) override {
    return Of(ctx).OpenDestinationTables(ctx);
  }
  std::unique_ptr<SnapshotDestination> OpenSnapshotDestination(
      const PipeContext& ctx, const std::vector<size_t>& tables) override {
    return Of(ctx).OpenSnapshotDestination(ctx, tables);
  }
  std::unique_ptr<PartitionReader> OpenPartitionReader(
      const PipeContext& ctx, const std::string& snapshot,
      const std::vector<SourceTable>& tables) override {
    return Of(ctx).OpenPartitionReader(ctx, snapshot, tables);
  }

 private:
  FakePorts& Of(const PipeContext& ctx) { return servers_.at(ctx.config.name).ports; }
  std::map<std::string, FakeServers> servers_;
};

void CommitInserts(FakeWal& wal, int from, int count) {
  for (int i = from; i < from + count; ++i) {
    Transaction txn;
    RowChange c;
    c.relid = fake::kItems;
    c.row = {Cell::Text(std::to_string(i)), Cell::Text("v")};
    txn.changes.push_back(std::move(c));
    wal.Commit(std::move(txn));
  }
}

class Supervisor : public ::testing::Test {
 protected:
  int64_t AddPipe(const std::string& name) {
    ports_[name];
    return fake::CreateRunningPipe(*catalog_, fake::ConfigFor(name, fake::ItemsAndNotes()),
                                   fake::ItemsAndNotes());
  }
  PipeSupervisor& Start() {
    supervisor_ =
        std::make_unique<PipeSupervisor>(std::make_unique<SqliteCatalog>(temp_.path()), &ports_);
    supervisor_->ResumeAll();
    return *supervisor_;
  }
  PipeRecord Record(int64_t id) { return *catalog_->FindPipeById(id); }

  fake::TempCatalog temp_{"supervisor"};
  Catalog* catalog_ = &temp_.catalog();
  PortsByPipe ports_;
  std::unique_ptr<PipeSupervisor> supervisor_;
};

// Defect 9: the drain of a worker (its batch being written) holds the supervisor's lock; the
// API's readers must not wait for it.
TEST_F(Supervisor, ReadersDoNotWaitForADrain) {
  int64_t id = AddPipe("drained");
  FakeServers& servers = ports_["drained"];
  std::mutex mu;
  std::condition_variable cv;
  bool released = false;
  servers.faults.On("apply", 1, [&] {  // ClickHouse takes its time with the first batch
    std::unique_lock lock(mu);
    cv.wait(lock, [&] { return released; });
  });
  CommitInserts(servers.wal, 0, 10);
  PipeSupervisor& supervisor = Start();
  ASSERT_TRUE(WaitFor([&] { return servers.faults.calls("apply") == 1; }));

  auto drain = std::async(std::launch::async, [&] { supervisor.Shutdown(); });
  EXPECT_EQ(drain.wait_for(200ms), std::future_status::timeout);  // draining, lock held
  auto read = std::async(std::launch::async, [&] {
    return supervisor.Metrics(id) != nullptr && supervisor.WorkerActive(id);
  });
  ASSERT_EQ(read.wait_for(5s), std::future_status::ready) << "a reader waited for the drain";
  EXPECT_TRUE(read.get());
  EXPECT_EQ(drain.wait_for(0ms), std::future_status::timeout);  // still draining meanwhile
  {
    std::lock_guard lock(mu);
    released = true;
  }
  cv.notify_all();
  drain.get();
  EXPECT_EQ(servers.wal.confirmed(), servers.wal.end());  // the drain wrote and confirmed
  EXPECT_EQ(Record(id).state, PipeState::kRunning);       // and kept the state
}

// Defect 5: an error the runner could not handle (here the definition the catalog holds cannot
// be read) ends the worker; the pipe must say Failed, not Running.
TEST_F(Supervisor, AWorkerEndedByAnErrorLeavesThePipeFailed) {
  int64_t id = AddPipe("broken");
  catalog_->UpdateConfig(id, "{\"name\": \"broken\", \"source\": 7}");
  PipeSupervisor& supervisor = Start();
  ASSERT_TRUE(WaitFor([&] { return Record(id).state == PipeState::kFailed; }));
  EXPECT_NE(Record(id).last_error.find("internal error: the pipe's worker ended"),
            std::string::npos)
      << Record(id).last_error;
  EXPECT_TRUE(WaitFor([&] { return !supervisor.WorkerActive(id); }));
}

// One pipe's fatal error fails that pipe only; the other goes on.
TEST_F(Supervisor, OnePipeFailingDoesNotStopAnother) {
  int64_t bad = AddPipe("bad");
  int64_t good = AddPipe("good");
  ports_["bad"].faults.Always("apply", PipeError(ErrorKind::kFatal, "ClickHouse: no such table"));
  CommitInserts(ports_["bad"].wal, 0, 5);
  CommitInserts(ports_["good"].wal, 0, 50);
  Start();
  ASSERT_TRUE(WaitFor([&] { return Record(bad).state == PipeState::kFailed; }));
  EXPECT_EQ(Record(bad).last_error, "ClickHouse: no such table");
  ASSERT_TRUE(WaitFor([&] { return ports_["good"].wal.confirmed() == ports_["good"].wal.end(); }));
  CommitInserts(ports_["good"].wal, 50, 50);  // after the other one failed
  ASSERT_TRUE(WaitFor([&] { return ports_["good"].wal.confirmed() == ports_["good"].wal.end(); }));
  EXPECT_EQ(Record(good).state, PipeState::kRunning);
  EXPECT_EQ(ports_["good"].tables.Final(fake::kItems).size(), 100u);
}

}  // namespace
}  // namespace pg2ch
