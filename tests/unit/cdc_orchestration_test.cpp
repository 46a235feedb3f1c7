// The Running state's orchestration (PipeRunner -> CdcLoop -> BatchApplier) against in-memory
// ports (tests/fakes/fake_ports.h): every transaction applied once durable and only then
// checkpointed and confirmed, each failure retried or failed as classified, nothing lost or
// doubled across a fault at any step, a stop pushing what is complete.
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <thread>

#include "catalog/sqlite_catalog.h"
#include "destination/clickhouse/http_error.h"
#include "fakes/fake_pipe.h"
#include "fakes/fake_ports.h"
#include "pipe/pipe_runner.h"
#include "pipe/pipe_substates.h"
#include "pipe/source_table_json.h"

namespace pg2ch {

// Readable failures: a cell as its text.
void PrintTo(const Cell& cell, std::ostream* out) {
  *out << (cell.kind == CellKind::kNull ? std::string("NULL") : "'" + cell.text + "'");
}

namespace {

using fake::FakePorts;
using fake::FakeTables;
using fake::FakeWal;
using fake::Faults;
using fake::WaitFor;

using fake::Column;
using fake::CommitLoad;
using fake::Delete;
using fake::Insert;
using fake::kItems;
using fake::kNotes;
using fake::R;
using fake::Txn;
using fake::Update;

std::vector<SourceTable> Tables() { return fake::ItemsAndNotes(); }

class CdcOrchestration : public ::testing::Test {
 protected:
  void SetUp() override {
    config_ = fake::ConfigFor("orch", Tables());
    id_ = fake::CreateRunningPipe(*catalog_, config_, Tables());
  }
  void TearDown() override { Stop(); }

  void Start() {
    runner_ = std::thread([this] {
      SqliteCatalog catalog(temp_.path());
      final_state_ = PipeRunner(catalog, config_, stop_, nullptr, &ports_).Run();
    });
  }
  PipeState Stop() {
    stop_ = true;
    if (runner_.joinable()) runner_.join();
    return final_state_;
  }
  // Waits for the pipe to confirm everything committed, or to end.
  bool CaughtUp(std::chrono::seconds limit = std::chrono::seconds(30)) {
    return WaitFor([&] { return wal_.confirmed() == wal_.end() || Ended(); }, limit) && !Ended();
  }
  bool Ended() { return final_state_ != PipeState::kRunning; }
  PipeRecord Record() { return *catalog_->FindPipe(config_.name); }
  bool EverFailed() {
    for (const StateTransition& t : catalog_->History(id_))
      if (t.to == PipeState::kFailed) return true;
    return false;
  }
  void ExpectEqual() {
    auto expected = fake::Replay(Tables(), wal_.Committed());
    EXPECT_EQ(tables_.Final(kItems), expected[kItems]);
    EXPECT_EQ(tables_.Final(kNotes), expected[kNotes]);
    EXPECT_FALSE(expected[kItems].empty());
  }
  // Every row written more than once (a replay) is byte-identical to its first write.
  void ExpectReplaysIdentical(size_t& replayed) {
    std::map<std::tuple<uint32_t, std::string, Lsn>, FakeTables::Written> first;
    replayed = 0;
    for (const FakeTables::Written& w : tables_.AllWritten()) {
      auto [at, fresh] = first.emplace(std::make_tuple(w.relid, w.key, w.version), w);
      if (fresh) continue;
      ++replayed;
      EXPECT_EQ(at->second.row, w.row) << "key " << w.key;
      EXPECT_EQ(at->second.deleted, w.deleted) << "key " << w.key;
    }
  }

  fake::TempCatalog temp_{"orchestration"};
  Catalog* catalog_ = &temp_.catalog();
  PipeConfig config_;
  int64_t id_ = 0;
  Faults faults_;
  FakeWal wal_{faults_};
  FakeTables tables_{faults_};
  FakePorts ports_{wal_, tables_};
  std::atomic<bool> stop_{false};
  std::atomic<PipeState> final_state_{PipeState::kRunning};
  std::thread runner_;
};

TEST_F(CdcOrchestration, AppliesEveryTransactionAndConfirmsOnlyWhatIsDurable) {
  CommitLoad(wal_, 1, 60);
  Start();
  ASSERT_TRUE(CaughtUp());
  CommitLoad(wal_, 2, 60);  // while running: batches fill and flush by time
  ASSERT_TRUE(CaughtUp());
  EXPECT_EQ(Stop(), PipeState::kRunning);
  ExpectEqual();
  EXPECT_EQ(Record().checkpoint_lsn, wal_.end());
  EXPECT_EQ(ports_.early_confirms(), 0);
  EXPECT_GT(faults_.calls("apply"), 1);  // more than one batch
  size_t replayed = 0;
  ExpectReplaysIdentical(replayed);
  EXPECT_EQ(replayed, 0u);
}

// A connection lost (or a server restarted) at any step: the runner retries in Running, CDC
// resumes from the checkpoint and the destination ends equal; a replayed batch rewrites
// identical rows.
class FaultAtStep : public CdcOrchestration,
                    public ::testing::WithParamInterface<std::pair<const char*, int>> {};

TEST_P(FaultAtStep, IsRetriedAndLosesNothing) {
  const auto [step, nth] = GetParam();
  faults_.At(step, nth,
             PipeError(ErrorKind::kRetryable, std::string("connection lost at ") + step));
  CommitLoad(wal_, 1, 80);
  Start();
  ASSERT_TRUE(CaughtUp());
  EXPECT_EQ(Stop(), PipeState::kRunning);
  EXPECT_EQ(faults_.thrown(), 1);
  EXPECT_FALSE(EverFailed());
  EXPECT_EQ(RetryingReason(*catalog_, id_), "");    // cleared by the progress after the retry
  EXPECT_EQ(faults_.calls("open_destination"), 2);  // opened again after the fault
  EXPECT_EQ(ports_.early_confirms(), 0);
  ExpectEqual();
  size_t replayed = 0;
  ExpectReplaysIdentical(replayed);
  if (std::string(step) == "applied") {
    EXPECT_GT(replayed, 0u);  // the batch came again
  }
}

INSTANTIATE_TEST_SUITE_P(Steps, FaultAtStep,
                         ::testing::Values(std::make_pair("open_destination", 1),
                                           std::make_pair("open_source", 1),
                                           std::make_pair("next", 7), std::make_pair("apply", 1),
                                           std::make_pair("apply", 3), std::make_pair("applied", 2),
                                           std::make_pair("confirm", 2)),
                         [](const auto& info) {
                           return std::string(info.param.first) + "_" +
                                  std::to_string(info.param.second);
                         });

// The crash between ClickHouse's acknowledgement and the checkpoint, spelled out: the rows are
// there, the checkpoint is not, so they come again, identical, and nothing is doubled.
TEST_F(CdcOrchestration, CrashBetweenInsertAndCheckpointReplaysIdenticalRows) {
  faults_.At("applied", 1, PipeError(ErrorKind::kRetryable, "killed after the insert"));
  CommitLoad(wal_, 1, 30);
  Start();
  ASSERT_TRUE(CaughtUp());
  Stop();
  size_t replayed = 0;
  ExpectReplaysIdentical(replayed);
  EXPECT_GT(replayed, 0u);
  ExpectEqual();
}

struct ClickHouseFailure {
  const char* name;
  long status;
  int code;
  bool retryable;
};

class ClickHouseErrors : public CdcOrchestration,
                         public ::testing::WithParamInterface<ClickHouseFailure> {};

// Errors as the ClickHouse client classifies them (http_error.h): transient ones are waited out
// in Running with the reason visible; a refused write fails the pipe naming it, with nothing
// confirmed past what is durable.
TEST_P(ClickHouseErrors, AreRetriedOrFailThePipeAsClassified) {
  const ClickHouseFailure f = GetParam();
  const std::string message = std::string("ClickHouse: ") + f.name;
  faults_.Always("apply", PipeError(ClassifyClickHouseError(f.status, f.code), message));
  CommitLoad(wal_, 1, 20);
  Start();
  if (!f.retryable) {
    ASSERT_TRUE(WaitFor([&] { return Ended(); }, std::chrono::seconds(20)));
    EXPECT_EQ(Stop(), PipeState::kFailed);
    EXPECT_EQ(Record().state, PipeState::kFailed);
    EXPECT_EQ(Record().last_error, message);
    EXPECT_EQ(wal_.confirmed(), 0u);
    EXPECT_EQ(Record().checkpoint_lsn, 0u);
    return;
  }
  ASSERT_TRUE(
      WaitFor([&] { return RetryingReason(*catalog_, id_) == message; }, std::chrono::seconds(20)));
  EXPECT_EQ(Record().state, PipeState::kRunning);
  EXPECT_EQ(wal_.confirmed(), 0u);
  faults_.Clear("apply");  // the server recovered
  ASSERT_TRUE(CaughtUp());
  EXPECT_EQ(Stop(), PipeState::kRunning);
  EXPECT_FALSE(EverFailed());
  EXPECT_EQ(RetryingReason(*catalog_, id_), "");
  ExpectEqual();
}

INSTANTIATE_TEST_SUITE_P(Kinds, ClickHouseErrors,
                         ::testing::Values(ClickHouseFailure{"proxy_503", 503, 0, true},
                                           ClickHouseFailure{"too_many_parts", 500, 252, true},
                                           ClickHouseFailure{"memory_limit", 500, 241, true},
                                           ClickHouseFailure{"unknown_table", 404, 60, false},
                                           ClickHouseFailure{"type_mismatch", 500, 53, false}),
                         [](const auto& info) { return std::string(info.param.name); });

// The slot held by another backend (defect 1): retried in Running with the reason visible,
// then CDC goes on once it is free.
TEST_F(CdcOrchestration, SlotBusyIsRetriedWithTheReasonVisible) {
  const std::string busy = "replication slot \"slot_orch\" is active for PID 4242";
  faults_.Always("open_source", PipeError(ErrorKind::kRetryable, busy));
  CommitLoad(wal_, 1, 10);
  Start();
  ASSERT_TRUE(
      WaitFor([&] { return RetryingReason(*catalog_, id_) == busy; }, std::chrono::seconds(20)));
  EXPECT_EQ(Record().state, PipeState::kRunning);
  faults_.Clear("open_source");
  ASSERT_TRUE(CaughtUp());
  Stop();
  EXPECT_FALSE(EverFailed());
  EXPECT_EQ(RetryingReason(*catalog_, id_), "");
  ExpectEqual();
}

TEST_F(CdcOrchestration, SourceFatalErrorFailsWithTheReason) {
  const std::string gone = "replication slot \"slot_orch\" does not exist on the source";
  faults_.At("open_source", 1, PipeError(ErrorKind::kFatal, gone));
  Start();
  ASSERT_TRUE(WaitFor([&] { return Ended(); }, std::chrono::seconds(20)));
  EXPECT_EQ(Stop(), PipeState::kFailed);
  EXPECT_EQ(Record().last_error, gone);
  EXPECT_EQ(ports_.sources_opened(), 0);
}

// A stop while a batch waits for its interval: what was received and is complete is pushed and
// confirmed before the runner returns, so nothing committed waits for the next start.
TEST_F(CdcOrchestration, StopPushesWhatIsComplete) {
  config_.sync_interval_seconds = 3600;
  config_.pull_batch_size = 1000000;
  CommitLoad(wal_, 1, 25);
  Start();
  ASSERT_TRUE(WaitFor([&] { return faults_.calls("next") > 200; }, std::chrono::seconds(20)));
  EXPECT_EQ(faults_.calls("apply"), 0);  // still batching
  EXPECT_EQ(wal_.confirmed(), 0u);
  EXPECT_EQ(Stop(), PipeState::kRunning);
  EXPECT_EQ(faults_.calls("apply"), 1);
  EXPECT_EQ(wal_.confirmed(), wal_.end());
  EXPECT_EQ(Record().checkpoint_lsn, wal_.end());
  ExpectEqual();
}

// A transaction larger than spill_threshold_changes is applied from disk in chunks; a fault
// after one chunk replays the whole transaction, and the table ends as if applied at once.
TEST_F(CdcOrchestration, SpilledTransactionIsAppliedInChunksAndReplayedWhole) {
  config_.spill_threshold_changes = 100;
  config_.pull_batch_size = 64;
  std::vector<RowChange> big;
  for (int i = 0; i < 1000; ++i) {
    std::string id = std::to_string(i);
    big.push_back(Insert(kItems, R({id.c_str(), "first"})));
    if (i % 10 == 0) big.push_back(Update(kItems, R({id.c_str(), "then changed"})));
  }
  CommitLoad(wal_, 5, 5);
  wal_.Commit(Txn(std::move(big)));
  CommitLoad(wal_, 6, 5);
  faults_.At("applied", 4, PipeError(ErrorKind::kRetryable, "cut mid-transaction"));
  Start();
  ASSERT_TRUE(CaughtUp());
  Stop();
  EXPECT_FALSE(EverFailed());
  EXPECT_GT(faults_.calls("apply"), 1100 / 64);  // chunks of at most pull_batch_size
  ExpectEqual();
  EXPECT_EQ(tables_.Final(kItems).size(), fake::Replay(Tables(), wal_.Committed())[kItems].size());
  EXPECT_TRUE(std::filesystem::is_empty(temp_.path() + ".spill/orch"));  // spill files gone
}

// A transaction that adds a column: the destination table grows before its rows are written,
// the catalog records the wider definition, and the rows land whole.
TEST_F(CdcOrchestration, SchemaChangeGrowsTheTableBeforeItsRows) {
  CommitLoad(wal_, 1, 5);
  SchemaChange change;
  change.relid = kItems;
  change.added.push_back(Column("extra", 25, "", false));
  Transaction txn = Txn({Insert(kItems, R({"77", "wide", "extra value"}))});
  txn.schema_changes.push_back(change);
  wal_.Commit(std::move(txn));
  faults_.At("update_table", 1, PipeError(ErrorKind::kRetryable, "ClickHouse restarted"));
  Start();
  ASSERT_TRUE(CaughtUp());
  Stop();
  EXPECT_EQ(tables_.Width(kItems), 1u);  // ClickHouse restarted before the first ALTER
  EXPECT_EQ(tables_.Final(kItems).at("77|"), R({"77", "wide", "extra value"}));
  for (const TableRecord& t : catalog_->Tables(id_))
    if (t.source_table == "items") {
      SourceTable recorded = SourceTableFromJson(t.schema_json);
      ASSERT_EQ(recorded.columns.size(), 3u);
      EXPECT_EQ(recorded.columns[2].name, "extra");
      EXPECT_EQ(recorded.columns[2].type_name, "text");  // resolved on the source
    }
}

}  // namespace
}  // namespace pg2ch
