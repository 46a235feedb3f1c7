// A bounded, blocking hand-off of byte blocks from one producer thread to one consumer thread:
// the back-pressure between reading PostgreSQL and sending to ClickHouse.
//
//   producer: Push(block)... Close()          consumer: Pop() until it returns nullopt
//   either side: Abort() -> both sides give up (Push returns false, Pop throws QueueAborted)
//
// Memory: at most `capacity` blocks wait in the queue. Thread-safe; lives as long as both ends.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>

namespace pg2ch {

struct QueueAborted : std::runtime_error {
  QueueAborted() : std::runtime_error("block queue aborted") {}
};

class BlockQueue {
 public:
  explicit BlockQueue(size_t capacity) : capacity_(capacity < 1 ? 1 : capacity) {}

  // Waits for room. Returns false (dropping the block) if the queue was aborted.
  bool Push(std::string block) {
    std::unique_lock lock(mu_);
    not_full_.wait(lock, [&] { return aborted_ || blocks_.size() < capacity_; });
    if (aborted_) return false;
    blocks_.push_back(std::move(block));
    not_empty_.notify_one();
    return true;
  }
  // No more blocks: Pop drains what is queued, then returns nullopt.
  void Close() {
    std::lock_guard lock(mu_);
    closed_ = true;
    not_empty_.notify_all();
  }
  void Abort() {
    std::lock_guard lock(mu_);
    aborted_ = true;
    blocks_.clear();
    not_empty_.notify_all();
    not_full_.notify_all();
  }
  // Waits for a block; nullopt once closed and drained. Throws QueueAborted after Abort().
  std::optional<std::string> Pop() {
    std::unique_lock lock(mu_);
    not_empty_.wait(lock, [&] { return aborted_ || closed_ || !blocks_.empty(); });
    if (aborted_) throw QueueAborted();
    if (blocks_.empty()) return std::nullopt;
    std::string block = std::move(blocks_.front());
    blocks_.pop_front();
    not_full_.notify_one();
    return block;
  }

 private:
  const size_t capacity_;
  std::mutex mu_;
  std::condition_variable not_full_, not_empty_;
  std::deque<std::string> blocks_;
  bool closed_ = false;
  bool aborted_ = false;
};

}  // namespace pg2ch
