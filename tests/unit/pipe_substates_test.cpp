// The typed sub-states read what earlier versions wrote (two resync flags) and survive a crash
// between the writes of one step as the earlier step.
#include "pipe/pipe_substates.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "catalog/sqlite_catalog.h"

namespace pg2ch {
namespace {

class PipeSubstatesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/pg2ch-substates-XXXXXX";
    dir_ = mkdtemp(tmpl);
    catalog_ = std::make_unique<SqliteCatalog>(dir_ + "/catalog.db");
    id_ = catalog_->CreatePipe("p", "{}").id;
  }
  void TearDown() override {
    catalog_.reset();
    std::filesystem::remove_all(dir_);
  }
  std::string dir_;
  std::unique_ptr<Catalog> catalog_;
  int64_t id_ = 0;
};

TEST_F(PipeSubstatesTest, ResyncStepsRoundTripAndReadEarlierCatalogs) {
  EXPECT_EQ(GetResyncStep(*catalog_, id_), ResyncStep::kNone);
  for (ResyncStep step : {ResyncStep::kRequested, ResyncStep::kPrepared, ResyncStep::kNone}) {
    SetResyncStep(*catalog_, id_, step);
    EXPECT_EQ(GetResyncStep(*catalog_, id_), step);
  }
  // As an earlier version left a resync prepared but not swapped.
  catalog_->SetProperty(id_, "resync", "1");
  catalog_->SetProperty(id_, "resync_prepared", "1");
  EXPECT_EQ(GetResyncStep(*catalog_, id_), ResyncStep::kPrepared);
  // A new request while the previous preparation is remembered starts over from the request:
  // a crash after its first write must not look prepared.
  catalog_->SetProperty(id_, "resync_prepared", "0");
  EXPECT_EQ(GetResyncStep(*catalog_, id_), ResyncStep::kRequested);
  // A stale "prepared" without a resync is no resync.
  catalog_->SetProperty(id_, "resync", "0");
  catalog_->SetProperty(id_, "resync_prepared", "1");
  EXPECT_EQ(GetResyncStep(*catalog_, id_), ResyncStep::kNone);
}

TEST_F(PipeSubstatesTest, FlagsAndRetryingReason) {
  EXPECT_FALSE(LoadingAddedTables(*catalog_, id_));
  SetLoadingAddedTables(*catalog_, id_, true);
  EXPECT_TRUE(LoadingAddedTables(*catalog_, id_));
  SetLoadingAddedTables(*catalog_, id_, false);
  EXPECT_FALSE(LoadingAddedTables(*catalog_, id_));
  EXPECT_FALSE(PublicationOwned(*catalog_, id_));
  RecordPublicationOwned(*catalog_, id_);
  EXPECT_TRUE(PublicationOwned(*catalog_, id_));
  EXPECT_EQ(RetryingReason(*catalog_, id_), "");
  SetRetryingReason(*catalog_, id_, "slot busy");
  EXPECT_EQ(RetryingReason(*catalog_, id_), "slot busy");
  SetRetryingReason(*catalog_, id_, "");
  EXPECT_EQ(RetryingReason(*catalog_, id_), "");
}

}  // namespace
}  // namespace pg2ch
