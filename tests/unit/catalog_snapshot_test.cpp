#include <gtest/gtest.h>
#include <sqlite3.h>
#include <unistd.h>

#include <cstdio>
#include <string>

#include "catalog/sqlite_catalog.h"
#include "common/error.h"

namespace pg2ch {
namespace {

class CatalogSnapshotTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = ::testing::TempDir() + "catalog_snapshot_" + std::to_string(getpid()) + ".db";
    std::remove(path_.c_str());
    catalog_ = std::make_unique<SqliteCatalog>(path_);
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
  // Starts over from a catalog file an older pg2ch wrote: `sql` creates its tables; then the
  // pipe and its table are recorded as in SetUp (pipe 1, which `sql` may refer to).
  void ReopenOlderFile(const char* sql) {
    catalog_.reset();
    for (const char* suffix : {"", "-wal", "-shm"}) std::remove((path_ + suffix).c_str());
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path_.c_str(), &db), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(db, sql, nullptr, nullptr, nullptr), SQLITE_OK);
    sqlite3_close(db);
    catalog_ = std::make_unique<SqliteCatalog>(path_);
    pipe_ = catalog_->CreatePipe("p", "{}").id;
    ASSERT_EQ(pipe_, 1);
    catalog_->PutTable(pipe_, {"public", "t", "t", "{}", false, 0});
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
  ASSERT_NO_FATAL_FAILURE(ReopenOlderFile(
      "CREATE TABLE snapshot_tables (pipe_id INTEGER NOT NULL, source_schema TEXT NOT NULL, "
      "source_table TEXT NOT NULL, filenode INTEGER NOT NULL, estimated_rows INTEGER NOT NULL, "
      "PRIMARY KEY (pipe_id, source_schema, source_table));"
      "INSERT INTO snapshot_tables VALUES (1, 'public', 't', 77, 10);"));
  auto old = catalog_->SnapshotPlan(pipe_, "public", "t");
  ASSERT_TRUE(old);
  EXPECT_EQ(old->filenode, 77u);
  EXPECT_EQ(old->partition_column, "");
  SnapshotPlanRecord plan = Plan(2);
  plan.partition_column = "id";
  catalog_->PutSnapshotPlan(pipe_, plan);
  EXPECT_EQ(catalog_->SnapshotPlan(pipe_, "public", "t")->partition_column, "id");
}

// Non-integer value plans keep their bounds as text, exactly: NULL (no bound kept) stays apart
// from any text, quotes and all.
TEST_F(CatalogSnapshotTest, ValuePlansKeepTheirTextBoundsExactly) {
  SnapshotPlanRecord plan = Plan(3);
  plan.partition_column = "ts";
  for (auto& p : plan.partitions) p.first_page = p.end_page = 0;
  plan.partitions[0].lower_bound = "2024-01-01 00:00:00.5+00";
  plan.partitions[0].upper_bound = "-0.000000000000000000003";
  plan.partitions[1].lower_bound = "-0.000000000000000000003";
  plan.partitions[1].upper_bound = "it's \"odd\"";
  plan.partitions[2].lower_bound = "it's \"odd\"";
  plan.partitions[2].upper_bound = "";
  catalog_->PutSnapshotPlan(pipe_, plan);
  catalog_->MarkSnapshotPartitionDone(pipe_, "public", "t", 1, 9, 3);
  auto read = catalog_->SnapshotPlan(pipe_, "public", "t");
  ASSERT_TRUE(read);
  ASSERT_EQ(read->partitions.size(), 3u);
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(read->partitions[i].lower_bound, plan.partitions[i].lower_bound) << i;
    EXPECT_EQ(read->partitions[i].upper_bound, plan.partitions[i].upper_bound) << i;
  }
  EXPECT_TRUE(read->partitions[1].done);
  // Integer and ctid plans have none.
  catalog_->PutSnapshotPlan(pipe_, Plan(2));
  auto plain = catalog_->SnapshotPlan(pipe_, "public", "t");
  for (const auto& p : plain->partitions) {
    EXPECT_EQ(p.lower_bound, std::nullopt);
    EXPECT_EQ(p.upper_bound, std::nullopt);
  }
}

// A catalog file written before text bounds: snapshot_partitions without them. Its plans read
// back unchanged, with no text bounds, and new plans can record them.
TEST_F(CatalogSnapshotTest, OlderFilesGainTextBounds) {
  ASSERT_NO_FATAL_FAILURE(
      ReopenOlderFile("CREATE TABLE snapshot_tables (pipe_id INTEGER NOT NULL, source_schema TEXT "
                      "NOT NULL, source_table TEXT NOT NULL, filenode INTEGER NOT NULL, "
                      "estimated_rows INTEGER NOT NULL, partition_column TEXT NOT NULL DEFAULT '', "
                      "PRIMARY KEY (pipe_id, source_schema, source_table));"
                      "CREATE TABLE snapshot_partitions (pipe_id INTEGER NOT NULL, source_schema "
                      "TEXT NOT NULL, source_table TEXT NOT NULL, idx INTEGER NOT NULL, "
                      "first_page INTEGER NOT NULL, end_page INTEGER NOT NULL, done INTEGER NOT "
                      "NULL DEFAULT 0, rows INTEGER NOT NULL DEFAULT 0, version INTEGER NOT NULL "
                      "DEFAULT 0, PRIMARY KEY (pipe_id, source_schema, source_table, idx));"
                      "INSERT INTO snapshot_tables VALUES (1, 'public', 't', 77, 10, 'id');"
                      "INSERT INTO snapshot_partitions VALUES (1, 'public', 't', 0, -5, 100, 1, "
                      "4, 9), (1, 'public', 't', 1, 100, 200, 0, 0, 0);"));
  auto old = catalog_->SnapshotPlan(pipe_, "public", "t");
  ASSERT_TRUE(old);
  EXPECT_EQ(old->partition_column, "id");
  ASSERT_EQ(old->partitions.size(), 2u);
  EXPECT_EQ(old->partitions[0].first_page, -5);
  EXPECT_EQ(old->partitions[0].end_page, 100);
  EXPECT_TRUE(old->partitions[0].done);
  EXPECT_EQ(old->partitions[0].lower_bound, std::nullopt);
  EXPECT_EQ(old->partitions[1].upper_bound, std::nullopt);
  catalog_->MarkSnapshotPartitionDone(pipe_, "public", "t", 1, 6, 9);
  EXPECT_EQ(catalog_->Tables(pipe_).at(0).rows_copied, 10);
  SnapshotPlanRecord plan = Plan(2);
  plan.partition_column = "n";
  plan.partitions[0].upper_bound = plan.partitions[1].lower_bound = "1.25";
  catalog_->PutSnapshotPlan(pipe_, plan);
  auto read = catalog_->SnapshotPlan(pipe_, "public", "t");
  EXPECT_EQ(read->partitions[0].upper_bound, "1.25");
  EXPECT_EQ(read->partitions[1].lower_bound, "1.25");
  EXPECT_EQ(read->partitions[0].lower_bound, std::nullopt);
}

TEST_F(CatalogSnapshotTest, MarkingAnUnknownPartitionFails) {
  catalog_->PutSnapshotPlan(pipe_, Plan(1));
  EXPECT_THROW(catalog_->MarkSnapshotPartitionDone(pipe_, "public", "t", 5, 1, 1), PipeError);
}

}  // namespace
}  // namespace pg2ch
