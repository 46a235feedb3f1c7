#include "pipe/batch_applier.h"

#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <stdexcept>

namespace pg2ch {
namespace {

std::vector<Transaction> Batch(Lsn end, size_t changes) {
  Transaction t;
  t.end_lsn = end;
  t.commit_time = static_cast<int64_t>(end) * 10;
  t.changes.resize(changes);
  return {t};
}

TEST(BatchApplier, AppliesInOrderAndReportsWhatIsDurable) {
  std::vector<Lsn> applied;
  BatchApplier applier(
      [&](std::span<const Transaction> b) { applied.push_back(b.back().end_lsn); });
  applier.Submit(Batch(10, 2), 10);
  applier.Submit(Batch(20, 3), 25);  // end past the last transaction: idle ones followed it
  std::vector<DurableBatch> done = applier.Drain();
  ASSERT_EQ(done.size(), 2u);
  EXPECT_EQ(done[0].end, 10u);
  EXPECT_EQ(done[0].changes, 2u);
  EXPECT_EQ(done[1].end, 25u);
  EXPECT_EQ(done[1].changes, 3u);
  EXPECT_EQ(done[1].last_commit_time, 200);
  EXPECT_EQ(applied, (std::vector<Lsn>{10, 20}));
  EXPECT_TRUE(applier.TakeDurable().empty());
  EXPECT_FALSE(applier.Busy());
}

TEST(BatchApplier, OneBatchInFlightAtMost) {
  std::promise<void> gate;
  std::shared_future<void> open = gate.get_future().share();
  std::atomic<int> calls{0};
  BatchApplier applier([&](std::span<const Transaction>) {
    if (calls.fetch_add(1) == 0) open.wait();
  });
  applier.Submit(Batch(10, 1), 10);
  std::atomic<bool> second_handed_over{false};
  std::thread submitter([&] {
    applier.Submit(Batch(20, 1), 20);
    second_handed_over = true;
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_FALSE(second_handed_over.load());  // back-pressure: the first is still being written
  EXPECT_TRUE(applier.Busy());
  EXPECT_TRUE(applier.TakeDurable().empty());  // nothing is durable before the write returns
  gate.set_value();
  submitter.join();
  EXPECT_TRUE(second_handed_over.load());
  EXPECT_EQ(applier.Drain().size(), 2u);
}

TEST(BatchApplier, AFailureIsRethrownAndNothingAfterItIsApplied) {
  std::vector<Lsn> applied;
  BatchApplier applier([&](std::span<const Transaction> b) {
    if (b.back().end_lsn == 20) throw std::runtime_error("insert refused");
    applied.push_back(b.back().end_lsn);
  });
  applier.Submit(Batch(10, 1), 10);
  applier.Submit(Batch(20, 1), 20);
  EXPECT_THROW(applier.Drain(), std::runtime_error);
  EXPECT_THROW(applier.Submit(Batch(30, 1), 30), std::runtime_error);
  EXPECT_THROW(applier.TakeDurable(), std::runtime_error);
  EXPECT_EQ(applied, (std::vector<Lsn>{10}));
}

}  // namespace
}  // namespace pg2ch
