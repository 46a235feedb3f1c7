#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <memory>

#include "catalog/sqlite_catalog.h"
#include "common/error.h"

namespace pg2ch {
namespace {

class CatalogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/pg2ch-catalog-XXXXXX";
    dir_ = mkdtemp(tmpl);
    path_ = dir_ + "/catalog.db";
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string dir_, path_;
};

TEST_F(CatalogTest, CreatesPipeInProvisioningWithPrivateFile) {
  SqliteCatalog c(path_);
  PipeRecord p = c.CreatePipe("orders", "{\"name\":\"orders\"}");
  EXPECT_EQ(p.state, PipeState::kProvisioning);
  EXPECT_EQ(p.config_json, "{\"name\":\"orders\"}");
  struct stat st {};
  ASSERT_EQ(stat(path_.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_THROW(c.CreatePipe("orders", "{}"), PipeError);
}

// The server opens a Catalog per request and per worker in one process, and readers open the
// file from other processes: every committed write must survive the writer's crash.
TEST_F(CatalogTest, WritesOfSeveralConnectionsSurviveTheWritersCrash) {
  // The writer runs in a child that ends like kill -9 (no close, no final checkpoint): what it
  // committed must be in the file.
  pid_t writer = fork();
  if (writer == 0) {
    SqliteCatalog a(path_);
    int64_t id = a.CreatePipe("orders", "{}").id;
    auto b = std::make_unique<SqliteCatalog>(path_);  // another thread's Catalog
    b->SetProperty(id, "from_b", "1");
    // Another process (pg2ch status, a reader) opens and closes the file meanwhile.
    pid_t reader = fork();
    if (reader == 0) {
      {
        SqliteCatalog r(path_);
        r.FindPipe("orders");
      }
      _exit(0);
    }
    int status = 0;
    waitpid(reader, &status, 0);
    a.SetCheckpoint(id, 42);
    b->SetProperty(id, "from_b", "2");
    b.reset();
    a.SetCheckpoint(id, 43);
    _exit(0);
  }
  int status = 0;
  waitpid(writer, &status, 0);
  ASSERT_TRUE(WIFEXITED(status));
  SqliteCatalog c(path_);
  auto p = c.FindPipe("orders");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->checkpoint_lsn, 43u);
  EXPECT_EQ(c.GetProperty(p->id, "from_b"), "2");
}

TEST_F(CatalogTest, TransitionsAreRecordedInOrderAndIllegalOnesRefused) {
  SqliteCatalog c(path_);
  PipeRecord p = c.CreatePipe("p", "{}");
  c.Transition(p.id, PipeState::kSetup, "provisioned");
  c.Transition(p.id, PipeState::kSnapshot, "tables created");
  EXPECT_THROW(c.Transition(p.id, PipeState::kProvisioning, "back"), PipeError);
  c.Transition(p.id, PipeState::kFailed, "slot dropped");
  auto h = c.History(p.id);
  ASSERT_EQ(h.size(), 4u);
  EXPECT_EQ(h[0].from, std::nullopt);  // created: no state before
  EXPECT_EQ(h[0].to, PipeState::kProvisioning);
  EXPECT_EQ(h[0].reason, "pipe created");
  EXPECT_EQ(h[1].from, PipeState::kProvisioning);
  EXPECT_EQ(h[1].to, PipeState::kSetup);
  EXPECT_EQ(h[2].to, PipeState::kSnapshot);
  EXPECT_EQ(h[3].to, PipeState::kFailed);
  EXPECT_EQ(h[3].reason, "slot dropped");
  EXPECT_EQ(c.FindPipe("p")->last_error, "slot dropped");
  EXPECT_EQ(c.FindPipe("p")->state, PipeState::kFailed);
}

TEST_F(CatalogTest, CheckpointAndTablesSurviveReopen) {
  int64_t id;
  {
    SqliteCatalog c(path_);
    id = c.CreatePipe("p", "{}").id;
    c.SetCheckpoint(id, 0x16B374D848ull);
    c.SetSnapshotLsn(id, 0x10ull);
    c.PutTable(id, {"public", "t1", "t1_dst", "{}", false, 0});
    c.PutTable(id, {"public", "t2", "t2", "{}", false, 0});
    c.MarkTableSnapshotDone(id, "public", "t1", 42);
  }
  SqliteCatalog c(path_);
  auto p = c.FindPipe("p");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->checkpoint_lsn, 0x16B374D848ull);
  EXPECT_EQ(p->snapshot_lsn, 0x10ull);
  auto tables = c.Tables(id);
  ASSERT_EQ(tables.size(), 2u);
  EXPECT_EQ(tables[0].target_table, "t1_dst");
  EXPECT_TRUE(tables[0].snapshot_done);
  EXPECT_EQ(tables[0].rows_copied, 42);
  EXPECT_FALSE(tables[1].snapshot_done);
  c.ResetTablesSnapshot(id);
  EXPECT_FALSE(c.Tables(id)[0].snapshot_done);
}

TEST_F(CatalogTest, UpdateTableSchemaKeepsSnapshotProgress) {
  SqliteCatalog c(path_);
  int64_t id = c.CreatePipe("p", "{}").id;
  c.PutTable(id, {"public", "t1", "t1_dst", "{\"v\": 1}", false, 0});
  c.PutTable(id, {"public", "t2", "t2", "{\"v\": 1}", false, 0});
  c.MarkTableSnapshotDone(id, "public", "t1", 42);
  c.UpdateTableSchema(id, "public", "t1", "{\"v\": 2}");
  auto tables = c.Tables(id);
  ASSERT_EQ(tables.size(), 2u);
  EXPECT_EQ(tables[0].schema_json, "{\"v\": 2}");
  EXPECT_TRUE(tables[0].snapshot_done);
  EXPECT_EQ(tables[0].rows_copied, 42);
  EXPECT_EQ(tables[0].target_table, "t1_dst");
  EXPECT_EQ(tables[1].schema_json, "{\"v\": 1}");
}

}  // namespace
}  // namespace pg2ch
