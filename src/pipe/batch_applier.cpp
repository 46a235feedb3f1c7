#include "pipe/batch_applier.h"

#include <utility>

namespace pg2ch {

BatchApplier::BatchApplier(ApplyFn apply) : apply_(std::move(apply)) {
  thread_ = std::thread(&BatchApplier::Run, this);
}

BatchApplier::~BatchApplier() {
  {
    std::lock_guard lock(mu_);
    closing_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

void BatchApplier::RethrowLocked() {
  if (failure_) std::rethrow_exception(failure_);
}

void BatchApplier::Submit(std::vector<Transaction> batch, Lsn end) {
  std::unique_lock lock(mu_);
  cv_.wait(lock, [&] { return !in_flight_ || failure_; });
  RethrowLocked();
  pending_ = std::move(batch);
  pending_end_ = end;
  in_flight_ = true;
  cv_.notify_all();
}

std::vector<DurableBatch> BatchApplier::TakeDurable() {
  std::lock_guard lock(mu_);
  RethrowLocked();
  return std::exchange(durable_, {});
}

std::vector<DurableBatch> BatchApplier::Drain() {
  std::unique_lock lock(mu_);
  cv_.wait(lock, [&] { return !in_flight_ || failure_; });
  RethrowLocked();
  return std::exchange(durable_, {});
}

bool BatchApplier::Busy() {
  std::lock_guard lock(mu_);
  return in_flight_;
}

void BatchApplier::Run() {
  std::unique_lock lock(mu_);
  while (true) {
    cv_.wait(lock, [&] { return pending_.has_value() || closing_; });
    if (!pending_) return;  // closing with nothing in flight
    std::vector<Transaction> batch = std::move(*pending_);
    pending_.reset();
    DurableBatch done{pending_end_, batch.size(), 0, 0};
    for (const Transaction& t : batch) done.changes += t.changes.size();
    if (!batch.empty()) done.last_commit_time = batch.back().commit_time;
    lock.unlock();
    std::exception_ptr failure;
    try {
      apply_(batch);
    } catch (...) {
      failure = std::current_exception();
    }
    lock.lock();
    if (failure) {
      failure_ = failure;
    } else {
      durable_.push_back(done);
    }
    in_flight_ = false;
    cv_.notify_all();
    if (failure_) {
      // Nothing after a failed batch may be applied; wait for the owner to go away.
      cv_.wait(lock, [&] { return closing_; });
      return;
    }
  }
}

}  // namespace pg2ch
