#include "pipe/snapshot_scheduler.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <set>
#include <thread>

namespace pg2ch {
namespace {

TEST(SnapshotScheduler, HandsOutEveryPartitionOnceInTableOrder) {
  SnapshotScheduler s({{0, 1}, {}, {5}}, 4, 1);
  std::vector<std::pair<size_t, size_t>> got;
  while (auto a = s.Next()) got.emplace_back(a->table, a->partition);
  EXPECT_EQ(got, (std::vector<std::pair<size_t, size_t>>{{0, 0}, {0, 1}, {2, 5}}));
}

TEST(SnapshotScheduler, AtMostWorkersPerTableAndTablesInParallel) {
  // 2 partitions of a table at once, 2 tables handing out partitions at once.
  SnapshotScheduler s({{0, 1, 2}, {0, 1, 2}, {0, 1, 2}}, 2, 2);
  auto a = s.Next(), b = s.Next(), c = s.Next(), d = s.Next();
  ASSERT_TRUE(a && b && c && d);
  EXPECT_EQ(a->table, 0u);
  EXPECT_EQ(b->table, 0u);
  EXPECT_EQ(c->table, 1u);  // table 0 is at its limit: table 1 opens
  EXPECT_EQ(d->table, 1u);
  // Every slot is taken: a fifth request waits until a partition finishes.
  std::atomic<bool> got{false};
  std::optional<PartitionAssignment> e;
  std::thread waiter([&] {
    e = s.Next();
    got = true;
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_FALSE(got.load()) << "a third partition of a table, or a third table, was handed out";
  s.Finished(*c);
  waiter.join();
  ASSERT_TRUE(e);
  EXPECT_EQ(e->table, 1u);
  EXPECT_EQ(e->partition, 2u);
  // Table 0 has room again and comes first.
  s.Finished(*a);
  auto f = s.Next();
  ASSERT_TRUE(f);
  EXPECT_EQ(f->table, 0u);
  EXPECT_EQ(f->partition, 2u);
  // Tables 0 and 1 handed out their last partitions (b, d, e, f still run): table 2 opens.
  auto g = s.Next();
  ASSERT_TRUE(g);
  EXPECT_EQ(g->table, 2u);
}

TEST(SnapshotScheduler, CancelReleasesWaitersAndStopsHandingOut) {
  SnapshotScheduler s({{0, 1}}, 1, 1);
  auto a = s.Next();
  ASSERT_TRUE(a);
  std::optional<PartitionAssignment> b = PartitionAssignment{9, 9};
  std::thread waiter([&] { b = s.Next(); });
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  s.Cancel();
  waiter.join();
  EXPECT_FALSE(b.has_value());
  EXPECT_FALSE(s.Next().has_value());
}

TEST(SnapshotScheduler, ManyWorkersCopyEachPartitionExactlyOnce) {
  std::vector<std::vector<size_t>> pending(5);
  for (size_t t = 0; t < pending.size(); ++t)
    for (size_t p = 0; p < 50; ++p) pending[t].push_back(p);
  SnapshotScheduler s(pending, 3, 2);
  std::mutex mu;
  std::set<std::pair<size_t, size_t>> seen;
  std::map<size_t, int> running;
  int max_per_table = 0;
  std::vector<std::thread> workers;
  for (int w = 0; w < 6; ++w) {
    workers.emplace_back([&] {
      while (auto a = s.Next()) {
        {
          std::lock_guard lock(mu);
          EXPECT_TRUE(seen.emplace(a->table, a->partition).second);
          max_per_table = std::max(max_per_table, ++running[a->table]);
        }
        std::this_thread::yield();
        {
          std::lock_guard lock(mu);
          --running[a->table];
        }
        s.Finished(*a);
      }
    });
  }
  for (auto& w : workers) w.join();
  EXPECT_EQ(seen.size(), 250u);
  EXPECT_LE(max_per_table, 3);
}

}  // namespace
}  // namespace pg2ch
