#include "pipe/snapshot_scheduler.h"

#include <algorithm>

namespace pg2ch {

SnapshotScheduler::SnapshotScheduler(std::vector<std::vector<size_t>> pending,
                                     int workers_per_table, int tables_in_parallel)
    : in_flight_(pending.size(), 0),
      opened_(pending.size(), false),
      workers_per_table_(std::max(1, workers_per_table)),
      tables_in_parallel_(std::max(1, tables_in_parallel)) {
  for (auto& p : pending) pending_.emplace_back(p.begin(), p.end());
}

std::optional<PartitionAssignment> SnapshotScheduler::TryAssign() {
  auto take = [&](size_t t) {
    PartitionAssignment a{t, pending_[t].front()};
    pending_[t].pop_front();
    ++in_flight_[t];
    return a;
  };
  int open = 0;
  for (size_t t = 0; t < pending_.size(); ++t) {
    if (!opened_[t] || pending_[t].empty()) continue;
    ++open;
    if (in_flight_[t] < workers_per_table_) return take(t);
  }
  if (open >= tables_in_parallel_) return std::nullopt;
  for (size_t t = 0; t < pending_.size(); ++t) {
    if (opened_[t] || pending_[t].empty()) continue;
    opened_[t] = true;
    return take(t);
  }
  return std::nullopt;
}

std::optional<PartitionAssignment> SnapshotScheduler::Next() {
  std::unique_lock lock(mu_);
  while (true) {
    if (cancelled_) return std::nullopt;
    if (auto a = TryAssign()) return a;
    bool any_pending = std::any_of(pending_.begin(), pending_.end(),
                                   [](const std::deque<size_t>& p) { return !p.empty(); });
    if (!any_pending) return std::nullopt;
    changed_.wait(lock);
  }
}

void SnapshotScheduler::Finished(const PartitionAssignment& a) {
  std::lock_guard lock(mu_);
  if (a.table < in_flight_.size() && in_flight_[a.table] > 0) --in_flight_[a.table];
  changed_.notify_all();
}

void SnapshotScheduler::Cancel() {
  std::lock_guard lock(mu_);
  cancelled_ = true;
  changed_.notify_all();
}

}  // namespace pg2ch
