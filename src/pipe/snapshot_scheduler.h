// Hands out the partitions of the initial load to worker threads, within the pipe's limits:
// at most `workers_per_table` partitions of one table at once, and at most `tables_in_parallel`
// tables handing out partitions at once (tables in the order given). A table frees its slot
// when its last partition is handed out, so workers move on while its tail finishes; with
// workers_per_table * tables_in_parallel workers no connection limit is ever exceeded.
//
// Thread-safe: any number of workers call Next/Finished; anyone may Cancel.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <mutex>
#include <optional>
#include <vector>

namespace pg2ch {

struct PartitionAssignment {
  size_t table = 0;      // index in the list given to the constructor
  size_t partition = 0;  // a value from that table's list
};

class SnapshotScheduler {
 public:
  // pending[t]: the partitions of table t still to copy, in the order to copy them.
  SnapshotScheduler(std::vector<std::vector<size_t>> pending, int workers_per_table,
                    int tables_in_parallel);

  // The next partition to copy; waits while the limits allow none. nullopt when nothing is
  // left to hand out, or after Cancel().
  std::optional<PartitionAssignment> Next();
  // The worker is done with `a` (copied or failed): frees its place under the limits.
  void Finished(const PartitionAssignment& a);
  void Cancel();

 private:
  std::optional<PartitionAssignment> TryAssign();  // mu_ held

  std::mutex mu_;
  std::condition_variable changed_;
  std::vector<std::deque<size_t>> pending_;
  std::vector<int> in_flight_;
  std::vector<bool> opened_;
  const int workers_per_table_;
  const int tables_in_parallel_;
  bool cancelled_ = false;
};

}  // namespace pg2ch
