// Progress of the initial load, per table and for the pipe: partitions done/total, rows copied,
// rows/s and an ETA, written to the log. Rates count this run only (a resumed load starts its
// clock again); totals include what earlier runs copied (from the catalog).
//
// Threading: AddRows is called by workers (relaxed atomics, call it per few thousand rows);
// everything else by the coordinating thread only.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace pg2ch {

struct TableProgressStart {
  std::string name;  // schema.table
  int64_t partitions_total = 0;
  int64_t partitions_done = 0;  // by earlier runs
  int64_t rows_done = 0;        // by earlier runs
  int64_t estimated_rows = 0;
};

class SnapshotProgress {
 public:
  // `live_rows`, if set, is also advanced by AddRows (the API's live counter).
  SnapshotProgress(std::string pipe, const std::vector<TableProgressStart>& tables,
                   std::atomic<uint64_t>* live_rows = nullptr);

  void AddRows(size_t table, uint64_t rows);
  void PartitionDone(size_t table);
  // One line per table still loading (and for tables that just finished), then the pipe's.
  void Log();

 private:
  struct Table {
    TableProgressStart start;
    std::atomic<uint64_t> rows{0};  // this run
    int64_t partitions_done = 0;    // this run
    bool reported_done = false;
  };
  using Clock = std::chrono::steady_clock;

  std::string pipe_;
  std::vector<std::unique_ptr<Table>> tables_;
  std::atomic<uint64_t>* live_rows_;
  Clock::time_point started_ = Clock::now();
};

}  // namespace pg2ch
