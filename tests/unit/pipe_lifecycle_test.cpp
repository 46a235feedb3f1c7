// A new pipe's whole lifecycle (Provisioning -> Setup -> Snapshot -> Running) on in-memory ports
// (tests/fakes/fake_ports.h): the source's tables, publication, slot and snapshots are a FakeWal,
// ClickHouse is FakeTables. A stop in every state, and a retryable fault at every step of Setup
// and of the initial load, end with the destination equal to the source once CDC caught up,
// the pipe never Failed.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "catalog/sqlite_catalog.h"
#include "fakes/fake_pipe.h"
#include "fakes/fake_ports.h"
#include "fakes/faulty_catalog.h"
#include "pipe/pipe_runner.h"
#include "pipe/pipe_substates.h"
#include "pipe/resync_phase.h"

namespace pg2ch {
namespace {

using fake::FakePorts;
using fake::FakeTables;
using fake::FakeWal;
using fake::Faults;
using fake::kItems;
using fake::kNotes;
using fake::WaitFor;

class Lifecycle : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const SourceTable& t : fake::ItemsAndNotes()) wal_.DefineTable(t);
    config_ = fake::ConfigFor("life", fake::ItemsAndNotes());
    config_.snapshot_max_parallel_workers = 2;
    fake::CommitLoad(wal_, 1, 40);  // what the tables hold before the pipe exists
    wal_.row_micros = 100;          // a load that takes a moment, so that CDC overlaps it
  }
  void TearDown() override { Stop(); }

  void Start() {
    stop_ = false;
    final_state_ = PipeState::kProvisioning;
    runner_ = std::thread([this] {
      fake::FaultyCatalog catalog(std::make_unique<SqliteCatalog>(temp_.path()), faults_);
      final_state_ = PipeRunner(catalog, config_, stop_, nullptr, &ports_).Run();
      ended_ = true;
    });
  }
  PipeState Stop() {
    stop_ = true;
    if (runner_.joinable()) runner_.join();
    ended_ = false;
    return final_state_;
  }
  std::optional<PipeRecord> Record() { return temp_.catalog().FindPipe(config_.name); }
  // Running, and every committed transaction confirmed.
  bool CaughtUp() {
    return WaitFor([&] {
             auto r = Record();
             return ended_ ||
                    (r && r->state == PipeState::kRunning && wal_.confirmed() == wal_.end());
           }) &&
           !ended_;
  }
  bool EverFailed() {
    auto r = Record();
    if (!r) return false;
    for (const StateTransition& t : temp_.catalog().History(r->id))
      if (t.to == PipeState::kFailed) return true;
    return false;
  }
  void ExpectEqual() {
    auto expected = fake::Replay(fake::ItemsAndNotes(), wal_.Committed());
    EXPECT_EQ(tables_.Final(kItems), expected[kItems]);
    EXPECT_EQ(tables_.Final(kNotes), expected[kNotes]);
    EXPECT_FALSE(expected[kItems].empty());
  }
  // What the API's resync does to a stopped Running pipe (server/pipe_supervisor.cpp).
  void RequestResyncOfStoppedPipe() {
    ASSERT_EQ(Record()->state, PipeState::kRunning);
    RequestResync(temp_.catalog(), Record()->id);
    ASSERT_TRUE(temp_.catalog().TransitionIf(Record()->id, PipeState::kRunning,
                                             PipeState::kSnapshot, "resync requested"));
  }
  // The destination damaged behind the pipe's back: a table emptied, a row that is nowhere in
  // the source (a resync is how such a destination is repaired).
  void DamageDestination() {
    tables_.Truncate(kNotes);
    tables_.Write({{kItems, "999999|", 1, false, fake::R({"999999", "junk"})}});
  }
  std::vector<std::string> States() {
    std::vector<std::string> states;
    for (const StateTransition& t : temp_.catalog().History(Record()->id))
      states.emplace_back(StateName(t.to));
    return states;
  }

  // The pipe's state, read by another connection (fault actions run on the pipe's threads).
  PipeState StateNow() {
    SqliteCatalog catalog(temp_.path());
    return catalog.FindPipe(config_.name)->state;
  }

  fake::TempCatalog temp_{"lifecycle"};
  PipeConfig config_;
  Faults faults_;
  FakeWal wal_{faults_};
  FakeTables tables_{faults_};
  FakePorts ports_{wal_, tables_};
  std::atomic<bool> stop_{false};
  std::atomic<bool> ended_{false};
  std::atomic<PipeState> final_state_{PipeState::kProvisioning};
  std::thread runner_;
};

TEST_F(Lifecycle, NewPipeSetsUpLoadsAndStreams) {
  // Transactions committed while the load copies: CDC must take exactly those after the slot.
  faults_.On("copy_row", 20, [&] { fake::CommitLoad(wal_, 2, 30); });
  Start();
  ASSERT_TRUE(CaughtUp());
  fake::CommitLoad(wal_, 3, 30);
  ASSERT_TRUE(CaughtUp());
  ExpectEqual();
  EXPECT_FALSE(EverFailed());

  std::vector<std::string> states;
  for (const StateTransition& t : temp_.catalog().History(Record()->id))
    states.emplace_back(StateName(t.to));
  EXPECT_EQ(states, (std::vector<std::string>{"Provisioning", "Setup", "Snapshot", "Running"}));
  EXPECT_EQ(wal_.Publication(), (std::vector<std::string>{"public.items", "public.notes"}));
  ASSERT_TRUE(wal_.slot().has_value());
  // The copy's rows carry the slot's starting point: a snapshot row never outranks a change.
  EXPECT_GT(Record()->snapshot_lsn, 0u);
  EXPECT_GE(Record()->checkpoint_lsn, Record()->snapshot_lsn);
  EXPECT_EQ(faults_.thrown(), 1);  // only the planned commit
}

struct StopAt {
  std::string step;
  int nth;
  PipeState state;  // the state the pipe is in when the stop comes
};

class StopInState : public Lifecycle, public ::testing::WithParamInterface<StopAt> {};

// A stop in any state, then a restart: the pipe goes on from where it was (a load resumed under
// a temporary slot's snapshot, its slot kept) and ends equal.
TEST_P(StopInState, ResumesAndLosesNothing) {
  const StopAt& at = GetParam();
  std::optional<PipeState> stopped_in;
  faults_.On(at.step, at.nth, [&] {
    stopped_in = StateNow();
    stop_ = true;
  });
  faults_.On("copy_row", 30, [&] { fake::CommitLoad(wal_, 2, 20); });
  Start();
  ASSERT_TRUE(WaitFor([&] { return ended_.load(); }));
  PipeState after_stop = Stop();
  ASSERT_TRUE(stopped_in.has_value()) << at.step << " was never reached";
  EXPECT_EQ(*stopped_in, at.state);
  EXPECT_NE(after_stop, PipeState::kFailed);

  fake::CommitLoad(wal_, 3, 20);
  Start();
  ASSERT_TRUE(CaughtUp()) << "stopped in " << StateName(after_stop);
  ExpectEqual();
  EXPECT_FALSE(EverFailed());
  EXPECT_EQ(RetryingReason(temp_.catalog(), Record()->id), "");
}

INSTANTIATE_TEST_SUITE_P(States, StopInState,
                         ::testing::Values(StopAt{"read_table", 1, PipeState::kSetup},
                                           StopAt{"publication", 1, PipeState::kSetup},
                                           StopAt{"slot_snapshot", 1, PipeState::kSnapshot},
                                           StopAt{"plan", 2, PipeState::kSnapshot},
                                           StopAt{"copy_row", 25, PipeState::kSnapshot},
                                           StopAt{"copy_row", 70, PipeState::kSnapshot},
                                           StopAt{"finish_snapshot", 1, PipeState::kSnapshot},
                                           StopAt{"next", 3, PipeState::kRunning}),
                         [](const auto& info) {
                           return info.param.step + "_" + std::to_string(info.param.nth);
                         });

struct FaultAt {
  std::string step;
  int nth;
};

class FaultInLifecycle : public Lifecycle, public ::testing::WithParamInterface<FaultAt> {};

// Connection lost (or ClickHouse unreachable) at any step of Setup and of the initial load: the
// pipe retries in its state and ends equal, never Failed.
TEST_P(FaultInLifecycle, IsRetriedAndLosesNothing) {
  const FaultAt& at = GetParam();
  faults_.At(at.step, at.nth, PipeError(ErrorKind::kRetryable, "connection lost at " + at.step));
  faults_.On("copy_row", 30, [&] { fake::CommitLoad(wal_, 2, 20); });
  Start();
  ASSERT_TRUE(CaughtUp()) << "ended " << StateName(final_state_) << ": "
                          << (Record() ? Record()->last_error : "");
  EXPECT_GE(faults_.calls(at.step), at.nth) << at.step << " was never reached";
  fake::CommitLoad(wal_, 3, 20);
  ASSERT_TRUE(CaughtUp());
  ExpectEqual();
  EXPECT_FALSE(EverFailed());
}

INSTANTIATE_TEST_SUITE_P(
    Steps, FaultInLifecycle,
    ::testing::Values(FaultAt{"open_admin", 1}, FaultAt{"read_table", 2},
                      FaultAt{"ensure_tables", 1}, FaultAt{"publication", 1},
                      FaultAt{"open_snapshot_source", 1}, FaultAt{"slot_snapshot", 1},
                      FaultAt{"truncate", 1}, FaultAt{"plan", 1}, FaultAt{"open_reader", 1},
                      FaultAt{"copy", 2}, FaultAt{"copy_row", 40}, FaultAt{"finish", 1},
                      FaultAt{"finish_snapshot", 1}, FaultAt{"open_source", 1}),
    [](const auto& info) { return info.param.step + "_" + std::to_string(info.param.nth); });

// Resync of a running pipe: a new slot, every table loaded into its twin while the source keeps
// changing, the twins swapped in, CDC from the new slot. The damaged destination is repaired.
TEST_F(Lifecycle, ResyncLoadsTwinsAndSwapsThemIn) {
  Start();
  ASSERT_TRUE(CaughtUp());
  int slots_made = faults_.calls("slot_snapshot");
  Stop();
  DamageDestination();
  RequestResyncOfStoppedPipe();
  faults_.On("copy_row", 60, [&] { fake::CommitLoad(wal_, 2, 20); });
  // While the twins load, the tables in place still hold the old rows: readers see no gap.
  std::map<std::string, Row> items_during;
  faults_.On("swap", 1, [&] { items_during = tables_.Final(kItems); });
  Start();
  ASSERT_TRUE(CaughtUp()) << "ended " << StateName(final_state_) << ": " << Record()->last_error;
  EXPECT_TRUE(items_during.contains("999999|"));
  fake::CommitLoad(wal_, 3, 20);
  ASSERT_TRUE(CaughtUp());
  ExpectEqual();
  EXPECT_FALSE(EverFailed());
  EXPECT_FALSE(tables_.HasTwin(kItems));
  EXPECT_FALSE(tables_.HasTwin(kNotes));
  EXPECT_GE(faults_.calls("drop_slot"), 1);  // the old slot, and a new one for the load
  EXPECT_EQ(faults_.calls("slot_snapshot"), slots_made + 1);
  ASSERT_TRUE(wal_.slot().has_value());
  std::vector<std::string> states = States();
  std::vector<std::string> tail(states.end() - 4, states.end());
  EXPECT_EQ(tail, (std::vector<std::string>{"Running", "Snapshot", "Resync", "Running"}));
  EXPECT_EQ(GetResyncStep(temp_.catalog(), Record()->id), ResyncStep::kNone);
}

class FaultInResync : public Lifecycle, public ::testing::WithParamInterface<FaultAt> {};

// A retryable fault at any step of a resync, a crash after the first swap (the retry finds it
// done) included: the resync goes on from where it was and ends equal, never Failed.
TEST_P(FaultInResync, IsRetriedAndEndsEqual) {
  const FaultAt& at = GetParam();
  Start();
  ASSERT_TRUE(CaughtUp());
  Stop();
  DamageDestination();
  RequestResyncOfStoppedPipe();
  int base = faults_.calls(at.step);
  faults_.At(at.step, base + at.nth, PipeError(ErrorKind::kRetryable, "lost at " + at.step));
  faults_.On("copy_row", faults_.calls("copy_row") + 50, [&] { fake::CommitLoad(wal_, 2, 20); });
  Start();
  ASSERT_TRUE(CaughtUp()) << "ended " << StateName(final_state_) << ": " << Record()->last_error;
  EXPECT_GE(faults_.calls(at.step), base + at.nth) << at.step << " was never reached";
  fake::CommitLoad(wal_, 3, 20);
  ASSERT_TRUE(CaughtUp());
  ExpectEqual();
  EXPECT_FALSE(EverFailed());
  EXPECT_FALSE(tables_.HasTwin(kItems));
  EXPECT_FALSE(tables_.HasTwin(kNotes));
}

INSTANTIATE_TEST_SUITE_P(
    Steps, FaultInResync,
    ::testing::Values(FaultAt{"open_admin", 1}, FaultAt{"drop_slot", 1}, FaultAt{"read_table", 2},
                      FaultAt{"drop", 1}, FaultAt{"ensure_tables", 1}, FaultAt{"slot_snapshot", 1},
                      FaultAt{"copy_row", 45}, FaultAt{"finish", 2}, FaultAt{"swap", 1},
                      FaultAt{"swap", 2}, FaultAt{"swapped", 1}, FaultAt{"swapped", 2}),
    [](const auto& info) { return info.param.step + "_" + std::to_string(info.param.nth); });

struct CatalogFaultAt {
  std::string step;  // a catalog method (fakes/faulty_catalog.h)
  int nth;
  bool full;  // disk full, else busy
};

class CatalogFaultInLifecycle : public Lifecycle,
                                public ::testing::WithParamInterface<CatalogFaultAt> {};

// The catalog busy (another writer past the busy timeout) or its disk full at a write of any
// phase: recording a state, a table, the publication's ownership, the load's start and plan, a
// partition copied, a checkpoint. The pipe retries where it was and ends equal, never Failed.
TEST_P(CatalogFaultInLifecycle, IsRetriedAndLosesNothing) {
  const CatalogFaultAt& at = GetParam();
  faults_.At("catalog." + at.step, at.nth, at.full ? fake::CatalogFull() : fake::CatalogBusy());
  faults_.On("copy_row", 30, [&] { fake::CommitLoad(wal_, 2, 20); });
  Start();
  ASSERT_TRUE(CaughtUp()) << "ended " << StateName(final_state_) << ": "
                          << (Record() ? Record()->last_error : "");
  EXPECT_GE(faults_.calls("catalog." + at.step), at.nth) << at.step << " was never reached";
  fake::CommitLoad(wal_, 3, 20);
  ASSERT_TRUE(CaughtUp());
  ExpectEqual();
  EXPECT_FALSE(EverFailed());
  EXPECT_GE(wal_.confirmed(), Record()->checkpoint_lsn);
}

INSTANTIATE_TEST_SUITE_P(Writes, CatalogFaultInLifecycle,
                         ::testing::Values(CatalogFaultAt{"TransitionIf", 1, false},
                                           CatalogFaultAt{"TransitionIf", 2, true},
                                           CatalogFaultAt{"TransitionIf", 3, false},
                                           CatalogFaultAt{"PutTable", 1, true},
                                           CatalogFaultAt{"SetProperty", 1, false},
                                           CatalogFaultAt{"SetSnapshotLsn", 1, true},
                                           CatalogFaultAt{"PutSnapshotPlan", 2, false},
                                           CatalogFaultAt{"MarkSnapshotPartitionDone", 2, true},
                                           CatalogFaultAt{"SetCheckpoint", 1, false},
                                           CatalogFaultAt{"SetCheckpoint", 3, true},
                                           CatalogFaultAt{"Tables", 1, false},
                                           CatalogFaultAt{"FindPipe", 4, true}),
                         [](const auto& info) {
                           return info.param.step + "_" + std::to_string(info.param.nth) +
                                  (info.param.full ? "_full" : "_busy");
                         });

// The catalog's disk full for a stretch while CDC runs: no checkpoint can be written, so nothing
// may be confirmed to PostgreSQL past the last one written (the WAL must stay for the replay);
// the reason is visible; once space is freed the pipe catches up.
TEST_F(Lifecycle, CatalogFullDuringCdcConfirmsNothingUnrecorded) {
  Start();
  ASSERT_TRUE(CaughtUp());
  Lsn recorded = Record()->checkpoint_lsn;
  faults_.Always("catalog.SetCheckpoint", fake::CatalogFull());
  int before = faults_.calls("catalog.SetCheckpoint");
  fake::CommitLoad(wal_, 2, 30);
  ASSERT_TRUE(WaitFor([&] { return faults_.calls("catalog.SetCheckpoint") >= before + 3; }));
  EXPECT_EQ(Record()->checkpoint_lsn, recorded);
  EXPECT_LE(wal_.confirmed(), recorded);
  EXPECT_NE(RetryingReason(temp_.catalog(), Record()->id).find("database or disk is full"),
            std::string::npos)
      << RetryingReason(temp_.catalog(), Record()->id);
  EXPECT_EQ(Record()->state, PipeState::kRunning);

  faults_.Clear("catalog.SetCheckpoint");
  fake::CommitLoad(wal_, 3, 10);
  ASSERT_TRUE(CaughtUp());
  ExpectEqual();
  EXPECT_FALSE(EverFailed());
  EXPECT_TRUE(WaitFor([&] { return RetryingReason(temp_.catalog(), Record()->id).empty(); }));
}

}  // namespace
}  // namespace pg2ch
