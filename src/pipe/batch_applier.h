// Writes CDC batches on a thread of its own, so the next batch is read from the replication
// stream and decoded while ClickHouse stores the previous one (pipelining).
//
// One batch at most is in flight: Submit waits for the previous one, which bounds memory to two
// batches and applies back-pressure to the stream. Batches are applied in submission order, each
// only after the one before is durable (an unchanged TOAST value read back from ClickHouse must
// see every earlier write). The caller learns what is durable from TakeDurable and only then
// checkpoints and confirms the LSN. An apply error is rethrown by the next call from the caller's
// thread; nothing after a failed batch is applied.
#pragma once

#include <condition_variable>
#include <exception>
#include <functional>
#include <mutex>
#include <optional>
#include <span>
#include <thread>
#include <vector>

#include "core/change.h"
#include "core/lsn.h"

namespace pg2ch {

struct DurableBatch {
  Lsn end = 0;  // end LSN of the last transaction the batch covers
  size_t transactions = 0;
  size_t changes = 0;
  int64_t last_commit_time = 0;  // PostgreSQL epoch microseconds
};

class BatchApplier {
 public:
  // Called on the applier's thread with the batch, which it may consume (move rows out of).
  using ApplyFn = std::function<void(std::span<Transaction>)>;
  explicit BatchApplier(ApplyFn apply);
  ~BatchApplier();  // finishes the batch in flight, if any

  // Hands `batch` over once the previous one is done. `end` may be past the batch's last
  // transaction (transactions with nothing for the pipe that followed it).
  void Submit(std::vector<Transaction> batch, Lsn end);
  // Batches that became durable since the last call, oldest first.
  std::vector<DurableBatch> TakeDurable();
  // Waits until nothing is in flight, then TakeDurable().
  std::vector<DurableBatch> Drain();
  bool Busy();

 private:
  void Run();
  void RethrowLocked();

  ApplyFn apply_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::optional<std::vector<Transaction>> pending_;
  Lsn pending_end_ = 0;
  bool in_flight_ = false;
  bool closing_ = false;
  std::vector<DurableBatch> durable_;
  std::exception_ptr failure_;
  std::thread thread_;
};

}  // namespace pg2ch
