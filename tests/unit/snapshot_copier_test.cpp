// The initial load's copier (pipe/snapshot_copier.h) against in-memory ports: parallel workers
// copy every partition once, a partition counts as copied only once its writer finished, a
// worker's error of any kind ends the load cleanly (no std::terminate: defect 4) with the done
// partitions kept, a stop keeps them too, and a resumed load copies only the rest.
#include "pipe/snapshot_copier.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <set>

#include "catalog/catalog.h"
#include "fakes/fake_pipe.h"
#include "fakes/fake_ports.h"
#include "pipe/source_table_json.h"

namespace pg2ch {
namespace {

using fake::FakePorts;
using fake::FakeTables;
using fake::FakeWal;
using fake::Faults;

constexpr int kPartitions = 6;
constexpr int kRowsPerPartition = 300;

SourceTable Table(const std::string& name, uint32_t relid) {
  SourceColumn id;
  id.name = "id";
  id.type_oid = 23;
  id.type_name = "integer";
  id.is_key = true;
  id.nullable = false;
  SourceColumn v;
  v.name = "v";
  v.type_oid = 25;
  v.type_name = "text";
  return SourceTable{"public", name, relid, {id, v}};
}

class SnapshotCopier : public ::testing::Test {
 protected:
  void SetUp() override {
    config_.name = "load";
    config_.snapshot_max_parallel_workers = 2;
    config_.snapshot_num_tables_in_parallel = 2;
    id_ = catalog_->CreatePipe(config_.name, "{}").id;
    for (const SourceTable& t : {Table("items", 16401), Table("notes", 16402)}) {
      config_.tables.push_back({t.schema, t.name, t.name, {}, {}, "", ""});
      tables_.push_back(DestinationTable{t, "db", t.name});
      catalog_->PutTable(id_, {t.schema, t.name, t.name, SourceTableToJson(t), false, 0});
      SnapshotPlanRecord plan{t.schema, t.name, 1, kPartitions * kRowsPerPartition, {}};
      for (int p = 0; p < kPartitions; ++p)
        plan.partitions.push_back({p, p * 10, p + 1 == kPartitions ? -1 : (p + 1) * 10});
      catalog_->PutSnapshotPlan(id_, plan);
      TableJob job{tables_.size() - 1, false, true, std::nullopt, plan};
      for (int p = 0; p < kPartitions; ++p) {
        std::vector<Row> rows;
        for (int r = 0; r < kRowsPerPartition; ++r) {
          std::string key = std::to_string(p * kRowsPerPartition + r);
          rows.push_back({Cell::Text(key), Cell::Text(t.name + " " + key)});
        }
        wal_.PutPartition(t.relid, job.Scope(plan.partitions[p]).where, std::move(rows));
      }
    }
  }

  // The jobs as a resumed load sees them: plans read back from the catalog.
  std::vector<TableJob> Jobs() {
    std::vector<TableJob> jobs;
    for (size_t i = 0; i < tables_.size(); ++i)
      jobs.push_back({i, false, true, std::nullopt,
                      *catalog_->SnapshotPlan(id_, "public", tables_[i].source.name)});
    return jobs;
  }
  bool Copy() {
    PipeContext ctx{config_, *catalog_, id_, stop_, tables_, nullptr};
    ctx.ports = &ports_;
    return CopySnapshotPartitions(ctx, Jobs(), {"snap", kVersion});
  }
  // Every partition the catalog records as copied has all its rows written.
  void ExpectDoneMeansWritten(int& done) {
    done = 0;
    std::set<std::pair<uint32_t, std::string>> written;
    for (const FakeTables::Written& w : destination_.AllWritten()) {
      written.insert({w.relid, w.key});
      EXPECT_EQ(w.version, kVersion);
      EXPECT_FALSE(w.deleted);
    }
    for (const TableJob& job : Jobs())
      for (const SnapshotPartitionRecord& p : job.plan.partitions) {
        if (!p.done) continue;
        ++done;
        EXPECT_EQ(p.rows, kRowsPerPartition);
        EXPECT_EQ(p.version, kVersion);
        for (int r = 0; r < kRowsPerPartition; ++r)
          EXPECT_TRUE(written.contains({tables_[job.table].source.relid,
                                        std::to_string(p.index * kRowsPerPartition + r) + "|"}))
              << "partition " << p.index << " row " << r;
      }
  }
  // Every row of every table is there, each written exactly once.
  void ExpectComplete() {
    const size_t total = tables_.size() * kPartitions * kRowsPerPartition;
    EXPECT_EQ(destination_.AllWritten().size(), total);
    for (const DestinationTable& t : tables_)
      EXPECT_EQ(destination_.Final(t.source.relid).size(),
                static_cast<size_t>(kPartitions * kRowsPerPartition));
    int done = 0;
    ExpectDoneMeansWritten(done);
    EXPECT_EQ(done, static_cast<int>(tables_.size()) * kPartitions);
    for (const TableRecord& t : catalog_->Tables(id_)) {
      EXPECT_TRUE(t.snapshot_done) << t.source_table;
      EXPECT_EQ(t.rows_copied, kPartitions * kRowsPerPartition);
    }
  }

  static constexpr Lsn kVersion = 0x5000;
  fake::TempCatalog temp_{"copier"};
  Catalog* catalog_ = &temp_.catalog();
  PipeConfig config_;
  int64_t id_ = 0;
  std::vector<DestinationTable> tables_;
  Faults faults_;
  FakeWal wal_{faults_};
  FakeTables destination_{faults_};
  FakePorts ports_{wal_, destination_};
  std::atomic<bool> stop_{false};
};

TEST_F(SnapshotCopier, CopiesEveryPartitionOnceAndRecordsIt) {
  EXPECT_TRUE(Copy());
  ExpectComplete();
  EXPECT_EQ(faults_.calls("open_reader"), 4);  // workers * tables in parallel
  EXPECT_EQ(faults_.calls("copy"), 2 * kPartitions);
}

struct WorkerFailure {
  const char* name;
  std::function<void()> raise;
};

class WorkerErrors : public SnapshotCopier, public ::testing::WithParamInterface<WorkerFailure> {};

// Whatever a worker throws reaches the caller as it was thrown, after every worker stopped;
// no thread is left joinable (that would be std::terminate, ending every pipe of the server).
TEST_P(WorkerErrors, EndTheLoadCleanlyAndTheRestIsCopiedOnResume) {
  faults_.On("copy_row", 2 * kRowsPerPartition + 50, GetParam().raise);
  EXPECT_ANY_THROW(Copy());
  int done = 0;
  ExpectDoneMeansWritten(done);
  EXPECT_LT(done, 2 * kPartitions);
  EXPECT_TRUE(Copy());  // resumed: the pending partitions only
  ExpectComplete();
}

INSTANTIATE_TEST_SUITE_P(
    Kinds, WorkerErrors,
    ::testing::Values(
        WorkerFailure{"fatal", [] { ThrowFatal("permission denied for table items"); }},
        WorkerFailure{"retryable", [] { ThrowRetryable("server closed the connection"); }},
        WorkerFailure{"unclassified", [] { throw std::runtime_error("a bug"); }},
        WorkerFailure{"bad_alloc", [] { throw std::bad_alloc(); }}),
    [](const auto& info) { return std::string(info.param.name); });

TEST_F(SnapshotCopier, ThrowsThePipeErrorAsItWas) {
  faults_.At("copy_row", 10, PipeError(ErrorKind::kFatal, "relation \"items\" does not exist"));
  try {
    Copy();
    FAIL() << "no error";
  } catch (const PipeError& e) {
    EXPECT_FALSE(e.retryable());
    EXPECT_STREQ(e.what(), "relation \"items\" does not exist");
  }
}

// ClickHouse refused the insert when it was finished: the partition is not recorded, so the
// resumed load copies it again.
TEST_F(SnapshotCopier, APartitionWhoseInsertFailedIsNotRecorded) {
  faults_.At("finish", 3, PipeError(ErrorKind::kRetryable, "ClickHouse: connection reset"));
  EXPECT_THROW(Copy(), PipeError);
  int done = 0;
  ExpectDoneMeansWritten(done);
  EXPECT_LE(done, 2 * kPartitions - 1);
  EXPECT_TRUE(Copy());
  ExpectComplete();
}

TEST_F(SnapshotCopier, AStopKeepsFinishedPartitionsAndResumes) {
  wal_.row_micros = 500;  // a partition takes 150 ms: the stop comes while some are left
  faults_.On("copy_row", 3 * kRowsPerPartition, [this] { stop_ = true; });
  EXPECT_FALSE(Copy());
  int done = 0;
  ExpectDoneMeansWritten(done);
  EXPECT_LT(done, 2 * kPartitions);
  stop_ = false;
  wal_.row_micros = 0;
  EXPECT_TRUE(Copy());
  ExpectComplete();
}

TEST_F(SnapshotCopier, AReaderThatCannotStartFailsTheLoad) {
  faults_.At("open_reader", 2,
             PipeError(ErrorKind::kRetryable, "snapshot \"snap\" does not exist"));
  EXPECT_THROW(Copy(), PipeError);
  int done = 0;
  ExpectDoneMeansWritten(done);
  EXPECT_TRUE(Copy());
  ExpectComplete();
}

}  // namespace
}  // namespace pg2ch
