// Loads the tables added to a running pipe on a thread of its own, while the pipe's CDC goes on
// (see table_changes.h for why the versions work out).
//
// Changes of a table still loading must wait until its load is durable (Done, then Complete),
// since unchanged TOAST values and TRUNCATEs of such changes need the loaded rows in ClickHouse
// first: the CDC loop holds them back meanwhile (cdc_loop.h). The thread opens its own
// catalog connection and source/destination connections; destroying the loader stops it (the
// partitions done so far stay recorded) and waits for it.
#pragma once

#include <atomic>
#include <exception>
#include <set>
#include <thread>
#include <vector>

#include "pipe/pipe_context.h"

namespace pg2ch {

class AddedTableLoader {
 public:
  // Starts loading `tables` (those recorded as not loaded yet).
  AddedTableLoader(const PipeContext& ctx, std::vector<DestinationTable> tables);
  ~AddedTableLoader();

  // True until the table's rows are durable (also when the load ended without finishing).
  bool Loading(uint32_t relid) const { return !Complete() && Loads(relid); }
  // Whether the table is one of those this loader loads (or loaded).
  bool Loads(uint32_t relid) const { return relids_.count(relid) > 0; }
  bool Done() const { return done_.load(); }
  // Rethrows the load's error, if it ended with one.
  void RethrowIfFailed() const;
  // True when the load ended having copied everything.
  bool Complete() const { return done_.load() && complete_; }

 private:
  void Run(PipeConfig config, const Catalog* pipe_catalog, int64_t pipe_id,
           std::vector<DestinationTable> tables, PipeMetrics* metrics);

  std::atomic<bool> halt_{false};
  std::set<uint32_t> relids_;
  std::atomic<bool> done_{false};
  bool complete_ = false;       // written by the thread before done_
  std::exception_ptr failure_;  // likewise
  std::thread thread_;
};

}  // namespace pg2ch
