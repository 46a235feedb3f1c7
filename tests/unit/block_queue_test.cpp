#include "destination/clickhouse/block_queue.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

namespace pg2ch {
namespace {

TEST(BlockQueue, DeliversInOrderThenEndsAfterClose) {
  BlockQueue q(2);
  EXPECT_TRUE(q.Push("a"));
  EXPECT_TRUE(q.Push("b"));
  q.Close();
  EXPECT_EQ(q.Pop(), "a");
  EXPECT_EQ(q.Pop(), "b");
  EXPECT_EQ(q.Pop(), std::nullopt);
}

TEST(BlockQueue, AFullQueueBlocksTheProducer) {
  BlockQueue q(1);
  ASSERT_TRUE(q.Push("first"));
  std::atomic<bool> pushed{false};
  std::thread producer([&] {
    q.Push("second");
    pushed = true;
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_FALSE(pushed.load()) << "the queue grew past its capacity";
  EXPECT_EQ(q.Pop(), "first");
  producer.join();
  EXPECT_TRUE(pushed.load());
  EXPECT_EQ(q.Pop(), "second");
}

TEST(BlockQueue, AbortWakesBothSides) {
  BlockQueue q(1);
  ASSERT_TRUE(q.Push("x"));
  bool push_result = true;
  std::thread producer([&] { push_result = q.Push("y"); });
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  q.Abort();
  producer.join();
  EXPECT_FALSE(push_result);
  EXPECT_THROW(q.Pop(), QueueAborted);
}

}  // namespace
}  // namespace pg2ch
