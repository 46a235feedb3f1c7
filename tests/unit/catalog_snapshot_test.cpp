#include <gtest/gtest.h>
#include <sqlite3.h>
#include <unistd.h>

#include <cstdio>
#include <string>

#include "catalog/catalog.h"
#include "common/error.h"

namespace pg2ch {
namespace {

class CatalogSnapshotTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = ::testing::TempDir() + "catalog_snapshot_" + std::to_string(getpid()) + ".db";
    std::remove(path_.c_str());
    catalog_ = std::make_unique<Catalog>(path_);
    pipe_ = catalog_->CreatePipe("p", "{}").id;
    catalog_->PutTable(pipe_, {"public", "t", "t", "{}", false, 0});
  }
  void TearDown() override {
    catalog_.reset();
    for (const char* suffix : {"", "-wal", "-shm"}) std::remove((path_ + suffix).c_str());
  }
  SnapshotPlanRecord Plan(int partitions) {
    SnapshotPlanRecord plan{"public", "t", 1234, 300, {}};
    for (int i = 0; i < partitions; ++i)
      plan.partitions.push_back({i, i * 10, i + 1 < partitions ? (i + 1) * 10 : -1, false, 0, 0});
    return plan;
  }
  std::string path_;
  std::unique_ptr<Catalog> catalog_;
  int64_t pipe_ = 0;
};

TEST_F(CatalogSnapshotTest, PlansRoundTripAndPartitionsAreMarkedDoneWithTheirVersion) {
  EXPECT_FALSE(catalog_->SnapshotPlan(pipe_, "public", "t").has_value());
  catalog_->PutSnapshotPlan(pipe_, Plan(3));
  catalog_->MarkSnapshotPartitionDone(pipe_, "public", "t", 1, 100, 0x5000);
  auto plan = catalog_->SnapshotPlan(pipe_, "public", "t");
  ASSERT_TRUE(plan);
  EXPECT_EQ(plan->filenode, 1234u);
  EXPECT_EQ(plan->estimated_rows, 300);
  ASSERT_EQ(plan->partitions.size(), 3u);
  EXPECT_EQ(plan->partitions[2].first_page, 20);
  EXPECT_EQ(plan->partitions[2].end_page, -1);
  EXPECT_FALSE(plan->partitions[0].done);
  EXPECT_TRUE(plan->partitions[1].done);
  EXPECT_EQ(plan->partitions[1].rows, 100);
  EXPECT_EQ(plan->partitions[1].version, 0x5000u);
  auto table = catalog_->Tables(pipe_).at(0);
  EXPECT_EQ(table.rows_copied, 100);
  EXPECT_FALSE(table.snapshot_done);
}

TEST_F(CatalogSnapshotTest, TableIsDoneWhenItsLastPartitionIs) {
  catalog_->PutSnapshotPlan(pipe_, Plan(2));
  catalog_->MarkSnapshotPartitionDone(pipe_, "public", "t", 0, 7, 1);
  EXPECT_FALSE(catalog_->Tables(pipe_).at(0).snapshot_done);
  catalog_->MarkSnapshotPartitionDone(pipe_, "public", "t", 1, 5, 2);
  auto table = catalog_->Tables(pipe_).at(0);
  EXPECT_TRUE(table.snapshot_done);
  EXPECT_EQ(table.rows_copied, 12);
}

TEST_F(CatalogSnapshotTest, ReplacingAPlanForgetsItsProgressAndResetForgetsAll) {
  catalog_->PutSnapshotPlan(pipe_, Plan(2));
  catalog_->MarkSnapshotPartitionDone(pipe_, "public", "t", 0, 7, 1);
  catalog_->PutSnapshotPlan(pipe_, Plan(4));  // the table was rewritten: planned anew
  auto plan = catalog_->SnapshotPlan(pipe_, "public", "t");
  ASSERT_EQ(plan->partitions.size(), 4u);
  for (const auto& p : plan->partitions) EXPECT_FALSE(p.done);
  EXPECT_EQ(catalog_->Tables(pipe_).at(0).rows_copied, 0);
  catalog_->ResetSnapshotPlans(pipe_);
  EXPECT_FALSE(catalog_->SnapshotPlan(pipe_, "public", "t").has_value());
}

TEST_F(CatalogSnapshotTest, ValuePlansKeepTheirColumn) {
  SnapshotPlanRecord plan = Plan(3);
  plan.partition_column = "id";
  plan.partitions[0].first_page = -5;  // any int64 is a bound of a value range
  catalog_->PutSnapshotPlan(pipe_, plan);
  auto read = catalog_->SnapshotPlan(pipe_, "public", "t");
  ASSERT_TRUE(read);
  EXPECT_EQ(read->partition_column, "id");
  EXPECT_EQ(read->partitions[0].first_page, -5);
  plan.partition_column = "";
  catalog_->PutSnapshotPlan(pipe_, plan);
  EXPECT_EQ(catalog_->SnapshotPlan(pipe_, "public", "t")->partition_column, "");
}

// A catalog file written before value plans: snapshot_tables without partition_column. Its
// plans read back as ctid plans, and new plans can record a column.
TEST_F(CatalogSnapshotTest, OlderFilesGainThePartitionColumn) {
  catalog_.reset();
  for (const char* suffix : {"", "-wal", "-shm"}) std::remove((path_ + suffix).c_str());
  {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path_.c_str(), &db), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(db,
                           "CREATE TABLE snapshot_tables (pipe_id INTEGER NOT NULL, source_schema "
                           "TEXT NOT NULL, source_table TEXT NOT NULL, filenode INTEGER NOT NULL, "
                           "estimated_rows INTEGER NOT NULL, PRIMARY KEY (pipe_id, "
                           "source_schema, source_table));"
                           "INSERT INTO snapshot_tables VALUES (1, 'public', 't', 77, 10);",
                           nullptr, nullptr, nullptr),
              SQLITE_OK);
    sqlite3_close(db);
  }
  catalog_ = std::make_unique<Catalog>(path_);
  pipe_ = catalog_->CreatePipe("p", "{}").id;
  ASSERT_EQ(pipe_, 1);
  catalog_->PutTable(pipe_, {"public", "t", "t", "{}", false, 0});
  auto old = catalog_->SnapshotPlan(pipe_, "public", "t");
  ASSERT_TRUE(old);
  EXPECT_EQ(old->filenode, 77u);
  EXPECT_EQ(old->partition_column, "");
  SnapshotPlanRecord plan = Plan(2);
  plan.partition_column = "id";
  catalog_->PutSnapshotPlan(pipe_, plan);
  EXPECT_EQ(catalog_->SnapshotPlan(pipe_, "public", "t")->partition_column, "id");
}

TEST_F(CatalogSnapshotTest, MarkingAnUnknownPartitionFails) {
  catalog_->PutSnapshotPlan(pipe_, Plan(1));
  EXPECT_THROW(catalog_->MarkSnapshotPartitionDone(pipe_, "public", "t", 5, 1, 1), PipeError);
}

}  // namespace
}  // namespace pg2ch
