// The disk of the catalog and of the spill directory (which lives next to the catalog) full,
// under a write load with transactions big enough to spill: pg2ch waits and retries in Running,
// loses nothing, and goes on once space is freed. The disk is a small tmpfs filled up with a
// file. Needs root (mount).
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "harness/engine_test.h"
#include "pipe_test_support.h"

namespace pg2ch::test {
namespace {

constexpr double kWait = 120;

// A tmpfs of `megabytes` at `dir` while alive.
class SmallDisk {
 public:
  SmallDisk(std::string dir, int megabytes) : dir_(std::move(dir)) {
    mkdir(dir_.c_str(), 0700);
    std::string options = "size=" + std::to_string(megabytes) + "m";
    if (mount("tmpfs", dir_.c_str(), "tmpfs", 0, options.c_str()) != 0)
      throw std::runtime_error("mount tmpfs on " + dir_ + " failed");
  }
  ~SmallDisk() { umount2(dir_.c_str(), MNT_DETACH); }

  // Writes a file until the disk refuses more.
  void Fill() {
    FILE* f = std::fopen(Filler().c_str(), "w");
    ASSERT_NE(f, nullptr);
    std::string block(64 * 1024, 'f');
    while (std::fwrite(block.data(), 1, block.size(), f) == block.size()) {
    }
    std::fclose(f);
  }
  void Free() { std::remove(Filler().c_str()); }
  const std::string& dir() const { return dir_; }

 private:
  std::string Filler() const { return dir_ + "/filler"; }
  std::string dir_;
};

TEST(DiskFull, CatalogAndSpillDiskFullWaitsAndGoesOnOnceFreed) {
  if (geteuid() != 0) {
    if (std::getenv("CI") != nullptr) FAIL() << "the disk-full test needs root (mount)";
    GTEST_SKIP() << "needs root for mount";
  }
  TestDatabases dbs = NewTestDatabases("diskfull", TestEngines().front());
  const std::string pipe = "diskfull";
  PgExec(dbs.pg,
         "CREATE TABLE df (id bigserial PRIMARY KEY, v text NOT NULL, n int NOT NULL);"
         "INSERT INTO df (v, n) SELECT 'seed ' || g, g FROM generate_series(1, 1000) g");
  PipeFiles files = WritePipe(dbs, pipe, {"public.df"},
                              "\"sync_interval_seconds\": 0.2, \"spill_threshold_changes\": 1000");
  SmallDisk disk(files.dir + "/small", 16);
  files.catalog = disk.dir() + "/catalog.db";
  auto pg2ch = StartPg2ch(files);
  ASSERT_TRUE(WaitForState(files, pipe, PipeState::kRunning, kWait)) << pg2ch->Output();

  // Small transactions (a checkpoint each batch) and, every tenth, one of 3,000 changes that
  // goes to a spill file.
  BackgroundWrites load(dbs.pg, [](int round) {
    int rows = round % 10 == 0 ? 3000 : 5;
    return "BEGIN; INSERT INTO df (v, n) SELECT 'load ' || g, g FROM generate_series(1, " +
           std::to_string(rows) +
           ") g; UPDATE df SET n = n + 1 WHERE id % 41 = " + std::to_string(round % 41) +
           "; COMMIT";
  });
  ASSERT_TRUE(WaitUntil(kWait, [&] { return ChCount(dbs, "df") > 5000; })) << pg2ch->Output();

  disk.Fill();
  // The spill file and the checkpoint cannot be written: pg2ch says so and keeps retrying.
  EXPECT_TRUE(WaitUntil(kWait, [&] {
    std::string out = pg2ch->Output();
    return out.find("No space left on device") != std::string::npos ||
           out.find("database or disk is full") != std::string::npos;
  })) << pg2ch->Output();
  std::this_thread::sleep_for(std::chrono::seconds(5));
  EXPECT_TRUE(pg2ch->Running()) << pg2ch->Output();

  disk.Free();
  std::this_thread::sleep_for(std::chrono::seconds(3));
  load.Stop();
  std::vector<CompareColumn> columns = {
      {"id::text", "toString(id)"}, {"v", "v"}, {"n::text", "toString(n)"}};
  EXPECT_EQ(WaitForEqual(dbs, "df", "df", columns, "id", kWait), "") << pg2ch->Output();
  EXPECT_TRUE(CatalogState(files, pipe) == PipeState::kRunning) << LastError(files, pipe);
  EXPECT_FALSE(EverFailed(files, pipe)) << LastError(files, pipe);
  pg2ch->Signal(SIGTERM);
  EXPECT_EQ(pg2ch->Wait(60), 0) << pg2ch->Output();
}

}  // namespace
}  // namespace pg2ch::test
